"""Every request to Label Studio goes through here: its errors become quotegold errors, in
one place, with the URL, the status and what to do, and transient failures (server down,
timeouts, 5xx) are retried with backoff before they are raised."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    LabelStudioUnavailable,
)

T = TypeVar("T")


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

    @contextmanager
    def translated(self, action: str) -> Iterator[None]:
        """Turn SDK and transport errors raised inside into quotegold errors about `action`."""
        try:
            yield
        except ApiError as exc:
            raise self._from_api_error(action, exc) from exc
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

    def _from_api_error(self, action: str, exc: ApiError) -> LabelStudioError:
        status = exc.status_code
        detail = _detail(exc.body)
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


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        # A 400's `detail` is only "Validation error"; what was wrong is in these.
        for key in ("validation_errors", "detail", "message"):
            if body.get(key):
                return _one_line(body[key])[:600]
    return str(body)[:300]


def _one_line(value: Any) -> str:
    """Label Studio's error detail (text, or lists and objects of it) as one line."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_one_line(inner)}" for key, inner in value.items())
    if isinstance(value, list):
        return "; ".join(_one_line(inner) for inner in value)
    return " ".join(str(value).split())
