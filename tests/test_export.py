"""Export end to end against a real Label Studio: push, annotate through the API, export, load."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import datasets
import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article, read_articles
from quotegold.cli.main import app
from quotegold.errors import LabelStudioNotFound, ValidationError
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.client import EXPORT_SLICE, WHOLE_EXPORT_MAX
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.labelconfig import render_label_config
from quotegold.schema.projectfile import read_project_file
from quotegold.workflows.export import ExportOptions, export_project
from quotegold.workflows.push import gold_annotations, push_articles

ROOT = Path(__file__).parents[1]
SEEDS = ROOT / "tasks" / "seeds"
SEED_GOLD = ROOT / "tasks" / "gold" / "seeds.jsonl"
# The seed gold was annotated with the demo's own stance targets.
DEMO_CONFIG = SEEDS / "quotegold.toml"
DEMO = read_project_file(DEMO_CONFIG).schema
FIXTURES = Path(__file__).parent / "fixtures"

# Astral emoji, a flag, Devanagari and Chinese before every span: UTF-16 offsets would differ.
ASTRAL = "🇮🇳😀 नमस्ते 你好. Minister Singh said “We must fight together.” Talks went well."


def without_provenance(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "provenance"}


def read_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return {record["id"]: record for record in records}


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def ui_result(text: str, *, stance: str) -> list[dict[str, Any]]:
    """A result the way the Label Studio editor stores it: random ids, one item per control,
    attributes repeating the region's offsets, a relation drawn backwards with no label."""
    quote = "We must fight together."
    q_start = text.index(quote)
    s_start = text.index("Minister Singh")
    c_start = text.index("said")

    def item(rid: str, name: str, kind: str, start: int, end: int, **value: Any) -> dict[str, Any]:
        return {
            "id": rid,
            "from_name": name,
            "to_name": "text",
            "type": kind,
            "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], **value},
        }

    q_end, s_end, c_end = q_start + len(quote), s_start + len("Minister Singh"), c_start + 4
    return [
        item("Xq7_kP2", "label", "labels", q_start, q_end, labels=["QUOTE"]),
        item("Xq7_kP2", "quote_type", "choices", q_start, q_end, choices=["direct"]),
        item("Xq7_kP2", "stance", "choices", q_start, q_end, choices=[stance]),
        item("Xq7_kP2", "stance_target", "choices", q_start, q_end, choices=["other"]),
        item("aB3-sp9", "label", "labels", s_start, s_end, labels=["SPEAKER"]),
        item("aB3-sp9", "speaker_name", "textarea", s_start, s_end, text=["Rajnath Singh"]),
        item("aB3-sp9", "speaker_kind", "choices", s_start, s_end, choices=["person"]),
        item("zC1cue0", "label", "labels", c_start, c_end, labels=["CUE"]),
        # drawn from the speaker to the quote, with no label: resolved by the ends' labels
        {"type": "relation", "from_id": "aB3-sp9", "to_id": "Xq7_kP2", "direction": "left"},
        {"type": "relation", "from_id": "Xq7_kP2", "to_id": "zC1cue0", "direction": "bi"},
    ]


def test_seed_gold_round_trips_and_loads(
    client: LabelStudioClient, title: str, tmp_path: Path, hf_offline: Path
) -> None:
    articles = read_articles([SEEDS]).articles
    pushed = push_articles(
        client,
        articles,
        project_title=title,
        task_extras=gold_annotations(SEED_GOLD, schema=DEMO),
        schema=DEMO,
    )
    out = tmp_path / "seeds"
    summary, report = export_project(client, title, out=out, options=ExportOptions(name="seeds"))

    assert report["counts"]["gold"] == 2 and report["problems"] == []
    exported, committed = read_jsonl(out / "gold.jsonl"), read_jsonl(SEED_GOLD)
    assert {k: without_provenance(v) for k, v in exported.items()} == {
        k: without_provenance(v) for k, v in committed.items()
    }
    provenance = next(iter(exported.values()))["provenance"]
    assert provenance["project_id"] == pushed.project.id
    assert provenance["project_title"] == title
    assert provenance["task_id"] in pushed.task_ids

    loaded = {
        config: datasets.load_dataset(str(out), config, cache_dir=str(hf_offline))
        for config in ("articles", "quotes", "tokens")
    }
    quotes = [row for split in loaded["quotes"].values() for row in split]
    assert len(quotes) == summary.quotes == sum(len(r["quotes"]) for r in committed.values())
    texts = {r["id"]: r["text"] for r in committed.values()}
    for row in quotes:
        for span in row["spans"]:
            assert texts[row["article_id"]][span["start"] : span["end"]] == span["text"]
    tokens = [row for split in loaded["tokens"].values() for row in split]
    assert {row["id"] for row in tokens} == set(texts)


def test_ui_shaped_annotation_on_astral_text(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    pushed = push_articles(client, [Article(id="astral", text=ASTRAL)], project_title=title)
    client.create_annotation(pushed.task_ids[0], ui_result(ASTRAL, stance="support"))
    export_project(client, title, out=tmp_path / "astral", options=ExportOptions(name="astral"))

    record = read_jsonl(tmp_path / "astral" / "gold.jsonl")["astral"]
    (quote,) = record["quotes"]
    (speaker,) = record["speakers"]
    assert quote["spans"][0]["text"] == "We must fight together."
    assert ASTRAL[quote["spans"][0]["start"] : quote["spans"][0]["end"]] == quote["text"]
    assert ASTRAL[speaker["start"] : speaker["end"]] == "Minister Singh"
    assert quote["speaker_id"] == speaker["id"] and speaker["name"] == "Rajnath Singh"
    assert quote["cue_id"] == record["cues"][0]["id"]
    assert quote["stance"] == "support"


def test_conflict_is_reported_then_adjudicated(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    articles = [Article(id="disputed", text=ASTRAL), Article(id="plain", text=ASTRAL + " Yes.")]
    pushed = push_articles(client, articles, project_title=title)
    disputed, plain = pushed.task_ids
    client.create_annotation(plain, ui_result(articles[1].text, stance="neutral"))
    client.create_annotation(disputed, ui_result(ASTRAL, stance="support"))
    oppose = client.create_annotation(disputed, ui_result(ASTRAL, stance="oppose"))
    out = tmp_path / "conflict"

    _, report = export_project(client, title, out=out, options=ExportOptions(name="c"))
    (conflict,) = report["conflicts"]
    assert conflict["task_id"] == disputed
    assert conflict["link"] == f"{client.url}/projects/{pushed.project.id}/data?task={disputed}"
    assert any("support" in d and "oppose" in d for d in conflict["differences"])
    assert set(read_jsonl(out / "gold.jsonl")) == {"plain"}

    client.set_ground_truth(oppose)
    _, report = export_project(client, title, out=out, options=ExportOptions(name="c"))
    assert report["conflicts"] == []
    gold = read_jsonl(out / "gold.jsonl")
    assert gold["disputed"]["quotes"][0]["stance"] == "oppose"
    assert gold["disputed"]["provenance"]["annotation_ids"] == [oppose]


def test_skips_and_shifted_spans_never_reach_the_data(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    articles = [Article(id=name, text=ASTRAL) for name in ("good", "skipped", "shifted")]
    good, skipped, shifted = push_articles(client, articles, project_title=title).task_ids
    client.create_annotation(good, ui_result(ASTRAL, stance="support"))
    client.create_annotation(skipped, [], was_cancelled=True)
    broken = ui_result(ASTRAL, stance="support")
    for item in broken[:4]:  # the quote's items, shifted by one code point
        item["value"]["start"] += 1
        item["value"]["end"] += 1
    bad_annotation = client.create_annotation(shifted, broken)
    out = tmp_path / "mixed"

    _, report = export_project(client, title, out=out, options=ExportOptions(name="m"))
    assert set(read_jsonl(out / "gold.jsonl")) == {"good"}
    counts = report["counts"]
    assert (counts["gold"], counts["skipped"], counts["invalid"]) == (1, 1, 1)
    (rejected,) = report["rejected"]
    assert rejected["task"] == shifted and rejected["article_id"] == "shifted"
    problem = report["problems"][0]
    assert (problem["task"], problem["annotation"], problem["region"]) == (
        shifted,
        bad_annotation,
        "Xq7_kP2",
    )

    before = folder_digest(out)
    with pytest.raises(ValidationError, match="Xq7_kP2"):
        export_project(client, title, out=out, options=ExportOptions(name="m", strict=True))
    with pytest.raises(LabelStudioNotFound, match="no project titled"):
        export_project(client, "no such project", out=out, options=ExportOptions(name="m"))
    assert folder_digest(out) == before


runner = CliRunner()


def test_cli_export_from_file_and_broken_file(tmp_path: Path) -> None:
    out = tmp_path / "from-file"
    ok = runner.invoke(
        app, ["export", "--from-file", str(FIXTURES / "export_full.json"), "--out", str(out)]
    )
    assert ok.exit_code == 0, ok.stderr
    assert (out / "README.md").is_file() and (out / "report.json").is_file()
    before = folder_digest(out)

    broken = runner.invoke(
        app, ["export", "--from-file", str(FIXTURES / "truncated.json"), "--out", str(out)]
    )
    assert broken.exit_code == 1
    assert "truncated.json" in broken.stderr and "line" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert folder_digest(out) == before


def test_cli_validate(tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", str(SEED_GOLD), "--config", str(DEMO_CONFIG)])
    assert good.exit_code == 0, good.stderr
    assert "2 record(s), no problems" in good.stdout
    # Without the demo's file the built-in schema is not the one the records were made with:
    # one line says so and how to pass it, instead of one complaint per target.
    other = runner.invoke(app, ["validate", str(SEED_GOLD)])
    assert other.exit_code == 1
    (line,) = other.stderr.strip().splitlines()[1:]
    assert f"2 record(s) were made with schema {DEMO.version}" in line
    assert "pass --config" in line and f"{SEED_GOLD}:1:" in line
    bad = runner.invoke(app, ["validate", str(FIXTURES / "export_broken.json")])
    assert bad.exit_code == 1
    assert "task 305" in bad.stderr and "Traceback" not in bad.stderr


class SlicingClient(LabelStudioClient):
    """Downloads the project export 3 tasks at a time, as a large project is."""

    def download_export(self, project_id: int, destination: Path, **options: Any) -> int:
        return super().download_export(project_id, destination, slice_size=3, whole_up_to=0)


def test_a_project_downloaded_in_slices_exports_the_same(
    client: LabelStudioClient, label_studio: Any, title: str, tmp_path: Path
) -> None:
    plain = [Article(id=f"plain-{n}", text=f"Plain article {n} 😀 नमस्ते.") for n in range(6)]
    articles = [*read_articles([SEEDS]).articles, *plain]
    pushed = push_articles(
        client,
        articles,
        project_title=title,
        task_extras=gold_annotations(SEED_GOLD, schema=DEMO),
        schema=DEMO,
    )
    whole, sliced = tmp_path / "whole.json", tmp_path / "sliced.json"
    assert client.task_count(pushed.project.id) <= WHOLE_EXPORT_MAX
    client.download_export(pushed.project.id, whole)  # small enough to come whole
    for size in (1, 3, 7):  # every task its own slice; slices of 3; all but one in the first
        client.download_export(pushed.project.id, sliced, slice_size=size, whole_up_to=0)
        got = json.loads(sliced.read_text(encoding="utf-8"))
        expected = json.loads(whole.read_text(encoding="utf-8"))
        assert len(got) == len(articles)
        assert sorted(got, key=lambda t: t["id"]) == sorted(expected, key=lambda t: t["id"])
    assert not list(tmp_path.glob("*.slice")), "the slice file is removed"

    options = ExportOptions(name="sliced")
    export_project(client, title, out=tmp_path / "one", options=options)
    with SlicingClient(url=label_studio.url, api_key=label_studio.api_key) as slicing:
        export_project(slicing, title, out=tmp_path / "sliced", options=options)
    assert read_jsonl(tmp_path / "sliced" / "gold.jsonl") == read_jsonl(
        tmp_path / "one" / "gold.jsonl"
    )


def test_the_default_slice_is_one_label_studio_accepts(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    # Django refuses more than 1,000 query parameters: a slice of ids must stay under that.
    project = client.ensure_project(
        title, label_config=render_label_config(SCHEMA), instructions="", description=""
    ).project
    count = EXPORT_SLICE + 2
    tasks = [{"data": {"article_id": f"a{n}", "text": f"Text {n}."}} for n in range(count)]
    client.import_tasks(project.id, tasks)
    client.download_export(project.id, tmp_path / "export.json", whole_up_to=0)
    exported = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert sorted(task["data"]["article_id"] for task in exported) == sorted(
        task["data"]["article_id"] for task in tasks
    )
