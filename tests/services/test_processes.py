"""The worker-process helper: results come back in order, and no failure ever leaves the parent waiting."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

from tests.services.processes import WorkerError, Workers, run_in_processes


# The functions the workers run must be importable by a fresh interpreter (spawn): module level.
def square_in_threads(base: int, threads: int) -> dict[str, Any]:
    """Square base, base+1, ... in `threads` threads; return them with this process's pid."""
    squares = [0] * threads

    def work(i: int) -> None:
        squares[i] = (base + i) ** 2

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"pid": os.getpid(), "squares": squares}


def fail(message: str) -> None:
    raise ValueError(message)


def sleep_forever(ready: Any) -> None:
    ready.set()
    time.sleep(3600)


def kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def return_unpicklable() -> Any:
    return threading.Lock()


def test_results_in_order_from_separate_processes() -> None:
    results = run_in_processes(square_in_threads, [(0, 4), (10, 4), (20, 4)], timeout=60)
    assert [r["squares"] for r in results] == [[0, 1, 4, 9], [100, 121, 144, 169], [400, 441, 484, 529]]
    pids = {r["pid"] for r in results}
    assert len(pids) == 3
    assert os.getpid() not in pids


def test_an_exception_in_a_worker_comes_back_with_its_traceback() -> None:
    with pytest.raises(WorkerError) as info:
        run_in_processes(fail, [("first",), ("second",)], timeout=60)
    outcomes = info.value.outcomes
    assert [o.ok for o in outcomes] == [False, False]
    assert "ValueError: first" in outcomes[0].failure
    assert "in fail" in outcomes[0].failure  # the traceback, not only the message
    assert "ValueError: second" in outcomes[1].failure
    assert str(info.value).startswith("2 of 2 worker processes failed:\nworker 0 (fail-0, pid ")


def test_a_hanging_worker_is_killed_at_the_deadline() -> None:
    with Workers(timeout=1) as workers:
        ready = workers.context.Event()
        hanging = workers.start(sleep_forever, ready)
        quick = workers.start(square_in_threads, 3, 1)
        assert ready.wait(30)
        outcomes = workers.collect()
        assert outcomes[0].failure == "did not finish within 1 s (killed)"
        assert not hanging.process.is_alive()
        assert outcomes[1].ok
        assert outcomes[1].value["squares"] == [9]
        assert quick.pid == outcomes[1].value["pid"]


def test_a_worker_killed_without_reporting_is_reported_with_its_exit_code() -> None:
    with Workers(timeout=60) as workers:
        workers.start(kill_myself)
        workers.start(square_in_threads, 2, 2)
        with pytest.raises(WorkerError) as info:
            workers.results()
    killed, fine = info.value.outcomes
    assert killed.failure == f"exited with code {-signal.SIGKILL} without reporting"
    assert fine.ok
    assert fine.value["squares"] == [4, 9]


def test_the_parent_can_sigkill_a_worker() -> None:
    with Workers(timeout=60) as workers:
        ready = workers.context.Event()
        victim = workers.start(sleep_forever, ready)
        assert ready.wait(30)
        victim.process.kill()
        (outcome,) = workers.collect()
    assert outcome.failure == f"exited with code {-signal.SIGKILL} without reporting"


def test_an_unpicklable_result_is_reported_not_lost() -> None:
    with pytest.raises(WorkerError) as info:
        run_in_processes(return_unpicklable, [()], timeout=60)
    assert "TypeError: cannot pickle '_thread.lock' object" in info.value.outcomes[0].failure


def test_leaving_the_block_stops_every_worker() -> None:
    with Workers(timeout=60) as workers:
        ready = workers.context.Event()
        worker = workers.start(sleep_forever, ready)
        assert ready.wait(30)
    assert not worker.process.is_alive()
    assert worker.process.exitcode == -signal.SIGTERM
