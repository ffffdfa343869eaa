"""Turn articles into Label Studio tasks, and write them as a task file.

How it works, in more detail: docs/design.md, "articles.tasks".
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from quotegold.articles.ingest import Article
from quotegold.errors import ExportError
from quotegold.gold.model import NewTask, Task
from quotegold.schema.formats import (
    ARTICLE_ID_FIELD,
    ARTICLE_KEY_FIELD,
    CONTROLS_REPLACED_FIELD,
    TEXT_HASH_FIELD,
    article_key,
    text_hash,
)

__all__ = [
    "Predictor",
    "article_key",
    "article_to_task",
    "iter_tasks",
    "task_article_id",
    "text_hash",
    "write_task_file",
]


# Turns an article into one Label Studio prediction: {"model_version", "score", "result"},
# or None when it made none (the article was too long or took too long: see
# `quotegold.preannotate.bounds`). Plain JSON for the SDK, which a worker process sends back
# pickled.
Predictor = Callable[[Article], dict[str, Any] | None]

# A new task file is readable by others, like any file the user would save by hand.
_NEW_FILE_MODE = 0o644


def article_to_task(article: Article, *, predictor: Predictor | None = None) -> NewTask:
    """The Label Studio task for one article; missing metadata becomes "".

    With a `predictor`, the task also carries its one prediction under `predictions` (none
    when the predictor made none). An article whose text had control characters replaced
    says how many in `control_chars_replaced`.
    """
    task: NewTask = {
        "data": {
            "text": article.text,
            ARTICLE_ID_FIELD: article.id,
            ARTICLE_KEY_FIELD: article_key(article.id),
            TEXT_HASH_FIELD: text_hash(article.text),
            "title": article.title or "",
            "url": article.url or "",
            "source": article.source or "",
            "published": article.published or "",
            "license": article.license or "",
            "split": article.split or "",
            "boilerplate": [
                {"start": flag.start, "end": flag.end, "text": flag.text, "reason": flag.reason}
                for flag in article.boilerplate
            ],
        }
    }
    if article.control_chars_replaced:
        task["data"][CONTROLS_REPLACED_FIELD] = article.control_chars_replaced
    prediction = predictor(article) if predictor is not None else None
    if prediction is not None:
        task["predictions"] = [prediction]
    return task


def task_article_id(task: NewTask | Task) -> str | None:
    """The article id a task (made here, or as Label Studio returns it) carries, if any."""
    data = task.get("data")
    if not isinstance(data, dict):
        return None
    value = data.get(ARTICLE_ID_FIELD)
    return value if isinstance(value, str) and value else None


def iter_tasks(
    articles: Iterable[Article], *, predictor: Predictor | None = None
) -> Iterator[NewTask]:
    """Lazily turn articles into tasks, each with one prediction if `predictor` is given."""
    for article in articles:
        yield article_to_task(article, predictor=predictor)


def write_task_file(tasks: Iterable[NewTask], out: Path) -> int:
    """Write tasks as a JSON list that Label Studio's import dialog accepts; return the count.

    The file is replaced atomically: it is written to a temporary file beside `out`, flushed
    to disk and renamed over `out`, so a failure (a task that cannot be serialised, a full
    disk) leaves any previous file as it was. Parent folders are created.
    """
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        mode = out.stat().st_mode & 0o777 if out.exists() else _NEW_FILE_MODE
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise _export_error(out, exc) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            count = _dump_list(tasks, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, out)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _export_error(out, exc) from exc
        raise
    return count


def _dump_list(tasks: Iterable[NewTask], stream: TextIO) -> int:
    """Stream `tasks` as `json.dumps(list(tasks), indent=1)` would, without the list."""
    count = 0
    for task in tasks:
        # allow_nan=False: NaN is not JSON, and Label Studio's import would refuse it.
        encoded = json.dumps(task, ensure_ascii=False, indent=1, allow_nan=False)
        # Newlines in JSON strings are escaped, so every raw newline here is indentation.
        stream.write(("[\n " if count == 0 else ",\n ") + encoded.replace("\n", "\n "))
        count += 1
    stream.write("\n]\n" if count else "[]\n")
    return count


def _export_error(out: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or str(exc)
    return ExportError(
        f"could not write the task file {out}: {reason}; check that the folder is writable "
        "and the disk is not full (any previous file was left as it was)"
    )
