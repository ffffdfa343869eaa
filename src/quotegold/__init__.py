"""quotegold: gold data about who said what in the news, built with Label Studio."""

from quotegold.errors import (
    ArticleError,
    ExportError,
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioNotFound,
    LabelStudioUnavailable,
    PreannotationError,
    QuotegoldError,
    SchemaError,
    ServerError,
    SettingsError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "ArticleError",
    "ExportError",
    "LabelStudioAuthError",
    "LabelStudioError",
    "LabelStudioNotFound",
    "LabelStudioUnavailable",
    "PreannotationError",
    "QuotegoldError",
    "SchemaError",
    "ServerError",
    "SettingsError",
    "ValidationError",
    "__version__",
]
