"""One table of error codes: the library, the command line, HTTP and batch give the same code and
field for the same problem, every code the code uses is in the table, and the documented table is
it."""

from __future__ import annotations

import io
import json
import re

import pytest
from conftest import ROOT, run_cli
from fastapi.testclient import TestClient

import triage
from triage._case import parse_json
from triage._errors import ERRORS, TriageError, error_payload, exit_status, http_status
from triage.web import create_app

# (the answers as JSON text, the code, the field): each a problem of the answers themselves.
BAD_ANSWERS = [
    ('{"complx": "yes"}', "unknown_fact", "complx"),
    ('{"complex": "maybe"}', "bad_answer", "complex"),
    ('{"complex": 1}', "bad_answer", "complex"),
    ('{"complex": "yes", "complex": "no"}', "given_twice", "complex"),
    ('{"complex": "yes", "plan_status": "yes"}', "bad_answer", "plan_status"),
    ("[1, 2]", "bad_input", None),
    ('{"complex": "yes"', "bad_input", None),
]


def library_error(text: str, advisor: triage.Advisor) -> dict[str, object]:
    try:
        advisor.assess(parse_json(text, source="the answers", keys="fact"))
    except TriageError as error:
        return error_payload(error)["error"]
    raise AssertionError(f"no error for {text}")


@pytest.mark.parametrize(("text", "code", "field"), BAD_ANSWERS)
def test_the_library_the_command_line_http_and_batch_give_one_code_and_field(
    advisor: triage.Advisor, text: str, code: str, field: str | None
) -> None:
    library = library_error(text, advisor)
    assert (library["code"], library["field"]) == (code, field)

    done = run_cli("assess", "--input", "-", "--json", stdin=text)
    assert done.returncode == exit_status(code) == 2
    cli = json.loads(done.stderr)["error"]
    assert (cli["code"], cli["field"]) == (code, field)

    out = io.StringIO()
    triage.run_batch(io.BytesIO(text.encode() + b"\n"), out, advisor=advisor)
    line = json.loads(out.getvalue())
    assert list(line) == ["line", "error"] and list(line["error"]) == list(library)  # one shape
    assert (line["error"]["code"], line["error"]["field"], line["error"]["line"]) == (code, field, 1)
    if text.startswith("{"):  # the answers of a request's body
        response = TestClient(create_app(advisor)).post(
            "/v1/assess", content=f'{{"answers": {text}}}', headers={"content-type": "application/json"}
        )
        assert response.status_code == http_status(code)
        assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)


def test_every_code_the_code_gives_is_in_the_table() -> None:
    sources = [*sorted((ROOT / "triage").rglob("*.py")), ROOT / "cli.py"]
    used = {
        found
        for path in sources
        for found in re.findall(r'(?:code=|default_code = |code: str = )"([a-z_]+)"', path.read_text())
    }
    assert used, "no error code found in the code: the pattern is stale"
    assert used <= set(ERRORS), sorted(used - set(ERRORS))


def test_the_documented_table_is_the_code_table() -> None:
    text = (ROOT / "docs" / "integration.md").read_text()
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d*) \| (\d*) \| (.+) \|$", text, flags=re.MULTILINE)
    documented = {
        code: (int(exit) if exit else None, int(http) if http else None, meaning)
        for code, exit, http, meaning in rows
    }
    assert documented == {
        error.code: (error.exit_status, error.http_status, error.meaning) for error in ERRORS.values()
    }
