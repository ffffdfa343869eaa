"""Choosing the gold annotation of a task: ground truth, agreement, conflicts, skips."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from quotegold.errors import QuotegoldError
from quotegold.gold.adjudicate import Conflict, choose_annotation, describe_differences
from quotegold.gold.convert import ProjectRef, annotation_to_record

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[int, dict[str, Any]]:
    tasks = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return {task["id"]: task for task in tasks}


TASKS = load("export_annotators.json")

STATUSES = [
    # task, strategy, status, chosen annotation, provenance annotation ids, annotator ids
    (201, "default", "gold", 12, [12, 11], [2, 1]),  # agree: latest wins, both listed
    (202, "default", "conflict", None, None, None),
    (203, "default", "gold", 31, [31], [1]),  # ground truth beats a later disagreeing one
    (204, "default", "skipped", None, None, None),
    (205, "default", "unannotated", None, None, None),  # drafts and predictions only
    (206, "default", "gold", 62, [62], [1]),  # a later skip does not count
    (207, "default", "conflict", None, None, None),  # two ground truths that disagree
    (201, "latest", "gold", 12, [12], [2]),
    (202, "latest", "gold", 22, [22], [2]),
    (203, "latest", "gold", 32, [32], [2]),
    (204, "latest", "skipped", None, None, None),
    (206, "latest", "gold", 62, [62], [1]),
]


@pytest.mark.parametrize(
    ("task_id", "strategy", "status", "chosen", "annotation_ids", "annotator_ids"), STATUSES
)
def test_status_of_each_task(
    task_id: int,
    strategy: str,
    status: str,
    chosen: int | None,
    annotation_ids: list[int] | None,
    annotator_ids: list[int] | None,
) -> None:
    choice = choose_annotation(TASKS[task_id], strategy=strategy)
    assert choice.status == status
    assert choice.annotation_id == chosen
    assert choice.issues == []
    if annotation_ids is None:
        assert choice.record is None
        return
    assert choice.record is not None
    provenance = choice.record["provenance"]
    assert (provenance["annotation_ids"], provenance["annotator_ids"]) == (
        annotation_ids,
        annotator_ids,
    )


def test_agreeing_annotations_keep_the_latest_region_ids() -> None:
    choice = choose_annotation(TASKS[201], project=ProjectRef(id=3, title="SCO"))
    assert choice.record is not None
    assert [speaker["id"] for speaker in choice.record["speakers"]] == ["Xk3_s"]
    assert choice.record["quotes"][0]["speaker_id"] == "Xk3_s"
    assert choice.record["provenance"]["project_title"] == "SCO"
    assert choice.record["provenance"]["updated_at"] == "2024-05-04T10:00:00.000000Z"


def test_conflict_says_what_differs() -> None:
    choice = choose_annotation(TASKS[202])
    assert choice.conflict == Conflict(
        task_id=202,
        article_id="art-disagree",
        annotation_ids=(22, 21),
        annotator_ids=(2, 1),
        differences=(
            "stance of QUOTE 13-46: support (22) vs oppose (21)",
            "CUE 58-62 only in annotation 21",
        ),
    )
    assert str(choice.conflict).splitlines()[0] == (
        "task 202 (article art-disagree): annotations 22, 21 disagree"
    )


def test_two_ground_truths_that_disagree_are_a_conflict() -> None:
    choice = choose_annotation(TASKS[207])
    assert choice.conflict is not None
    assert choice.conflict.differences == ("name of SPEAKER 0-5: Singh (72) vs Rajnath Singh (71)",)


def test_two_agreeing_ground_truths_are_merged() -> None:
    task = copy.deepcopy(TASKS[201])
    for annotation in task["annotations"]:
        annotation["ground_truth"] = True
    choice = choose_annotation(task)
    assert choice.status == "gold"
    assert choice.record is not None
    assert choice.record["provenance"]["annotation_ids"] == [12, 11]


def test_relation_only_in_one_annotation_is_a_difference() -> None:
    task = copy.deepcopy(TASKS[201])
    task["annotations"][1]["result"] = [
        item for item in task["annotations"][1]["result"] if item.get("labels") != ["cued_by"]
    ]
    choice = choose_annotation(task)
    assert choice.conflict is not None
    assert choice.conflict.differences == ("cued_by QUOTE 13-46 → CUE 6-10 only in annotation 11",)


def test_broken_annotation_makes_the_task_invalid() -> None:
    task = load("export_broken.json")[305]
    choice = choose_annotation(task)
    assert (choice.status, choice.annotation_id, choice.record) == ("invalid", 3050, None)
    assert choice.issues[0].location.region == "bq"


def test_one_broken_annotation_among_agreeing_ones_is_invalid() -> None:
    task = copy.deepcopy(TASKS[201])
    task["annotations"][0]["result"][0]["value"]["start"] = 1
    choice = choose_annotation(task)
    assert (choice.status, choice.annotation_id) == ("invalid", None)
    assert [issue.location.annotation for issue in choice.issues] == [11]


def test_ground_truth_hides_a_broken_annotation() -> None:
    task = copy.deepcopy(TASKS[201])
    task["annotations"][0]["result"][0]["value"]["start"] = 1
    task["annotations"][1]["ground_truth"] = True
    assert choose_annotation(task).status == "gold"


def test_drafts_and_predictions_never_count() -> None:
    task = load("export_full.json")[101]
    choice = choose_annotation(task)
    assert choice.status == "gold"
    assert choice.record is not None
    ids = {
        region["id"] for name in ("speakers", "cues", "quotes") for region in choice.record[name]
    }
    assert not ids & {"d1", "p1"}


@pytest.mark.parametrize("annotations", [{"id": 1}, [1, 2], "x"])
def test_annotations_that_are_not_a_list_of_objects(annotations: Any) -> None:
    choice = choose_annotation({"id": 5, "data": {}, "annotations": annotations})
    assert choice.status == "invalid"
    assert choice.issues[0].location.task == 5


def test_task_without_annotations_key_is_unannotated() -> None:
    assert choose_annotation({"id": 5, "data": {}}).status == "unannotated"


def test_unknown_strategy_is_a_clear_error() -> None:
    with pytest.raises(QuotegoldError, match="unknown strategy 'vote'; use one of default, latest"):
        choose_annotation(TASKS[201], strategy="vote")


def test_missing_or_odd_timestamps_fall_back_to_the_annotation_id() -> None:
    task = copy.deepcopy(TASKS[202])
    for annotation, updated in zip(task["annotations"], ["yesterday", None], strict=True):
        annotation["updated_at"], annotation["created_at"] = updated, None
    assert choose_annotation(task, strategy="latest").annotation_id == 22


def test_describe_differences_is_empty_when_records_agree() -> None:
    task = TASKS[201]
    records = {}
    for annotation in task["annotations"]:
        record, _ = annotation_to_record(task, annotation)
        assert record is not None
        records[annotation["id"]] = record
    assert describe_differences(records) == []
