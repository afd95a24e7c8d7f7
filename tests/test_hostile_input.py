"""Hostile input never crashes the process: every input gives a Recommendation or an InputError.

The 100,000 generated inputs run in a child process, so a segfault in the C engine fails the test
(negative return code) instead of killing the test run. Oversized input is refused by the console
script without being read whole (its peak memory stays far below the input's size).
"""

from __future__ import annotations

import collections
import json
import math
import os
import random
import reprlib
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from conftest import console_script, run_cli
from isolated import run_isolated

import triage
from triage._case import MAX_INPUT_BYTES, parse_json

INPUTS = 100_000
HUGE = "x" * (MAX_INPUT_BYTES + 10)
RESERVED = ["sid", "id", "$s", "$", "$and", "$or", "$neq", "$lt", "kind", "m", "a.b", "complex.x", ".", ""]
ODD_TEXT = [
    "ÿes",
    "\uff59\uff45\uff53",
    "yes\x00",
    " YES ",
    "Yes\n",
    "n\u0301o",
    "\ud800",
    "🙂",
    "\u202eyes",
    "nul\x00l",
]


class Answers(Mapping[str, object]):
    """A mapping that is not a dict (some programs pass their own)."""

    def __init__(self, data: dict[str, object]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> object:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def nested(rnd: random.Random, depth: int) -> object:
    value: object = rnd.choice([None, 1, "yes", [], {}])
    for _ in range(depth):
        value = [value] if rnd.random() < 0.5 else {"all": value, "$s": value}
    return value


def odd_value(rnd: random.Random) -> object:
    return rnd.choice(
        [
            None,
            True,
            False,
            0,
            -1,
            10**30,
            10**5000,  # too long for repr()
            1.5,
            math.nan,
            math.inf,
            -math.inf,
            -0.0,
            "",
            HUGE,
            rnd.choice(ODD_TEXT),
            b"yes",
            bytearray(b"no"),
            ("yes",),
            ["yes"],
            {"yes"},
            frozenset({"no"}),
            {"is": "yes"},
            {"$s": 1, "sid": "0", "id": "x"},
            nested(rnd, rnd.choice((3, 50, 600))),
            complex(1, 2),
            object(),
            "".join(chr(rnd.randrange(0x20, 0x2FFF)) for _ in range(rnd.randrange(1, 40))),
        ]
    )


def odd_key(rnd: random.Random) -> object:
    return rnd.choice(
        [
            rnd.choice(RESERVED),
            "$" + rnd.choice(("x", "s", "sid", "complex")),
            rnd.choice(("complex", "multiagency")) + "." + rnd.choice(("a", "$s", "")),
            HUGE,
            rnd.choice(ODD_TEXT),
            "Complex",
            " complex",
            "complex ",
            "compl",
            1,
            None,
            1.5,
            math.nan,
            True,
            ("complex",),
            frozenset({"complex"}),
            b"complex",
        ]
    )


def valid_answers(rnd: random.Random, pack: triage.Pack) -> dict[str, object]:
    answers: dict[str, object] = {}
    for fact in pack.facts:
        roll = rnd.random()
        if roll < 0.3:
            continue
        if fact.answers == ("yes", "no", "unknown") and roll < 0.45:
            answers[fact.id] = rnd.choice((True, False, None))
        else:
            answers[fact.id] = rnd.choice(fact.answers)  # as written: " YES " is an odd value (ODD_TEXT)
    return answers


def hostile_inputs(pack: triage.Pack, count: int, seed: int) -> Iterator[tuple[str, Any]]:
    """(kind, input) pairs: wrong types, odd keys and values, JSON text, valid-looking cases."""
    rnd = random.Random(seed)
    for _ in range(count):
        kind = rnd.choice(
            ["not a mapping", "odd key", "odd value", "valid", "valid plus odd", "mapping types", "json text"]
        )
        if kind == "not a mapping":
            value: Any = rnd.choice([odd_value(rnd), [valid_answers(rnd, pack)], "{}", json.dumps({})])
        elif kind == "odd key":
            value = {odd_key(rnd): odd_value(rnd) if rnd.random() < 0.5 else "yes"}
        elif kind == "odd value":
            value = {rnd.choice(pack.facts).id: odd_value(rnd)}
        elif kind == "valid":
            value = valid_answers(rnd, pack) if rnd.random() < 0.95 else {}
        elif kind == "valid plus odd":
            value = valid_answers(rnd, pack)
            if rnd.random() < 0.5:
                value[odd_key(rnd)] = "yes"  # type: ignore[index]
            else:
                value[rnd.choice(pack.facts).id] = odd_value(rnd)
        elif kind == "mapping types":
            data = valid_answers(rnd, pack)
            value = rnd.choice([MappingProxyType(data), collections.OrderedDict(data), Answers(data)])
        else:
            value = json_text(rnd, pack)
        yield kind, value


def json_text(rnd: random.Random, pack: triage.Pack) -> str | bytes:
    text = json.dumps(valid_answers(rnd, pack))
    return rnd.choice(
        [
            text,
            text[: rnd.randrange(len(text) + 1)],
            "[" * rnd.choice((10, 5000, 200_000)),
            '{"complex": ' + "9" * 5000 + "}",
            '{"complex": NaN, "multiagency": Infinity}',
            '{"complex": "yes", "complex": "no"}',
            '{"complex": "\\ud800"}',
            "\ufeff" + text,
            text.encode("utf-16"),
            bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))),
            '{"sid": "0", "id": "sid-0", "$s": 1}',
            "",
            "null",
            " " * 1000,
        ]
    )


def shown(value: object) -> str:
    """A bounded repr of a hostile value, for a failure report."""
    try:
        return reprlib.repr(value)
    except Exception:  # e.g. an int too long to convert
        return f"<{type(value).__name__}>"


def feed(count: str) -> None:
    """In the child: assess every input; count the outcomes; list anything else that happened."""
    advisor = triage.Advisor()
    outcomes: collections.Counter[str] = collections.Counter()
    other: list[str] = []
    for kind, value in hostile_inputs(advisor.pack, int(count), seed=4):
        try:
            answers = parse_json(value) if kind == "json text" else value
            rec = advisor.assess(answers)
        except triage.InputError as error:
            message = str(error)
            if "\n" in message or not message or len(message) > 400:
                other.append(f"{kind}: unclear message {message[:80]!r}")
            outcomes["InputError"] += 1
        except BaseException as error:  # anything else is a failure, reported with its input
            other.append(f"{kind}: {type(error).__name__}: {error!s:.80} on {shown(value)}")
        else:
            assert isinstance(rec, triage.Recommendation)
            outcomes["Recommendation"] += 1
    # The engine itself refuses a case that did not come through validation.
    rnd = random.Random(5)
    for _ in range(2000):
        case = dict(advisor.case({}))
        case[str(odd_key(rnd))] = "yes"
        try:
            advisor.recommend(case)
        except triage.InputError:
            outcomes["unvalidated case refused"] += 1
        except BaseException as error:
            other.append(f"recommend: {type(error).__name__}: {error!s:.80}")
    print(json.dumps({"outcomes": outcomes, "other": other[:10], "others": len(other)}))


@pytest.mark.soak
def test_hostile_inputs_give_advice_or_an_input_error_and_never_crash() -> None:
    report = run_isolated("test_hostile_input", "feed", str(INPUTS), timeout=900)
    assert report["other"] == [] and report["others"] == 0
    outcomes = report["outcomes"]
    assert outcomes["InputError"] + outcomes["Recommendation"] == INPUTS
    # Both outcomes are common: the generator is not only feeding garbage.
    assert outcomes["Recommendation"] > INPUTS // 5 and outcomes["InputError"] > INPUTS // 5
    assert outcomes["unvalidated case refused"] == 2000


def run_measured(
    args: list[str], *, stdin_bytes: int = 0, timeout: float = 60
) -> tuple[int, str, float, int]:
    """Run the console script; return (exit code, stderr, peak memory in MB, bytes it took from
    stdin). With stdin_bytes, a writer offers that much input and stops when the reader hangs up."""
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE if stdin_bytes else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd="/",
    )
    written = 0

    def write() -> None:
        nonlocal written
        assert process.stdin is not None
        chunk = b"[" * (1 << 20)
        try:
            while written < stdin_bytes:
                process.stdin.write(chunk)
                written += len(chunk)
            process.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    writer = threading.Thread(target=write, daemon=True)
    if stdin_bytes:
        writer.start()
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if stdin_bytes:
        writer.join(timeout)
    return process.returncode, stderr, usage.ru_maxrss / 1024, written


BIG = 512 << 20  # far more than the limit; read whole, it would show in the peak memory


def test_oversized_input_file_is_refused_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(BIG)  # sparse: costs no disk
    code, stderr, peak_mb, _ = run_measured([console_script(), "assess", "--input", str(big)])
    assert code == 2, stderr
    assert stderr.startswith("triage: error:") and "larger than 1024 KiB" in stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1
    assert peak_mb < 200, f"peak {peak_mb:.0f} MB: the file was read whole"


def test_oversized_stdin_is_refused_without_being_read() -> None:
    code, stderr, peak_mb, written = run_measured(
        [console_script(), "assess", "--input", "-"], stdin_bytes=BIG
    )
    assert code == 2, stderr
    assert "stdin: larger than 1024 KiB" in stderr and "Traceback" not in stderr
    assert peak_mb < 200, f"peak {peak_mb:.0f} MB: stdin was read whole"
    assert written < BIG, "the CLI read all of stdin before refusing it"


def test_long_jsonl_line_is_refused_without_being_read(tmp_path: Path) -> None:
    if run_cli("batch", "--help").returncode != 0:
        pytest.skip("`triage batch` is not in this build")
    lines = tmp_path / "cases.jsonl"
    # Written in pieces: a child's peak memory on Linux includes the parent's high-water mark at
    # fork/exec, so this process must never hold the long line itself.
    with lines.open("w") as handle:
        handle.write('{"complex": "')
        for _ in range(BIG // 2 // (1 << 20)):
            handle.write("y" * (1 << 20))
        handle.write('"}\n{"complex": "yes"}\n{"multiagency": "yes"}\n')
    out = tmp_path / "out.jsonl"
    code, stderr, peak_mb, _ = run_measured([console_script(), "batch", str(lines), "--out", str(out)])
    assert code in (1, 2), stderr
    assert "Traceback" not in stderr
    assert peak_mb < 200, f"peak {peak_mb:.0f} MB: the long line was read whole"


def test_huge_integer_in_json_is_an_input_error() -> None:
    done = run_cli("assess", "--input", "-", stdin='{"complex": ' + "9" * 5000 + "}")
    assert done.returncode == 2
    assert done.stderr == "triage: error: stdin: unreadable JSON (a number too long)\n"
