"""What the Label Studio boundary hands out: plain, typed records, never SDK objects."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Project:
    """A Label Studio project as quotegold needs it."""

    id: int
    title: str
    label_config: str
    url: str
    # How many people annotate each task (Label Studio's `maximum_annotations`), and the
    # share of tasks that get that many (`overlap_cohort_percentage`; the others get one).
    annotators_per_task: int = 1
    overlap_percentage: int = 100
    # The instructions annotators are shown (Label Studio's `expert_instruction`).
    instructions: str = ""


@dataclass(frozen=True)
class User:
    """A member of the Label Studio organisation."""

    id: int
    email: str
    username: str


@dataclass(frozen=True)
class StoredArticle:
    """A task holding an article: its id, key and text hash as stored (`key` None for a task
    pushed before keys were kept; `text_hash` then computed from its text), and how many
    annotations it has."""

    task_id: int
    article_id: str
    key: str | None
    text_hash: str
    annotations: int


@dataclass(frozen=True)
class StoredPrediction:
    """A prediction stored on a task, without its result."""

    id: int
    task_id: int
    model_version: str | None
    score: float | None


@dataclass(frozen=True)
class ProjectSync:
    """What `ensure_project` did."""

    project: Project
    created: bool
    config_updated: bool
    overlap_updated: bool = False


@dataclass(frozen=True)
class Annotator:
    """A user and an API key that acts as them: what they submit is `completed_by` them."""

    id: int
    email: str
    api_key: str = field(repr=False)
