"""`LabelStudioClient`: projects, tasks, annotations, predictions and users, as quotegold
needs them, over label-studio-sdk. Every request goes through `Calls` (errors translated,
transient failures retried), except a project export that times out: Label Studio would only
build it again from the start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from quotegold.errors import (
    LabelStudioError,
    LabelStudioNotFound,
    LabelStudioUnavailable,
    SettingsError,
)
from quotegold.gold.exportfile import read_label_studio_export
from quotegold.gold.model import Annotation, ResultItem, Task, TaskData
from quotegold.labelstudio.calls import Calls
from quotegold.labelstudio.records import (
    Annotator,
    Project,
    ProjectSync,
    StoredArticle,
    StoredPrediction,
    User,
)
from quotegold.labelstudio.webforms import FormSession
from quotegold.schema.formats import (
    ARTICLE_ID_FIELD,
    ARTICLE_KEY_FIELD,
    TEXT_HASH_FIELD,
    article_key,
    text_hash,
)
from quotegold.scratch import run_folder
from quotegold.settings import DEFAULT_EXPORT_TIMEOUT

# Article keys looked up a request: a Data Manager regex of 400 16-digit keys, a URL of
# about 9 KB (longer alternations make the server slow).
_KEYS_PER_LOOKUP = 400
# Tasks a project export download holds at most: Label Studio builds each in memory. The ids
# go in the query string, one parameter each, and Django refuses a request of more than
# 1,000 parameters (DATA_UPLOAD_MAX_NUMBER_FIELDS) with a bare 400.
EXPORT_SLICE = 900
# Projects listed a page at a time when looking one up by title.
_PROJECTS_PAGE = 100
# What an answer must hold to be Label Studio's: a project, a task.
_PROJECT_FIELDS = {"id": int, "title": str}
_TASK = {"id": int}
# Projects up to this many tasks are downloaded whole: slices cost Label Studio 1.6x the CPU
# (measured at 10,000 tasks: 53 s against 33 s), a whole export about 0.3 MB of its memory a
# task (2.9 GB at 10,000; killed past 22 GB at 100,000 on a 24 GB machine).
WHOLE_EXPORT_MAX = 20_000


def _overlap(annotators: int) -> dict[str, int]:
    if annotators < 1:
        raise SettingsError(f"annotators per task must be at least 1, not {annotators}")
    return {"maximum_annotations": annotators, "overlap_cohort_percentage": 100}


class LabelStudioClient:
    """A typed, error-translating wrapper around `label_studio_sdk.LabelStudio`.

    `timeout` bounds every request; `export_timeout` replaces it for the project export
    download alone, which sends nothing until Label Studio has built the whole export.
    """

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        key_source: str = "LABEL_STUDIO_API_KEY",
        timeout: float = 120.0,
        export_timeout: float = DEFAULT_EXPORT_TIMEOUT,
        attempts: int = 5,
        backoff: float = 1.0,
    ) -> None:
        self.url = url.rstrip("/")
        # Our own HTTP client, so `close` releases its connections; retries live in `Calls`.
        self._http = httpx.Client(timeout=timeout, follow_redirects=True)
        self._sdk = LabelStudio(
            base_url=self.url, api_key=api_key, httpx_client=self._http, max_retries=0
        )
        self._call = Calls(self.url, key_source, timeout, attempts, backoff)
        self._translated = self._call.translated
        self._timeout = timeout
        self._export_timeout = export_timeout

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LabelStudioClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- projects ----------------------------------------------------------------------

    def check_connection(self) -> str:
        """Who the API key belongs to; raises a clear error if the server or key is wrong."""
        # No retry: a server that is down at the start should fail fast with one clear line.
        action = "checking the API key"
        user = self._call(action, self._sdk.users.whoami, retry=False)
        self._call.expect(action, user, {"id": int})
        return str(getattr(user, "email", None) or getattr(user, "username", "?"))

    def project_url(self, project_id: int) -> str:
        return f"{self.url}/projects/{project_id}/data"

    def task_url(self, project_id: int, task_id: int | str) -> str:
        """Where the task opens in the labelling UI."""
        return f"{self.project_url(project_id)}?task={task_id}"

    def _project(self, raw: Any) -> Project:
        return Project(
            id=int(raw.id),
            title=str(raw.title),
            label_config=str(raw.label_config or ""),
            url=self.project_url(int(raw.id)),
            annotators_per_task=int(getattr(raw, "maximum_annotations", None) or 1),
            overlap_percentage=int(getattr(raw, "overlap_cohort_percentage", None) or 100),
            instructions=str(getattr(raw, "expert_instruction", None) or ""),
        )

    def find_project(self, title: str) -> Project | None:
        """The project with exactly this title (the server's title filter matches substrings)."""

        action = f"looking up project {title!r}"

        def search() -> list[Any]:
            pager = self._sdk.projects.list(title=title, page_size=_PROJECTS_PAGE)
            listed = self._call.pages(
                action, pager, page_size=_PROJECTS_PAGE, count="count", fields=_PROJECT_FIELDS
            )
            return [p for p in listed if p.title == title]

        matches = self._call(action, search)
        if len(matches) > 1:
            ids = ", ".join(str(p.id) for p in matches)
            raise LabelStudioError(
                f"{len(matches)} projects at {self.url} are titled {title!r} (ids {ids}); "
                "rename or delete all but one so quotegold knows which to use",
                url=self.url,
            )
        if not matches:
            return None
        # The list view leaves out the config; fetch the project itself.
        return self.get_project(int(matches[0].id))

    def get_project(self, project_id: int) -> Project:
        action = f"reading project {project_id}"
        raw = self._call(action, lambda: self._sdk.projects.get(project_id))
        self._call.expect(action, raw, _PROJECT_FIELDS)
        return self._project(raw)

    def ensure_project(
        self,
        title: str,
        *,
        label_config: str,
        instructions: str,
        description: str,
        annotators_per_task: int | None = None,
        before_update: Callable[[Project], None] | None = None,
    ) -> ProjectSync:
        """Create the project, or bring its config and instructions up to date.

        `annotators_per_task` makes every task wait for that many annotators (Label Studio's
        `maximum_annotations`, with all tasks in the overlap cohort); None leaves the
        project's setting as it is (a new project then has one annotator per task).
        `before_update` is called with the existing project before its labelling config is
        changed: it raises to refuse the change, and then nothing is changed.
        """
        overlap = {} if annotators_per_task is None else _overlap(annotators_per_task)
        existing = self.find_project(title)
        if existing is None:
            raw = self._call(
                f"creating project {title!r}",
                lambda: self._sdk.projects.create(
                    title=title,
                    description=description,
                    label_config=label_config,
                    expert_instruction=instructions,
                    show_instruction=True,
                    show_skip_button=True,
                    enable_empty_annotation=False,
                    **overlap,
                ),
                retry=False,
            )
            return ProjectSync(self.get_project(int(raw.id)), created=True, config_updated=False)
        config_changed = existing.label_config.strip() != label_config.strip()
        config_updated = config_changed or existing.instructions.strip() != instructions.strip()
        if config_changed and before_update is not None:
            before_update(existing)
        if config_updated:
            self._update_config(existing.id, label_config, instructions, description)
        overlap_updated = annotators_per_task is not None and (
            existing.annotators_per_task != annotators_per_task
            or existing.overlap_percentage != 100
        )
        if annotators_per_task is not None and overlap_updated:
            self.set_annotators_per_task(existing.id, annotators_per_task)
        if not (config_updated or overlap_updated):
            return ProjectSync(existing, created=False, config_updated=False)
        return ProjectSync(
            self.get_project(existing.id),
            created=False,
            config_updated=config_updated,
            overlap_updated=overlap_updated,
        )

    def _update_config(
        self, project_id: int, label_config: str, instructions: str, description: str
    ) -> None:
        # Check first: a PATCH may silently drop labels that annotations still use.
        try:
            self._call(
                f"checking the new labelling config of project {project_id}",
                lambda: self._sdk.projects.validate_label_config(
                    project_id, label_config=label_config
                ),
            )
        except LabelStudioError as exc:
            if exc.status != 400:
                raise
            raise LabelStudioError(
                f"{exc}; nothing was changed: keep the values its annotations or drafts use "
                "(in quotegold.toml), or re-annotate those regions first",
                url=self.url,
                status=exc.status,
            ) from exc
        self._call(
            f"updating the labelling config of project {project_id}",
            lambda: self._sdk.projects.update(
                project_id,
                label_config=label_config,
                expert_instruction=instructions,
                description=description,
                show_instruction=True,
            ),
        )

    def set_annotators_per_task(self, project_id: int, annotators: int) -> None:
        """Have every task of the project annotated by `annotators` people.

        Label Studio keeps a task in the queue (not `is_labeled`) until it has that many
        submitted annotations, and hands it to annotators who have not annotated it yet.
        """
        self._call(
            f"setting {annotators} annotator(s) per task in project {project_id}",
            lambda: self._sdk.projects.update(project_id, **_overlap(annotators)),
        )

    def require_project(self, title: str) -> Project:
        """The project with exactly this title, or `LabelStudioNotFound` saying what to do."""
        project = self.find_project(title)
        if project is None:
            raise LabelStudioNotFound(
                f"no project titled {title!r} at {self.url}; push articles first "
                "(`quotegold push … --project TITLE`) or check the title",
                url=self.url,
            )
        return project

    # -- tasks -------------------------------------------------------------------------

    def task_count(self, project_id: int) -> int:
        """How many tasks the project holds: one counting query, however large the tasks."""
        action = f"counting the tasks of project {project_id}"
        raw = self._call(action, lambda: self._sdk.projects.get(project_id))
        self._call.expect(action, raw, _PROJECT_FIELDS)
        return int(raw.task_number or 0)

    def find_articles(self, project_id: int, article_ids: Sequence[str]) -> list[StoredArticle]:
        """The tasks of the project that hold these article ids (a tasks with a key).

        They are looked up by the short key kept in each task's data (`article_key`), a
        fixed-length request per `_KEYS_PER_LOOKUP` ids however long the ids are: a lookup by
        the ids themselves would grow the URL past what httpx and the server take. Tasks
        pushed before keys were kept are not found here: see `keyless_articles`.
        """
        wanted = {article_key(article_id): article_id for article_id in article_ids}
        keys = sorted(wanted)
        found: list[StoredArticle] = []
        for first in range(0, len(keys), _KEYS_PER_LOOKUP):
            chunk = keys[first : first + _KEYS_PER_LOOKUP]
            pattern = "^(" + "|".join(chunk) + ")$"  # hex digits: nothing to escape
            query = _filter(f"data.{ARTICLE_KEY_FIELD}", "regex", pattern)
            found += [
                stored
                for stored in self._stored_articles(project_id, query)
                if stored.key in wanted and stored.article_id == wanted[stored.key]
            ]
        return found

    def keyless_count(self, project_id: int) -> int:
        """How many tasks of the project hold no article key (pushed before keys were kept,
        or imported by hand): one counting query."""
        query = _filter(f"data.{ARTICLE_KEY_FIELD}", "empty", True)
        action = f"counting the tasks without a key in project {project_id}"
        pager = self._call(
            action,
            lambda: self._sdk.tasks.list(
                project=project_id, query=json.dumps(query), include="id", page_size=1
            ),
        )
        return int(getattr(pager.response, "total", None) or 0)

    def keyless_articles(self, project_id: int) -> list[StoredArticle]:
        """The tasks of the project without an article key, read page by page (their ids
        and texts are hashed here, as a push would have)."""
        query = _filter(f"data.{ARTICLE_KEY_FIELD}", "empty", True)
        return list(self._stored_articles(project_id, query))

    def _stored_articles(self, project_id: int, query: dict[str, Any]) -> Iterator[StoredArticle]:
        pages = self._task_pages(
            project_id,
            query=json.dumps(query),
            include="id,data,total_annotations",
            page_size=500,
        )
        for task in pages:
            stored = _stored_article(task)
            if stored is not None:
                yield stored

    def annotation_count(self, task_id: int) -> int:
        """How many annotations (skips included) the task has now."""
        raw = self._call(f"reading task {task_id}", lambda: self._sdk.tasks.get(str(task_id)))
        total = getattr(raw, "total_annotations", None) or 0
        return int(total) + int(getattr(raw, "cancelled_annotations", None) or 0)

    def update_task_data(self, task_id: int, data: Mapping[str, Any]) -> None:
        """Replace the data of one task (its annotations and predictions stay)."""
        self._call(
            f"updating the data of task {task_id}",
            lambda: self._sdk.tasks.update(str(task_id), data=dict(data)),
        )

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        """Import one batch of tasks (no retry: the caller re-checks what arrived first)."""
        action = f"importing {len(tasks)} tasks into project {project_id}"
        # Encoded here as the SDK's `projects.import_tasks` would send it, less its
        # `jsonable_encoder` pass over every node of the tasks (about 1,600 a pre-annotated
        # article: 2 s of CPU for 1,000 articles, four times the JSON encoding itself). The
        # tasks are plain JSON already; a value that is not fails here, as it would there.
        body = json.dumps(
            list(tasks), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
        response = self._call(action, lambda: self._post_import(project_id, body), retry=False)
        self._call.expect(action, response, {"task_ids": list})
        return [int(task_id) for task_id in response["task_ids"]]

    def _post_import(self, project_id: int, body: bytes) -> Any:
        """POST encoded tasks to the project's import endpoint with the SDK's HTTP client (its
        base URL and authentication), raising `ApiError` as the SDK's own call does."""
        response = self._sdk._client_wrapper.httpx_client.request(
            f"api/projects/{project_id}/import",
            method="POST",
            params={"return_task_ids": True},
            content=body,
            headers={"content-type": "application/json"},
        )
        try:
            answer = response.json()
        except json.JSONDecodeError as exc:
            raise ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=response.text
            ) from exc
        if not 200 <= response.status_code < 300:
            raise ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=answer
            )
        return answer

    def create_annotation(
        self,
        task_id: int,
        result: Sequence[ResultItem],
        *,
        ground_truth: bool = False,
        was_cancelled: bool = False,
        completed_by: int | None = None,
    ) -> int:
        """Store an annotation on a task, as the UI's Submit (or Skip) does; returns its id."""
        extra = {} if completed_by is None else {"completed_by": completed_by}
        created = self._call(
            f"creating an annotation on task {task_id}",
            lambda: self._sdk.annotations.create(
                task_id,
                result=list(result),
                ground_truth=ground_truth,
                was_cancelled=was_cancelled,
                **extra,
            ),
            retry=False,
        )
        return int(created.id)

    def set_ground_truth(self, annotation_id: int, ground_truth: bool = True) -> None:
        """Mark (or unmark) an annotation as the task's ground truth, as an adjudicator does."""
        self._call(
            f"updating annotation {annotation_id}",
            lambda: self._sdk.annotations.update(annotation_id, ground_truth=ground_truth),
        )

    def get_annotation(self, annotation_id: int) -> Annotation:
        """One annotation as a dict (`task`, `completed_by`, `ground_truth`, `result`, …)."""
        raw = self._call(
            f"reading annotation {annotation_id}",
            lambda: self._sdk.annotations.get(annotation_id),
        )
        return _annotation(raw)

    def list_annotations(self, task_id: int) -> list[Annotation]:
        """The annotations of one task (skips included, drafts not), as dicts."""
        found = self._call(
            f"listing the annotations of task {task_id}",
            lambda: self._sdk.annotations.list(task_id),
        )
        return [_annotation(raw) for raw in found]

    def download_export(
        self,
        project_id: int,
        destination: Path,
        *,
        slice_size: int = EXPORT_SLICE,
        whole_up_to: int = WHOLE_EXPORT_MAX,
    ) -> int:
        """Stream the project's full JSON export (all tasks) into a file; returns its size.

        This is the same file a user downloads from the UI, so `--from-file` and `--project`
        share one reader. Label Studio builds an export in memory before it sends a byte
        (more than 22 GB for 100,000 annotated tasks), so a project of more than
        `whole_up_to` tasks is downloaded `slice_size` task ids at a time and the slices are
        joined into one JSON array. Each download waits up to `export_timeout`, not
        `timeout`. Connection errors are retried; a read timeout is not, since each try
        builds the export anew.
        """
        if self.task_count(project_id) <= whole_up_to:
            return self._download_export(project_id, destination, ids=None)
        return self.download_tasks(
            project_id, self.task_ids(project_id), destination, slice_size=slice_size
        )

    def download_tasks(
        self,
        project_id: int,
        ids: Sequence[int],
        destination: Path,
        *,
        slice_size: int = EXPORT_SLICE,
    ) -> int:
        """Stream these tasks of the project, as its JSON export has them, into one JSON array
        in a file, `slice_size` task ids a download; returns its size. Ids of tasks deleted
        meanwhile are left out."""
        ids = list(ids)
        part = destination.with_name(destination.name + ".slice")
        try:
            with destination.open("wb") as joined:
                joined.write(b"[")
                empty = True
                for first in range(0, len(ids), slice_size):
                    self._download_export(project_id, part, ids=ids[first : first + slice_size])
                    empty = _append_items(part, joined, empty=empty, url=self.url)
                joined.write(b"]")
        finally:
            part.unlink(missing_ok=True)
        return destination.stat().st_size

    def _download_export(self, project_id: int, destination: Path, *, ids: list[int] | None) -> int:
        action = f"downloading the export of project {project_id}"
        options: dict[str, Any] = {"timeout": self._export_timeout}
        if ids is not None:
            # Label Studio reads `ids[]`; the SDK's own `ids` argument sends `ids`, ignored.
            options["additional_query_parameters"] = {"ids[]": [str(i) for i in ids]}
            action += f" (tasks {ids[0]}-{ids[-1]})"

        def download() -> int:
            size = 0
            with destination.open("wb") as handle:
                chunks = self._sdk.projects.exports.download_sync(
                    project_id,
                    export_type="JSON",
                    download_all_tasks=True,
                    request_options=options,
                )
                try:
                    started = False
                    for chunk in chunks:
                        if not started and chunk.strip():
                            self._check_export_start(chunk, action)
                            started = True
                        handle.write(chunk)
                        size += len(chunk)
                except httpx.ReadTimeout as exc:
                    raise LabelStudioUnavailable(
                        f"Label Studio at {self.url} sent nothing for {self._export_timeout:g} s "
                        f"while {action} (the export download timeout; Label Studio builds the "
                        "whole export first, about 5 s per 1,000 annotated tasks); raise it "
                        "with `quotegold export --download-timeout SECONDS` or "
                        "QUOTEGOLD_EXPORT_TIMEOUT, or check the server's log if it is stuck",
                        url=self.url,
                    ) from exc
            return size

        return self._call(action, download)

    def task_stamps(self, project_id: int) -> dict[int, str]:
        """Every task id of the project with a stamp that changes whenever the task, its
        annotations or its predictions change: its `updated_at` (which Label Studio moves
        when an annotation is made, edited or deleted), its annotation ids and its number of
        predictions. One listing without data or annotations; still about 2 ms a task of
        Label Studio's time, so a re-export asks only what changed (`task_stamps_since`,
        `count_tasks_between`)."""
        include = "id,updated_at,annotations_ids,total_predictions"
        return {
            int(task.id): _stamp(task) for task in self._task_pages(project_id, include=include)
        }

    def task_stamps_since(self, project_id: int, since: str) -> dict[int, str]:
        """The stamps (as `task_stamps`) of the tasks updated after `since` (an ISO time
        in UTC), created ones included: one filtered listing of only those tasks."""
        query = _filters(("updated_at", "greater", "Datetime", since))
        include = "id,updated_at,annotations_ids,total_predictions"
        pages = self._task_pages(project_id, include=include, query=json.dumps(query))
        return {int(task.id): _stamp(task) for task in pages}

    def count_tasks_between(self, project_id: int, first: int, last: int) -> int:
        """How many tasks of the project have an id from `first` to `last`: one counting
        query, however many they are."""
        query = _id_range(first, last)
        action = f"counting the tasks {first}-{last} of project {project_id}"
        pager = self._call(
            action,
            lambda: self._sdk.tasks.list(
                project=project_id, query=json.dumps(query), include="id", page_size=1
            ),
        )
        total = getattr(pager.response, "total", None)
        if not isinstance(total, int) or isinstance(total, bool):
            raise self._call.not_label_studio(action, "its list has no 'total' count")
        return total

    def task_ids_between(self, project_id: int, first: int, last: int) -> set[int]:
        """The ids of the project's tasks from `first` to `last`."""
        query = json.dumps(_id_range(first, last))
        return {int(task.id) for task in self._task_pages(project_id, include="id", query=query)}

    def prediction_total(self, project_id: int) -> int:
        """How many predictions the project holds: one query."""
        action = f"counting the predictions of project {project_id}"
        raw = self._call(action, lambda: self._sdk.projects.get(project_id))
        self._call.expect(action, raw, _PROJECT_FIELDS)
        return int(raw.total_predictions_number or 0)

    def server_time(self, project_id: int) -> datetime | None:
        """Label Studio's clock now, as the `Date` header of its answer to one small request
        (reading the project) says it, rounded down to the second; None when the answer has
        no such header. Taken before a listing, it is no later than the moment the listing
        reads the database (the server stamps `updated_at` with the same clock)."""
        action = f"reading project {project_id}"
        raw = self._call(action, lambda: self._sdk.projects.with_raw_response.get(project_id))
        self._call.expect(action, raw.data, _PROJECT_FIELDS)
        return _http_date(raw.response.headers.get("date"))

    def _check_export_start(self, chunk: bytes, action: str) -> None:
        """A JSON export is an array: anything else is not Label Studio's export."""
        if not chunk.lstrip().startswith(b"["):
            raise self._call.not_label_studio(action, "its export is not a JSON array")

    def task_ids(self, project_id: int) -> list[int]:
        """The ids of every task in the project, in increasing order."""
        return sorted(int(task.id) for task in self._task_pages(project_id, include="id"))

    def project_tasks(self, project_id: int) -> list[Task]:
        """Every task of the project with its annotations, read from its full JSON export."""
        with run_folder("tasks") as scratch:
            download = scratch / "export.json"
            self.download_export(project_id, download)
            return read_label_studio_export(download)

    def iter_tasks(self, project_id: int) -> Iterator[Task]:
        """Every task of the project with its annotations, drafts and predictions, as dicts."""
        for task in self._task_pages(project_id, fields="all", page_size=100):
            yield task.model_dump(mode="json")

    def iter_task_data(self, project_id: int) -> Iterator[tuple[int, TaskData]]:
        """(task id, data) of every task of the project, without annotations or predictions."""
        for task in self._task_pages(project_id, include="id,data"):
            # The data as imported: quotegold's tasks have its keys; its readers check them.
            yield int(task.id), cast(TaskData, dict(task.data or {}))

    def _task_pages(self, project_id: int, *, page_size: int = 1000, **query: str) -> Iterator[Any]:
        """The project's tasks as the SDK lists them, its errors translated on every page."""
        action = f"listing the tasks of project {project_id}"
        pager = self._call(
            action,
            lambda: self._sdk.tasks.list(project=project_id, page_size=page_size, **query),
        )
        # The pager fetches its later pages as it is read: errors translated, pages bounded.
        yield from self._call.pages(action, pager, page_size=page_size, count="total", fields=_TASK)

    # -- predictions -------------------------------------------------------------------

    def list_predictions(
        self, project_id: int, *, task_id: int | None = None
    ) -> list[StoredPrediction]:
        """The predictions of a project (or of one of its tasks), results left out."""
        where = f"task {task_id}" if task_id is not None else f"project {project_id}"
        found = self._call(
            f"listing the predictions of {where}",
            lambda: self._sdk.predictions.list(project=project_id, task=task_id),
        )
        return [
            StoredPrediction(
                id=int(raw.id),
                task_id=int(raw.task),
                model_version=raw.model_version,
                score=None if raw.score is None else float(raw.score),
            )
            for raw in found
        ]

    def create_predictions(self, project_id: int, predictions: Sequence[Mapping[str, Any]]) -> int:
        """Store predictions in one request; each names its `task`. Returns how many were made.

        Not retried: a request that failed midway may have stored some, and a retry would
        store them twice. Callers re-read what is there before trying again.
        """
        if not predictions:
            return 0
        response = self._call(
            f"importing {len(predictions)} predictions into project {project_id}",
            lambda: self._sdk.projects.import_predictions(
                project_id, request=[dict(prediction) for prediction in predictions]
            ),
            retry=False,
        )
        return int(response.created or 0)

    def delete_prediction(self, prediction_id: int) -> None:
        """Delete one prediction; one that is already gone is not an error."""
        # A 404 after a retry means the first attempt went through.
        with suppress(LabelStudioNotFound):
            self._call(
                f"deleting prediction {prediction_id}",
                lambda: self._sdk.predictions.delete(prediction_id),
            )

    def delete_all_task_predictions(self, project_id: int, task_ids: Sequence[int]) -> None:
        """Delete every prediction (of any model) of these tasks, in one request.

        Much faster than deleting one by one (about 13 ms a task against 150 ms a
        prediction), but it cannot spare other models' predictions: callers pass only tasks
        whose predictions may all go. Annotations made from them stay (their link is nulled).
        """
        if not task_ids:
            return  # an empty selection must never reach the server: it could mean "all"
        self._call(
            f"deleting the predictions of {len(task_ids)} tasks in project {project_id}",
            lambda: self._sdk.actions.create(
                id="delete_tasks_predictions",
                project=project_id,
                selected_items={"all": False, "included": [int(i) for i in task_ids]},
            ),
        )

    # -- users -------------------------------------------------------------------------

    def list_users(self) -> list[User]:
        """The members of the organisation."""
        found = self._call("listing the users", self._sdk.users.list)
        return [
            User(id=int(raw.id), email=str(raw.email or ""), username=str(raw.username or ""))
            for raw in found
        ]

    def sign_up(self, email: str, password: str) -> Annotator:
        """Create a user who can log in to the UI, and return their own API key.

        Label Studio's API cannot do this (`POST /api/users/` ignores the password and leaves
        the user outside the organisation), so this fills in the sign-up form behind the
        organisation's invite link, as a person following the link does, then asks for the
        new user's API key in their session. Not retried: it creates something.
        """
        invite = self._call(
            "reading the organisation's invite link",
            self._sdk.organizations.invites.get_invite_link,
        )
        with self._forms() as forms:
            form = {"email": email, "password": password}
            forms.submit(str(invite.invite_url), form, f"signing up {email}")
            return forms.annotator(email)

    def log_in(self, email: str, password: str) -> Annotator:
        """Log in as an existing user through the login form; return their own API key."""
        with self._forms() as forms:
            form = {"email": email, "password": password}
            forms.submit("/user/login/", form, f"logging in as {email}")
            return forms.annotator(email)

    def _forms(self) -> FormSession:
        return FormSession(self.url, timeout=self._timeout, translated=self._translated)


def _stamp(task: Any) -> str:
    updated = task.updated_at
    when = updated.isoformat() if hasattr(updated, "isoformat") else str(updated or "")
    return f"{when}|{task.annotations_ids or ''}|{task.total_predictions or 0}"


def _http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as an aware time, or None when it is missing or not a date."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def _filter(field: str, operator: str, value: object) -> dict[str, Any]:
    """A Data Manager query of one filter on a task field."""
    item = {"filter": f"filter:tasks:{field}", "operator": operator, "type": "String"}
    return {"filters": {"conjunction": "and", "items": [{**item, "value": value}]}}


def _filters(*items: tuple[str, str, str, object]) -> dict[str, Any]:
    """A Data Manager query of filters on task fields, all of which must hold."""
    listed = [
        {"filter": f"filter:tasks:{field}", "operator": operator, "type": kind, "value": value}
        for field, operator, kind, value in items
    ]
    return {"filters": {"conjunction": "and", "items": listed}}


def _id_range(first: int, last: int) -> dict[str, Any]:
    return _filters(
        ("id", "greater_or_equal", "Number", first), ("id", "less_or_equal", "Number", last)
    )


def _stored_article(task: Any) -> StoredArticle | None:
    """A listed task as a `StoredArticle`; None for a task without an article id."""
    data = dict(task.data or {})
    article_id = data.get(ARTICLE_ID_FIELD)
    if article_id is None or article_id == "":
        return None
    key = data.get(ARTICLE_KEY_FIELD)
    stored_hash = data.get(TEXT_HASH_FIELD)
    return StoredArticle(
        task_id=int(task.id),
        article_id=str(article_id),
        key=key if isinstance(key, str) else None,
        text_hash=(
            stored_hash if isinstance(stored_hash, str) else text_hash(str(data.get("text", "")))
        ),
        annotations=int(getattr(task, "total_annotations", None) or 0),
    )


def _annotation(raw: Any) -> Annotation:
    """An SDK annotation as the JSON an export holds; its readers check the keys they use."""
    return cast(Annotation, dict(raw.model_dump(mode="json")))


def _append_items(part: Path, joined: BinaryIO, *, empty: bool, url: str) -> bool:
    """Append the items of the JSON array in `part` to the array being written to `joined`;
    returns whether that array is still empty."""
    data = part.read_bytes().strip()
    if not (data.startswith(b"[") and data.endswith(b"]")):
        raise LabelStudioError(
            f"a slice of the project export ({part.name}) is not a JSON array; "
            "check the server's log, then export again",
            url=url,
        )
    items = data[1:-1].strip()
    if not items:
        return empty
    if not empty:
        joined.write(b",")
    joined.write(items)
    return False
