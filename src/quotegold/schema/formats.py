"""Constants of quotegold's formats: the names every stage shares for the same thing.

They describe the data, not one step of it, so they live with the schema: the control names
of the Label Studio config, the task data field that keys idempotent pushes, where each
label's regions sit in a gold record, and how the parts of a split quote are joined.
"""

from __future__ import annotations

import hashlib
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
