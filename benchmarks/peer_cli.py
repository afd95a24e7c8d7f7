"""The same-work peer of `triage assess --fact ID=ANSWER ... --json` for benchmarks/run.py's
`cli_vs_peer_cli`: a click command that reads the same options, completes the case (unknown for
every fact left out), decides the primary route in a durable_rules Host program
(benchmarks/peers.py), and prints a pydantic model of the answer as JSON."""

from __future__ import annotations

import click
import peers
from pydantic import BaseModel

ANSWERS = ("yes", "no", "unknown")


class Answer(BaseModel):
    primary_route: str
    facts: dict[str, str]


@click.command()
@click.option("--fact", "facts", multiple=True, metavar="ID=ANSWER")
@click.option("--json", "as_json", is_flag=True)
def main(facts: tuple[str, ...], as_json: bool) -> None:
    case = dict.fromkeys(peers.FACTS, "unknown")
    for given in facts:
        fact, _, answer = given.partition("=")
        if fact not in case or answer not in ANSWERS:
            raise click.BadParameter(given, param_hint="--fact")
        case[fact] = answer
    answer = Answer(primary_route=peers.durable_host()(case), facts=case)
    click.echo(answer.model_dump_json(indent=2) if as_json else answer.primary_route)


if __name__ == "__main__":
    main()
