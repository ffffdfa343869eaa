"""Constants of quotegold's formats: the names every stage shares for the same thing.

They describe the data, not one step of it, so they live with the schema: the control names
of the Label Studio config, the task data field that keys idempotent pushes, where each
label's regions sit in a gold record, how the parts of a split quote are joined, and the one
rule for control characters in every field.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

# Control names in the Label Studio config; results carry them as `from_name`/`to_name`.
TEXT_NAME = "text"
LABELS_NAME = "label"

# The task data field holding quotegold's article id: the key that makes pushes idempotent
# (Label Studio reuses its own task ids, so they are never keys). Final, so that a typed
# dict of a task's data (`quotegold.gold.model.TaskData`) takes it as a key.
ARTICLE_ID_FIELD: Final = "article_id"

# A short, fixed-length key of the article id (`quotegold.articles.tasks.article_key`), kept
# beside it so that a lookup by id costs the same however long the ids are, and a hash of
# the article text, so that a changed article is told from the one already there.
ARTICLE_KEY_FIELD: Final = "article_key"
TEXT_HASH_FIELD: Final = "text_hash"

# The longest article id accepted at ingest, in characters (ids are kept whole in the task
# data and the dataset; the lookups use the fixed-length key).
MAX_ID_LENGTH = 2000


def article_key(article_id: str) -> str:
    """The short, stable key of an article id kept in its task's data: 16 hex digits of the
    SHA-256 of the id. Looking ids up by key keeps every request the same size, whatever
    their length (a lookup by the ids themselves grows past what a URL can hold)."""
    return hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]


def text_hash(text: str) -> str:
    """The hash of an article text kept in its task's data: tells a changed article apart."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# How the parts of a quote split by its attribution are joined in the quote's `text`.
JOINER = " … "

# Where each schema label's regions sit in a gold record.
LAYER_KEYS: dict[str, str] = {
    "SPEAKER": "speakers",
    "CUE": "cues",
    "QUOTE": "quotes",
    "INITIATIVE": "initiatives",
}

# The field of a region that holds each schema attribute.
ATTRIBUTE_FIELDS: dict[str, str] = {
    "quote_type": "quote_type",
    "stance": "stance",
    "stance_target": "stance_target",
    "no_speaker": "no_speaker",
    "speaker_name": "name",
    "speaker_kind": "kind",
    "initiative_status": "status",
}


# C0 and C1 control characters other than tab and newline (CR is turned into LF first).
# Label Studio renders them badly and they have no business in news text. One rule for every
# field: in an article's text each is replaced by a space, one for one, so offsets stay the
# same; from short metadata (title, url, source, published, speaker names) they are removed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The task data field counting the control characters replaced in its text.
CONTROLS_REPLACED_FIELD: Final = "control_chars_replaced"


def replace_controls(text: str) -> tuple[str, int]:
    """`text` with each control character replaced by a space, and how many were."""
    return CONTROL_CHARACTERS.subn(" ", text)


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and newline kept): for metadata and names."""
    return CONTROL_CHARACTERS.sub("", text)
