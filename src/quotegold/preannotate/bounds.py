"""Bounds on pre-annotating one article: its size, and the time it may take.

A news article is a few thousand characters; a 20 MB "article" (a scraped dump, a book) made
the rule-based pre-annotator run for minutes and take gigabytes, and Label Studio refused
the task it made. So an article longer than `MAX_PREDICTED_CHARS`, or whose pre-annotation
takes more than `MAX_PREDICT_SECONDS`, is imported without suggestions: annotators start
from the bare text, and the push names it. `within_bounds` wraps any predictor this way.

The time bound is a real-time alarm (SIGALRM), so it can stop pure Python code in the
middle; it applies where alarms can be set (the main thread of a process, on POSIX): in the
push itself and in its worker process. Elsewhere only the size bound applies. The first
prediction in a process is not timed: it loads the pre-annotator's models and word lists,
which takes long on a busy machine and must not be cut off halfway.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

from quotegold.articles.ingest import Article

__all__ = [
    "MAX_PREDICTED_CHARS",
    "MAX_PREDICT_SECONDS",
    "skipped_reason",
    "within_bounds",
]

# Longer articles are imported without suggestions (200,000 characters: about 60 pages, far
# beyond any news article; the pre-annotator takes about 1 s per 100,000 characters here).
MAX_PREDICTED_CHARS = 200_000
# Pre-annotating one article may take this long at most.
MAX_PREDICT_SECONDS = 30.0

T = TypeVar("T")
# Whether a prediction was made in this process already (the warm-up is not timed).
_warmed: list[bool] = []


class _TookTooLong(BaseException):
    """Raised by the alarm inside the predictor: a BaseException, so that the predictor's
    own `except Exception` cannot swallow it."""


def within_bounds(
    article: Article,
    predict: Callable[[Article], T],
    *,
    max_chars: int = MAX_PREDICTED_CHARS,
    max_seconds: float = MAX_PREDICT_SECONDS,
) -> T | None:
    """`predict(article)`, or None when the article is longer than `max_chars` or the call
    takes more than `max_seconds` (see `skipped_reason`)."""
    if len(article.text) > max_chars:
        return None
    if not _warmed:
        result = predict(article)
        _warmed.append(True)
        return result
    try:
        with _alarm(max_seconds):
            return predict(article)
    except _TookTooLong:
        return None


def skipped_reason(
    article: Article,
    *,
    max_chars: int = MAX_PREDICTED_CHARS,
    max_seconds: float = MAX_PREDICT_SECONDS,
) -> str:
    """Why `within_bounds` made no prediction for `article`."""
    if len(article.text) > max_chars:
        return f"{len(article.text):,} characters, more than the {max_chars:,} pre-annotated"
    return f"pre-annotating it took more than {max_seconds:g} s"


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise `_TookTooLong` in this thread after `seconds`, where an alarm can be set."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _TookTooLong

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
