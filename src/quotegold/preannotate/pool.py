"""Pre-annotate a push's batches here, or in a worker process while the push imports others.

`PredictionPool` is what a push holds: it decides once where its batches are pre-annotated
and hands out each batch's predictions. The pre-annotator is pure Python, and so is the
SDK's request serialisation: in one process they take turns holding the GIL, so
pre-annotating batch k+1 in a thread while batch k is imported gains little. A worker
process pre-annotates on another core instead; two workers, where the machine has two
cores or more, each take half of every batch (measured on 1,000 articles with the shipped
model on 2 cores, with Label Studio on the same machine: the model's prediction is the slower
side of the push, about 10-15 ms an article against Label Studio's 7 ms to import a task with
its prediction, so a single worker kept Label Studio waiting).

The worker is spawned, not forked: the push has an importer thread, and a fork would copy
its locks in whatever state they are. A spawned worker starts a fresh interpreter and imports
the predictor's module (seconds for `predict_article`, whose module imports label-studio-sdk),
so only a push of several batches is worth one. It pre-annotates every batch, the first
included: pre-annotating the first here while the worker starts cost the push process its
own load of spaCy and the model and, holding the GIL, slowed its importer thread (measured
on 1,000 articles with the shipped model: the push process's CPU went from 6.1-6.7 s to
1.1-1.2 s, the worker's up by the 200 articles it took over). Like any spawned process,
it first runs the main script again (as `__mp_main__`): a script that pushes must do so
under `if __name__ == "__main__":`. The worker ignores Ctrl-C: the push that owns it stops
it, and kills it when the push fails or is interrupted, so none is left behind.

Here or in the worker, a predictor that raises becomes a `PreannotationError` naming the
article, and a worker that dies (killed, out of memory, a crash in native code) one saying so.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from itertools import repeat
from multiprocessing import get_context, parent_process
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import Predictor
from quotegold.errors import PreannotationError
from quotegold.preannotate.bounds import within_bounds

__all__ = [
    "FIRST_PIPELINED_BATCH",
    "MAX_WORKERS",
    "MIN_PIPELINED_BATCH",
    "WARM_UP_ARTICLE",
    "PreannotationError",
    "PredictionPool",
    "PredictionWorker",
    "can_run_in_worker",
    "pipelined_batch_size",
    "pipelined_batch_sizes",
    "predict",
    "worker_count",
]


# Signals held back while the worker starts (see `PredictionWorker.submit`).
_DEFERRED = {signal.SIGINT, signal.SIGTERM}


def predict(predictor: Predictor, article: Article) -> dict[str, Any] | None:
    """`predictor(article)` within the bounds of `preannotate.bounds` (None beyond them),
    with a failure named after the article."""
    try:
        return within_bounds(article, predictor)
    except Exception as exc:
        raise PreannotationError(
            f"pre-annotating article {article.id!r} failed ({type(exc).__name__}: {exc}); "
            "push without predictions to import the articles as they are, and report the "
            "article to the pre-annotator's maintainers"
        ) from exc


def can_run_in_worker(predictor: Predictor) -> bool:
    """Whether `predictor` can be sent to a worker process: a function of an importable
    module can; a lambda, a local function or one defined in `__main__` cannot."""
    try:
        pickled = pickle.dumps(predictor)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    # Functions are pickled by module and name, and a spawned worker has its own `__main__`
    # (a notebook's functions, say, do not exist there).
    return b"__main__" not in pickled


# A push with a worker imports in batches of about a fifth of its articles, never fewer than
# this nor more than half the push's batch size. Each batch costs the push about 0.36 s of
# look-ups and checks (measured: 1,000 articles without predictions pushed in 1 batch 1.1 s,
# in 5 batches 2.9 s, in 20 batches 7.9 s), and the first batch is pre-annotated before any
# import starts, so with prediction time P, import time I and n batches a push takes about
# max(P, I) + min(P, I) / n + 0.36 n s: about 5 batches is best.
MIN_PIPELINED_BATCH = 100
PIPELINED_BATCHES = 5


# The first batch of a pipelined push is this small, and each next one twice the one before
# up to the batch size: nothing is imported until the first batch is pre-annotated, and a
# worker a batch ahead only has to make each batch in the time Label Studio imports the one
# before (a first batch of 200 kept Label Studio idle 1.5-3 s after the workers started).
FIRST_PIPELINED_BATCH = 32
# More workers than this would only wait for Label Studio, which imports one batch at a time.
MAX_WORKERS = 2


def worker_count() -> int:
    """How many worker processes a pipelined push starts: one per core this process may run
    on, at most `MAX_WORKERS`."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cores))


def pipelined_batch_sizes(batch_size: int) -> Iterator[int]:
    """The sizes of a pipelined push's batches, first to last: from `FIRST_PIPELINED_BATCH`
    doubling up to `batch_size`, then `batch_size` for ever."""
    size = min(FIRST_PIPELINED_BATCH, batch_size)
    while True:
        yield size
        size = min(2 * size, batch_size)


def pipelined_batch_size(articles: int, batch_size: int) -> int:
    """The batch size of a push whose batches a worker pre-annotates: small enough that the
    first batch (pre-annotated while nothing is imported yet) is short and the import
    and the worker overlap for most of the push, large enough that look-ups stay few."""
    wanted = max(MIN_PIPELINED_BATCH, -(-articles // PIPELINED_BATCHES))
    return max(1, min(batch_size // 2, wanted))


class PredictionPool:
    """Where a push's batches are pre-annotated: here, or in worker processes on other cores.

    A push of more than one batch, or of more than `2 * MIN_PIPELINED_BATCH` articles,
    whose predictor can be sent to a process gets workers (`worker_count`), and smaller
    batches (`batch_sizes`): the first import starts sooner, and the workers, a batch ahead,
    pre-annotate while the server imports (a push of 1,000 articles in one batch of 1,000
    used to pre-annotate them all before importing any). A predictor that cannot be sent (a
    lambda) runs here. Use it as a context manager: an error or Ctrl-C kills the workers.
    """

    def __init__(self, predictor: Predictor | None, *, articles: int, batch_size: int) -> None:
        self._predictor = predictor
        self._worker: PredictionWorker | None = None
        self.batch_size = batch_size
        if predictor is None or not can_run_in_worker(predictor):
            return
        if articles > batch_size or articles > 2 * MIN_PIPELINED_BATCH:
            self._worker = PredictionWorker(predictor, workers=worker_count())
            self.batch_size = pipelined_batch_size(articles, batch_size)
            self._worker.start()

    def batch_sizes(self) -> Iterator[int]:
        """The sizes of the push's batches, first to last (`pipelined_batch_sizes` with
        workers; else `batch_size` each)."""
        if self._worker is not None:
            return pipelined_batch_sizes(self.batch_size)
        return repeat(self.batch_size)

    @property
    def in_worker(self) -> bool:
        """Whether batches are pre-annotated in a worker process, as soon as they are
        started, rather than here when their predictions are asked for."""
        return self._worker is not None

    def start(self, articles: Sequence[Article]) -> Predictor | None:
        """Begin pre-annotating a batch's `articles`; the predictor returned gives their
        predictions (None without a predictor). In the workers they are made meanwhile; the
        workers start with the pool, loading the pre-annotator while the push syncs its
        project.
        """
        if self._predictor is None:
            return None
        if self._worker is not None and articles:
            return self._worker.submit(articles)
        return partial(predict, self._predictor)

    def __enter__(self) -> PredictionPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.close(kill=error is not None)


class PredictionWorker:
    """Worker processes pre-annotating batches in the order they are submitted, each batch
    shared out among them in consecutive parts, the first part to the first worker.

    Each worker is a pool of one process, so which part goes where is fixed (one shared pool
    would let a worker that started sooner take every part). The processes start with `start`
    or the first batch. Use it as a context manager: leaving normally waits for the processes
    to exit (kills them if they never had a batch); leaving on an exception (Ctrl-C
    included) kills them.
    """

    def __init__(self, predictor: Predictor, *, workers: int = 1) -> None:
        self._predictor = predictor
        self._workers = workers
        self._executors: list[ProcessPoolExecutor] = []
        self._used = False

    def start(self) -> None:
        """Start the processes, each loading the pre-annotator (by pre-annotating a short
        article) before any batch comes."""
        self._submit([(executor, _warm_up, ()) for executor in self._started()])

    def submit(self, articles: Sequence[Article]) -> BatchPredictions:
        """Start pre-annotating `articles` in the workers; the predictions arrive later."""
        executors = self._started()
        share = -(-len(articles) // self._workers)
        parts = [list(articles[first : first + share]) for first in range(0, len(articles), share)]
        calls = [
            (executor, _predict_batch, (part,))
            for executor, part in zip(executors, parts, strict=False)
        ]
        self._used = True
        return BatchPredictions(articles, self._submit(calls), self._predictor)

    def _started(self) -> list[ProcessPoolExecutor]:
        if not self._executors:
            self._executors = [
                ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=get_context("spawn"),
                    initializer=_install,
                    initargs=(self._predictor,),
                )
                for _ in range(self._workers)
            ]
        return self._executors

    def _submit(
        self, calls: list[tuple[ProcessPoolExecutor, Callable[..., Any], tuple[Any, ...]]]
    ) -> list[Future[Any]]:
        # The first submit starts the workers. Ctrl-C reaches every process of the terminal's
        # group, and one still starting would print a KeyboardInterrupt traceback: it starts
        # with SIGINT blocked, as CPython's resource tracker does, and then ignores it. And
        # the push handles SIGINT and SIGTERM only once the workers have started: stopped
        # while it sends a worker its start-up data, it would leave the worker to fail
        # reading it (with a traceback), and not yet in the list of processes it kills.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
        try:
            with _signals_held():
                return [executor.submit(call, *args) for executor, call, args in calls]
        except BrokenProcessPool as exc:  # one died with an earlier batch
            raise _died() from exc
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: when they have finished their batches, or at once with `kill`
        (or when they never had one: a push that found every article there)."""
        if kill or not self._used:
            # ProcessPoolExecutor has no public way to stop a running task (terminate_workers
            # comes in Python 3.14); the futures it leaves fail with BrokenProcessPool.
            for executor in self._executors:
                for process in list(executor._processes.values()):
                    process.kill()
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=kill)
        self._executors = []

    def __enter__(self) -> PredictionWorker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(kill=error is not None)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while inside (in the main thread, where Python runs its
    handlers), then handle the first that came as it would have been."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous: dict[int, Any] = {each: signal.getsignal(each) for each in _DEFERRED}
    for each in _DEFERRED:
        signal.signal(each, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            handler = previous[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), pending[0])


class BatchPredictions:
    """A `Predictor` for one batch whose predictions the workers are making (its parts in
    order, one future each).

    Asked for an article the batch did not send (one that a retry finds missing after all),
    it pre-annotates that article here.
    """

    def __init__(
        self,
        articles: Sequence[Article],
        parts: Sequence[Future[list[dict[str, Any] | None]]],
        predictor: Predictor,
    ) -> None:
        self._ids = [article.id for article in articles]
        self._parts = parts
        self._predictor = predictor
        self._made: dict[str, dict[str, Any] | None] | None = None

    def __call__(self, article: Article) -> dict[str, Any] | None:
        if self._made is None:
            self._made = dict(zip(self._ids, self._result(), strict=True))
        if article.id in self._made:  # None: made none, within the bounds
            return self._made.pop(article.id)  # the push keeps the task it goes into
        return predict(self._predictor, article)

    def _result(self) -> list[dict[str, Any] | None]:
        try:
            return [made for part in self._parts for made in part.result()]
        except BrokenProcessPool as exc:
            raise _died() from exc


def _died() -> PreannotationError:
    return PreannotationError(
        "the pre-annotation worker process stopped unexpectedly (killed, out of memory, "
        "crashed, or started by a script whose code is not under "
        '`if __name__ == "__main__":`); push again: the articles already imported are skipped'
    )


# -- in the worker process ----------------------------------------------------------------

_PREDICTOR: list[Predictor] = []


def _install(predictor: Predictor) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _DEFERRED)
    _PREDICTOR[:] = [predictor]
    # A worker waits for batches on a queue it holds both ends of, so it would outlive a
    # push that was killed (SIGKILL gives no chance to stop it): it watches for that itself.
    parent = parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns when the parent process has ended
    os._exit(1)


# Pre-annotated once by each worker as it starts, its result dropped: the predictor loads
# what it needs (spaCy and a model: about 1.5 s) before the first batch comes.
WARM_UP_ARTICLE = Article(id="quotegold-warm-up", text='The minister said: "We will act now."')


def _warm_up() -> None:
    predict(_PREDICTOR[0], WARM_UP_ARTICLE)


def _predict_batch(articles: list[Article]) -> list[dict[str, Any] | None]:
    # Plain dicts come back: unpickling them costs the push about 0.15 ms an article, half of
    # what parsing JSON text would (and the SDK wants dicts).
    return [predict(_PREDICTOR[0], article) for article in articles]
