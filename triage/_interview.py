"""The interview: one question at a time, while an answer can still change the advice.

It asks the facts of the current `Recommendation.questions` in their order (those that can change
the primary route, safety first; then whether the focus route applies; then the primary route's
own advice), and among them only those still open once the answers given so far are held: an
answer 'unknown' (or a skipped question) is final, so a fact is never asked twice, and a question
that only matters if an unknown answer became known is not asked. It stops when none is left, and
at once when a safety route is settled.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from typing import Literal

from triage._advisor import Advisor, default_advisor
from triage._case import Answer, Answers, Case, InputModel, answer_word
from triage._errors import InputError, describe, describe_key, did_you_mean, is_id
from triage._pack import UNKNOWN
from triage._reasoning_results import Question, QuestionGroup
from triage._recommendation import Recommendation
from triage._wording import WIDTH

Command = Literal["answer", "back", "quit", "help"]
_COMMANDS: dict[str, Command] = {
    "back": "back",
    "b": "back",
    "quit": "quit",
    "q": "quit",
    "?": "help",
    "help": "help",
    "h": "help",
}
_SHORT = {
    "y": "yes",
    "n": "no",
    "u": "unknown",
    "skip": "unknown",
    "not sure": "unknown",
    "unsure": "unknown",
    "don't know": "unknown",
    "dont know": "unknown",
}


class Interview:
    """An interview over one pack: ask `next_question()`, give `answer()`, read `recommendation()`.

    A web or desktop front end drives it the same way as `triage ask` does. Not thread-safe: one
    Interview per conversation (they may share an Advisor).

    >>> interview = Interview()
    >>> interview.next_question().fact
    'immediate_danger'
    >>> interview.answer("immediate_danger", "yes")
    >>> interview.next_question() is None
    True
    >>> interview.recommendation().primary_route
    'emergency_response'
    """

    def __init__(self, advisor: Advisor | None = None, answers: Answers | InputModel | None = None) -> None:
        """Start an interview, from `answers` already known (fact id -> answer, or the pack's input
        model) if given.

        Facts in `answers` count as answered, even those answered 'unknown': they are not asked.
        Raises InputError for an unknown fact id or a bad answer.
        """
        self.advisor = advisor if advisor is not None else default_advisor()
        start = answers.answers() if isinstance(answers, InputModel) else answers or {}
        case = self.advisor.case(start)
        self._given = {fact: case[fact] for fact in start}
        self._asked: list[tuple[str, str]] = []

    @property
    def answers(self) -> dict[str, str]:
        """Every answer so far (those given at the start, then those answered here)."""
        return {**self._given, **dict(self._asked)}

    @property
    def asked(self) -> tuple[str, ...]:
        """The facts answered in this interview, in order."""
        return tuple(fact for fact, _ in self._asked)

    def case(self) -> Case:
        """The case as answered so far (facts not answered are unknown)."""
        return self.advisor.case(self.answers)

    def next_question(self) -> Question | None:
        """The next question to ask, or None when no open question is left.

        It is the first of the current `Recommendation.questions` (the three lists, in order) that
        is not answered yet and still open once the answers given so far are held: an answer
        'unknown' is final, so a safety route it settles ends the interview at once."""
        still_open = self.open_facts()
        return self.question(still_open[0]) if still_open else None

    def next_questions(self) -> QuestionGroup | None:
        """The next page of questions, or None when no open question is left.

        The page holds the next question; when the pack puts it in a group, the page holds every
        question of that group still open, in the group's order, under the group's heading.
        Safety questions are never in a group: they are asked first, and alone."""
        still_open = self.open_facts()
        if not still_open:
            return None
        group = self.advisor.pack.group_of.get(still_open[0])
        if group is None:
            return QuestionGroup(title="", questions=(self.question(still_open[0]),))
        facts = [fact for fact in group.facts if fact in still_open]
        return QuestionGroup(title=group.title, questions=tuple(self.question(fact) for fact in facts))

    def open_facts(self) -> list[str]:
        """The facts whose answers could still change the advice, in the order to ask them,
        once the answers given so far (those answered 'unknown' included) are held."""
        analysis = self.advisor.analysis
        case = self.case()
        live = {fact for fact, _ in analysis.outlook(case, held=self.answers).questions}
        return [fact for fact, _ in analysis.outlook(case).questions if fact in live]

    def question(self, fact: str) -> Question:
        """The question for a fact of the pack."""
        spec = self.advisor.pack.fact[self._known(fact)]
        return Question(
            fact=spec.id, text=spec.question, help=spec.help, answers=spec.answers, safety=spec.safety
        )

    def answer(self, fact: str, value: Answer) -> None:
        """Answer a fact ('yes', 'no', 'unknown', or one of its answers). Raises InputError for an
        unknown fact, a bad answer, or a fact already answered (undo first to change it)."""
        spec = self.advisor.pack.fact[self._known(fact)]
        if fact in self.answers:
            raise InputError(
                f"'{fact}' is already answered (undo to change it)", code="given_twice", field=fact
            )
        self._asked.append((fact, answer_word(fact, value, spec.answers)))

    def undo(self) -> str | None:
        """Take back the last answer given in this interview; its fact, or None if there is none."""
        return self._asked.pop()[0] if self._asked else None

    def recommendation(self) -> Recommendation:
        """The advice on the answers so far."""
        return self.advisor.recommend(self.case())

    def _known(self, fact: str) -> str:
        if fact not in self.advisor.pack.fact:
            raise InputError(
                f"unknown fact {describe_key(fact)}{did_you_mean(fact, self.advisor.pack.fact)}",
                code="unknown_fact",
                field=fact if is_id(fact) else None,
            )
        return fact


def pages_to_settle(advisor: Advisor, case: Mapping[str, str]) -> int:
    """How many pages (question groups) an interview takes when each question is answered as in
    `case` (the figure the page's length is judged by).

    >>> pages_to_settle(default_advisor(), {"immediate_danger": "yes"})
    1
    """
    interview = Interview(advisor)
    pages = 0
    while (page := interview.next_questions()) is not None:
        pages += 1
        for question in page.questions:
            interview.answer(question.fact, case.get(question.fact, UNKNOWN))
    return pages


def parse_reply(text: str, question: Question) -> tuple[Command, str]:
    """A typed reply: ('answer', the answer word), ('back', ''), ('quit', '') or ('help', '').

    Accepts the question's answers, y / n / u, 'not sure' and 'skip' (both: unknown), '?' or help
    (the question's help), back (b), quit (q). Raises InputError for anything else.
    """
    word = " ".join(text.split()).lower().replace("\u2019", "'")
    if word in question.answers:
        return "answer", word
    if word in _COMMANDS:
        return _COMMANDS[word], ""
    if _SHORT.get(word) in question.answers:
        return "answer", _SHORT[word]
    raise InputError(f"{describe(text.strip())} is not an answer: {_choices(question)}")


def _choices(question: Question) -> str:
    answers = " / ".join("not sure" if answer == UNKNOWN else answer for answer in question.answers)
    return f"{answers} (or ? for help, back, quit)"


def help_text(question: Question) -> str:
    """What '?' shows: the question's help, and how to answer."""
    unsure = "'not sure' (or skip) when you do not know"
    if question.safety:
        unsure += ": for this safety question, not knowing is itself treated as a reason to act"
    how = f"Answer {' / '.join(a for a in question.answers if a != UNKNOWN)}, or {unsure}."
    # A question without help of its own gets how to answer it, and nothing that reads as missing.
    return "\n".join(
        textwrap.fill(text, width=WIDTH, initial_indent="  ", subsequent_indent="  ")
        for text in (question.help, how)
        if text
    )


def prompt(question: Question, number: int) -> str:
    """The question as text, ending in the prompt for the reply."""
    label = f"Question {number}{' (safety)' if question.safety else ''}: "
    lines = [textwrap.fill(label + question.text, width=WIDTH, subsequent_indent="  ")]
    if question.help:
        lines.append(
            textwrap.fill(f"({question.help})", width=WIDTH, initial_indent="  ", subsequent_indent="   ")
        )
    lines.append(f"  [{_choices(question)}] > ")
    return "\n".join(lines)


def converse(
    interview: Interview, ask: Callable[[str], str | None], tell: Callable[[str], None]
) -> Recommendation:
    """Run an interview as a text conversation, and return the advice it ends with.

    The questions come in the same groups as on the page: a group's heading is shown once, then
    its questions one by one. `ask(prompt)` shows the prompt and returns the line typed, or None at
    the end of input; `tell(message)` shows a message. 'quit', or the end of input, stops early: the
    advice is then on the answers so far (its open questions say what is still unknown).
    """
    pending: list[Question] = []
    while True:
        if not pending:
            group = interview.next_questions()
            if group is None:
                count = len(interview.asked)
                held = (
                    " while the answers 'unknown' stay unknown"
                    if UNKNOWN in interview.answers.values()
                    else ""
                )
                done = f"Done after {count} question{'' if count == 1 else 's'}: "
                tell(textwrap.fill(f"{done}no answer left could change the advice{held}.", width=WIDTH))
                break
            pending = list(group.questions)
            if len(pending) > 1:
                tell(textwrap.fill(group.title, width=WIDTH))
        question = pending[0]
        reply = ask(prompt(question, len(interview.asked) + 1))
        if reply is None:
            tell("End of input: stopping here; the advice is on the answers so far.")
            break
        try:
            command, answer = parse_reply(reply, question)
        except InputError as error:
            tell(f"  {error}")
            continue
        if command == "quit":
            tell("Stopped: the advice is on the answers so far.")
            break
        if command == "help":
            tell(help_text(question))
            continue
        if command == "back":
            if interview.undo() is None:
                tell("  Nothing to go back to.")
            pending = []  # the page is worked out again from the answers left
            continue
        interview.answer(question.fact, answer)
        pending.pop(0)
    return interview.recommendation()
