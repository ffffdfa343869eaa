"""Licences: the Hub's licence ids, the check of `--license`, and each article's own licence.

An article may carry a `license` (a field of its JSONL line, kept through push and export in
its gold record's `meta`). The dataset's licence is `--license` when given; otherwise every
licence of its articles (one id, or a list the Hub shows as several), with `unknown` for
articles that gave none. The card lists every licence with its article count either way.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from quotegold.errors import ExportError

__all__ = [
    "HUB_LICENSES",
    "NEEDS_ATTRIBUTION",
    "UNKNOWN",
    "article_licence",
    "check_article_licences",
    "check_license",
    "dataset_licence",
]

UNKNOWN = "unknown"

# The licence ids the Hugging Face Hub knows (https://huggingface.co/docs/hub/repositories-licenses).
HUB_LICENSES: frozenset[str] = frozenset(
    (
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openmdw-1.0",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    )
)

# Licences whose text must be credited wherever it is copied.
NEEDS_ATTRIBUTION = ("cc-by", "odc-by")


def _suggest(value: str) -> str:
    close = difflib.get_close_matches(value.lower().replace(" ", "-"), sorted(HUB_LICENSES), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def check_license(license: str | None, *, name: str | None, link: str | None) -> None:
    """`ExportError` unless `license` is None or one of the Hub's ids; `other` needs a name
    and a link to its text, as the Hub asks."""
    if license is None:
        return
    if license not in HUB_LICENSES:
        raise ExportError(
            f"--license {license!r} is not a Hugging Face licence id{_suggest(license)}; use one "
            "of https://huggingface.co/docs/hub/repositories-licenses (e.g. cc-by-4.0), or "
            "`other` with --license-name and --license-link."
        )
    if license == "other" and not ((name or "").strip() and (link or "").strip()):
        raise ExportError(
            "--license other needs --license-name (a short id, e.g. my-licence) and "
            "--license-link (where its text is); or give a Hub licence id."
        )


def article_licence(meta: Mapping[str, object]) -> str:
    """An article's licence id from its record's meta; `unknown` when it gave none."""
    value = meta.get("license")
    return value.strip() if isinstance(value, str) and value.strip() else UNKNOWN


def check_article_licences(found: Mapping[str, str]) -> None:
    """`ExportError` naming the articles (id → licence) whose licence is not a Hub id."""
    wrong = {article: value for article, value in found.items() if value not in HUB_LICENSES}
    if wrong:
        shown = ", ".join(f"{article} ({value!r})" for article, value in sorted(wrong.items())[:5])
        raise ExportError(
            f"{len(wrong)} article(s) give a licence that is not a Hugging Face licence id: "
            f"{shown}; write their `license` as a Hub id (e.g. cc-by-2.5) in their JSONL and "
            "gold records, or pass --license for the whole dataset."
        )


def dataset_licence(license: str | None, counts: Mapping[str, int]) -> str | list[str]:
    """The card's `license`: `license` when given, else the articles' licences (one id, or
    the sorted list of them)."""
    if license is not None:
        return license
    found = sorted(counts)
    return found[0] if len(found) == 1 else found or UNKNOWN


def needs_attribution(license: str) -> bool:
    return license.startswith(NEEDS_ATTRIBUTION)
