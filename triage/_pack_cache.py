"""The command line's cache of validated packs, so that a command starts without parsing the YAML
and validating the pack again (a third of its start-up).

An entry holds a pack's validated document and the compiled decision diagrams of its analysis (as
plain data), keyed by the sha256 of the pack's files and of the code that validated and compiled
them. Every start hashes the files anew: an entry is used only when both hashes match, so an
edited pack or another version of triage is a miss, and a miss loads and validates in full
(`load_pack`). `triage rules check` never uses the cache.

Where: `$TRIAGE_CACHE_DIR`, else `$XDG_CACHE_HOME/triage`, else `~/.cache/triage`; one small file
per pack folder. `TRIAGE_CACHE_DIR=off` turns it off. Safe by construction: entries are written to
a temporary file and renamed into place (never half-written); a folder or file that is not the
user's own, or that others may write to, is neither read nor written; an entry is read with an
unpickler that can build only the pack's own models (no other code can run), only when the sha256
of its content matches the one written with it, and one that is corrupt, foreign or stale is
ignored and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
from pathlib import Path
from typing import Any

from triage import (
    _analysis,
    _conditions,
    _decision_diagrams,
    _engine_conditions,
    _pack,
    _routes,
    _yaml_reader,
)
from triage._analysis import AnalysisState, build_analysis, prepared
from triage._errors import PackError
from triage._pack import Pack, PackDocument, add_to_digest, load_pack, pack_files, read_pack_file
from triage._version import __version__

_MAGIC = b"triage-pack-cache 3\n"
_ENV = "TRIAGE_CACHE_DIR"
_OFF = "off"
# The modules whose code decides whether a pack is valid, and what its analysis holds: an entry
# made by other code is foreign.
_VALIDATING = (_pack, _conditions, _engine_conditions, _yaml_reader, _analysis, _decision_diagrams, _routes)
# The only classes an entry may hold (besides plain data): the pack's own models.
_MODELS = {
    (cls.__module__, cls.__qualname__): cls
    for cls in (
        _pack.PackDocument,
        _pack.Source,
        _pack.SourceRef,
        _pack.Contact,
        _pack.FactSpec,
        _pack.RouteSpec,
        _pack.RuleSpec,
        _conditions.Leaf,
        _conditions.AllOf,
        _conditions.AnyOf,
        _conditions.NotOf,
    )
}


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    chosen = os.environ.get(_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in (_OFF, "") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "triage"


def load_pack_cached(path: str | Path) -> Pack:
    """`load_pack(path)`, from the cache when the pack's files are unchanged (see the module)."""
    folder = Path(path)
    where = cache_dir()
    digest = _files_sha256(folder) if where is not None else None
    if where is None or digest is None:
        return load_pack(folder)
    # One entry per pack folder: another version of triage, or edited files, replace it.
    entry = where / f"{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()}.pack"
    header = _MAGIC + _code_sha256().encode() + b" " + digest.encode() + b"\n"
    found = _read(entry, header)
    if found is not None:
        pack = Pack(found[0], path=folder, sha256=digest)
        if found[1] is not None:
            prepared(pack, found[1])
        return pack
    pack = load_pack(folder)
    if pack.sha256 == digest:  # the files did not change while they were loaded
        state: AnalysisState | None
        try:
            state = build_analysis(pack).state()
        except PackError:  # diagrams past their bound: the pack alone is kept, and the error is
            state = None  # reported where the analysis is used, as without the cache
        else:
            prepared(pack, state)
        payload = pickle.dumps((pack.document, state), protocol=pickle.HIGHEST_PROTOCOL)
        _write(entry, header + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    return pack


def _files_sha256(folder: Path) -> str | None:
    """The pack's sha256 as `load_pack` computes it, or None when load_pack would refuse a file."""
    try:
        files = pack_files(folder)
        digest = hashlib.sha256()
        for file in files:
            add_to_digest(digest, file, read_pack_file(file))
    except (OSError, PackError):
        return None
    return digest.hexdigest()


_code: str | None = None


def _code_sha256() -> str:
    global _code
    if _code is None:
        digest = hashlib.sha256(__version__.encode())
        for module in _VALIDATING:
            digest.update(Path(str(module.__file__)).read_bytes())
        _code = digest.hexdigest()
    return _code


def _own(status: os.stat_result) -> bool:
    """The user's own, and nobody else may write to it."""
    return status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class _PackUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _MODELS.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"not a pack model: {module}.{name}")
        return found


def _read(entry: Path, header: bytes) -> tuple[PackDocument, AnalysisState | None] | None:
    try:
        with entry.open("rb") as handle:
            if not (_own(os.fstat(handle.fileno())) and _own(entry.parent.stat())):
                return None
            if handle.read(len(header)) != header:
                return None  # another pack's, another version's, or corrupt
            digest, payload = handle.readline().rstrip(b"\n"), handle.read()
            if hashlib.sha256(payload).hexdigest().encode() != digest:
                return None  # damaged: a changed byte could change the advice
            found = _PackUnpickler(io.BytesIO(payload)).load()
    except Exception:  # any unreadable entry is a miss, never an error
        return None
    if not (
        isinstance(found, tuple)
        and len(found) == 2
        and isinstance(found[0], PackDocument)
        and (found[1] is None or isinstance(found[1], dict))
    ):
        return None
    return found


def _write(entry: Path, data: bytes) -> None:
    """Writes the entry whole or not at all; a cache that cannot be written is no error."""
    import tempfile  # only on a miss: its import costs every start a few milliseconds

    with contextlib.suppress(OSError):
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own(entry.parent.stat()):
            return
        descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=entry.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            Path(temporary).replace(entry)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
