"""Every error quotegold raises on purpose.

    QuotegoldError                    the base: the CLI catches only this
    ├── SchemaError                   the annotation schema or a rendered copy is wrong
    │   ├── ConfigError               quotegold.toml is malformed (file, line, key)
    │   └── SchemaChangeError         a project's schema change would drop values in use
    ├── ArticleError                  one article could not be read (file, line, reason)
    ├── SettingsError                 a setting is missing or malformed
    ├── ServerError                   the local Label Studio could not be started or stopped
    ├── LabelStudioError              talking to a Label Studio server failed (URL, status)
    │   ├── LabelStudioAuthError      the API key was refused
    │   ├── LabelStudioUnavailable    nothing answers at the URL, or it timed out
    │   ├── LabelStudioNotFound       a project or task does not exist
    │   └── LabelStudioTooLarge       it refused a request body as too large
    ├── ValidationError               gold records broke rules; carries located issues
    ├── PreannotationError            the pre-annotator failed on an article, or its process died
    ├── ModelError                    a trained model folder is missing, incomplete or damaged
    └── ExportError                   a dataset could not be written
        └── NoGoldRecordsError        no record survived; carries the report with the reasons

Every message says what failed, where, and what to do next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class QuotegoldError(Exception):
    """Base class: an expected failure with a message fit for the user."""


class SchemaError(QuotegoldError):
    """The annotation schema, or a file rendered from it, is inconsistent."""


class ConfigError(SchemaError):
    """A project file (quotegold.toml) is malformed; the message names its file, line and key."""

    def __init__(self, message: str, *, file: str, line: int | None, key: str | None) -> None:
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        self.file = file
        self.line = line
        self.key = key


class SchemaChangeError(SchemaError):
    """A project's new schema drops values its annotations use; nothing was changed."""


class SettingsError(QuotegoldError):
    """A setting (flag, environment variable or .env entry) is missing or malformed."""


class ServerError(QuotegoldError):
    """The local Label Studio server could not be started, found or stopped."""


@dataclass(frozen=True)
class Location:
    """Where a problem is: any of file, line, task, annotation and region, and a link
    that opens the task in Label Studio."""

    file: str | None = None
    line: int | None = None
    task: int | str | None = None
    annotation: int | str | None = None
    region: str | None = None
    link: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        for name in ("task", "annotation", "region"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {value}")
        if self.link is not None:
            parts.append(self.link)
        return ", ".join(parts) or "(unknown location)"


@dataclass(frozen=True)
class Issue:
    """One located problem: where it is and what is wrong (and how to fix it)."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ArticleError(QuotegoldError):
    """One article could not be read; the others still go through."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(str(issue))
        self.issue = issue


class LabelStudioError(QuotegoldError):
    """A request to Label Studio failed."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class LabelStudioAuthError(LabelStudioError):
    """Label Studio refused the API key."""


class LabelStudioUnavailable(LabelStudioError):
    """Nothing answered at the Label Studio URL, or it answered too slowly."""


class LabelStudioNotFound(LabelStudioError):
    """A project or task does not exist in Label Studio."""


class LabelStudioTooLarge(LabelStudioError):
    """Label Studio refused a request body as too large (an import of big articles)."""


class ValidationError(QuotegoldError):
    """Gold records broke the schema or the rules; `issues` says where."""

    def __init__(self, issues: list[Issue]) -> None:
        shown = "\n".join(f"  {issue}" for issue in issues[:20])
        more = f"\n  … and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"{len(issues)} validation problem(s):\n{shown}{more}")
        self.issues = issues


class PreannotationError(QuotegoldError):
    """The pre-annotator failed on an article, or the process running it died."""


class ModelError(QuotegoldError):
    """A trained model folder is missing, incomplete or damaged, or training could not run."""


class ExportError(QuotegoldError):
    """A dataset could not be written; the previous one is left as it was."""


class NoGoldRecordsError(ExportError):
    """No record survived an export: `report` is the export's report, whose problems say
    what kept every annotated task out."""

    def __init__(self, message: str, *, report: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.report = report
