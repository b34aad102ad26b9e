"""A small process pool for per-photo work, with cancellation and crash isolation.

Decoding is CPU-bound and Pillow/LibRaw hold the GIL for most of it, so photos are read in
worker processes.  Small jobs run inline (starting processes would cost more than it saves).
Workers are started with ``forkserver`` (``spawn`` where that is missing), never ``fork``: the
GUI calls this from a thread, and forking a threaded process can deadlock.  If a decoder crashes
a worker, the pool is rebuilt and the photos in flight are retried one at a time, each in a
process of its own (two threads may map at once: a crash beside a retried photo must not be
blamed on it), so only the culprit fails.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from app.photos.tasks import start_worker

T = TypeVar("T")
R = TypeVar("R")

INLINE_BELOW = 8  # jobs smaller than this run in the calling process
_CRASH_MESSAGE = "the decoder crashed on this file (damaged or hostile data)"


def default_workers() -> int:
    """One decoding process per core the process may use: decoding is the cull's limit, and
    a 16-core machine feeding a GPU needs all of them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on macOS or Windows
        cores = os.cpu_count() or 1
    return max(1, cores)


class WorkerPool:
    """Runs ``fn(task)`` for many tasks; one pool is reused for every stage of a run."""

    def __init__(self, workers: int | None = None) -> None:
        # never more processes than cores: more only add start-up time and memory
        self.workers = max(1, min(workers or default_workers(), default_workers()))
        self._executor: ProcessPoolExecutor | None = None
        self._healthy: bool | None = None
        self._starting = threading.Lock()  # held while the processes start
        self._starter: threading.Thread | None = None
        self._making = threading.RLock()  # held while the processes are made or shut down
        # one process where a suspect of a crash is tried alone, one at a time
        self._alone: ProcessPoolExecutor | None = None
        self._trying = threading.Lock()
        # the processes each task went to (a crash restarts those, not newer ones)
        self._executor_of: weakref.WeakKeyDictionary[Future, ProcessPoolExecutor] = (
            weakref.WeakKeyDictionary()
        )

    def start(self, jobs: int) -> None:
        """Start the worker processes in the background when ``jobs`` tasks will need them,
        so their start-up overlaps what the caller does meanwhile (``map`` waits for it)."""
        if self.workers > 1 and jobs >= INLINE_BELOW and self._starter is None:
            with self._starting:
                try:
                    self._pool()
                except Exception:
                    return  # ``map`` tries again and falls back to working inline
            self._starter = threading.Thread(
                target=self._usable, name="worker-pool-start", daemon=True
            )
            self._starter.start()

    def _pool(self) -> ProcessPoolExecutor:
        with self._making:  # two threads' maps (reading, the model's stage) share it
            return self._made()

    def _made(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = _processes(self.workers)
        return self._executor

    def _usable(self) -> bool:
        """Whether worker processes start here (not, e.g., from an interactive ``__main__``)."""
        with self._starting:
            if self._healthy is None:
                try:
                    self._healthy = self._pool().submit(os.getpid).result(timeout=120) > 0
                except Exception:
                    self._restart()
                    self._healthy = False
            return self._healthy

    def map(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        cancel: threading.Event | None = None,
        crashed: Callable[[T, str], R] | None = None,
        inline_below: int = INLINE_BELOW,
    ) -> Iterator[R]:
        """Yield ``fn(task)`` for each task in completion order; stop early when ``cancel`` is set.

        ``crashed(task, message)`` makes the result of a task whose worker died; fewer than
        ``inline_below`` tasks run in the calling thread.
        """
        cancel = cancel or threading.Event()
        if self.workers <= 1 or len(tasks) < inline_below or not self._usable():
            for task in tasks:
                if cancel.is_set():
                    return
                yield fn(task)
            return
        queue = list(reversed(tasks))
        in_flight: dict[Future, T] = {}
        limit = self.workers * 3  # bounded, so decoded images do not pile up in memory
        suspects: list[T] = []
        while (queue or in_flight) and not cancel.is_set():
            while queue and len(in_flight) < limit:
                task = queue.pop()
                in_flight[self._submit(fn, task)] = task
            finished, _ = wait(in_flight, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                try:
                    yield future.result()
                except CancelledError:
                    # another thread's map of this pool (the model's stage decodes while
                    # the card is read) rebuilt it after a crash of its own: again
                    queue.append(task)
                except BrokenProcessPool:
                    suspects.append(task)
                    broken = future
            if suspects:
                suspects.extend(in_flight.values())
                in_flight.clear()
                self._restart(self._executor_of.get(broken))
                for task in suspects:
                    if cancel.is_set():
                        break
                    yield self._one_by_one(fn, task, crashed)
                suspects = []
        for future in in_flight:
            future.cancel()

    def _one_by_one(
        self, fn: Callable[[T], R], task: T, crashed: Callable[[T, str], R] | None
    ) -> R:
        """``fn(task)`` alone in a process of its own: in the shared pool, another thread's
        crash would break its process too and be blamed on it."""
        with self._trying:
            if self._alone is None:
                with self._making:  # made, like the pool, by a thread of the run
                    self._alone = _processes(1)
            try:
                return self._alone.submit(fn, task).result()
            except BrokenProcessPool:
                self._alone.shutdown(wait=False, cancel_futures=True)
                self._alone = None
                if crashed is None:
                    raise
                return crashed(task, _CRASH_MESSAGE)

    def _submit(self, fn: Callable[[T], R], task: T) -> Future:
        with self._making:
            executor = self._made()
            try:
                future = executor.submit(fn, task)
            except BrokenProcessPool:  # broken by a crash in another thread's map
                self._restart(executor)
                executor = self._made()
                future = executor.submit(fn, task)
            self._executor_of[future] = executor
            return future

    def _restart(self, broken: ProcessPoolExecutor | None = None) -> None:
        """Shut the processes down (``broken``: only if they are still that pool's; another
        thread's map may have rebuilt it already)."""
        with self._making:
            if self._executor is not None and (broken is None or self._executor is broken):
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def close(self, cancel: bool = False) -> None:
        if self._starter is not None:
            self._starter.join()  # a pool still starting is shut down once it has started
        if self._executor is not None:
            self._executor.shutdown(wait=not cancel, cancel_futures=True)
            self._executor = None
        with self._trying:
            if self._alone is not None:
                self._alone.shutdown(wait=not cancel, cancel_futures=True)
                self._alone = None


def _processes(workers: int) -> ProcessPoolExecutor:
    """``workers`` decoding processes, forked from the fork server (spawned elsewhere)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        # the fork server itself must not outlive a run killed with SIGKILL
        context.set_forkserver_preload(["app.photos.fork_server_preload"])
        # Started now, by the thread that made the pool: it dies with the thread that
        # started it (the kernel's parent-death signal follows threads), so never by
        # ``start``'s short-lived one.
        from multiprocessing import forkserver

        forkserver.ensure_running()
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    )
