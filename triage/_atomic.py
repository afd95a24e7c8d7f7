"""Files written whole or not at all: a part beside the target, renamed into place at the end.

A part is named by its target and its writer's process id (`.NAME.HASH.PID.part`) and is locked
(flock) by its writer while it is written. A part nobody holds is left by a writer that was
killed (SIGKILL, a crash, power loss): every writer removes such parts of any output in its
folder once they are an hour old, or at once when their writer's process is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from triage._errors import InputError, OutputError

STALE_SECONDS = 3600
_PART = re.compile(r"\..*\.[0-9a-f]{12}\.([0-9]+)\.part", re.DOTALL)


def part_path(path: Path, pid: int) -> Path:
    """The part beside `path` that process `pid` writes before renaming it into place. Named by the
    output (its name cut short, so that a long but valid name still leaves room) and the writer's
    process id."""
    digest = hashlib.sha256(path.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return path.with_name(f".{path.name[:120]}.{digest}.{pid}.part")


def remove_stale_parts(folder: Path) -> None:
    """Remove the parts in `folder` that no writer holds and that are an hour old, or whose
    writer's process is gone. Nothing here is an error: a part that cannot be removed stays."""
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(folder) as found:
        for entry in found:
            named = _PART.fullmatch(entry.name)
            if named is None:
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                old = now - info.st_mtime >= STALE_SECONDS
                if stat.S_ISREG(info.st_mode) and (old or not _alive(int(named[1]))):
                    _remove_unless_held(Path(entry.path))


def _remove_unless_held(part: Path) -> None:
    descriptor = os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: BlockingIOError, kept
        part.unlink()
    finally:
        os.close(descriptor)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:  # a number no process can have
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def open_part(path: Path) -> tuple[int, Path]:
    """A new part for `path`, created for this process alone (0600) and locked while it is open;
    stale parts in its folder are removed first. Raises OSError."""
    remove_stale_parts(path.parent)
    temporary = part_path(path, os.getpid())
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # left by an earlier process that had this id
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
    )
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor, temporary


def check_output(path: Path) -> None:
    """Refuse an output path that is not a new or regular file: renaming over a device, a FIFO or
    a symlink would replace it (as root, /dev/null or /dev/stdout) rather than write into it."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file (a device, FIFO or symlink is not replaced)")


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that appears at `path` whole when the block ends, and not at all if it fails
    (an error, Ctrl-C, or a signal the caller turns into an exception)."""
    check_output(path)
    try:
        descriptor, temporary = open_part(path)
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    try:
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                yield handle  # reading errors arrive here as InputError: an OSError is a write's
                handle.flush()
                os.fsync(handle.fileno())
                temporary.replace(path)  # while the part is still held
        except OSError as error:  # a full disk, a file size limit
            raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    except BaseException:  # Ctrl-C included: never leave a partial file behind
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all. Raises OSError."""
    descriptor, temporary = open_part(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
