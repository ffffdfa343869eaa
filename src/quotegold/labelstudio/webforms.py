"""Label Studio's web forms, for what its API cannot do: sign a user up and log them in.

A `FormSession` does what a person in a browser does (GET the form for its CSRF cookie, POST
it, follow nothing), then asks for that user's own API key in their session. Transport errors
become quotegold errors through the `translated` context the client passes in, so a form
fails exactly as an API call does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import httpx

from quotegold.errors import LabelStudioAuthError, LabelStudioError
from quotegold.labelstudio.records import Annotator

Translated = Callable[[str], AbstractContextManager[None]]


class FormSession:
    """A browser-like session of its own (cookies, no redirects); close it when done."""

    def __init__(self, url: str, *, timeout: float, translated: Translated) -> None:
        self.url = url
        self._translated = translated
        self._http = httpx.Client(base_url=url, timeout=timeout, follow_redirects=False)

    def __enter__(self) -> FormSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def submit(self, path: str, form: Mapping[str, str], action: str) -> None:
        """GET a Django form (for its CSRF cookie), POST it, and expect the redirect."""
        with self._translated(action):
            page = self._http.get(path)
            self._expect(page, action)
            token = self._http.cookies.get("csrftoken") or ""
            sent = self._http.post(
                path,
                data={**form, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{self.url}{path}"},
            )
        if sent.status_code in (301, 302, 303):
            return
        self._expect(sent, action)
        problems = _form_errors(sent.text) or ["the form came back without saying why"]
        raise LabelStudioError(
            f"Label Studio at {self.url} refused {action}: {'; '.join(problems)}",
            url=self.url,
            status=sent.status_code,
        )

    def annotator(self, email: str) -> Annotator:
        """The logged-in user and an API key for them: their legacy token where the
        organisation allows those, else a new personal access token."""
        me = self._answer("GET", "/api/current-user/whoami")
        jwt = self._answer("GET", "/api/jwt/settings")
        if jwt.get("legacy_api_tokens_enabled"):
            token = self._answer("GET", "/api/current-user/token")
        else:
            token = self._answer("POST", "/api/token/")
        return Annotator(
            id=int(me["id"]), email=str(me.get("email") or email), api_key=str(token["token"])
        )

    def _expect(self, response: httpx.Response, action: str) -> None:
        if response.is_success or response.is_redirect:
            return
        if response.status_code in (401, 403):
            raise LabelStudioAuthError(
                f"Label Studio at {self.url} refused {action} (HTTP {response.status_code}); "
                "check that LABEL_STUDIO_API_KEY belongs to a member of the organisation",
                url=self.url,
                status=response.status_code,
            )
        raise LabelStudioError(
            f"Label Studio at {self.url} failed while {action} (HTTP {response.status_code}: "
            f"{response.text[:200]})",
            url=self.url,
            status=response.status_code,
        )

    def _answer(self, method: str, path: str) -> Any:
        action = f"asking {path} in a user's session"
        with self._translated(action):
            csrf = self._http.cookies.get("csrftoken") or ""
            headers = {"X-CSRFToken": csrf, "Referer": self.url}
            response = self._http.request(method, path, headers=headers)
        if response.status_code == 409:
            raise LabelStudioError(
                f"the user at {self.url} already has a personal access token, which cannot be "
                "read again; revoke it in Account & Settings, then try again",
                url=self.url,
                status=409,
            )
        self._expect(response, action)
        return response.json()


_FORM_ERRORS = re.compile(
    r'<ul class="field_errors">(.*?)</ul>|<p class="error">(.*?)</p>', re.DOTALL
)
_ITEM = re.compile(r"<li>(.*?)</li>", re.DOTALL)


def _form_errors(page: str) -> list[str]:
    """The error messages a Django form page shows (field errors and form errors)."""
    found: list[str] = []
    for listed, single in _FORM_ERRORS.findall(page):
        items = _ITEM.findall(listed) if listed else [single]
        found += [html.unescape(" ".join(item.split())) for item in items if item.strip()]
    return list(dict.fromkeys(found))
