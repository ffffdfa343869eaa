"""The model folder: the CRF files, `model.json` (name, version, settings, training data with
hashes, scores) and a card (`README.md`) for people.

    models/NAME/
        main.crfsuite          SPEAKER, CUE and QUOTE tags
        initiative.crfsuite    INITIATIVE tags (only when the gold had enough initiatives)
        model.json             what `ModelInfo` holds
        README.md              the card: training data, licence, scores

The model's version, `quotegold-model-NAME-<hash>`, hashes the CRF files and the settings,
so two different models never share a `model_version`. Reading a folder that is missing,
incomplete or damaged raises one `ModelError` saying which file and what to do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quotegold.errors import ModelError

__all__ = [
    "INFO_FILE",
    "INITIATIVE_FILE",
    "MAIN_FILE",
    "MODEL_PREFIX",
    "ModelInfo",
    "model_hash",
    "read_info",
    "write_card",
    "write_info",
]

MODEL_PREFIX = "quotegold-model-"
MAIN_FILE = "main.crfsuite"
INITIATIVE_FILE = "initiative.crfsuite"
INFO_FILE = "model.json"
CARD_FILE = "README.md"
FORMAT = 1


@dataclass
class ModelInfo:
    """What `model.json` holds."""

    name: str
    model_version: str
    settings: dict[str, Any]
    data: list[dict[str, Any]]  # file, sha256, records
    initiatives: bool
    scores: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)  # seconds, iterations, articles
    licence: str = "the licence of the training data"
    format: int = FORMAT


def model_hash(folder: Path, settings: dict[str, Any]) -> str:
    """Eight hex digits over the CRF files and the settings."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for name in (MAIN_FILE, INITIATIVE_FILE):
        path = folder / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def write_info(folder: Path, info: ModelInfo) -> None:
    (folder / INFO_FILE).write_text(
        json.dumps(asdict(info), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _problem(folder: Path, what: str) -> ModelError:
    return ModelError(
        f"model folder {folder}: {what}; give the folder `quotegold train … --out {folder}` "
        "wrote (or train it again)"
    )


def read_info(folder: Path) -> ModelInfo:
    """Read and check a model folder's `model.json` and that its CRF files are there."""
    if not folder.is_dir():
        raise _problem(folder, "no such folder")
    path = folder / INFO_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _problem(folder, f"{INFO_FILE} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _problem(folder, f"{INFO_FILE} cannot be read ({exc})") from None
    try:
        info = ModelInfo(**raw)
    except TypeError as exc:
        raise _problem(
            folder, f"{INFO_FILE} is not a quotegold model description ({exc})"
        ) from None
    if info.format != FORMAT or not str(info.model_version).startswith(MODEL_PREFIX):
        raise _problem(folder, f"{INFO_FILE} has format {info.format!r}, not {FORMAT}")
    needed = [MAIN_FILE] + ([INITIATIVE_FILE] if info.initiatives else [])
    for name in needed:
        if not (folder / name).is_file():
            raise _problem(folder, f"{name} is missing")
    return info


def write_card(folder: Path, info: ModelInfo) -> None:
    """The model's card: what it is, what it was trained on, how it scored."""
    lines = [
        f"# {info.model_version}",
        "",
        "A quotegold pre-annotator: a linear-chain CRF (CRFsuite) over spaCy's blank English "
        "tokens, with the rule pre-annotator's tags among its features. It tags SPEAKER, CUE "
        "and QUOTE spans"
        + (" and INITIATIVE spans" if info.initiatives else " (initiatives come from the rules)")
        + "; links, names, quote types and stance are set by rules over the tagged spans.",
        "",
        "## Training data",
        "",
        *[
            f"- `{d['file']}`: {d['records']} record(s), sha256 `{d['sha256'][:16]}…`"
            for d in info.data
        ],
        "",
        f"Licence: {info.licence}.",
        "",
        "## Settings",
        "",
        *[f"- {key}: {value}" for key, value in sorted(info.settings.items())],
        "",
        "## Training",
        "",
        *[f"- {key}: {value}" for key, value in sorted(info.training.items())],
        "",
    ]
    if info.scores:
        lines += ["## Scores", "", "```json", json.dumps(info.scores, indent=2), "```", ""]
    (folder / CARD_FILE).write_text("\n".join(lines), encoding="utf-8")
