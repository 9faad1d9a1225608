"""One process pool for every parallel stage, and the progress bar shown while it works.

Workers are forked, so they inherit the loaded project, compiled templates and imported
libraries instead of receiving them: the parent sets a typed context (`use_context`) before
the pool starts and each worker reads it back (`context`). They die with their parent.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

    from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C")
PARALLEL_MIN_SECONDS = 0.5  # below this much estimated work, forking costs more than it saves
_PR_SET_PDEATHSIG = 1

_CONTEXT: list[object] = []


@contextlib.contextmanager
def use_context(ctx: object) -> Iterator[None]:
    """Make `ctx` what `context()` returns here and in workers forked inside the block."""
    _CONTEXT.append(ctx)
    try:
        yield
    finally:
        _CONTEXT.pop()


def context(kind: type[C]) -> C:
    """The context the parent set, checked to be of the type the caller expects."""
    ctx = _CONTEXT[-1] if _CONTEXT else None
    if not isinstance(ctx, kind):
        raise RuntimeError(f"no {kind.__name__} was set for this worker")
    return ctx


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def die_with_parent(parent: int) -> None:
    """This process gets SIGKILL when `parent` (the process that forked it) dies, instead of
    waiting forever on a pipe nobody reads; if it died already (between the fork and this
    call, when the kernel has nobody to watch), it goes now."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int = 0,
    cost: Callable[[T], float] | None = None,
    progress: Callable[[T], None] | None = None,
    before_fork: Callable[[], object] | None = None,
) -> list[R]:
    """`[fn(i) for i in items]` across forked workers; results in input order.

    Items start longest first (by `cost`), so a 44-page book does not run alone at the end;
    many small items travel in chunks. `fn` must be a module-level function. `before_fork`
    runs here only when workers are about to fork (to compile templates once for all).
    """
    workers = min(jobs or default_jobs(), len(items))
    if cost is not None and sum(cost(i) for i in items) < PARALLEL_MIN_SECONDS:
        workers = 1
    if workers <= 1:
        results = []
        for item in items:
            results.append(fn(item))
            if progress:
                progress(item)
        return results
    order = sorted(range(len(items)), key=lambda i: -(cost(items[i]) if cost else 0.0))
    size = max(1, len(items) // (workers * 8)) if cost is None or len(items) > 64 else 1
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    out: list[Any] = [None] * len(items)
    if before_fork is not None:
        before_fork()
    # Imported here: a build with nothing to render never forks (about 25 ms of a no-op).
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    ctx = get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pending: dict[Future[list[R]], list[int]] = {
            pool.submit(_run_chunk, fn, [items[i] for i in chunk]): chunk for chunk in chunks
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                chunk = pending.pop(fut)
                for i, res in zip(chunk, fut.result(), strict=True):
                    out[i] = res
                    if progress:
                        progress(items[i])
    return out


class Progress:
    """A progress bar on a terminal; one plain line per finished item elsewhere (CI logs)."""

    def __init__(self, total: int, err: TextIO, *, quiet: bool, unit: str = "item") -> None:
        self.err = err
        self.quiet = quiet
        self.total = total
        self.done = 0
        self.tty = bool(getattr(err, "isatty", lambda: False)())
        self.bar: tqdm[Any] | None = None
        if total > 1 and not quiet and self.tty:
            from tqdm import tqdm  # only on a terminal (about 30 ms of a no-op build)

            tqdm.monitor_interval = 0  # no monitor thread: workers are forked later
            self.bar = tqdm(total=total, file=err, unit=unit, desc="rendering", leave=False)

    def __call__(self, label: str) -> None:
        """Count one finished item."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet and not self.tty:
            print(f"[{self.done}/{self.total}] {label}", file=self.err)

    def close(self) -> None:
        """Remove the bar (it is transient)."""
        if self.bar is not None:
            self.bar.close()
