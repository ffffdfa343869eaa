"""The typed dicts of report.json hold the keys the export and the agreement give them."""

from __future__ import annotations

from dataclasses import asdict, fields

from quotegold.dataset.reportfile import (
    AgreementFigures,
    ConflictEntry,
    ExportReport,
    ProblemEntry,
    conflict_entry,
)
from quotegold.errors import Location
from quotegold.gold.adjudicate import Conflict
from quotegold.measure.agreement import AgreementCounter
from quotegold.workflows.export import ExportOptions, GoldBuild, build_report


def test_the_report_has_the_typed_keys() -> None:
    report = build_report(GoldBuild(), source={"file": "x.json"}, options=ExportOptions(name="n"))
    assert set(report) == ExportReport.__required_keys__
    assert set(report["counts"]) == {
        "tasks",
        "gold",
        "conflict",
        "invalid",
        "unannotated",
        "skipped",
    }


def test_a_problem_entry_holds_the_fields_of_a_location() -> None:
    located = {field.name for field in fields(Location)}
    assert ProblemEntry.__optional_keys__ == located
    assert ProblemEntry.__required_keys__ == {"message"}


def test_a_conflict_entry_is_the_conflict_as_json_with_its_link() -> None:
    conflict = Conflict(7, "a1", (1, 2), (3, "b@example.org"), ("QUOTE 0-4 only in annotation 1",))
    entry = conflict_entry(conflict, "http://ls/projects/1?task=7")
    assert entry == {**asdict(conflict), "link": "http://ls/projects/1?task=7"}
    assert list(entry) == list(asdict(conflict))
    assert set(entry) == ConflictEntry.__required_keys__


def test_the_agreement_figures_have_the_typed_keys() -> None:
    figures = AgreementCounter().result().to_dict()
    assert set(figures) == AgreementFigures.__required_keys__
