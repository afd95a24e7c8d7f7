"""The server's pool of advice processes (triage/web/_pool.py), driven directly: answers as the
library gives them, the work's own errors, a process that dies, more work than processes, and no
thread of the pool in the server's process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator

import pytest

import triage
from triage.web._pool import AdvicePool
from triage.web._work import alternatives_json, assess_json, why_not_json

CASES = [{}, {"complex": "yes", "multiagency": "yes"}, {"immediate_danger": "yes"}, {"complex": "no"}]


def answer(advisor: triage.Advisor, answers: dict[str, str]) -> dict[str, object]:
    """The library's own answer as the API sends it, but for the second it was made in."""
    data = json.loads(assess_json(advisor, answers))
    data["audit"].pop("timestamp")
    return data


def served(raw: bytes) -> dict[str, object]:
    data = json.loads(raw)
    data["audit"].pop("timestamp")
    return data


@pytest.fixture
def pool(advisor: triage.Advisor) -> Iterator[AdvicePool]:
    made = AdvicePool(advisor, 2)
    yield made
    made.shutdown()


def test_more_work_than_processes_is_all_answered_as_the_library_answers(
    advisor: triage.Advisor, pool: AdvicePool
) -> None:
    async def many() -> list[bytes]:
        return await asyncio.gather(*(pool.run(assess_json, answers) for answers in CASES * 5))

    answers = asyncio.run(many())
    assert [served(raw) for raw in answers] == [answer(advisor, case) for case in CASES * 5]


def test_the_works_own_error_reaches_the_caller_and_the_process_serves_on(pool: AdvicePool) -> None:
    async def bad_then_good() -> bytes:
        with pytest.raises(triage.InputError, match="unknown route"):
            await pool.run(why_not_json, {}, "no_such_route")
        return await pool.run(assess_json, {"immediate_danger": "yes"})

    assert json.loads(asyncio.run(bad_then_good()))["primary_route"] == "emergency_response"


def test_a_process_that_dies_is_replaced_and_the_work_done_again(
    advisor: triage.Advisor, caplog: pytest.LogCaptureFixture
) -> None:
    pool = AdvicePool(advisor, 1)
    try:
        asyncio.run(pool.run(assess_json, {}))
        (process,) = pool._every
        os.kill(process.process.pid or 0, signal.SIGKILL)
        process.process.join(timeout=30)
        with caplog.at_level(logging.WARNING, logger="triage.web"):
            raw = asyncio.run(pool.run(assess_json, {"complex": "yes"}))
        assert served(raw) == answer(advisor, {"complex": "yes"})
        assert "an advice process ended: the pool starts again" in caplog.text
        assert len(pool._every) == 1
    finally:
        pool.shutdown()


def test_the_pool_runs_no_thread_in_the_servers_process(pool: AdvicePool) -> None:
    # Every hand-over between a thread and the event loop waits for the GIL: the loop talks to
    # the processes itself.
    before = threading.active_count()

    async def some() -> None:
        await asyncio.gather(*(pool.run(assess_json, answers) for answers in CASES))

    asyncio.run(some())
    assert threading.active_count() == before


def test_shutdown_ends_every_process(pool: AdvicePool) -> None:
    asyncio.run(pool.run(assess_json, {}))
    processes = [process.process for process in pool._every]
    assert processes
    pool.shutdown()
    assert all(not process.is_alive() for process in processes)


def test_ready_starts_every_process_and_they_serve_on(pool: AdvicePool) -> None:
    async def ready_then_two() -> list[bytes]:
        assert await pool.ready()
        return await asyncio.gather(*(pool.run(assess_json, answers) for answers in CASES[:2]))

    asyncio.run(ready_then_two())
    assert len(pool._every) == pool.processes == 2
    assert all(process.process.is_alive() for process in pool._every)


def test_both_pieces_of_work_on_a_process_killed_mid_work_are_answered(advisor: triage.Advisor) -> None:
    pool = AdvicePool(advisor, 1)
    try:

        async def kill_while_two_run() -> list[bytes]:
            assert await pool.ready()
            (process,) = pool._every
            both = asyncio.gather(*(pool.run(alternatives_json, {}, 3) for _ in range(2)))
            await asyncio.sleep(0.05)  # both sent: one in the works, one waiting on its channel
            os.kill(process.process.pid or 0, signal.SIGKILL)
            return await asyncio.wait_for(both, timeout=120)

        answers = asyncio.run(kill_while_two_run())
        expected = json.loads(alternatives_json(advisor, {}, 3))
        assert [json.loads(raw) for raw in answers] == [expected, expected]
    finally:
        pool.shutdown()
