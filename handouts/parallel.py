"""Work spread over worker processes, results back in order (the library build, a day's schedule).

Rendering is pure Python: one process uses one core. The workers are forked once the parent has done one
piece of work itself, so they start with its modules, fonts and parsed content already loaded.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from handouts.errors import HandoutsError

WORKER_DIED = "a worker process died (killed, or out of memory); run it again"


def worker_start(parent: int) -> None:
    """In each worker: die with the parent. A forked worker inherits the parent's stop handler, which
    only sets a flag, so without this a killed parent leaves workers that ignore SIGTERM and block for ever."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the parent decides (finish the handout in hand);
    # a worker killed mid-handout would only break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us when the parent dies
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def workers(jobs: int | None) -> int:
    """Worker processes to use: `jobs`, else one per core; one where processes cannot be forked."""
    if not hasattr(os, "fork"):
        return 1
    return max(1, jobs or os.cpu_count() or 1)


def pool(count: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only parallel work needs it

    return ProcessPoolExecutor(
        max_workers=count, mp_context=multiprocessing.get_context("fork"),
        initializer=worker_start, initargs=(os.getpid(),),
    )


class _Done:
    """A result already at hand, waiting in line behind the ones still being worked on."""

    def __init__(self, value: Any):
        self.value = value

    def result(self) -> Any:
        return self.value


def in_order(items: Iterable[tuple[Any, Any]], work: Callable[[Any], Any], jobs: int) -> Iterator[tuple[Any, Any]]:
    """For each (key, task): (key, work(task)), in the items' order; a None task passes through as
    (key, None). Only the task goes to a worker; `work` must be a module-level function.

    The first task is done here; the rest go to `jobs` workers, with at most two per worker waiting,
    so memory stays flat however many items come (they are read as they are needed)."""
    from concurrent.futures.process import BrokenProcessPool

    executor = None
    pending: deque = deque()
    warmed = False
    try:
        for key, task in items:
            if task is None:
                pending.append((key, _Done(None)))
            elif not warmed or jobs <= 1:
                warmed = True
                pending.append((key, _Done(work(task))))
            else:
                if executor is None:
                    executor = pool(jobs)
                pending.append((key, executor.submit(work, task)))
            while pending and (len(pending) > 2 * jobs or isinstance(pending[0][1], _Done)):
                key, future = pending.popleft()
                yield key, future.result()
        while pending:
            key, future = pending.popleft()
            yield key, future.result()
    except BrokenProcessPool:
        raise HandoutsError(WORKER_DIED) from None
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
