"""The `triage` command line: thin commands over the library (every behaviour lives in triage/).

Errors: bad input (a bad answer, an unknown fact, an unreadable file) and any usage error (a bad
flag, option value or argument) is one line on stderr and exit 2; a rule pack that does not load or
cannot run, exit 3; with --json or --format json that line is one JSON object,
{"error": {"code", "message", "field", "file", "line"}} (codes: triage/_errors.py). `check`, `test`
and `batch` exit 1 when they find failures.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import re
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

import click
import pydantic_core
from click.exceptions import NoArgsIsHelpError

import triage
from triage import InputError, OutputError, TriageError
from triage._advisor import DEFAULT_CHANGES, MAX_CHANGES
from triage._bounded_read import read_bounded
from triage._case import MAX_INPUT_BYTES, parse_assignments, parse_json
from triage._errors import describe, describe_path, did_you_mean, error_payload, exit_status
from triage._pack_cache import load_pack_cached
from triage._plain import plain_data
from triage._schema import SCHEMA_KINDS, json_schema
from triage._wording import terminal_width

F = TypeVar("F", bound=Callable[..., Any])


EXIT_FAILURES = 1  # check, test or batch found failures
EXIT_USAGE = 2  # bad input or usage (the exit statuses of the library's errors: triage/_errors.py)
EXIT_INTERRUPTED = 130  # Ctrl-C; SIGHUP and SIGTERM give 128 + their number, 129 and 143
EXIT_BROKEN_PIPE = 141  # stdout's reader went away (`triage batch ... | head -1`), as Unix tools


class Signalled(BaseException):
    """SIGTERM or SIGHUP, raised where the program is, so that cleanup (a batch's partial output)
    runs as it does on Ctrl-C. A BaseException: no `except Exception` may swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.code = 128 + signum


class BrokenStdout(Exception):
    """stdout's reader has gone away."""


class ClosedStdout(io.TextIOBase):
    """sys.stdout when the program started with stdout closed (`>&-`): writing fails, as it would
    on a closed descriptor, rather than click dropping every line and exiting 0."""

    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


@contextlib.contextmanager
def writing_stdout() -> Iterator[None]:
    """Errors writing stdout as the CLI reports them: a broken pipe apart, the rest one line."""
    try:
        yield
    except BrokenPipeError:
        raise BrokenStdout from None
    except OSError as error:
        if error.filename is not None:  # a file or folder that could not be read
            raise InputError(f"{error.filename}: cannot read: {error.strerror or error}") from None
        raise OutputError(f"stdout: cannot write: {error.strerror or error}") from None


def raise_on_signal(signum: int, _frame: object) -> None:
    raise Signalled(signum)


@contextlib.contextmanager
def catching_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Signalled while the command runs (only the main thread can set
    handlers; the previous ones come back after, for programs that call main() in-process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, raise_on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def shown(text: str) -> str:
    """A command or option name the user typed, as an error may show it (never free text)."""
    return (
        repr(text)
        if re.fullmatch(r"-{0,2}[A-Za-z][A-Za-z0-9_-]{0,31}", text)
        else f"({len(text)} characters)"
    )


def usage_message(error: click.ClickException) -> str:
    """click's usage error in one line, with the value the user gave left out: it may be free text
    (a name typed where an option value belongs)."""
    param = getattr(error, "param", None)
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter) and param:
        hint = f"'{param.opts[0]}'" if isinstance(param, click.Option) else param.human_readable_name
        if isinstance(param.type, click.Choice):
            return f"invalid value for {hint}: use one of {', '.join(map(str, param.type.choices))}"
        if isinstance(param.type, (click.IntRange, click.FloatRange)):
            return f"invalid value for {hint}: use {range_words(param.type)}"
    if isinstance(error, click.NoSuchOption):
        hint = f" (did you mean {error.possibilities[0]}?)" if error.possibilities else ""
        return f"no such option {shown(error.option_name)}{hint}"
    return " ".join(error.format_message().split())  # messages that name only our own options or files


def range_rule(kind: click.IntRange | click.FloatRange) -> str:
    """A number range's rule in words: "from 1 to 64", "1 or more", "more than 0 and at most
    3600" (never click's "0<x<=3600" or "None").

    >>> range_rule(click.IntRange(1, 64)), range_rule(click.IntRange(min=1))
    ('from 1 to 64', '1 or more')
    >>> range_rule(click.FloatRange(0, 3600, min_open=True)), range_rule(click.FloatRange(0, 100))
    ('more than 0 and at most 3600', 'from 0 to 100')
    """
    low, high, low_open, high_open = kind.min, kind.max, kind.min_open, kind.max_open
    if isinstance(kind, click.IntRange):  # an open end of whole numbers is a closed one a step in
        if low is not None and low_open:
            low += 1
        if high is not None and high_open:
            high -= 1
        low_open = high_open = False
    if low is not None and high is not None and not (low_open or high_open):
        return f"from {low:g} to {high:g}"
    lower = None if low is None else f"more than {low:g}" if low_open else f"{low:g} or more"
    upper = None if high is None else f"less than {high:g}" if high_open else f"at most {high:g}"
    return " and ".join(part for part in (lower, upper) if part) or "any"


def range_words(kind: click.IntRange | click.FloatRange) -> str:
    """What a number option takes, in words: "a whole number from 1 to 64", "a whole number of 1
    or more", "a number more than 0 and at most 3600"."""
    noun = "a whole number" if isinstance(kind, click.IntRange) else "a number"
    rule = range_rule(kind)
    if rule == "any":
        return noun
    return f"{noun} of {rule}" if rule.endswith("or more") or rule.startswith("at most") else f"{noun} {rule}"


class WholeNumbers(click.IntRange):
    """A range of whole numbers, said in words in --help ("[from 1 to 64]") as in errors."""

    name = "number"

    def _describe_range(self) -> str:  # click's hook for the range --help shows
        return range_rule(self)


class Numbers(click.FloatRange):
    """A range of numbers, said in words in --help ("[more than 0 and at most 3600]")."""

    name = "number"

    def _describe_range(self) -> str:  # click's hook for the range --help shows
        return range_rule(self)


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for JSON (--json or --format json, and no other format), so
    that its errors come as JSON too."""
    words = list(args[: args.index("--")] if "--" in args else args)
    formats = {word.partition("=")[2] for word in words if word.startswith("--format=")}
    formats.update(words[i + 1] for i, word in enumerate(words[:-1]) if word == "--format")
    return ("--json" in words or "json" in formats) and formats <= {"json"}


def fail(
    args: Sequence[str], status: int, code: str, message: str, error: TriageError | None = None
) -> NoReturn:
    """The one way out for an error: one line on stderr (with --json / --format json, one JSON
    object {"error": {"code", "message", "field", "file", "line"}}) and the exit status."""
    if wants_json(args):
        click.echo(json.dumps(error_payload(error, code=code, message=message), ensure_ascii=False), err=True)
    else:
        click.echo(f"triage: {'interrupted' if code == 'interrupted' else f'error: {message}'}", err=True)
    sys.exit(status)


class TriageCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.allow_extra_args = True  # click's own error would repeat the extra arguments
        rest = super().parse_args(ctx, args)
        if ctx.args and not ctx.resilient_parsing:
            count = len(ctx.args)
            raise click.UsageError(f"{count} unexpected argument{'s' * (count != 1)} (see --help)")
        return rest


class TriageGroup(click.Group):
    """The one place every error leaves the program: one line on stderr, never a traceback or a
    usage screen (with --json / --format json, one JSON object), and a documented exit code
    (docs/integration.md, "Exit codes"): bad input (a TriageError in a command or an option's
    callback) and click's usage errors exit 2, a rule pack that does not load or cannot run 3, an
    answer that cannot be written 4, Ctrl-C 130, SIGHUP 129 and SIGTERM 143 ("interrupted"), and
    a broken pipe 141 quietly."""

    command_class = TriageCommand

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise click.UsageError(f"no such command {shown(name)}{did_you_mean(name, self.commands)}")
        return super().resolve_command(ctx, args)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with writing_stdout():  # --help and --version print while the options are parsed
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with writing_stdout():  # inside click, which would make a broken pipe exit 1
            return super().invoke(ctx)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if sys.stdout is None:
            sys.stdout = ClosedStdout()
        with catching_signals():
            return self.standalone(args, prog_name, complete_var, **extra)

    def standalone(
        self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, **extra: Any
    ) -> NoReturn:
        words = sys.argv[1:] if args is None else list(args)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            with writing_stdout():
                sys.stdout.flush()
        except TriageError as error:  # its exit status is its code's, in the one table of codes
            fail(words, exit_status(error.code), error.code, str(error), error)
        except NoArgsIsHelpError as error:  # `triage` or `triage rules` alone: the help, as asked
            error.show()
            sys.exit(error.exit_code)
        except click.ClickException as error:
            fail(words, EXIT_USAGE, "usage", usage_message(error))
        except (click.Abort, Signalled) as error:  # click has already ended the terminal's ^C line
            status = error.code if isinstance(error, Signalled) else EXIT_INTERRUPTED
            fail(words, status, "interrupted", "interrupted")
        except BrokenStdout:
            # Quietly, as Unix tools do; stdout goes to /dev/null so that Python's own flush at
            # exit does not report the broken pipe again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        sys.exit(code if isinstance(code, int) else 0)


RULES_DIR = click.Path(file_okay=False, path_type=Path)
"""The type of every command's --rules (one instance: making one per command costs the start-up of
every command a millisecond of message-catalogue lookups)."""


def rules_option(func: F) -> F:
    return click.option(
        "--rules",
        "rules_dir",
        type=RULES_DIR,
        default=None,
        help="Rule pack folder (default: the pack installed with triage, which `triage --version` names).",
    )(func)


PACK_DIR = click.argument("pack_dir", metavar="[DIR]", required=False, type=RULES_DIR)
"""The pack folder as an argument, as the `rules` commands take it beside --rules."""


def one_pack(pack_dir: Path | None, rules_dir: Path | None) -> Path | None:
    """The pack folder given as DIR or --rules (None: the default pack); a usage error when the two
    name different folders."""
    if pack_dir is not None and rules_dir is not None and pack_dir != rules_dir:
        raise click.UsageError("give the pack folder once: DIR or --rules")
    if pack_dir is not None and not pack_dir.is_dir():
        raise InputError(f"{describe_path(pack_dir)}: no such folder")
    return pack_dir or rules_dir


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def advisor_for(rules_dir: Path | None) -> triage.Advisor:
    """The Advisor of a pack folder (the default pack when None), its validated pack cached by
    content hash (see triage/_pack_cache.py; `rules check` always validates in full)."""
    return triage.Advisor(load_pack_cached(rules_dir or triage.default_pack_path()))


def read_text(source: str) -> str:
    """A file's text (or stdin's for '-'), refusing anything over the input size limit."""
    name = "stdin" if source == "-" else source
    stream = stdin().buffer if source == "-" else Path(source)
    return read_bounded(stream, MAX_INPUT_BYTES, lambda problem: InputError(f"{name}: {problem}"))


def stdin() -> TextIO:
    """sys.stdin, or an InputError when the program started with it closed (`<&-`)."""
    if sys.stdin is None:
        raise InputError("stdin: closed")
    return sys.stdin


def gather_answers(advisor: triage.Advisor, input_file: str | None, facts: tuple[str, ...]) -> dict[str, Any]:
    """Answers from --input (JSON object) then --fact ID=ANSWER (later ones win)."""
    answers: dict[str, Any] = {}
    if input_file is not None:
        source = "stdin" if input_file == "-" else input_file
        try:
            data = parse_json(read_text(input_file), source=source, keys="fact")
        except InputError as error:
            error.file = source
            raise
        try:
            advisor.case(data)  # validates, naming the field
        except InputError as error:
            raise InputError(f"{source}: {error}", code=error.code, field=error.field, file=source) from None
        answers.update(data)
    answers.update(parse_assignments(facts, advisor.pack))
    return answers


def chosen_format(as_json: bool, output_format: str | None) -> str:
    """The output format of --json / --format (text unless told), or a usage error when they disagree."""
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} disagree: give one of them")
    return "json" if as_json else output_format or "text"


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--version: the library, the default pack's id, version and sha256, and the engine."""
    if not value or ctx.resilient_parsing:
        return
    from triage._recommendation_text import render_version

    click.echo(render_version(advisor_for(None)))
    ctx.exit()


@click.group(cls=TriageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=show_version,
    help="Show the versions of triage and of the default rule pack (and its sha256), and exit.",
)
def main() -> None:
    """Advice on whether a Multiagency Reflective Case Discussion fits a case, or which route
    fits better, with reasons and sources. Advice to discuss, never a decision."""


@main.command()
@click.option(
    "--fact", "facts", multiple=True, metavar="ID=ANSWER", help="An answer (repeatable): yes, no or unknown."
)
@click.option("--input", "input_file", metavar="FILE|-", help="A JSON object of answers ('-' for stdin).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default=None,
    help="text (default), json, or markdown: a short record to paste into a case file.",
)
@json_option
@rules_option
def assess(
    facts: tuple[str, ...],
    input_file: str | None,
    output_format: str | None,
    as_json: bool,
    rules_dir: Path | None,
) -> None:
    """Assess a case: which route fits, and why."""
    output_format = chosen_format(as_json, output_format)
    advisor = advisor_for(rules_dir)
    rec = advisor.assess(gather_answers(advisor, input_file, facts))
    click.echo(render(rec, output_format))


@main.command()
@json_option
@rules_option
def facts(as_json: bool, rules_dir: Path | None) -> None:
    """List the questions (fact ids), their answers and help text."""
    pack = advisor_for(rules_dir).pack
    if as_json:
        echo_json([fact.model_dump(mode="json") for fact in pack.facts])
        return
    for fact in pack.facts:
        flag = "  (safety: asked first; unknown is treated as a precaution)" if fact.safety else ""
        click.echo(f"{fact.id}  [{' / '.join(fact.answers)}]{flag}")
        click.echo(f"    {fact.question}")
        if fact.help:
            click.echo(f"    ({fact.help})")


@main.group(cls=TriageGroup)
def rules() -> None:
    """Inspect and check a rule pack."""


@rules.command("list")
@PACK_DIR
@json_option
@rules_option
def rules_list(pack_dir: Path | None, as_json: bool, rules_dir: Path | None) -> None:
    """List the rules of a pack: id, effect, route, reason."""
    pack = advisor_for(one_pack(pack_dir, rules_dir)).pack
    if as_json:
        echo_json([rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in pack.rules])
        return
    for rule in pack.rules:
        target = rule.route or (f"when {rule.requires_route}" if rule.requires_route else "")
        click.echo(f"{rule.id:<30} {rule.effect:<9} {target}".rstrip())
        click.echo(f"    {' '.join(rule.reason.split())}")


@rules.command("show")
@click.argument("rule_id", metavar="RULE")
@PACK_DIR
@json_option
@rules_option
def rules_show(rule_id: str, pack_dir: Path | None, as_json: bool, rules_dir: Path | None) -> None:
    """Show one rule: its condition, effect, reason and source."""
    pack = advisor_for(one_pack(pack_dir, rules_dir)).pack
    rule = pack.find_rule(rule_id)
    data = rule.model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        echo_json(data)
        return
    click.echo(f"{rule.id}: {rule.effect} {rule.route or ''}".rstrip())
    if rule.requires_route:
        click.echo(f"  only when recommended: {rule.requires_route}")
    click.echo("  when:")
    click.echo("    " + json.dumps(data["when"]))
    if rule.text:
        click.echo(f"  note: {' '.join(rule.text.split())}")
    click.echo(f"  reason: {' '.join(rule.reason.split())}")
    click.echo(f"  source: {pack.cite(rule.source)}")


@rules.command("check")
@click.argument(
    "pack_dir", metavar="[DIR]", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@json_option
@rules_option
@click.pass_context
def rules_check(ctx: click.Context, pack_dir: Path | None, as_json: bool, rules_dir: Path | None) -> None:
    """Check a rule pack without running cases (default: the default pack).

    Errors (exit 1): the pack does not load (every problem listed), a rule that can never hold or
    never take effect, a route no rule can recommend or that is never primary, a safety question
    whose 'unknown' leads to no safety route, alternatives that come together, a duplicate rule.
    Warnings (exit 0): a subsumed rule, a fact no rule reads, a source never cited.
    """
    report = triage.check_pack(one_pack(pack_dir, rules_dir) or triage.default_pack_path())
    if as_json:
        echo_json(report.model_dump(mode="json"))
    else:
        for finding in report.findings:
            click.echo(finding.line())
        click.echo(report.summary())
    if not report.ok:
        ctx.exit(EXIT_FAILURES)


@rules.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@json_option
@click.pass_context
def rules_diff(ctx: click.Context, old: str, new: str, as_json: bool) -> None:
    """Compare two versions of a pack: every change in the answers, where it shows, with an
    example; questions reworded under the same id; a version that did not change. OLD and NEW are
    pack folders, or REV:FOLDER for a folder at a git revision (HEAD~1:rules/moray). Exit 0 when
    the packs answer alike (and the version changed if anything did), 1 otherwise."""
    import tempfile

    from triage._pack_diff import diff_packs, load_version

    with tempfile.TemporaryDirectory() as before, tempfile.TemporaryDirectory() as after:
        old_pack, old_label = load_version(old, Path(before))
        new_pack, new_label = load_version(new, Path(after))
        diff = diff_packs(old_pack, new_pack, old_label=old_label, new_label=new_label)
    if as_json:
        echo_json(diff.model_dump(mode="json"))
    else:
        for line in diff.lines():
            click.echo(line)
    if not diff.alike or diff.version_unchanged:
        ctx.exit(EXIT_FAILURES)


@rules.command("doc")
@click.argument("pack_dir", metavar="[DIR]", required=False, type=RULES_DIR)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="markdown, or html: a page to print or save as PDF.",
)
@rules_option
def rules_doc(pack_dir: Path | None, fmt: str, rules_dir: Path | None) -> None:
    """The pack in plain words, for the committee that signs it off: each route with when it
    applies and is ruled out, its steps, contacts and notes, each rule's reason and source, the
    questions and the sources."""
    from triage._pack_doc import pack_document

    pack = advisor_for(one_pack(pack_dir, rules_dir)).pack
    click.echo(pack_document(pack, "html" if fmt == "html" else "markdown"), nl=False)


@rules.command("new")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
def rules_new(folder: Path) -> None:
    """Start a pack: a small, complete one in DIR (a new folder) that checks clean and passes its
    own scenarios, with comments saying what to change."""
    from triage._scaffold import new_pack

    new_pack(folder)
    click.echo(f"A new pack is in {folder}. Make it yours, then check and test it:")
    click.echo(f"  triage rules check {folder}")
    click.echo(f"  triage test {folder / 'scenarios'} --rules {folder} --coverage")


@main.command("test")
@click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--coverage",
    "with_coverage",
    is_flag=True,
    help="Also list the rules, routes, notes and rule-outs no scenario exercises, with draft scenarios.",
)
@click.option(
    "--min-coverage",
    type=Numbers(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit 1 when the scenarios cover less than this share of the pack (implies --coverage).",
)
@json_option
@rules_option
@click.pass_context
def test_scenarios(
    ctx: click.Context,
    paths: tuple[Path, ...],
    with_coverage: bool,
    min_coverage: float | None,
    as_json: bool,
    rules_dir: Path | None,
) -> None:
    """Run scenario files (JSON or YAML; files or folders) against a pack; exit 1 on any failure."""
    wanted = with_coverage or min_coverage is not None
    report = triage.run_scenarios(paths, advisor=advisor_for(rules_dir), coverage=wanted)
    covered = report.coverage
    short = covered is not None and min_coverage is not None and covered.percent < min_coverage
    if as_json:
        echo_json(report.model_dump(mode="json", exclude_none=not wanted))
    else:
        for result in report.results:
            if not result.passed:
                click.echo(f"FAIL {result.file}: {result.name}")
                for difference in result.differences:
                    click.echo(f"  - {difference}")
        for line in covered.lines() if covered is not None else ():
            click.echo(line)
        if short:
            click.echo(f"coverage below the minimum of {min_coverage:g}%")
        click.echo(report.summary())
    if report.failed or short:
        ctx.exit(EXIT_FAILURES)


@main.command()
@click.argument("source", metavar="FILE.jsonl|-")
@click.option("--out", "out", metavar="FILE|-", help="Write here (atomically; '-' for stdout).")
@click.option(
    "--jobs",
    type=WholeNumbers(min=1),
    metavar="N",
    help="Worker processes (default: one per core); the output is the same for any number.",
)
@click.option(
    "--fields",
    metavar="NAME,...",
    help="Write only these fields of each answer (e.g. primary_route,provisional), for pipelines.",
)
@rules_option
@click.pass_context
def batch(
    ctx: click.Context,
    source: str,
    out: str | None,
    jobs: int | None,
    fields: str | None,
    rules_dir: Path | None,
) -> None:
    """Assess one case per line of a JSON Lines file: one JSON answer per line, in order.

    A bad line gets {"line": N, "error": "..."} in its place (a blank line too); exit 1 at the end
    if any line was bad. An "id" key in a line is the case's id, written first in its answer.
    --out is written whole or not at all.
    """
    if out == "":
        raise InputError("--out: an empty file name")
    chosen = None if fields is None else [name.strip() for name in fields.split(",") if name.strip()]
    advisor = advisor_for(rules_dir)
    target = sys.stdout if out in (None, "-") else Path(out)
    size = 0 if source == "-" or not sys.stderr.isatty() else file_size(source)
    with contextlib.ExitStack() as stack:
        progress = progress_bar(stack, size) if size else None
        summary = triage.run_batch(
            source, target, advisor=advisor, progress=progress, jobs=jobs, fields=chosen
        )
    if not summary.ok:
        click.echo(f"triage: {summary.bad} of {summary.lines} lines could not be assessed", err=True)
        ctx.exit(EXIT_FAILURES)


def file_size(source: str) -> int:
    """The size of a regular file, for a progress bar; 0 when there is none to show (run_batch
    reports a file it cannot read)."""
    try:
        info = Path(source).stat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def progress_bar(stack: contextlib.ExitStack, size: int) -> Callable[[int], None]:
    """A progress callback for `size` bytes whose bar (on stderr) appears at the first step, so
    that an input or output that cannot be opened gets its one-line error with no bar before it."""
    update: Callable[[int], None] | None = None

    def step(taken: int) -> None:
        nonlocal update
        if update is None:
            bar = click.progressbar(
                length=size, label="assessing", file=sys.stderr, update_min_steps=max(1, size // 200)
            )
            update = stack.enter_context(bar).update
        update(taken)

    return step


@rules.command("diagram")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "markdown"]),
    default="mermaid",
    show_default=True,
    help="mermaid, dot (Graphviz), or markdown (a page with the Mermaid diagram and a legend).",
)
@PACK_DIR
@rules_option
def rules_picture(fmt: str, pack_dir: Path | None, rules_dir: Path | None) -> None:
    """Draw the pack: facts -> rules -> routes, rule-outs marked, routes most urgent first."""
    click.echo(triage.rules_diagram(advisor_for(one_pack(pack_dir, rules_dir)).pack, fmt))


@main.command()
@click.argument("kind", type=click.Choice(SCHEMA_KINDS))
@rules_option
def schema(kind: str, rules_dir: Path | None) -> None:
    """Print the JSON Schema of the input (answers), the output, or a pack file."""

    echo_json(json_schema(kind, advisor_for(rules_dir).pack))


def render(rec: triage.Recommendation, output_format: str, answered: Sequence[str] = ()) -> str:
    """The advice as JSON, a Markdown case record (`answered`: the facts the user answered, even
    'not sure'), or text wrapped to the terminal."""
    if output_format == "json":
        # plain_data(rec) is rec.model_dump(mode="json") without building pydantic's serializer;
        # pydantic-core writes it as json.dumps(..., indent=2, ensure_ascii=False) would, in a
        # sixth of the time (json's indented output is written in Python).
        return pydantic_core.to_json(plain_data(rec), indent=2).decode()
    if output_format == "markdown":
        return triage.render_markdown(rec, answered)
    return triage.render_text(rec, width=terminal_width())


def read_reply(prompt: str) -> str | None:
    """Show an interview prompt on stderr and read one reply from stdin (None at end of input)."""
    click.echo(prompt, nl=False, err=True)
    raw = stdin().buffer.readline(MAX_INPUT_BYTES + 1)
    if not raw:
        click.echo(err=True)
        return None
    try:
        if len(raw) > MAX_INPUT_BYTES:  # one reply, however long: never read as two
            raise InputError(f"stdin: a reply longer than {MAX_INPUT_BYTES // 1024} KiB")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("stdin: not UTF-8 text") from None
    except InputError:
        click.echo(err=True)  # the error goes on a line of its own, not after the prompt
        raise
    if not stdin().isatty():  # so a piped transcript reads like a typed one, without free text
        word = line.strip()
        # Words up to 12 letters ("not sure" included) are replies, not free text.
        click.echo(
            word if re.fullmatch(r"[A-Za-z?]{0,12}|[Nn]ot [Ss]ure", word) else f"({describe(word)})", err=True
        )
    return line


@main.command()
@click.option(
    "--input",
    "input_file",
    metavar="FILE",
    help="Start from these answers (a JSON object); they are not asked again.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default=None,
    help="text (default), json, or markdown: the case record, with the answers given.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the advice to this file (whole, or not at all) instead of stdout.",
)
@json_option
@rules_option
def ask(
    input_file: str | None, output_format: str | None, out: Path | None, as_json: bool, rules_dir: Path | None
) -> None:
    """Interview: ask the open questions in order (what can change the primary route, then whether
    an RCD fits, then the next steps), then advise. Questions go to stderr, the advice to stdout or
    --out. Reply yes, no or not sure (y, n, u, skip), ? for the question's help, back or quit;
    quit or the end of input gives the advice on the answers so far."""
    from triage._atomic import atomic_text
    from triage._interview import converse

    output_format = chosen_format(as_json, output_format)
    if input_file == "-":
        raise InputError("--input -: the interview reads its replies from stdin; give a file")
    stdin()  # closed: say so before the first question
    advisor = advisor_for(rules_dir)
    interview = triage.Interview(advisor, gather_answers(advisor, input_file, ()))
    rec = converse(interview, ask=read_reply, tell=lambda message: click.echo(message, err=True))
    text = render(rec, output_format, tuple(interview.answers))
    if out is None:
        click.echo(text)
        return
    with atomic_text(out) as handle:
        handle.write(text + "\n")
    click.echo(f"The advice ({output_format}) is in {out}.", err=True)


@main.command("what-if")
@click.argument("input_file", metavar="FILE")
@click.option("--set", "changes", multiple=True, metavar="ID=ANSWER", help="A changed answer (repeatable).")
@click.option(
    "--max-changes",
    type=WholeNumbers(1, MAX_CHANGES),
    metavar="N",
    default=None,
    help=f"Without --set: change up to this many answers at once (default {DEFAULT_CHANGES}).",
)
@json_option
@rules_option
def what_if(
    input_file: str, changes: tuple[str, ...], max_changes: int | None, as_json: bool, rules_dir: Path | None
) -> None:
    """What if some answers changed (--set), or which smallest changes would change the advice.

    FILE is a JSON object of answers, as for assess --input ('-' for stdin)."""
    from triage._reasoning_text import render_alternatives, render_what_if

    advisor = advisor_for(rules_dir)
    answers = gather_answers(advisor, input_file, ())
    result: triage.WhatIf | triage.Alternatives
    if changes:
        if max_changes is not None:
            raise click.UsageError("--max-changes is for what-if without --set")
        result = advisor.what_if(answers, parse_assignments(changes, advisor.pack, option="--set"))
        text = render_what_if(result)
    else:
        limit = DEFAULT_CHANGES if max_changes is None else max_changes
        found = advisor.alternatives(answers, limit)
        result, text = found, render_alternatives(found)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(text)


@main.command()
@click.argument("input_file", metavar="FILE")
@click.option("--why-not", "route", required=True, metavar="ROUTE", help="The route to explain (a route id).")
@json_option
@rules_option
def explain(input_file: str, route: str, as_json: bool, rules_dir: Path | None) -> None:
    """Why a route is not (or is) recommended for the answers in FILE ('-' for stdin)."""
    from triage._reasoning_text import render_why_not

    advisor = advisor_for(rules_dir)
    result = advisor.why_not(gather_answers(advisor, input_file, ()), route)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(render_why_not(result))


def checked(pattern: str, wanted: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option callback refusing a value that does not match `pattern` (None passes)."""

    def check(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and not re.fullmatch(pattern, value):
            raise click.BadParameter(f"use {wanted}")
        return value

    return check


SECONDS = Numbers(0, 3600, min_open=True)
"""A timeout in seconds: more than 0, at most an hour."""


def setting(
    name: str, variable: str, kind: click.ParamType[Any], default: float, text: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option of `serve` that its environment variable may set too, its default shown."""
    return click.option(name, envvar=variable, type=kind, default=default, show_default=True, help=text)


@main.command()
@click.option(
    "--host", envvar="TRIAGE_HOST", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    envvar="TRIAGE_PORT",
    type=WholeNumbers(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free).",
)
@click.option(
    "--rules", "rules_dir", envvar="TRIAGE_RULES", type=RULES_DIR, default=None, help="Rule pack folder."
)
@click.option(
    "--pack-sha256",
    envvar="TRIAGE_PACK_SHA256",
    callback=checked(r"[0-9a-fA-F]{64}", "the 64 hex digits of `triage --version`"),
    help="Refuse to start (exit 3) unless the pack's sha256 is this.",
)
@click.option(
    "--workers",
    envvar="TRIAGE_WORKERS",
    type=WholeNumbers(1, 64),
    default=1,
    show_default=True,
    help="Server processes on the one port.",
)
@click.option(
    "--root-path",
    envvar="TRIAGE_ROOT_PATH",
    default="",
    callback=checked(r"(/[A-Za-z0-9._~-]+)*", "a path such as /triage, with no slash at the end"),
    help="The path a proxy serves it under (the proxy takes it off).",
)
@setting(
    "--request-timeout",
    "TRIAGE_REQUEST_TIMEOUT",
    SECONDS,
    10.0,
    "Seconds a connection may take to send a request's headers.",
)
@setting(
    "--body-timeout",
    "TRIAGE_BODY_TIMEOUT",
    SECONDS,
    30.0,
    "Seconds a request may take to send its body, after its headers.",
)
@setting(
    "--keep-alive",
    "TRIAGE_KEEP_ALIVE",
    WholeNumbers(1, 3600),
    5,
    "Seconds an idle connection is kept open after an answer (above the proxy's own).",
)
@setting(
    "--max-connections",
    "TRIAGE_MAX_CONNECTIONS",
    WholeNumbers(1, 100_000),
    512,
    "Open connections per server process; past it a new one is closed at once.",
)
@setting(
    "--shutdown-timeout",
    "TRIAGE_SHUTDOWN_TIMEOUT",
    WholeNumbers(1, 3600),
    30,
    "Seconds the requests in flight may take to finish on a stop signal.",
)
def serve(
    host: str,
    port: int,
    rules_dir: Path | None,
    pack_sha256: str | None,
    workers: int,
    root_path: str,
    request_timeout: float,
    body_timeout: float,
    keep_alive: int,
    max_connections: int,
    shutdown_timeout: int,
) -> None:
    """Serve the page for practitioners and the JSON API (the web extra). Stores nothing.

    Every option can also be set by its environment variable: TRIAGE_HOST, TRIAGE_PORT,
    TRIAGE_RULES, TRIAGE_PACK_SHA256, TRIAGE_WORKERS, TRIAGE_ROOT_PATH, TRIAGE_REQUEST_TIMEOUT,
    TRIAGE_BODY_TIMEOUT, TRIAGE_KEEP_ALIVE, TRIAGE_MAX_CONNECTIONS, TRIAGE_SHUTDOWN_TIMEOUT.
    SIGTERM, SIGHUP and Ctrl-C stop it once the requests in flight are answered."""
    try:
        from triage.web import serve as serve_web
        from triage.web._serve import Limits
    except ImportError:
        raise TriageError(
            "triage serve needs the web extra: pip install 'rcd-triage[web]'", code="usage"
        ) from None
    # Validated in full, never from the command line's pack cache: a server runs for long, and
    # starts rarely enough that the cache's time saved is nothing beside what it would trust.
    advisor = triage.Advisor(rules_dir or triage.default_pack_path())
    limits = Limits(
        request_s=request_timeout,
        body_s=body_timeout,
        keep_alive_s=keep_alive,
        connections=max_connections,
        shutdown_s=shutdown_timeout,
    )
    serve_web(
        advisor,
        host,
        port,
        workers=workers,
        root_path=root_path,
        pack_sha256=pack_sha256,
        limits=limits,
        say=click.echo,
    )


if __name__ == "__main__":
    main()
