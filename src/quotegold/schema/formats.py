"""Constants of quotegold's formats: the names every stage shares for the same thing.

They describe the data, not one step of it, so they live with the schema: the control names
of the Label Studio config, the task data field that keys idempotent pushes, where each
label's regions sit in a gold record, and how the parts of a split quote are joined.
"""

from __future__ import annotations

from typing import Final

# Control names in the Label Studio config; results carry them as `from_name`/`to_name`.
TEXT_NAME = "text"
LABELS_NAME = "label"

# The task data field holding quotegold's article id: the key that makes pushes idempotent
# (Label Studio reuses its own task ids, so they are never keys). Final, so that a typed
# dict of a task's data (`quotegold.gold.model.TaskData`) takes it as a key.
ARTICLE_ID_FIELD: Final = "article_id"

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
