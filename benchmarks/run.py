"""Benchmark of the triage advisor: engine, Advisor.assess, batch, CLI start-up, memory.

    python benchmarks/run.py [--quick] [--json]

Everything is measured side by side in one run, on seeded random cases of the default pack (all
answered, partly unknown, all unknown). Prints a table; with --json, the last line is one JSON
object of the figures. Measurements of features that do not exist yet (`triage batch`,
`triage rules check`, `Advisor.alternatives`) are null, found by capability, not by version.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import oracle  # the semantics the peers are checked against


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


QUICK = Settings(
    cases=3000,
    batch_cases=5000,
    cli_runs=7,
    alternatives_cases=12,
    alternatives_budget_s=8.0,
    rss_assessments=100_000,
    rss_warmup=10_000,
    pack_reloads=2_000,
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
)

TARGETS: dict[str, tuple[str, float]] = {
    "engine_vs_reference": ("<=", 2.0),
    "assess_p50_us": ("<", 300.0),
    "assess_p99_us": ("<", 1000.0),
    "assess_vs_reference": ("<=", 25.0),
    "batch_cases_per_s": (">=", 2000.0),
    "cli_vs_floor": ("<=", 1.35),
    "rules_check_s": ("<", 2.0),
    "alternatives_max_s": ("<", 1.0),
    "rss_growth_mb": ("<", 5.0),
    # Against the peers (benchmarks/peers.py), measured side by side on the same cases.
    "assess_vs_durable_host": ("<=", 1.0),
    "primary_vs_durable_host": ("<=", 0.5),
    "batch_vs_zen_batch": (">=", 1.0),
    "hostile_pack_refuse_s": ("<", 2.0),
    "pack_reload_rss_growth_mb": ("<", 20.0),
    "serve_p50_ms": ("<", 100.0),
    "serve_p99_ms": ("<", 500.0),
    "serve_errors": ("<=", 0.0),
    "serve_rss_growth_mb": ("<", 5.0),
    "healthz_under_load_ms": ("<", 100.0),
}


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


def measure_cli(script: Path, settings: Settings, report: Report) -> None:
    """`triage assess --fact ... --json` against the import floor of a click+pydantic+PyYAML program."""
    byte_compile()
    assess = [str(script), "assess", "--fact", "complex=yes", "--fact", "multiagency=yes", "--json"]
    checked = run(assess)
    if checked.returncode != 0:
        raise SystemExit(f"triage assess failed: {checked.stderr.decode()}")
    run(FLOOR)  # warm the file cache for both
    floor_times, cli_times = [], []
    for _ in range(settings.cli_runs):  # interleaved, so load on the machine hits both alike
        floor_times.append(timed(lambda: run(FLOOR)))
        cli_times.append(timed(lambda: run(assess)))
    floor_s, cli_s = statistics.median(floor_times), statistics.median(cli_times)
    report.figures["cli_vs_floor"] = round(cli_s / floor_s, 2)
    report.notes["cli_vs_floor"] = (
        f"median of {settings.cli_runs}: assess {cli_s * 1000:.0f} ms, floor {floor_s * 1000:.0f} ms"
    )


def measure_batch(script: Path, pack: triage.Pack, settings: Settings, report: Report, work: Path) -> None:
    if not has_command(script, "batch"):
        report.figures["batch_cases_per_s"] = None
        report.notes["batch_cases_per_s"] = "`triage batch` does not exist yet"
        return
    source, out = work / "cases.jsonl", work / "out.jsonl"
    generator = case_generator(pack, SEED + 1)
    with source.open("w") as handle:
        for _ in range(settings.batch_cases):
            handle.write(json.dumps(next(generator)[1]) + "\n")
    seconds = timed(lambda: run([str(script), "batch", str(source), "--out", str(out)]))
    answers = sum(1 for _ in out.open()) if out.exists() else 0
    if answers != settings.batch_cases:
        report.figures["batch_cases_per_s"] = None
        report.notes["batch_cases_per_s"] = (
            f"`triage batch` wrote {answers} of {settings.batch_cases} answers"
        )
        return
    report.figures["batch_cases_per_s"] = round(settings.batch_cases / seconds)
    report.notes["batch_cases_per_s"] = (
        f"{settings.batch_cases} cases in {seconds:.2f} s, process start included"
    )


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
    """Every peer gives the semantics' primary route (tests/oracle.py) on the first cases."""
    for name, primary in candidates.items():
        for case in full[:PEER_CHECK_CASES]:
            expected, got = oracle.primary(case), primary(case)
            if got != expected:
                unknown = sorted(fact for fact, answer in case.items() if answer == "unknown")
                raise SystemExit(
                    f"peer {name} disagrees with tests/oracle.py: {got} instead of {expected} for "
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


def measure_zen_batch(pack: triage.Pack, settings: Settings, report: Report) -> None:
    """zen-engine's own batch call on the cases `triage batch` answered, against its cases/s."""
    ours = report.figures.get("batch_cases_per_s")
    try:
        _primary, batch = peers.zen_engine()
    except ImportError:
        report.notes["batch_vs_zen_batch"] = "zen-engine is not installed (pip install '.[bench]')"
        return
    if ours is None:
        report.notes["batch_vs_zen_batch"] = "no `triage batch` figure"
        return
    generator = case_generator(pack, SEED + 1)  # the very cases of measure_batch
    unknown = dict.fromkeys(pack.fact, "unknown")
    full = [{**unknown, **next(generator)[1]} for _ in range(settings.batch_cases)]
    check_peers({"zen_batch": lambda case: batch([case])[0]}, full[:200])
    seconds = timed(lambda: batch(full))
    theirs = settings.batch_cases / seconds
    run(FLOOR)  # warm the file cache
    floor_s = statistics.median(timed(lambda: run(FLOOR)) for _ in range(5))
    report.detail.append(
        (
            "zen batch",
            f"{settings.batch_cases} cases in {seconds:.3f} s; the import floor alone (python, click, "
            f"PyYAML, pydantic; no work) takes {floor_s:.3f} s",
        )
    )
    report.figures["batch_vs_zen_batch"] = round(ours / theirs, 2)
    report.notes["batch_vs_zen_batch"] = (
        f"triage batch {ours:.0f} cases/s (full answers, JSON, process start included); "
        f"zen evaluate_batch {theirs:.0f} cases/s (primary route, in process)"
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


def measure_serve(script: Path, pack: triage.Pack, requests: int, report: Report) -> None:
    """A bounded load test of `triage serve` on loopback: 50 concurrent keep-alive clients send
    `requests` POST /v1/assess in all; latency per request, errors, and the server's memory."""
    import http.client
    import threading

    if not has_command(script, "serve"):
        report.notes["serve_p50_ms"] = "no `triage serve` in this build"
        return
    clients = 50
    server = subprocess.Popen(
        [str(script), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split("http://127.0.0.1:")[1].split("/")[0])
        generator = case_generator(pack, SEED + 3)
        bodies = [json.dumps({"answers": next(generator)[1]}).encode() for _ in range(requests)]
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

        def load(share: list[bytes]) -> float:
            threads = [threading.Thread(target=client, args=(share[n::clients],)) for n in range(clients)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return time.perf_counter() - start

        def server_rss() -> float:
            for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
            raise RuntimeError("no VmRSS")

        load(bodies[: requests // 10])  # warm-up
        latencies.clear()
        before = server_rss()
        seconds = load(bodies)
        after = server_rss()
    finally:
        server.terminate()
        server.wait(timeout=10)
    report.figures["serve_p50_ms"] = round(percentile(latencies, 0.50) * 1000, 1)
    report.figures["serve_p99_ms"] = round(percentile(latencies, 0.99) * 1000, 1)
    report.figures["serve_errors"] = errors[0]
    report.figures["serve_rss_growth_mb"] = round(after - before, 2)
    report.notes["serve_p50_ms"] = (
        f"{requests} POST /v1/assess from {clients} concurrent clients on loopback in {seconds:.1f} s "
        f"({requests / seconds:.0f} requests/s)"
    )
    report.notes["serve_rss_growth_mb"] = f"server RSS {before:.1f} MB -> {after:.1f} MB"


def measure_healthz_under_load(script: Path, pack: triage.Pack, report: Report) -> None:
    """p99 of GET /healthz, asked every 20 ms, while 100 POST /v1/alternatives (max_changes=3, the
    heaviest the API does) are in flight: a load balancer's probe must not fail while it thinks."""
    import http.client
    import threading

    if not has_command(script, "serve"):
        report.notes["healthz_under_load_ms"] = "no `triage serve` in this build"
        return
    heavy = 100
    server = subprocess.Popen(
        [str(script), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split("http://127.0.0.1:")[1].split("/")[0])

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
        measure_hostile_packs(report, Path(work))
    measure_zen_batch(advisor.pack, settings, report)
    measure_pack_reloads(settings, report)
    measure_rules_check(script, report)
    measure_cli(script, settings, report)
    measure_memory(advisor, settings, report)
    measure_serve(script, advisor.pack, 2_000 if options.quick else 10_000, report)
    measure_healthz_under_load(script, advisor.pack, report)

    print_table(report, settings, options.quick, time.perf_counter() - started)
    if options.json:
        print(json.dumps({name: report.figures.get(name) for name in TARGETS}))


if __name__ == "__main__":
    main()
