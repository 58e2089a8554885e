"""Run test code in real worker processes without ever leaving the parent waiting.

Workers are started with the `spawn` method (a fresh interpreter: no state inherited from pytest, the same on
every OS), so the function a worker runs must be importable: a module-level function of a test module or helper,
with picklable arguments and result. Each worker reports exactly once through a queue: its result, or the
traceback of whatever it raised. The parent waits at most `timeout` seconds in total, then reports the workers
that did not finish and kills them; a worker that dies without reporting (a crash, a SIGKILL) is reported with
its exit code. Leaving the `with` block terminates, then kills, whatever still runs.

    results = run_in_processes(count_token_requests, [(url, 8)] * 8, timeout=60)   # raises WorkerError

    with Workers(timeout=30) as workers:
        started = workers.context.Event()            # spawn-context primitives can be passed to workers
        holder = workers.start(hold_lock, url, started)
        others = [workers.start(wait_for_token, url) for _ in range(4)]
        started.wait(10)
        holder.process.kill()                        # a real SIGKILL of a real process
        outcomes = workers.collect()                 # every worker's outcome, no exception
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import multiprocessing.process
import pickle
import queue
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

DEFAULT_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
_POLL = 0.05


@dataclass
class Worker:
    """A worker process started by `Workers.start()`."""

    index: int
    name: str
    process: multiprocessing.process.BaseProcess

    @property
    def pid(self) -> int | None:
        return self.process.pid


@dataclass
class Outcome:
    """What became of one worker: `ok` with its `value`, or `failure` saying what went wrong."""

    worker: Worker
    ok: bool = False
    value: Any = None
    failure: str = ""

    def describe(self) -> str:
        return f"worker {self.worker.index} ({self.worker.name}, pid {self.worker.pid}): {self.failure}"


@dataclass
class WorkerError(AssertionError):
    """At least one worker raised, died, or did not finish in time; `outcomes` holds every worker's outcome."""

    outcomes: list[Outcome] = field(default_factory=list)

    def __str__(self) -> str:
        failed = [outcome for outcome in self.outcomes if not outcome.ok]
        return f"{len(failed)} of {len(self.outcomes)} worker processes failed:\n" + "\n".join(
            outcome.describe() for outcome in failed
        )


def _worker_main(reports: Any, index: int, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Body of every worker process: run `func(*args)` and report (index, ok, payload) once, whatever happens."""
    try:
        payload = pickle.dumps(func(*args))  # pickled here, so an unpicklable result is reported, not lost
    except BaseException as exc:  # report everything, even SystemExit and KeyboardInterrupt
        reports.put((index, False, "".join(traceback.format_exception(exc)).rstrip()))
    else:
        reports.put((index, True, payload))
    reports.close()
    reports.join_thread()  # the report is in the pipe before this process exits


class Workers:
    """Start functions in spawned worker processes and collect their outcomes within a deadline.

    Args:
        timeout: seconds `collect()` and `results()` wait in total for every worker, counted from the call.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.context: multiprocessing.context.SpawnContext = multiprocessing.get_context("spawn")
        self._reports = self.context.Queue()
        self._workers: list[Worker] = []
        self._outcomes: dict[int, Outcome] = {}

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self, func: Callable[..., Any], *args: Any, name: str | None = None) -> Worker:
        """Start a worker process running `func(*args)` (a module-level function, picklable arguments)."""
        index = len(self._workers)
        name = name or f"{getattr(func, '__name__', 'worker')}-{index}"
        process = self.context.Process(
            target=_worker_main, args=(self._reports, index, func, args), name=name, daemon=True
        )
        worker = Worker(index=index, name=name, process=process)
        self._workers.append(worker)
        process.start()
        return worker

    def collect(self) -> list[Outcome]:
        """Wait (at most `timeout` seconds) until every worker reported or died; return their outcomes in order.

        Workers still running at the deadline are killed and reported as timed out.
        """
        deadline = time.monotonic() + self.timeout
        while self._pending():
            self._receive(min(_POLL, max(0.0, deadline - time.monotonic())))
            dead = [worker for worker in self._pending() if worker.process.exitcode is not None]
            if dead:
                self._drain()  # a worker's report reaches the pipe before it exits: read what is there
                for worker in dead:
                    if worker.index not in self._outcomes:
                        self._outcomes[worker.index] = Outcome(
                            worker, failure=f"exited with code {worker.process.exitcode} without reporting"
                        )
            if time.monotonic() >= deadline:
                for worker in self._pending():
                    self._outcomes[worker.index] = Outcome(
                        worker, failure=f"did not finish within {self.timeout:g} s (killed)"
                    )
                self.stop()
        return [self._outcomes[worker.index] for worker in self._workers]

    def results(self) -> list[Any]:
        """The value returned by each worker, in start order.

        Raises:
            WorkerError: a worker raised (its traceback is in the message), died or timed out.
        """
        outcomes = self.collect()
        if not all(outcome.ok for outcome in outcomes):
            raise WorkerError(outcomes)
        return [outcome.value for outcome in outcomes]

    def stop(self) -> None:
        """Terminate, then kill, every worker still running, and reap them all (idempotent)."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(STOP_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(STOP_TIMEOUT)
        with contextlib.suppress(OSError, ValueError):
            self._drain()

    def _pending(self) -> list[Worker]:
        return [worker for worker in self._workers if worker.index not in self._outcomes]

    def _receive(self, timeout: float) -> bool:
        try:
            index, ok, payload = self._reports.get(timeout=timeout)
        except queue.Empty:
            return False
        worker = self._workers[index]
        if ok:
            try:
                self._outcomes[index] = Outcome(worker, ok=True, value=pickle.loads(payload))  # noqa: S301
            except Exception as exc:  # e.g. the result's class cannot be imported in the parent
                self._outcomes[index] = Outcome(worker, failure=f"its result could not be unpickled: {exc!r}")
        else:
            self._outcomes[index] = Outcome(worker, failure=f"raised:\n{payload}")
        return True

    def _drain(self) -> None:
        while self._receive(_POLL):
            pass


def run_in_processes(
    func: Callable[..., Any], args_per_worker: Iterable[Sequence[Any]], *, timeout: float = DEFAULT_TIMEOUT
) -> list[Any]:
    """Run `func(*args)` in one spawned process per item of `args_per_worker`; return the results in order.

    Raises:
        WorkerError: a worker raised, died or did not finish within `timeout` seconds (it is killed).
    """
    with Workers(timeout=timeout) as workers:
        for args in args_per_worker:
            workers.start(func, *args)
        return workers.results()
