"""Every request to Label Studio goes through here: its errors become quotegold errors, in
one place, with the URL, the status and what to do, and transient failures (server down,
timeouts, 5xx) are retried with backoff before they are raised.

Every answer is checked too: a body that is not JSON, JSON of the wrong shape, an HTML error
page or a list whose pages never end is one `LabelStudioError` saying that the server at the
URL does not look like Label Studio, never a traceback or a loop. Lists are read page by page
within a bound on pages (what the server said the list holds) and on time.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from label_studio_sdk.core.api_error import ApiError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from quotegold.errors import (
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioNotFound,
    LabelStudioTooLarge,
    LabelStudioUnavailable,
)

T = TypeVar("T")

# Reading one list (the tasks of a project, say) may take this long at most: 100,000 tasks
# are listed in minutes; a server that keeps sending pages is not Label Studio.
LIST_SECONDS = 1800.0
# What to tell the user when the server is not Label Studio.
_CHECK_URL = (
    "check --url or LABEL_STUDIO_URL (the address of Label Studio, e.g. http://127.0.0.1:8080)"
)


class _TransientError(LabelStudioUnavailable):
    """A failure worth retrying: the server is down, slow or answered 5xx."""


@dataclass(frozen=True)
class Calls:
    """How requests to the server at `url` are made: `timeout` as the client's, the API key
    read from `key_source` (named in auth errors), `attempts` tries `backoff` s apart."""

    url: str
    key_source: str
    timeout: float
    attempts: int
    backoff: float
    list_seconds: float = LIST_SECONDS

    @contextmanager
    def translated(self, action: str) -> Iterator[None]:
        """Turn SDK and transport errors raised inside into quotegold errors about `action`."""
        try:
            yield
        except ApiError as exc:
            raise self._from_api_error(action, exc) from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            # The SDK reads the body of a 2xx answer as JSON before it looks at it.
            raise self.not_label_studio(action, "it answered with a body that is not JSON") from exc
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            if not _raised_in_sdk(exc):
                raise  # ours: a bug, with its traceback
            # The SDK builds its objects from JSON of another shape than it expects.
            raise self.not_label_studio(
                action, "its answer is JSON of another shape than Label Studio's"
            ) from exc
        except httpx.TimeoutException as exc:
            raise _TransientError(
                f"Label Studio at {self.url} did not answer within {self.timeout:g} s while "
                f"{action}; it may be overloaded or stuck: check its log, then try again",
                url=self.url,
            ) from exc
        except httpx.TransportError as exc:
            raise _TransientError(
                f"cannot reach Label Studio at {self.url} while {action} ({exc}); "
                "start it with `quotegold serve` or check LABEL_STUDIO_URL",
                url=self.url,
            ) from exc

    def __call__(self, action: str, request: Callable[[], T], *, retry: bool = True) -> T:
        """Run one request, translating errors and (unless `retry` is off) retrying
        transient ones."""

        def attempt() -> T:
            with self.translated(action):
                return request()

        if not retry:
            return attempt()
        retrying = Retrying(
            retry=retry_if_exception_type(_TransientError),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=30),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _TransientError as exc:
            raise LabelStudioUnavailable(
                f"{exc} (gave up after {self.attempts} attempts)", url=self.url, status=exc.status
            ) from exc

    def not_label_studio(
        self, action: str, what: str, *, status: int | None = None
    ) -> LabelStudioError:
        """The error for an answer Label Studio would not give: `what` it answered."""
        return LabelStudioError(
            f"the server at {self.url} does not look like Label Studio: {what} while {action}; "
            f"{_CHECK_URL}",
            url=self.url,
            status=status,
        )

    def expect(self, action: str, value: Any, fields: Mapping[str, type]) -> None:
        """Check that an answer (an SDK object or a dict) has these fields of these types."""
        for name, kind in fields.items():
            found = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
            if not isinstance(found, kind) or (kind is int and isinstance(found, bool)):
                raise self.not_label_studio(
                    action, f"its answer has no {name!r} ({kind.__name__}) where one belongs"
                )

    def pages(
        self,
        action: str,
        pager: Any,
        *,
        page_size: int,
        count: str,
        fields: Mapping[str, type],
    ) -> Iterator[Any]:
        """The items of an SDK pager whose first page has been fetched, each checked to have
        `fields`, the later pages fetched as they are read. Every page must say how many
        items the list holds (its `count` field): more pages than that takes, or more than
        `list_seconds` in all, is an error, as is a page past the end other than a 404."""
        started = time.monotonic()
        most = 0
        with self.translated(action):
            page, number = pager, 0
            while page is not None:
                number += 1
                reported = getattr(page.response, count, None)
                if not isinstance(reported, int) or isinstance(reported, bool):
                    raise self.not_label_studio(action, f"a page of a list has no {count!r} count")
                most = max(most, reported)
                if number > most // page_size + 2:
                    raise self.not_label_studio(
                        action, f"it sent page {number} of a list it said holds {most} item(s)"
                    )
                if time.monotonic() - started > self.list_seconds:
                    raise LabelStudioUnavailable(
                        f"Label Studio at {self.url} took more than {self.list_seconds:g} s to "
                        f"list {most} item(s) while {action}; check the server, then try again",
                        url=self.url,
                    )
                items = page.items if isinstance(page.items, list) else []
                for item in items:
                    self.expect(action, item, fields)
                    yield item
                page = self._next_page(page) if items else None

    @staticmethod
    def _next_page(page: Any) -> Any:
        if not page.has_next or page.get_next is None:
            return None
        try:
            return page.get_next()
        except ApiError as exc:
            if exc.status_code == 404:  # Label Studio's answer to a page past the end
                return None
            raise

    def _from_api_error(self, action: str, exc: ApiError) -> LabelStudioError:
        status = exc.status_code
        detail = _detail(exc.body)
        if status is not None and 200 <= status < 300:
            # The SDK raises this when a 2xx body is not JSON.
            return self.not_label_studio(
                action, f"it answered HTTP {status} with {detail}", status=status
            )
        if status == 413 or (status == 500 and "cannot access body" in detail):
            # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE; Label Studio's error
            # handler then fails to read it again and answers 500 "cannot access body".
            return LabelStudioTooLarge(
                f"Label Studio at {self.url} refused the request as too large while {action} "
                f"(HTTP {status}: {detail}); start Label Studio with a larger "
                "DATA_UPLOAD_MAX_MEMORY_SIZE (bytes; 250 MB by default), or send less at once",
                url=self.url,
                status=status,
            )
        if status == 404 and not isinstance(exc.body, dict | list):
            return self.not_label_studio(
                action, f"it answered HTTP 404 with {detail}", status=status
            )
        if status in (401, 403):
            return LabelStudioAuthError(
                f"Label Studio at {self.url} refused the API key from {self.key_source} "
                f"(HTTP {status}: {detail}); set LABEL_STUDIO_API_KEY to a valid token "
                "(Account & Settings in the Label Studio UI)",
                url=self.url,
                status=status,
            )
        if status == 404:
            return LabelStudioNotFound(
                f"not found in Label Studio at {self.url} while {action} (HTTP 404: {detail})",
                url=self.url,
                status=status,
            )
        if status is not None and status >= 500:
            return _TransientError(
                f"Label Studio at {self.url} failed while {action} (HTTP {status}: {detail}); "
                "see the server's log, then try again",
                url=self.url,
                status=status,
            )
        return LabelStudioError(
            f"Label Studio at {self.url} rejected the request while {action} "
            f"(HTTP {status}: {detail})",
            url=self.url,
            status=status,
        )


def _raised_in_sdk(exc: BaseException) -> bool:
    """Whether `exc` was raised in the SDK's code (or pydantic's, which it calls)."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    where = trace.tb_frame.f_code.co_filename if trace is not None else ""
    return any(part in where for part in ("label_studio_sdk", "pydantic"))


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _detail(body: Any) -> str:
    """What an error answer said, on one line: Label Studio's JSON detail, or what a body
    that is not JSON looks like (an HTML page and its title, or its first characters)."""
    if isinstance(body, dict):
        # A 400's `detail` is only "Validation error"; what was wrong is in these.
        for key in ("validation_errors", "detail", "message"):
            if body.get(key):
                return _one_line(body[key])[:600]
    if isinstance(body, str | bytes):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if "<html" in text[:2000].lower() or "<!doctype" in text[:200].lower():
            title = _TITLE.search(text)
            named = f" titled {_one_line(html.unescape(title.group(1)))[:100]!r}" if title else ""
            return f"an HTML page{named}"
        shown = "".join(c if c.isprintable() else " " for c in text[:80])
        return f"a body that is not JSON ({_one_line(shown)!r}…)" if text else "an empty body"
    return _one_line(str(body))[:300]


def _one_line(value: Any) -> str:
    """Label Studio's error detail (text, or lists and objects of it) as one line."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_one_line(inner)}" for key, inner in value.items())
    if isinstance(value, list):
        return "; ".join(_one_line(inner) for inner in value)
    return " ".join(str(value).split())
