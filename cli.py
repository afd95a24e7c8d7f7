"""The `triage` command line: thin commands over the library (every behaviour lives in triage/).

Errors: any TriageError (bad answer, unknown fact, unreadable file, bad pack) is one line on stderr
and exit 2; `check` and `test` exit 1 when they find failures.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

import triage
from triage._case import MAX_INPUT_BYTES, parse_assignment, parse_json
from triage._errors import InputError, TriageError

F = TypeVar("F", bound=Callable[..., Any])


class TriageGroup(click.Group):
    """Turns every TriageError into one line on stderr and exit 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TriageError as error:
            click.echo(f"triage: error: {error}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("triage: interrupted", err=True)
            ctx.exit(130)


def rules_option(func: F) -> F:
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Rule pack folder (default: the Moray pack).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def advisor_for(rules_dir: Path | None) -> triage.Advisor:
    return triage.Advisor(rules_dir)


def read_text(source: str) -> str:
    """A file's text (or stdin's for '-'), refusing anything over the input size limit."""
    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: larger than {MAX_INPUT_BYTES // 1024} KiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None


def gather_answers(advisor: triage.Advisor, input_file: str | None, facts: tuple[str, ...]) -> dict[str, Any]:
    """Answers from --input (JSON object) then --fact ID=ANSWER (later ones win)."""
    answers: dict[str, Any] = {}
    if input_file is not None:
        data = parse_json(read_text(input_file), source="stdin" if input_file == "-" else input_file)
        advisor.case(data)  # validates, naming the field
        answers.update(data)
    for item in facts:
        fact, answer = parse_assignment(item, advisor.pack)
        answers[fact] = answer
    return answers


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--version: the library, the default pack's id, version and sha256, and the engine."""
    if not value or ctx.resilient_parsing:
        return
    from triage._render import render_version

    try:
        click.echo(render_version(advisor_for(None)))
    except TriageError as error:
        raise click.ClickException(str(error)) from None
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
    from triage._render import RENDERERS

    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} disagree: give one of them")
    output_format = "json" if as_json else output_format or "text"
    advisor = advisor_for(rules_dir)
    rec = advisor.assess(gather_answers(advisor, input_file, facts))
    if output_format == "json":
        echo_json(rec.model_dump(mode="json"))
    else:
        click.echo(RENDERERS[output_format](rec, advisor.pack))


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
@json_option
@rules_option
def rules_list(as_json: bool, rules_dir: Path | None) -> None:
    """List the rules of a pack: id, effect, route, reason."""
    pack = advisor_for(rules_dir).pack
    if as_json:
        echo_json([rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in pack.rules])
        return
    for rule in pack.rules:
        target = rule.route or (f"when {rule.requires_route}" if rule.requires_route else "")
        click.echo(f"{rule.id:<30} {rule.effect:<9} {target}")


@rules.command("show")
@click.argument("rule_id", metavar="RULE")
@json_option
@rules_option
def rules_show(rule_id: str, as_json: bool, rules_dir: Path | None) -> None:
    """Show one rule: its condition, effect, reason and source."""
    from triage._errors import did_you_mean

    pack = advisor_for(rules_dir).pack
    if rule_id not in pack.rule:
        raise InputError(f"unknown rule '{rule_id}'{did_you_mean(rule_id, pack.rule)}")
    rule = pack.rule[rule_id]
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


@rules.command("diagram")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "markdown"]),
    default="mermaid",
    show_default=True,
    help="mermaid, dot (Graphviz), or markdown (a page with the Mermaid diagram and a legend).",
)
@rules_option
def rules_picture(fmt: str, rules_dir: Path | None) -> None:
    """Draw the pack: facts -> rules -> routes, rule-outs marked, routes most urgent first."""
    click.echo(triage.rules_diagram(advisor_for(rules_dir).pack, fmt))


@main.command()
@click.argument("kind", type=click.Choice(["input", "output", "pack"]))
@rules_option
def schema(kind: str, rules_dir: Path | None) -> None:
    """Print the JSON Schema of the input (answers), the output, or a pack file."""
    from triage._schema import json_schema

    echo_json(json_schema(kind, advisor_for(rules_dir).pack))


if __name__ == "__main__":
    main()
