"""The command line's cache of validated packs, so that a command starts without parsing the YAML
and validating the pack again (a third of its start-up). `triage serve` and `triage rules check`
never use it: they validate in full.

An entry holds a pack's validated document and the compiled decision diagrams of its analysis (as
plain data), keyed by the sha256 of the pack's files and of the code that validated and compiled
them. Every start hashes the files anew: an entry is used only when both hashes match, so an
edited pack or another version of triage is a miss, and a miss loads and validates in full
(`load_pack`). The sha256 an answer reports is that of the files it read, and an entry is trusted
to hold what validating those files gives only when its HMAC-SHA256, keyed by the cache folder's
own secret (`key`, made on first use, the user's alone), matches: an entry made or changed by
anyone who cannot read that key (copied from another cache, planted in a shared folder, edited)
is rebuilt. (Whoever can act as the user can change the installed code as well: no cache stops
that.)

Where: `$TRIAGE_CACHE_DIR`, else `$XDG_CACHE_HOME/triage`, else `~/.cache/triage`; one small file
per pack folder. `TRIAGE_CACHE_DIR=off` turns it off. Safe by construction: every folder it makes
is 0700; entries are written whole or not at all (triage/_atomic.py: parts left by a killed run
are removed); a folder or file that is not the user's own, or that others may write to, is
neither read nor written; only regular files are opened, without following a symlink or waiting
on a FIFO or a device; an entry is read with an unpickler that can build only the pack's own
models (no other code can run), and one that is corrupt, foreign or stale is ignored and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
from pathlib import Path
from typing import Any

from triage import (
    _analysis,
    _conditions,
    _decision_diagrams,
    _pack,
    _routes,
    _yaml_reader,
)
from triage._analysis import AnalysisState, build_analysis, prepared
from triage._atomic import open_part, write_bytes
from triage._errors import PackError
from triage._pack import Pack, PackDocument, load_pack, pack_sha256
from triage._version import __version__

_MAGIC = b"triage-pack-cache 4\n"
_KEY = "key"
_KEY_BYTES = 32
_ENV = "TRIAGE_CACHE_DIR"
_OFF = "off"
# The modules whose code decides whether a pack is valid, and what its analysis holds: an entry
# made by other code is foreign.
_VALIDATING = (_pack, _conditions, _yaml_reader, _analysis, _decision_diagrams, _routes)
# The only classes an entry may hold (besides plain data): the pack's own models.
_MODELS = {
    (cls.__module__, cls.__qualname__): cls
    for cls in (
        _pack.PackDocument,
        _pack.Source,
        _pack.SourceRef,
        _pack.Contact,
        _pack.FactSpec,
        _pack.GroupSpec,
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
    key = _key(where, make=False)
    found = _read(entry, header, key) if key is not None else None
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
        key = key or _key(where, make=True)
        if key is not None:
            payload = pickle.dumps((pack.document, state), protocol=pickle.HIGHEST_PROTOCOL)
            _write(entry, header + _mac(key, header, payload) + b"\n" + payload)
    return pack


def _mac(key: bytes, header: bytes, payload: bytes) -> bytes:
    return hmac.new(key, header + payload, hashlib.sha256).hexdigest().encode()


def _files_sha256(folder: Path) -> str | None:
    """The pack's sha256 as `load_pack` computes it, or None when load_pack would refuse a file."""
    try:
        return pack_sha256(folder)
    except (OSError, PackError):
        return None


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


def _open_own_file(path: Path) -> int | None:
    """A descriptor for reading `path` when it is a regular file of the user's own that nobody
    else may write to; else None. A symlink is not followed, and a FIFO or a device is never
    waited on (opened without blocking only if it was swapped in after the first look)."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    status = os.fstat(descriptor)
    if stat.S_ISREG(status.st_mode) and _own(status):
        return descriptor
    os.close(descriptor)
    return None


def _own_folder(folder: Path, *, make: bool) -> bool:
    """Whether `folder` is the user's own, not writable by others; with `make`, every missing
    folder up to it is made first, each 0700 (whatever the umask)."""
    if make:
        missing = [folder, *folder.parents]
        missing = missing[: next((i for i, each in enumerate(missing) if each.exists()), len(missing))]
        for each in reversed(missing):
            with contextlib.suppress(FileExistsError):
                each.mkdir(mode=0o700)
    return _own(folder.stat())


def _key(folder: Path, *, make: bool) -> bytes | None:
    """The cache folder's secret (readable and writable by the user alone), made when missing if
    `make`; None when there is none, or the folder or the key is not the user's alone."""
    with contextlib.suppress(OSError):
        if not _own_folder(folder, make=make):
            return None
        path = folder / _KEY
        if make and not path.exists():
            with contextlib.suppress(FileExistsError):
                # Linked into place whole: another triage starting now reads all of it or none.
                made, part = open_part(path)
                with os.fdopen(made, "wb") as handle:
                    handle.write(secrets.token_hex(_KEY_BYTES).encode())
                try:
                    os.link(part, path)
                finally:
                    part.unlink()
        descriptor = _open_own_file(path)
        if descriptor is None:
            return None
        with os.fdopen(descriptor, "rb") as handle:
            if os.fstat(handle.fileno()).st_mode & 0o077:
                return None  # others may read it: not a secret
            key = handle.read(2 * _KEY_BYTES + 1)
        return key if len(key) == 2 * _KEY_BYTES else None
    return None


class _PackUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _MODELS.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"not a pack model: {module}.{name}")
        return found


def _read(entry: Path, header: bytes, key: bytes) -> tuple[PackDocument, AnalysisState | None] | None:
    descriptor = _open_own_file(entry)
    if descriptor is None:
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            if handle.read(len(header)) != header:
                return None  # another pack's, another version's, or corrupt
            mac, payload = handle.readline().rstrip(b"\n"), handle.read()
        if not hmac.compare_digest(mac, _mac(key, header, payload)):
            return None  # not made with this cache's key, or changed since
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
    with contextlib.suppress(OSError):
        write_bytes(entry, data)
