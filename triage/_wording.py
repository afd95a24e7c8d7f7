"""Text helpers shared by everything that prints for a person: line width, wrapping, the words for
the focus route's status, and why a rule does not apply, said with the pack's questions (no ids)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from triage._conditions import failed_tests
from triage._pack import Pack

if TYPE_CHECKING:
    from triage._conditions import Test  # a name pytest would try to collect from the doctests
    from triage._recommendation import Contact

WIDTH = 80
"""The line width of text for people when the terminal's is not known (80 columns)."""
MIN_WIDTH = 40
STATUS_WORDS = {
    "recommended": "recommended",
    "possible": "possible - it depends on answers not yet known",
    "not_recommended": "not recommended",
}
"""The focus route's status (`RcdStatus.status`) in words."""


def terminal_width() -> int:
    """The width to wrap to: the terminal's (or $COLUMNS), 80 when output is not a terminal."""
    import shutil  # here, not at the top: JSON output never needs it, and it is slow to import

    return max(MIN_WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)


@lru_cache(maxsize=4096)  # the pack's questions and reasons, again and again in every answer
def one_line(text: str) -> str:
    """The text with its runs of white space (folded YAML, new lines) made single spaces."""
    return " ".join(text.split())


def wrap(
    text: str, indent: str = "  ", bullet: str = "- ", width: int = WIDTH, hang: str | None = None
) -> str:
    """A bulleted paragraph wrapped to `width`, its continuation lines under the text (or, with
    `hang`, indented by it); a line breaks only between words (a word longer than the line keeps
    its own line), and never inside a bracketed name such as "[rule rcd_complex]".

    >>> print(wrap("It fits when the case is complex and shared. [rule rcd_complex]", width=50))
      - It fits when the case is complex and shared.
        [rule rcd_complex]
    """
    filled = textwrap.fill(
        _NAMED.sub(_glued, one_line(text)),
        width=width,
        initial_indent=indent + bullet,
        subsequent_indent=indent + (" " * len(bullet) if hang is None else hang),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return filled.replace(_GLUE, " ")


_GLUE = "\u00a0"  # a space textwrap does not break at (it breaks at ASCII white space only)
_NAMED = re.compile(r"\[(?:rule )?[\w.-]+[\];]")
"""A bracketed name: "[rule rcd_complex]", "[reflective_case_discussion]", or the start of a
citation, "[rule rcd_complex; source: ...]"."""


def _glued(found: re.Match[str]) -> str:
    return found.group().replace(" ", _GLUE)


def needed(pack: Pack, test: Test) -> list[str]:
    """The answers that satisfy a test, in the order of the fact's answers."""
    return [answer for answer in pack.fact[test.fact].answers if answer in test.answers]


def not_met(pack: Pack, rule_id: str, case: Mapping[str, str]) -> str:
    """Why a rule does not apply to a case, with its reason and the questions answered otherwise.

    >>> import triage
    >>> pack = triage.load_pack(triage.default_pack_path())
    >>> case = triage.Advisor(pack).case({"multiagency": "yes", "complex": "no"})
    >>> print(not_met(pack, "rcd_complex", case))
    It fits when ...; here '...' is answered no, not yes.
    """
    lacking = "; ".join(
        f"'{one_line(pack.fact[test.fact].question)}' is answered {case[test.fact]}, "
        f"not {' or '.join(needed(pack, test))}"
        for test in failed_tests(pack.normal[rule_id], case)
    )
    reason = one_line(pack.rule[rule_id].reason).rstrip(".")
    first = reason.split(" ", 1)[0]
    if first[1:].islower() or len(first) == 1:  # 'The case', 'A child' read on; 'RCD', 'CARM' do not
        reason = reason[:1].lower() + reason[1:]
    return f"It fits when {reason}; here {lacking}."


def questions(pack: Pack, facts: Iterable[str]) -> str:
    """The questions of some facts, one after another: "Is the case complex? Is the case stuck ...?"."""
    return " ".join(one_line(pack.fact[fact].question) for fact in facts)


def answer_change(question: str, fact: str, old: str, new: str) -> str:
    """A changed answer, with the question: "Is the case complex? no -> yes [complex]"."""
    return f"{one_line(question)} {old} -> {new} [{fact}]"


def contact_name(contact: Contact) -> str:
    """A contact's name with the details the name does not already give: "Name (phone, email)"."""
    details = [
        item for item in (contact.phone, contact.email, contact.url) if item and item not in contact.name
    ]
    return f"{contact.name} ({', '.join(details)})" if details else contact.name


def contact_line(contact: Contact) -> str:
    """A contact in one line: "Name (details not in the name) - what for (as of date)"."""
    dated = "" if contact.as_of == "unknown" else f" (as of {contact.as_of})"
    return f"{contact_name(contact)} - {contact.role}{dated}"
