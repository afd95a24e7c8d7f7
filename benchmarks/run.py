"""Benchmark of the triage advisor: engine, Advisor.assess, batch, CLI start-up, memory.

    python benchmarks/run.py [--quick] [--json]

Everything is measured side by side in one run, on seeded random cases of the default pack (all
answered, partly unknown, all unknown). Prints a table; with --json, the last line is one JSON
object of the figures. Measurements of features that do not exist or are not installed
(`triage batch --jobs`, `triage serve` without the `web` extra, the peers without the `bench`
extra, valgrind) are null with a note, found by capability, not by version.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peers

import triage
from triage.engine import ReferenceMatcher
from triage.engine._durable_rules import DurableMatcher

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "moray"))  # its oracle
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the hostile packs
import oracle  # the semantics the peers are checked against (DOMAIN.md's table)


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "(not installed)"


SEED = 20240611
KINDS = ("answered", "partly unknown", "all unknown")


@dataclass
class Settings:
    cases: int  # per kind, for the in-process timings
    batch_cases: int
    cli_runs: int
    alternatives_cases: int
    alternatives_budget_s: float
    rss_assessments: int
    rss_warmup: int
    pack_reloads: int
    batch_rounds: int
    """Rounds of `triage batch` with one job, then two."""


QUICK = Settings(
    cases=3000,
    batch_cases=5000,
    cli_runs=7,
    alternatives_cases=12,
    alternatives_budget_s=8.0,
    rss_assessments=100_000,
    rss_warmup=10_000,
    pack_reloads=2_000,
    batch_rounds=2,
)
FULL = Settings(
    cases=20000,
    batch_cases=20000,
    cli_runs=21,
    alternatives_cases=100,
    alternatives_budget_s=120.0,
    rss_assessments=1_000_000,
    rss_warmup=20_000,
    pack_reloads=2_000,
    batch_rounds=3,
)

TARGETS: dict[str, tuple[str, float]] = {
    "engine_vs_reference": ("<=", 2.0),
    "assess_p50_us": ("<", 300.0),
    "assess_p99_us": ("<", 1000.0),
    "assess_vs_reference": ("<=", 25.0),
    "batch_cases_per_s": (">=", 4000.0),
    "rules_check_s": ("<", 2.0),
    "alternatives_max_s": ("<", 1.0),
    "rss_growth_mb": ("<", 5.0),
    # Against the peers (benchmarks/peers.py), measured side by side on the same cases.
    "assess_vs_durable_host": ("<=", 2.0),
    "primary_vs_durable_host": ("<=", 0.5),
    "primary_batch_vs_zen_batch": (">=", 1.0),
    "batch_jobs_speedup": (">=", 1.6),
    "cli_vs_peer_cli": ("<=", 1.05),
    "hostile_pack_refuse_s": ("<", 2.0),
    "pack_reload_rss_growth_mb": ("<", 20.0),
    "serve_p50_ms": ("<", 100.0),
    "serve_p99_ms": ("<", 500.0),
    "serve_errors": ("<=", 0.0),
    "serve_rss_growth_mb": ("<", 5.0),
    "healthz_under_load_ms": ("<", 100.0),
    "serve_one_client_p50_ms": ("<", 2.0),
    "serve_vs_constant_app": ("<=", 3.0),
    # The page (issue 16): question pages an interview takes over the default pack's scenarios.
    "interview_pages_mean": ("<=", 5.5),
    "interview_pages_max": ("<=", 9.0),
}
BIG_BATCH = 100_000
"""Cases in the batch runs, as the targets name them (quick or not)."""
HERE = Path(__file__).resolve().parent


# --- cases ---------------------------------------------------------------------------------------


def case_generator(pack: triage.Pack, seed: int) -> Iterator[tuple[str, dict[str, str]]]:
    """Endless (kind, answers) pairs, the kinds in turn. Unknown answers are left out or given."""
    rnd = random.Random(seed)
    facts = [(fact.id, [a for a in fact.answers if a != "unknown"]) for fact in pack.facts]
    while True:
        yield "answered", {fact: rnd.choice(real) for fact, real in facts}
        answers: dict[str, str] = {}
        for fact, real in facts:
            roll = rnd.random()
            if roll < 0.25:
                answers[fact] = "unknown"
            elif roll < 0.5:
                continue  # left out: unknown
            else:
                answers[fact] = rnd.choice(real)
        yield "partly unknown", answers
        yield "all unknown", {} if rnd.random() < 0.5 else dict.fromkeys(pack.fact, "unknown")


def sample_cases(pack: triage.Pack, per_kind: int, seed: int = SEED) -> list[tuple[str, dict[str, str]]]:
    generator = case_generator(pack, seed)
    return [next(generator) for _ in range(per_kind * len(KINDS))]


# --- measuring -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(func: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


@dataclass
class Report:
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    detail: list[tuple[str, str]] = field(default_factory=list)


def measure_in_process(
    advisor: triage.Advisor, cases: list[tuple[str, dict[str, str]]], report: Report
) -> None:
    """Engine vs reference matching, and Advisor.assess end to end, interleaved per case."""
    if not isinstance(advisor.matcher, DurableMatcher):
        raise SystemExit(f"durable_rules is not in use: {advisor.engine}")
    engine, reference = advisor.matcher, ReferenceMatcher(advisor.pack)
    full = [(kind, advisor.case(answers), answers) for kind, answers in cases]
    for _kind, case, answers in full[:300]:  # warm-up: first calls build diagrams and caches
        engine.matches(case)
        reference.matches(case)
        advisor.assess(answers)
    times: dict[str, dict[str, list[float]]] = {
        part: {kind: [] for kind in KINDS} for part in ("engine", "reference", "assess")
    }
    clock = time.perf_counter_ns
    for kind, case, answers in full:
        start = clock()
        engine.matches(case)
        middle = clock()
        reference.matches(case)
        end = clock()
        advisor.assess(answers)
        done = clock()
        times["engine"][kind].append((middle - start) / 1000)
        times["reference"][kind].append((end - middle) / 1000)
        times["assess"][kind].append((done - end) / 1000)

    every = {part: [t for kind in KINDS for t in by_kind[kind]] for part, by_kind in times.items()}
    engine_p50 = statistics.median(every["engine"])
    reference_p50 = statistics.median(every["reference"])
    assess_p50 = statistics.median(every["assess"])
    report.figures["engine_vs_reference"] = round(engine_p50 / reference_p50, 2)
    report.figures["assess_p50_us"] = round(assess_p50, 1)
    report.figures["assess_p99_us"] = round(percentile(every["assess"], 0.99), 1)
    report.figures["assess_vs_reference"] = round(assess_p50 / reference_p50, 1)
    report.notes["engine_vs_reference"] = (
        f"median per case: durable_rules {engine_p50:.1f} us, reference {reference_p50:.1f} us"
    )
    report.notes["assess_vs_reference"] = (
        f"assess p50 {assess_p50:.1f} us / reference p50 {reference_p50:.1f} us"
    )
    for kind in KINDS:
        report.detail.append(
            (
                f"{kind} ({len(times['assess'][kind])} cases)",
                "p50/p99 us: engine {:.1f}/{:.1f}, reference {:.1f}/{:.1f}, assess {:.1f}/{:.1f}".format(
                    *(
                        value
                        for part in ("engine", "reference", "assess")
                        for value in (
                            statistics.median(times[part][kind]),
                            percentile(times[part][kind], 0.99),
                        )
                    )
                ),
            )
        )


def console_script() -> Path:
    """The `triage` console script installed beside this interpreter."""
    found = shutil.which("triage", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("the triage console script is not installed beside this Python (pip install .)")
    return Path(found)


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, cwd="/", timeout=600, check=False, **kwargs)


def has_command(script: Path, *words: str) -> bool:
    """Whether the CLI knows a (sub)command: its --help succeeds (an unknown command is usage error)."""
    return run([str(script), *words, "--help"]).returncode == 0


def byte_compile() -> None:
    """Byte-compile triage (with the wheel's triage/_cli.py) and, in an editable install, the
    checkout's cli.py beside it (as triage.__main__.load_cli finds it), as installing a wheel does:
    an editable install (or PYTHONDONTWRITEBYTECODE) would otherwise compile their sources on every
    start, which the floor's installed packages never do."""
    import compileall

    package = Path(triage.__file__).resolve().parent
    compileall.compile_dir(str(package), quiet=1)
    checkout_cli = package.parent / "cli.py"
    if checkout_cli.is_file():
        compileall.compile_file(str(checkout_cli), quiet=1)


FLOOR = [sys.executable, "-c", "import click, yaml; from pydantic import BaseModel"]
"""The import floor: a click + PyYAML + pydantic program that does nothing."""
FACTS = ["--fact", "complex=yes", "--fact", "multiagency=yes", "--json"]


def instructions(args: list[str]) -> int | None:
    """The CPU instructions a program runs (valgrind; the load on the machine does not change it)."""
    done = run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *args])
    found = re.search(rb"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found[1].replace(b",", b"")) if done.returncode == 0 and found else None


def measure_cli(script: Path, settings: Settings, report: Report) -> None:
    """`triage assess --fact ... --json` against the same-work peer program (benchmarks/peer_cli.py:
    click, a durable_rules Host program, a pydantic model printed as JSON): CPU instructions where
    valgrind is present, else wall time, medians of runs interleaved."""
    byte_compile()
    assess = [str(script), "assess", *FACTS]
    peer = [sys.executable, str(HERE / "peer_cli.py"), *FACTS]
    routes = []
    for args in (assess, peer):
        checked = run(args)
        if checked.returncode != 0:
            raise SystemExit(f"{args[1]} failed: {checked.stderr.decode()}")
        routes.append(json.loads(checked.stdout)["primary_route"])
    if routes[0] != routes[1]:
        raise SystemExit(f"the peer program gave {routes[1]}, triage {routes[0]}")
    run(FLOOR)  # warm the file cache
    counts = None
    if shutil.which("valgrind"):
        runs = 1 if settings is QUICK else 3
        pairs = [(instructions(assess), instructions(peer)) for _ in range(runs)]
        if all(a is not None and p is not None for a, p in pairs):
            counts = (
                statistics.median(a or 0 for a, _ in pairs),
                statistics.median(p or 0 for _, p in pairs),
            )
    if counts is not None:
        ours, theirs = counts
        report.figures["cli_vs_peer_cli"] = round(ours / theirs, 3)
        report.notes["cli_vs_peer_cli"] = (
            f"CPU instructions: assess {ours / 1e6:.0f} M, peer {theirs / 1e6:.0f} M"
        )
    else:
        ours_s, theirs_s = [], []
        for _ in range(settings.cli_runs):  # interleaved, so load on the machine hits both alike
            ours_s.append(timed(lambda: run(assess)))
            theirs_s.append(timed(lambda: run(peer)))
        ours, theirs = statistics.median(ours_s), statistics.median(theirs_s)
        report.figures["cli_vs_peer_cli"] = round(ours / theirs, 3)
        report.notes["cli_vs_peer_cli"] = (
            f"wall time (no valgrind), median of {settings.cli_runs}: assess {ours * 1000:.0f} ms, "
            f"peer {theirs * 1000:.0f} ms"
        )
    floor_s = statistics.median(timed(lambda: run(FLOOR)) for _ in range(5))
    report.detail.append(
        ("import floor", f"{floor_s * 1000:.0f} ms (python, click, PyYAML, pydantic; no work)")
    )


def write_cases(pack: triage.Pack, path: Path, count: int) -> None:
    generator = case_generator(pack, SEED + 1)
    with path.open("w") as handle:
        for _ in range(count):
            handle.write(json.dumps(next(generator)[1]) + "\n")


STAMP = re.compile(rb'"timestamp":"[^"]*"')


def same_answers(one: Path, other: Path) -> bool:
    """Whether two batch outputs hold the same lines but for the second each answer was made in."""
    with one.open("rb") as first, other.open("rb") as second:
        for a, b in zip(first, second, strict=False):
            if a != b and STAMP.sub(b"", a) != STAMP.sub(b"", b):
                return False
        return not first.read(1) and not second.read(1)


def measure_batch(script: Path, pack: triage.Pack, settings: Settings, report: Report, work: Path) -> None:
    """`triage batch` over BIG_BATCH cases, full answers to a file: one job (cases/s), then two
    (the speed-up), in turn for `settings.batch_rounds` rounds, each the fastest of its runs (on a
    shared machine, other load only ever slows a run down); the outputs must be the same."""
    if not has_command(script, "batch"):
        report.notes["batch_cases_per_s"] = "`triage batch` does not exist in this build"
        return
    source = work / "cases.jsonl"
    write_cases(pack, source, BIG_BATCH)
    jobs = b"--jobs" in run([str(script), "batch", "--help"]).stdout
    seconds: dict[int, list[float]] = {1: [], 2: []} if jobs else {1: []}
    for _ in range(settings.batch_rounds):
        for count in seconds:
            out = work / f"out-{count}.jsonl"
            flags = ["--jobs", str(count)] if jobs else []
            seconds[count].append(
                timed(
                    lambda out=out, flags=flags: run(
                        [str(script), "batch", str(source), *flags, "--out", str(out)]
                    )
                )
            )
            with out.open("rb") as answers:
                written = sum(1 for _ in answers)
            if written != BIG_BATCH:
                report.notes["batch_cases_per_s"] = f"`triage batch` wrote {written} of {BIG_BATCH} answers"
                return
        if jobs and not same_answers(work / "out-1.jsonl", work / "out-2.jsonl"):
            raise SystemExit("triage batch --jobs 2 wrote other answers than --jobs 1")
    one = min(seconds[1])
    report.figures["batch_cases_per_s"] = round(BIG_BATCH / one)
    report.notes["batch_cases_per_s"] = (
        f"{BIG_BATCH} cases, one job, in {one:.1f} s (fastest of {settings.batch_rounds}), process "
        "start included"
    )
    if not jobs:
        report.notes["batch_jobs_speedup"] = "`triage batch --jobs` does not exist in this build"
        return
    two = min(seconds[2])
    report.figures["batch_jobs_speedup"] = round(one / two, 2)
    report.notes["batch_jobs_speedup"] = (
        f"--jobs 2 {two:.1f} s (fastest of {settings.batch_rounds}, runs "
        f"{', '.join(f'{a:.1f}/{b:.1f}' for a, b in zip(seconds[1], seconds[2], strict=True))} s with "
        "one/two jobs); the same output as --jobs 1"
    )
    for count in seconds:
        (work / f"out-{count}.jsonl").unlink()


def measure_rules_check(script: Path, report: Report) -> None:
    if not has_command(script, "rules", "check"):
        report.figures["rules_check_s"] = None
        report.notes["rules_check_s"] = "`triage rules check` does not exist yet"
        return
    results = []
    for _ in range(3):
        start = time.perf_counter()
        done = run([str(script), "rules", "check"])
        results.append(time.perf_counter() - start)
    report.figures["rules_check_s"] = round(statistics.median(results), 3)
    report.notes["rules_check_s"] = f"median of 3 runs of the default pack, exit {done.returncode}"


def measure_alternatives(
    advisor: triage.Advisor, cases: list[tuple[str, dict[str, str]]], settings: Settings, report: Report
) -> None:
    alternatives = getattr(advisor, "alternatives", None)
    if alternatives is None:
        report.figures["alternatives_max_s"] = None
        report.notes["alternatives_max_s"] = "`Advisor.alternatives` does not exist yet"
        return
    # The slowest case first (all unknown), then partly unknown ones, then answered ones.
    by_kind = {kind: [answers for k, answers in cases if k == kind] for kind in KINDS}
    chosen = [
        *by_kind["all unknown"][:1],
        *by_kind["partly unknown"][: settings.alternatives_cases],
        *by_kind["answered"][: settings.alternatives_cases // 2],
    ]
    slowest, count, spent = 0.0, 0, 0.0
    for answers in chosen:
        seconds = timed(lambda answers=answers: alternatives(answers, max_changes=2))
        slowest, count, spent = max(slowest, seconds), count + 1, spent + seconds
        if spent > settings.alternatives_budget_s:
            break
    report.figures["alternatives_max_s"] = round(slowest, 3)
    report.notes["alternatives_max_s"] = f"slowest of {count} cases (max_changes=2), {spent:.1f} s in all"


def measure_interview_pages(advisor: triage.Advisor, report: Report) -> None:
    """Question pages per interview (a page asks a group of questions), each scenario's questions
    answered as the scenario gives them (unknown where it gives none)."""
    from triage._interview import pages_to_settle
    from triage._scenarios import scenario_cases

    cases = scenario_cases([triage.default_pack_path() / "scenarios"], advisor=advisor)
    pages = [pages_to_settle(advisor, case) for case in cases]
    report.figures["interview_pages_mean"] = round(statistics.mean(pages), 2)
    report.figures["interview_pages_max"] = float(max(pages))
    for name in ("interview_pages_mean", "interview_pages_max"):
        report.notes[name] = f"over the default pack's {len(pages)} scenarios"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def measure_memory(advisor: triage.Advisor, settings: Settings, report: Report) -> None:
    """Resident memory growth over many distinct assessments, after a warm-up."""
    generator = case_generator(advisor.pack, SEED + 2)
    for _ in range(settings.rss_warmup):
        advisor.assess(next(generator)[1])
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    checkpoints = []
    step = settings.rss_assessments // 4
    for index in range(settings.rss_assessments):
        advisor.assess(next(generator)[1])
        if (index + 1) % step == 0:
            checkpoints.append(rss_mb())
    seconds = time.perf_counter() - start
    gc.collect()
    after = rss_mb()
    report.figures["rss_growth_mb"] = round(after - before, 2)
    report.notes["rss_growth_mb"] = (
        f"{settings.rss_assessments} assessments in {seconds:.1f} s; RSS {before:.1f} MB -> "
        + " -> ".join(f"{mb:.1f}" for mb in checkpoints)
        + f" -> {after:.1f} MB"
    )


# --- peers: what a user could pick instead (benchmarks/peers.py) ----------------------------------

PEER_CHECK_CASES = 2000
PEER_LABELS = {
    "if_chain": "hand-written if-chain (the floor)",
    "zen": f"zen-engine {_version('zen-engine')}, decision table",
    "rule_engine": f"rule-engine {_version('rule-engine')}, one rule per route",
    "durable_host": "durable_rules Host API (`post`, `pri`), primary route only",
    "primary_route": "`Advisor.primary_route`, validated",
    "full_match": "durable_rules match of every rule alone (a validated case, no answer built)",
    "assess": "`Advisor.assess`, the full answer",
}


def build_peers() -> tuple[dict[str, Callable[[Any], str]], str]:
    """The peers that can be built here, and a note on any that cannot (the `bench` extra)."""
    built: dict[str, Callable[[Any], str]] = {
        "if_chain": peers.if_chain,
        "durable_host": peers.durable_host(),
    }
    missing = []
    try:
        built["zen"] = peers.zen_engine()[0]
    except ImportError:
        missing.append("zen-engine")
    try:
        built["rule_engine"] = peers.rule_engine()
    except ImportError:
        missing.append("rule-engine")
    return built, f"not installed: {', '.join(missing)} (pip install '.[bench]')" if missing else ""


def check_peers(candidates: dict[str, Callable[[Any], str]], full: list[Any]) -> None:
    """Every peer gives the semantics' primary route (tests/moray/oracle.py) on the first cases."""
    for name, primary in candidates.items():
        for case in full[:PEER_CHECK_CASES]:
            expected, got = oracle.primary(case), primary(case)
            if got != expected:
                unknown = sorted(fact for fact, answer in case.items() if answer == "unknown")
                raise SystemExit(
                    f"peer {name} disagrees with tests/moray/oracle.py: {got} instead of {expected} for "
                    f"{ {f: a for f, a in case.items() if a != 'unknown'} } (unknown: {unknown})"
                )


def measure_peers(advisor: triage.Advisor, cases: list[tuple[str, dict[str, str]]], report: Report) -> None:
    """Per case, interleaved: assess, primary_route and every peer, on the same seeded cases. The
    peers get the full case (every fact, unknown explicit) made before the clock starts."""
    candidates, missing = build_peers()
    full = [(answers, advisor.case(answers)) for _kind, answers in cases]
    check_peers(candidates, [case for _, case in full])
    for answers, _case in full[:PEER_CHECK_CASES]:
        if advisor.primary_route(answers) != advisor.assess(answers).primary_route:
            raise SystemExit(f"Advisor.primary_route disagrees with Advisor.assess for {answers}")
    parts: dict[str, Callable[[dict[str, str], dict[str, str]], object]] = {
        "assess": lambda answers, _case: advisor.assess(answers),
        "primary_route": lambda answers, _case: advisor.primary_route(answers),
        "full_match": lambda _answers, case: advisor.matcher.matches(case),
        **{name: (lambda _answers, case, peer=peer: peer(case)) for name, peer in candidates.items()},
    }
    times: dict[str, list[float]] = {name: [] for name in parts}
    clock = time.perf_counter_ns
    for answers, case in full[:300]:  # warm-up
        for part in parts.values():
            part(answers, case)
    for answers, case in full:
        for name, part in parts.items():
            start = clock()
            part(answers, case)
            times[name].append((clock() - start) / 1000)
    p50 = {name: statistics.median(values) for name, values in times.items()}
    host = p50["durable_host"]
    report.figures["assess_vs_durable_host"] = round(p50["assess"] / host, 2)
    report.figures["primary_vs_durable_host"] = round(p50["primary_route"] / host, 2)
    report.notes["assess_vs_durable_host"] = f"p50 assess {p50['assess']:.1f} us, durable Host {host:.1f} us"
    report.notes["primary_vs_durable_host"] = f"p50 primary_route {p50['primary_route']:.1f} us"
    report.detail.append(("peers", f"{len(full)} cases, each peer checked on {PEER_CHECK_CASES} first"))
    for name in PEER_LABELS:
        if name in p50:
            report.detail.append(
                (
                    f"  {PEER_LABELS[name]}",
                    f"p50 {p50[name]:.1f} us, p99 {percentile(times[name], 0.99):.1f} us, "
                    f"{p50[name] / p50['assess']:.3f} of assess"
                    + (f", {p50[name] / host:.2f} of durable Host" if name == "full_match" else ""),
                )
            )
    if missing:
        report.detail.append(("  peers", missing))


def measure_primary_batch(pack: triage.Pack, report: Report, work: Path) -> None:
    """The primary route of BIG_BATCH cases, JSON Lines in and out, as processes (start-up
    included): a triage program (`Advisor.primary_route` per line) against a zen-engine program
    (one `evaluate_batch` call), both in benchmarks/peers.py, interleaved three times."""
    try:
        peers.zen_engine()
    except ImportError:
        report.notes["primary_batch_vs_zen_batch"] = "zen-engine is not installed (pip install '.[bench]')"
        return
    source = work / "cases.jsonl"
    if not source.exists():
        write_cases(pack, source, BIG_BATCH)
    times: dict[str, list[float]] = {"triage-batch": [], "zen-batch": []}
    for _ in range(3):
        for program, spent in times.items():
            args = [
                sys.executable,
                str(HERE / "peers.py"),
                program,
                str(source),
                str(work / f"{program}.jsonl"),
            ]
            spent.append(timed(lambda args=args: run(args)))
    ours, theirs = (work / "triage-batch.jsonl").read_bytes(), (work / "zen-batch.jsonl").read_bytes()
    if ours != theirs or ours.count(b"\n") != BIG_BATCH:
        raise SystemExit("the triage and zen-engine batch programs gave different primary routes")
    ours_s, theirs_s = statistics.median(times["triage-batch"]), statistics.median(times["zen-batch"])
    report.figures["primary_batch_vs_zen_batch"] = round(theirs_s / ours_s, 2)
    report.notes["primary_batch_vs_zen_batch"] = (
        f"{BIG_BATCH} cases, medians of 3: triage program {ours_s:.2f} s, zen-engine program {theirs_s:.2f} s"
    )


def in_child(code: str, *args: str, timeout: float) -> Any:
    """Run `code` in a fresh Python (its own memory, and a hang cannot stop the benchmark); the JSON
    it prints last, or None when it hangs or fails."""
    path = [str(Path(__file__).resolve().parent.parent / "tests"), *sys.path]
    program = f"import sys; sys.path[:0] = {path!r}\n{code}"
    try:
        done = subprocess.run(
            [sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.splitlines()[-1]) if done.returncode == 0 and done.stdout else None


REFUSE = """
import json, time, triage
start = time.perf_counter()
try:
    triage.Advisor(sys.argv[1]).assess({})
    refused = None
except triage.PackError as error:
    refused = str(error)
print(json.dumps({"s": time.perf_counter() - start, "refused": refused}))
"""


def measure_hostile_packs(report: Report, work: Path) -> None:
    """The worst time to refuse a pack within every declared bound whose diagrams blow up (load,
    compile and first assessment, in a fresh process)."""
    from blowup import HOSTILE_PACKS, make

    times = {}
    for kind in sorted(HOSTILE_PACKS):
        result = in_child(REFUSE, str(make(kind, work / kind)), timeout=60)
        times[kind] = None if result is None or result["refused"] is None else result["s"]
    worst = None if None in times.values() else max(t for t in times.values() if t is not None)
    report.figures["hostile_pack_refuse_s"] = None if worst is None else round(worst, 3)
    report.notes["hostile_pack_refuse_s"] = "; ".join(
        f"{kind} {'not refused within 60 s' if t is None else f'{t:.2f} s'}" for kind, t in times.items()
    )


RELOAD = """
import json, gc, triage
from run import rss_mb
path = triage.default_pack_path()
triage.assess({}, pack=path)
gc.collect()
before = rss_mb()
for _ in range(int(sys.argv[1])):
    triage.assess({}, pack=path)
gc.collect()
print(json.dumps({"growth": rss_mb() - before}))
"""


def measure_pack_reloads(settings: Settings, report: Report) -> None:
    """Resident memory growth over `triage.assess(answers, pack=path)` with the default pack."""
    code = f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n{RELOAD}"
    result = in_child(code, str(settings.pack_reloads), timeout=600)
    report.figures["pack_reload_rss_growth_mb"] = None if result is None else round(result["growth"], 2)
    report.notes["pack_reload_rss_growth_mb"] = f"{settings.pack_reloads} loads of the default pack"


def start_server(args: list[str], log: Path) -> tuple[subprocess.Popen[str], int | str]:
    """A server started with `args`, and the port from the first line it prints ("listening on
    http://HOST:PORT/"), or why there is none (its first line of error: e.g. no `web` extra)."""
    with log.open("w") as errors:  # a file: a pipe left unread would fill and stop the server
        server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True)
    assert server.stdout is not None
    ready, _, _ = select.select([server.stdout], [], [], 60)
    found = re.search(r"http://\S+:(\d+)/", server.stdout.readline() if ready else "")
    if found:
        return server, int(found[1])
    server.kill()
    server.wait(timeout=10)
    reason = next(iter(log.read_text().strip().splitlines()[-1:]), "no line within 60 s")
    return server, reason


def load(port: int, bodies: list[bytes], clients: int) -> tuple[list[float], int, float]:
    """`clients` keep-alive clients send the bodies to POST /v1/assess between them: the latency of
    each request (s), the responses other than 200, and the seconds it all took."""
    import http.client
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        failed = 0
        for body in share:
            start = time.perf_counter()
            try:
                connection.request("POST", "/v1/assess", body, {"content-type": "application/json"})
                response = connection.getresponse()
                response.read()
                failed += response.status != 200
            except OSError:
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(bodies[n::clients],)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - start


def server_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def measure_serve(
    script: Path, advisor: triage.Advisor, requests: int, report: Report, work: Path, rounds: int = 3
) -> None:
    """A bounded load test of `triage serve` on loopback: one client alone, then 50 concurrent
    keep-alive clients sending `requests` POST /v1/assess in all (latency per request, errors, the
    server's memory), in turn with the same 50-client load on a minimal app answering the same
    bytes (benchmarks/constant_app.py), both servers up, for `rounds` rounds: each figure is the
    median of the rounds' (one round of each swung the ratio from 2.4 to 3.4 on a shared machine)."""
    clients = 50
    server, port = start_server([str(script), "serve", "--port", "0"], work / "serve.log")
    if isinstance(port, str):
        for name in ("serve_p50_ms", "serve_one_client_p50_ms", "serve_vs_constant_app"):
            report.notes[name] = f"`triage serve` did not start: {port}"
        return
    generator = case_generator(advisor.pack, SEED + 3)
    bodies = [json.dumps({"answers": next(generator)[1]}).encode() for _ in range(requests)]
    answer = work / "answer.json"
    answer.write_text(advisor.assess(json.loads(bodies[0])["answers"]).model_dump_json())
    app = [sys.executable, str(HERE / "constant_app.py"), str(answer)]
    constant: subprocess.Popen[bytes] | None = None
    ours: list[list[float]] = []
    theirs: list[list[float]] = []
    errors = 0
    try:
        load(port, bodies[: requests // 10], clients)  # warm-up
        alone, _, _ = load(port, bodies[: requests // 4], 1)
        before = server_rss(server.pid)
        constant, constant_port = start_server(app, work / "constant.log")
        if isinstance(constant_port, str):
            report.notes["serve_vs_constant_app"] = f"the constant app did not start: {constant_port}"
            constant_port = None
        else:
            load(constant_port, bodies[: requests // 10], clients)  # warm-up
        for _ in range(rounds):
            latencies, failed, seconds = load(port, bodies, clients)
            ours.append(latencies)
            errors += failed
            if constant_port is not None:
                theirs.append(load(constant_port, bodies, clients)[0])
        after = server_rss(server.pid)
    finally:
        for process in (server, constant):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
    p50s = [percentile(latencies, 0.50) * 1000 for latencies in ours]
    report.figures["serve_p50_ms"] = round(statistics.median(p50s), 1)
    report.figures["serve_p99_ms"] = round(statistics.median(percentile(lat, 0.99) * 1000 for lat in ours), 1)
    report.figures["serve_errors"] = errors
    report.figures["serve_rss_growth_mb"] = round(after - before, 2)
    report.figures["serve_one_client_p50_ms"] = round(percentile(alone, 0.50) * 1000, 2)
    report.notes["serve_p50_ms"] = (
        f"{requests} POST /v1/assess from {clients} concurrent clients on loopback, {rounds} rounds "
        f"(the last in {seconds:.1f} s, {requests / seconds:.0f} requests/s)"
    )
    report.notes["serve_one_client_p50_ms"] = f"{len(alone)} requests, one after another"
    report.notes["serve_rss_growth_mb"] = (
        f"server RSS {before:.1f} MB -> {after:.1f} MB over {rounds * requests} requests"
    )
    if not theirs:
        return
    constant_p50s = [percentile(latencies, 0.5) * 1000 for latencies in theirs]
    ours_ms, theirs_ms = statistics.median(p50s), statistics.median(constant_p50s)
    report.figures["serve_vs_constant_app"] = round(ours_ms / theirs_ms, 2)
    report.notes["serve_vs_constant_app"] = (
        f"50 clients' p50, median of {rounds} rounds in turn: triage {ours_ms:.1f} ms, a minimal FastAPI "
        f"app returning the same {answer.stat().st_size:,} bytes {theirs_ms:.1f} ms (rounds: "
        + ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(p50s, constant_p50s, strict=True))
        + " ms)"
    )


def measure_healthz_under_load(script: Path, pack: triage.Pack, report: Report, work: Path) -> None:
    """p99 of GET /healthz, asked every 20 ms, while 100 POST /v1/alternatives (max_changes=3, the
    heaviest the API does) are in flight: a load balancer's probe must not fail while it thinks."""
    import http.client
    import threading

    heavy = 100
    server, port = start_server([str(script), "serve", "--port", "0"], work / "healthz.log")
    if isinstance(port, str):
        report.notes["healthz_under_load_ms"] = f"`triage serve` did not start: {port}"
        return
    try:

        def ask(method: str, path: str, body: bytes | None = None) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            try:
                connection.request(method, path, body, {"content-type": "application/json"})
                response = connection.getresponse()
                response.read()
                return response.status
            finally:
                connection.close()

        ask("GET", "/readyz")
        generator = case_generator(pack, SEED + 5)
        bodies = [
            json.dumps({"answers": next(generator)[1], "max_changes": 3}).encode() for _ in range(heavy)
        ]
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda body=body: statuses.append(ask("POST", "/v1/alternatives", body)))
            for body in bodies
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        probes: list[float] = []
        while any(thread.is_alive() for thread in threads):
            asked = time.perf_counter()
            ask("GET", "/healthz")
            probes.append(time.perf_counter() - asked)
            time.sleep(0.02)
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=60)
    report.figures["healthz_under_load_ms"] = round(percentile(probes, 0.99) * 1000, 1)
    report.notes["healthz_under_load_ms"] = (
        f"{len(probes)} probes while {heavy} alternatives (max_changes=3) ran, {seconds:.1f} s in all, "
        f"{sum(status != 200 for status in statuses)} of them not 200; probe max "
        f"{max(probes) * 1000:.1f} ms"
    )


# --- output --------------------------------------------------------------------------------------


def verdict(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    op, target = TARGETS[name]
    ok = {"<": value < target, "<=": value <= target, ">=": value >= target}[op]
    return "ok" if ok else "MISSED"


def print_table(report: Report, settings: Settings, quick: bool, seconds: float) -> None:
    print(
        f"triage {triage.__version__} benchmark ({'quick' if quick else 'full'}), Python "
        f"{sys.version.split()[0]}, {settings.cases} cases per kind, seed {SEED}"
    )
    width = max(len(name) for name in TARGETS)
    print(f"{'figure':<{width}}  {'value':>10}  {'target':>9}  {'':6}  note")
    for name, (op, target) in TARGETS.items():
        value = report.figures.get(name)
        shown = "null" if value is None else f"{value:g}"
        print(
            f"{name:<{width}}  {shown:>10}  {op + ' ' + format(target, 'g'):>9}  {verdict(name, value):6}  "
            f"{report.notes.get(name, '')}"
        )
    for label, text in report.detail:
        print(f"  {label}: {text}")
    print(f"total {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (under a minute)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    options = parser.parse_args()
    settings = QUICK if options.quick else FULL
    started = time.perf_counter()

    advisor = triage.Advisor()
    cases = sample_cases(advisor.pack, settings.cases)
    script = console_script()
    report = Report()
    measure_in_process(advisor, cases, report)
    measure_peers(advisor, cases, report)
    measure_alternatives(advisor, cases, settings, report)
    with tempfile.TemporaryDirectory() as work:
        measure_batch(script, advisor.pack, settings, report, Path(work))
        measure_primary_batch(advisor.pack, report, Path(work))
        measure_hostile_packs(report, Path(work))
        measure_serve(script, advisor, 2_000 if options.quick else 10_000, report, Path(work))
        measure_healthz_under_load(script, advisor.pack, report, Path(work))
    measure_pack_reloads(settings, report)
    measure_rules_check(script, report)
    measure_cli(script, settings, report)
    measure_memory(advisor, settings, report)
    measure_interview_pages(advisor, report)

    print_table(report, settings, options.quick, time.perf_counter() - started)
    if options.json:
        print(json.dumps({name: report.figures.get(name) for name in TARGETS}))


if __name__ == "__main__":
    main()
