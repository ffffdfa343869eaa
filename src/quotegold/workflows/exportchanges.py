"""The stamps of a project's tasks now, asked of Label Studio in a few small queries when an
earlier export's state holds them as they were, instead of one listing of every task.

Listing costs Label Studio about 2.5 ms a task whatever fields are asked (5 s for 2,000 tasks,
25 s for 10,000), while a filtered listing or a count costs a tenth of a second. So:

1. the tasks updated (or created) since shortly before the earlier listing are listed with
   their stamps: Label Studio moves a task's `updated_at` when it or its annotations change,
   and a task saved just before the earlier listing may have been committed after it with an
   older `updated_at`, so the `MARGIN` before the earlier listing is listed again (a count of
   it would miss such a save that moved a stamp within the margin). When the earlier listing
   began is Label Studio's own clock read just before it (`LabelStudioClient.server_time`,
   kept in the state's header); a state without it (older ones) uses the newest `updated_at`
   it holds instead, which is never later. Either way a change is missed only if its
   transaction stayed open longer than `MARGIN`. (The clock read is the `Date` header of
   Label Studio's answer: a proxy on another machine whose clock runs ahead of the server's
   would shrink the margin by as much.);
2. the earlier tasks not in that listing kept their stamp, unless they were deleted: counts
   of tasks by id range find which, halving the ranges that lost some (a range of at most
   `LEAF` ids is listed instead), `PARALLEL` queries at a time in background threads,
   the leftmost ranges first, so a caller reading the tasks in id order waits only for the
   ranges it has reached (`Changing`);
3. the project's number of predictions must be the sum of the stamps' (a prediction added
   or removed does not move `updated_at`).

Finding deleted tasks costs about one count per halving per deleted task: when that would
cost Label Studio more than a listing of every task (many deletions), every task is listed.

Anything that does not add up (a task that appeared in a range, too many queries, a
different number of predictions) gives None, or `ChangesUnsure` once the search runs on:
the caller lists every task instead.
"""

from __future__ import annotations

import heapq
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from quotegold.errors import QuotegoldError
from quotegold.labelstudio import LabelStudioClient

# A task saved just before the earlier listing may carry an older `updated_at` than one
# listed then: the tasks updated this long before that listing began are checked again.
MARGIN = timedelta(minutes=10)
LEAF = 64  # a range of at most this many earlier tasks is listed rather than halved
MOST_QUERIES = 500
PARALLEL = 4  # counts asked of Label Studio at once (each mostly waits on its database)
# What Label Studio spends (measured on 2 cores): a count about 0.09 s (about 0.06 s each
# when asked `PARALLEL` at a time), a listing of `LEAF` tasks about 0.4 s, a task in a
# listing of every task about 2.5 ms. When finding the deleted tasks would cost more than
# listing every task, every task is listed.
COUNT_SECONDS, LEAF_SECONDS, TASK_SECONDS = 0.06, 0.4, 0.0025
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # as the Data Manager's filters take a time


class ChangesUnsure(Exception):
    """The counts do not add up: list every task instead."""


def current_stamps(
    client: LabelStudioClient,
    project_id: int,
    old: Mapping[int, str],
    *,
    listed_from: datetime | None = None,
    now: datetime | None = None,
) -> dict[int, str] | None:
    """Every task id of the project with its stamp now, from `old` (the earlier state's)
    and a few queries; None when that cannot be done safely. `listed_from` is Label
    Studio's clock just before the earlier listing, when the state kept it, and `now` its
    clock just before this one."""
    changing = start_changes(client, project_id, old, listed_from=listed_from, now=now)
    if changing is None:
        return None
    with changing:
        return changing.stamps()


def start_changes(
    client: LabelStudioClient,
    project_id: int,
    old: Mapping[int, str],
    *,
    listed_from: datetime | None = None,
    now: datetime | None = None,
) -> Changing | None:
    """`current_stamps`, begun: the tasks updated or added since are listed, and the
    search for the deleted ones runs on in the background (`Changing`); None when it
    cannot be done safely (the caller lists every task instead)."""
    times = [_time(stamp) for stamp in old.values()]
    known = [when for when in times if when is not None]
    if not known or len(known) != len(times):
        return None
    settled = settled_time(max(known), listed_from, now)
    # A task saved shortly before the earlier listing may have been committed after it with
    # an older `updated_at` than the listing's start: the whole margin is listed again. A
    # count of the margin cannot stand in for that listing, since such a save can move a
    # stamp within the margin without changing any count.
    recent = client.task_stamps_since(project_id, _text(settled))
    candidates = sorted(task_id for task_id in old if task_id not in recent)
    search = _Search(client, project_id, candidates, sorted(recent))
    try:
        missing = search.start()
    except ChangesUnsure:
        return None
    return Changing(client, project_id, old, recent, search, len(old) - missing)


class Changing:
    """The stamps of the project's tasks being found: `recent` (listed: updated or added
    since) are known, `gone` says (waiting if need be) whether an earlier task was deleted,
    while the search runs in background threads. Asked in task id order, `gone` waits only
    for the ranges left of that task (the search settles them left to right), so a caller
    can stream the tasks behind it. `stamps` waits for the end and checks the count of
    predictions. Either raises `ChangesUnsure` when the counts do not add up; use as a
    context manager, so the search stops however the block ends."""

    def __init__(
        self,
        client: LabelStudioClient,
        project_id: int,
        old: Mapping[int, str],
        recent: dict[int, str],
        search: _Search,
        old_kept: int,
    ) -> None:
        self._client, self._project, self._old, self.recent = client, project_id, old, recent
        self._search = search
        # How many tasks there are now: the earlier ones not gone (some of which are in
        # `recent`), plus the new ones.
        self.tasks = old_kept + sum(1 for task_id in recent if task_id not in old)
        self.ids = sorted(set(old) | set(recent))  # every task that may be there, in order

    def __enter__(self) -> Changing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the search (waiting for it then raises `ChangesUnsure`)."""
        self._search.stop()

    def gone(self, task_id: int) -> bool:
        """Whether this task of the earlier state (not listed since) was deleted."""
        return task_id not in self.recent and self._search.is_gone(task_id)

    def stamps(self) -> dict[int, str] | None:
        """Every task id with its stamp, once the search is done; None when the project's
        number of predictions does not add up (raises `ChangesUnsure` when the counts did
        not)."""
        gone = self._search.wait()
        stamps = {t: s for t, s in self._old.items() if t not in gone and t not in self.recent}
        stamps.update(self.recent)
        total = self._client.prediction_total(self._project)
        return stamps if total == sum(_predictions(s) for s in stamps.values()) else None


def settled_time(newest: datetime, listed_from: datetime | None, now: datetime | None) -> datetime:
    """The time after which tasks are listed again: `MARGIN` before the earlier listing
    began (`listed_from`, read before it, so no later than it), or before the `newest` stamp
    it saw (committed before it, so no later either), whichever is later. A `listed_from`
    later than Label Studio's clock `now` (a clock set back since) is not trusted."""
    if listed_from is None or now is None or listed_from > now:
        return newest - MARGIN
    return max(listed_from, newest) - MARGIN


def aware_time(text: str) -> datetime | None:
    """An ISO time with its zone, or None when the text is not one."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _time(stamp: str) -> datetime | None:
    """When a stamp's task was last updated (aware), or None for a stamp not of ours."""
    return aware_time(stamp.split("|", 1)[0])


def _text(when: datetime) -> str:
    """A time as the Data Manager's filters take it (UTC, microseconds)."""
    return when.astimezone(UTC).strftime(_FORMAT)


def _predictions(stamp: str) -> int:
    try:
        return int(stamp.rsplit("|", 1)[1])
    except (IndexError, ValueError):
        return -1  # not a stamp of ours: the sum will not match


class _Search:
    """Which of `candidates` (sorted task ids) are gone, by counts of id ranges; `recent`
    (sorted) are ids known to be there, counted in the ranges too. After one count of them
    all (`start`), `PARALLEL` threads halve the ranges that lost some, the leftmost first,
    so the ranges are settled from left to right (`is_gone` waits for the one it needs)."""

    def __init__(
        self, client: LabelStudioClient, project_id: int, candidates: list[int], recent: list[int]
    ) -> None:
        self._client, self._project = client, project_id
        self._candidates, self._recent = candidates, recent
        self._queries = 0
        self._gone: set[int] = set()
        self._pending: list[tuple[int, int, int]] = []  # a heap of (low, high, missing)
        self._busy: set[tuple[int, int, int]] = set()
        self._failed = False
        self._stopped = False
        self._lock = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> int:
        """Count how many candidates are gone (raising `ChangesUnsure` when finding which
        would cost more than listing every task), and start finding which; how many."""
        if not self._candidates:
            return 0
        total = len(self._candidates)
        missing = self._missing(0, total)
        if 0 < missing < total:
            depth = math.log2(max(total / LEAF, 1.0))
            search = missing * (depth * COUNT_SECONDS + LEAF_SECONDS)
            if search > total * TASK_SECONDS:
                raise ChangesUnsure  # cheaper to list every task
        self._settle(0, total, missing)
        if self._pending:
            for _ in range(PARALLEL):
                thread = threading.Thread(target=self._work, daemon=True)
                thread.start()
                self._threads.append(thread)
        return missing

    def is_gone(self, task_id: int) -> bool:
        """Whether this candidate is gone, once every range up to it is settled."""
        index = bisect_left(self._candidates, task_id)
        if index == len(self._candidates) or self._candidates[index] != task_id:
            return False
        with self._lock:
            self._lock.wait_for(lambda: self._given_up() or self._frontier() > index)
            if self._frontier() <= index:
                raise ChangesUnsure
            return task_id in self._gone

    def wait(self) -> set[int]:
        """The candidates that are gone, once all are settled."""
        done = len(self._candidates)
        with self._lock:
            self._lock.wait_for(lambda: self._given_up() or self._frontier() == done)
            if self._failed or self._frontier() < done:
                raise ChangesUnsure
            return set(self._gone)

    def _given_up(self) -> bool:
        return self._failed or self._stopped

    def stop(self) -> None:
        """Stop the threads (after the queries they are waiting on)."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def _frontier(self) -> int:
        """The first candidate index not settled yet (all of them: their number)."""
        lows = [r[0] for r in self._busy]
        if self._pending:
            lows.append(self._pending[0][0])
        return min(lows, default=len(self._candidates))

    def _settle(self, low: int, high: int, missing: int) -> None:
        """Settle a range all or none of which is gone, or queue it (the lock held)."""
        if missing == high - low:
            self._gone.update(self._candidates[low:high])
        elif missing:
            heapq.heappush(self._pending, (low, high, missing))

    def _work(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(
                    lambda: self._pending or not self._busy or self._failed or self._stopped
                )
                if not self._pending or self._failed or self._stopped:
                    self._lock.notify_all()
                    return
                item = heapq.heappop(self._pending)
                self._busy.add(item)
                self._queries += 1
                if self._queries > MOST_QUERIES:
                    self._failed = True
            try:
                halves = None if self._failed else self._split(*item)
            except (ChangesUnsure, QuotegoldError):
                halves, self._failed = None, True
            except BaseException:
                self._failed = True
                raise
            finally:
                with self._lock:
                    self._busy.discard(item)
                    for half in halves or ():
                        self._settle(*half)
                    self._lock.notify_all()

    def _split(self, low: int, high: int, missing: int) -> list[tuple[int, int, int]]:
        """One query on a range: listed when small (its gone ones settled), else its left
        half counted; the halves left to settle."""
        if high - low <= LEAF:
            self._list(low, high, missing)
            return []
        middle = (low + high) // 2
        left = self._missing(low, middle)
        if left > missing:
            raise ChangesUnsure
        return [(low, middle, left), (middle, high, missing - left)]

    def _missing(self, low: int, high: int) -> int:
        """How many of candidates[low:high] are gone: one count."""
        first, last = self._candidates[low], self._candidates[high - 1]
        there = self._client.count_tasks_between(self._project, first, last)
        known = bisect_right(self._recent, last) - bisect_left(self._recent, first)
        missing = (high - low) - (there - known)
        if not 0 <= missing <= high - low:
            raise ChangesUnsure  # tasks appeared in the range meanwhile
        return missing

    def _list(self, low: int, high: int, missing: int) -> None:
        first, last = self._candidates[low], self._candidates[high - 1]
        there = self._client.task_ids_between(self._project, first, last)
        gone = [task_id for task_id in self._candidates[low:high] if task_id not in there]
        if len(gone) != missing:
            raise ChangesUnsure
        with self._lock:
            self._gone.update(gone)
