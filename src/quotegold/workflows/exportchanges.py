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
   `LEAF` ids is listed instead), the counts of one round asked `PARALLEL` at a time;
3. the project's number of predictions must be the sum of the stamps' (a prediction added
   or removed does not move `updated_at`).

Finding deleted tasks costs about one count per halving per deleted task: when that would
cost Label Studio more than a listing of every task (many deletions), every task is listed.

Anything that does not add up (a task that appeared in a range, too many queries, a
different number of predictions) gives None: the caller lists every task instead.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

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


class _Unsure(Exception):
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
    times = [_time(stamp) for stamp in old.values()]
    known = [when for when in times if when is not None]
    if not known or len(known) != len(times):
        return None
    settled = settled_time(max(known), listed_from, now)
    # A task saved shortly before the earlier listing may have been committed after it with
    # an older `updated_at` than the listing's start: the whole margin is listed again. A count of
    # the margin cannot stand in for that listing, since such a save can move a stamp within
    # the margin without changing any count.
    recent = client.task_stamps_since(project_id, _text(settled))
    candidates = sorted(task_id for task_id in old if task_id not in recent)
    try:
        gone = _Search(client, project_id, candidates, sorted(recent)).gone()
    except _Unsure:
        return None
    stamps = {task_id: old[task_id] for task_id in candidates if task_id not in gone}
    stamps.update(recent)
    if client.prediction_total(project_id) != sum(_predictions(s) for s in stamps.values()):
        return None
    return stamps


def settled_time(newest: datetime, listed_from: datetime | None, now: datetime | None) -> datetime:
    """The time after which tasks are listed again: `MARGIN` before the earlier listing
    began (`listed_from`, read before it, so no later than it), or before the `newest` stamp
    it saw (committed before it, so no later either), whichever is later. A `listed_from`
    later than Label Studio's clock `now` (a clock set back since) is not trusted."""
    if listed_from is None or now is None or listed_from > now:
        return newest - MARGIN
    return max(listed_from, newest) - MARGIN


def _time(stamp: str) -> datetime | None:
    """When a stamp's task was last updated (aware), or None for a stamp not of ours."""
    try:
        when = datetime.fromisoformat(stamp.split("|", 1)[0])
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


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
    (sorted) are ids known to be there, counted in the ranges too. The ranges of one round
    of halving are counted `PARALLEL` at a time."""

    def __init__(
        self, client: LabelStudioClient, project_id: int, candidates: list[int], recent: list[int]
    ) -> None:
        self._client, self._project = client, project_id
        self._candidates, self._recent = candidates, recent
        self._queries = 0
        self._gone: set[int] = set()

    def gone(self) -> set[int]:
        if not self._candidates:
            return self._gone
        total = len(self._candidates)
        missing = self._missing(0, total)
        if 0 < missing < total:
            depth = math.log2(max(total / LEAF, 1.0))
            search = missing * (depth * COUNT_SECONDS + LEAF_SECONDS)
            if search > total * TASK_SECONDS:
                raise _Unsure  # cheaper to list every task
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            ranges = [(0, total, missing)]
            while ranges:
                halves, leaves = self._round(ranges)
                self._queries += len(halves) + len(leaves)
                if self._queries > MOST_QUERIES:
                    raise _Unsure
                lefts = list(pool.map(lambda r: self._missing(r[0], (r[0] + r[1]) // 2), halves))
                list(pool.map(lambda r: self._list(*r), leaves))
                ranges = []
                for (low, high, missing), left in zip(halves, lefts, strict=True):
                    if left > missing:
                        raise _Unsure
                    middle = (low + high) // 2
                    ranges += [(low, middle, left), (middle, high, missing - left)]
        return self._gone

    def _round(
        self, ranges: list[tuple[int, int, int]]
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """The ranges to halve and those to list; ranges all or none of which are gone are
        settled here."""
        halves, leaves = [], []
        for low, high, missing in ranges:
            if missing == 0:
                continue
            if missing == high - low:
                self._gone.update(self._candidates[low:high])
            elif high - low <= LEAF:
                leaves.append((low, high, missing))
            else:
                halves.append((low, high, missing))
        return halves, leaves

    def _missing(self, low: int, high: int) -> int:
        """How many of candidates[low:high] are gone: one count."""
        first, last = self._candidates[low], self._candidates[high - 1]
        there = self._client.count_tasks_between(self._project, first, last)
        known = bisect_right(self._recent, last) - bisect_left(self._recent, first)
        missing = (high - low) - (there - known)
        if not 0 <= missing <= high - low:
            raise _Unsure  # tasks appeared in the range meanwhile
        return missing

    def _list(self, low: int, high: int, missing: int) -> None:
        first, last = self._candidates[low], self._candidates[high - 1]
        there = self._client.task_ids_between(self._project, first, last)
        gone = [task_id for task_id in self._candidates[low:high] if task_id not in there]
        if len(gone) != missing:
            raise _Unsure
        self._gone.update(gone)
