"""Reading a file the way every input is read: at most a limit of bytes (one more is read to tell
an oversized file), UTF-8 text only, and one clear problem when it cannot be."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def read_bounded_bytes(source: Path | BinaryIO, limit: int, fail: Callable[[str], Exception]) -> bytes:
    """The bytes of a file (or an open binary stream such as stdin), of at most `limit` bytes.

    `fail` makes the exception for a problem ("cannot read: ...", "larger than N KiB"); the caller
    says which kind and names the source.
    """
    try:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                raw = handle.read(limit + 1)
        else:
            raw = source.read(limit + 1)
    except OSError as error:
        raise fail(f"cannot read: {error.strerror or error}") from None
    if len(raw) > limit:
        raise fail(f"larger than {limit // 1024} KiB")
    return raw


def read_bounded(source: Path | BinaryIO, limit: int, fail: Callable[[str], Exception]) -> str:
    """The UTF-8 text of a file (or an open binary stream such as stdin), of at most `limit` bytes.

    `fail` makes the exception for a problem ("cannot read: ...", "larger than N KiB", "not UTF-8
    text"); the caller says which kind and names the source.

    >>> import io
    >>> read_bounded(io.BytesIO(b"yes"), 2, ValueError)
    Traceback (most recent call last):
    ...
    ValueError: larger than 0 KiB
    """
    raw = read_bounded_bytes(source, limit, fail)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
