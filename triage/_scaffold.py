"""`triage rules new DIR`: the files of a small, complete pack to start from (safety routes and their
precautionary rules, a focus route with a rule-out and a note, a default route, a source, a contact
and scenarios covering all of it), each with comments saying what to change. It checks clean and
passes its own scenarios with full coverage, as the tests show.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from triage._errors import InputError, OutputError

TEMPLATE = Path(__file__).resolve().parent / "_new_pack"
"""The files of the new pack, as they are written (real YAML, so an editor checks them too)."""


def template_files() -> dict[str, str]:
    """The new pack's files by their path in the pack folder, in name order."""
    return {
        path.relative_to(TEMPLATE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(TEMPLATE.rglob("*.yaml"))
    }


def new_pack(folder: str | Path) -> Path:
    """Write a new pack's files into `folder` (which must not exist, or be empty): whole, or not
    at all. Returns the folder.

    >>> import tempfile, triage
    >>> with tempfile.TemporaryDirectory() as temp:
    ...     triage.check_pack(new_pack(Path(temp) / "my-pack")).ok
    True
    """
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target}: already exists and is not an empty folder (give a new folder)")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder")
    # Written beside the target, then renamed: the whole pack appears at once, or nothing does.
    staging = parent / f".{target.name}.{os.getpid()}.new"
    try:
        staging.mkdir()
        for name, text in template_files().items():
            path = staging / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{target}: cannot write: {error.strerror or error}") from None
    return target
