"""One Advisor shared by many threads: every thread gets the answer it would get alone, and the
process survives (durable_rules has no locks of its own; a race in it would be a segfault, so the
threads run in a child process)."""

from __future__ import annotations

import json
import random
import sys
import threading

import pytest
from isolated import run_isolated

import triage

THREADS = 8
PER_THREAD = 5000
DISTINCT_CASES = 1500  # more than the restriction cache holds, so it is cleared under the threads


def answer_json(rec: triage.Recommendation) -> str:
    """The answer's JSON without its timestamp (the only part that may differ)."""
    data = rec.model_dump(mode="json")
    data["audit"].pop("timestamp")
    return json.dumps(data)


def seeded_cases(pack: triage.Pack, count: int, seed: int) -> list[dict[str, object]]:
    """Answered, partly unknown and all-unknown cases, as programs send them."""
    rnd = random.Random(seed)
    cases: list[dict[str, object]] = []
    for index in range(count):
        unknown_share = (0.0, 0.5, 1.0)[index % 3]
        answers: dict[str, object] = {}
        for fact in pack.facts:
            if rnd.random() < unknown_share:
                if rnd.random() < 0.5:
                    answers[fact.id] = rnd.choice(("unknown", None))
            else:
                real = [answer for answer in fact.answers if answer != "unknown"]
                answers[fact.id] = rnd.choice(real)
        cases.append(answers)
    return cases


def hammer() -> None:
    """In the child: 8 threads x 5,000 assessments on one fresh shared Advisor."""
    sys.setswitchinterval(1e-5)  # switch threads as often as possible, to provoke races
    cases = seeded_cases(triage.Advisor().pack, DISTINCT_CASES, seed=8)
    alone = triage.Advisor()
    expected = [answer_json(alone.assess(case)) for case in cases]
    shared = triage.Advisor()  # fresh: the threads also race to build its analysis and caches
    start = threading.Barrier(THREADS)
    done = [0] * THREADS
    wrong: list[int] = []
    errors: list[str] = []

    def work(index: int) -> None:
        rnd = random.Random(index)
        start.wait()
        try:
            for _ in range(PER_THREAD):
                pick = rnd.randrange(len(cases))
                if answer_json(shared.assess(cases[pick])) != expected[pick]:
                    wrong.append(pick)
                done[index] += 1
        except BaseException as error:  # reported, never swallowed
            errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"assessed": sum(done), "wrong": sorted(set(wrong))[:5], "errors": errors[:3]}))


@pytest.mark.soak
def test_eight_threads_sharing_one_advisor_get_the_single_threaded_answers() -> None:
    report = run_isolated("test_threads", "hammer", timeout=600)
    assert report == {"assessed": THREADS * PER_THREAD, "wrong": [], "errors": []}
