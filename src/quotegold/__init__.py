"""quotegold: gold data about who said what in the news, built with Label Studio."""

from quotegold.errors import (
    ArticleError,
    ConfigError,
    ExportError,
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioNotFound,
    LabelStudioTooLarge,
    LabelStudioUnavailable,
    ModelError,
    NoGoldRecordsError,
    PreannotationError,
    QuotegoldError,
    SchemaChangeError,
    SchemaError,
    ServerError,
    SettingsError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "ArticleError",
    "ConfigError",
    "ExportError",
    "LabelStudioAuthError",
    "LabelStudioError",
    "LabelStudioNotFound",
    "LabelStudioTooLarge",
    "LabelStudioUnavailable",
    "ModelError",
    "NoGoldRecordsError",
    "PreannotationError",
    "QuotegoldError",
    "SchemaChangeError",
    "SchemaError",
    "ServerError",
    "SettingsError",
    "ValidationError",
    "__version__",
]
