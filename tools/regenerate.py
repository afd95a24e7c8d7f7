"""Regenerate every file derived from the packs and the code, in place, with one command:

    .venv/bin/python tools/regenerate.py

Run it from anywhere after a pack (or the code that renders it) changes. It runs this checkout's
own code (not whatever `triage` is installed), so an edited pack is what the files show. It writes:

- schemas/input.schema.json, output.schema.json, pack.schema.json (`triage schema KIND`);
- schemas/openapi.json (the web app's OpenAPI document; needs the `web` extra);
- docs/rules-diagram.md (`triage rules diagram --format markdown`);
- examples/glenmor/sign-off.md and examples/glenmor/diff-from-scaffold.txt;
- the outputs shown under `$ triage ...` in README.md, CONTRIBUTING.md and docs/*.md.

Every output is computed first; files are replaced only when all of them were made, each whole
(a temporary file renamed over it), so a failure leaves every file as it was. Exit 0 with one line
per file that changed, 1 with one line naming what failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")))
GLENMOR = ROOT / "examples" / "glenmor"
SESSION = re.compile(r"^```text\n\$ (triage .*?)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CASE_JSON = re.compile(r"\(`case.json`\):\n\n```json\n(.*?)```", re.DOTALL)
PYTHON_VERSION = re.compile(r"Python \d+\.\d+\.\d+")
OPENAPI = (
    "import json, triage.web as w; from fastapi.testclient import TestClient; "
    "print(json.dumps(TestClient(w.create_app()).get('/openapi.json').json(), indent=2))"
)


class Failed(Exception):
    """A generator that could not run: its message is the line printed."""


def run(args: list[str], cwd: Path = ROOT, expect: tuple[int, ...] = (0,)) -> str:
    """Run this checkout's code (`python -m triage ...` or `python -c ...`) and return its stdout."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode not in expect:
        problem = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        raise Failed(f"{' '.join(args[:4])}: {problem}")
    return result.stdout


def triage(*args: str, cwd: Path = ROOT, expect: tuple[int, ...] = (0,)) -> str:
    return run(["-m", "triage", *args], cwd=cwd, expect=expect)


def doc_sessions(text: str) -> list[tuple[str, list[str]]]:
    """Each ```text block of a document that shows a `$ triage ...` command: command, output lines."""
    return [(match.group(1), match.group(2).splitlines()) for match in SESSION.finditer(text)]


def session_command(command: str, shown: list[str]) -> tuple[list[str], int | None]:
    """A shown command's arguments, and how many lines of its output the document shows (None: all).
    A document may cut an output with `| head -n N`, or with a last line `...`."""
    args = command.split()[1:]
    lines: int | None = None
    if "|" in args:
        pipe = args.index("|")
        if args[pipe + 1 : pipe + 3] != ["head", "-n"]:
            raise Failed(f"a document pipes `{command}` into something other than head -n")
        lines, args = int(args[pipe + 3]), args[:pipe]
    if shown and shown[-1] == "...":
        lines = len(shown) - 1
    return args, lines


def comparable(lines: list[str]) -> list[str]:
    """Lines as the documents' check compares them: the Python version may differ."""
    return [PYTHON_VERSION.sub("Python X", line) for line in lines]


def example_case() -> str:
    """The documents' example `case.json`, defined once (in one document) and used by several."""
    found = [match.group(1) for path in DOCS for match in CASE_JSON.finditer(path.read_text())]
    if len(found) != 1:
        raise Failed(f"the example case.json is defined in {len(found)} documents, not one")
    return found[0]


def document_with_real_outputs(path: Path, folder: Path) -> str:
    """The document with each `$ triage ...` session's output replaced by what the command prints
    now (run from `folder`, which holds the example case.json)."""

    def replace(match: re.Match[str]) -> str:
        command, shown = match.group(1), match.group(2).splitlines()
        args, lines = session_command(command, shown)
        real = triage(*args, cwd=folder).splitlines()
        tail = ["..."] if shown and shown[-1] == "..." else []
        now = [*(real[:lines] if lines is not None else real), *tail]
        if comparable(now) == comparable(shown):
            return match.group(0)  # unchanged but for the Python version: keep the document's
        return "```text\n$ " + command + "\n" + "\n".join(now) + "\n```"

    return SESSION.sub(replace, path.read_text())


def diff_from_scaffold() -> str:
    with tempfile.TemporaryDirectory() as temporary:
        scaffold = Path(temporary) / "scaffold"
        triage("rules", "new", str(scaffold))
        shown = triage("rules", "diff", str(scaffold), "examples/glenmor", expect=(1,))
        return shown.replace(str(scaffold), "scaffold")


def outputs(folder: Path) -> dict[Path, Callable[[], str]]:
    made: dict[Path, Callable[[], str]] = {
        ROOT / "schemas" / f"{kind}.schema.json": partial(triage, "schema", kind)
        for kind in ("input", "output", "pack")
    }
    made[ROOT / "schemas" / "openapi.json"] = partial(run, ["-c", OPENAPI])
    made[ROOT / "docs" / "rules-diagram.md"] = partial(triage, "rules", "diagram", "--format", "markdown")
    made[GLENMOR / "sign-off.md"] = partial(triage, "rules", "doc", "examples/glenmor")
    made[GLENMOR / "diff-from-scaffold.txt"] = diff_from_scaffold
    for path in DOCS:
        if path not in made:  # a document generated whole has no sessions of its own to refresh
            made[path] = partial(document_with_real_outputs, path, folder)
    return made


def regenerate() -> list[Path]:
    """Make every output, then write those that differ; the paths written."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "case.json").write_text(example_case())
        texts = {path: make() for path, make in outputs(folder).items()}
    json.loads(texts[ROOT / "schemas" / "openapi.json"])  # a broken app fails here, not in the file
    changed = [path for path, text in texts.items() if path.read_text() != text]
    for path in changed:
        part = path.with_name(f".{path.name}.part")
        part.write_text(texts[path])
        part.replace(path)
    return changed


def main() -> int:
    try:
        changed = regenerate()
    except (Failed, OSError, ValueError, subprocess.SubprocessError) as problem:
        print(f"regenerate: {problem}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"regenerated {path.relative_to(ROOT)}")
    if not changed:
        print("every generated file is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
