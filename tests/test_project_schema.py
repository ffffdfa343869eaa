"""A project's own schema through a real Label Studio: quotegold.toml -> push -> the labelling
screen -> annotations as the UI stores them -> export (ClassLabel, card, schema.json); a refused
config change; an export after the local file moved on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import datasets
import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article
from quotegold.cli.main import app
from quotegold.errors import SchemaChangeError
from quotegold.labelstudio import LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.schema.projectfile import read_project_file
from quotegold.workflows.projectschema import project_schema, sync_project
from quotegold.workflows.push import push_articles

pytestmark = pytest.mark.integration

TEXT = "Minister Okafor said “We support the carbon tax.” Critics disagreed."
QUOTE = "We support the carbon tax."

CLIMATE_TOML = """\
[schema]
stance_targets = [
  "climate_policy",
  { value = "carbon_tax", hint = "taxes or prices on carbon emissions", keywords = ["carbon tax"] },
]

[dataset]
license = "cc-by-4.0"
"""


def ui_result(target: str) -> list[dict[str, Any]]:
    """One quote, its speaker and cue, the way the Label Studio editor stores them."""
    q_start, s_start, c_start = TEXT.index(QUOTE), TEXT.index("Minister Okafor"), TEXT.index("said")
    spans = {
        "q1": (q_start, q_start + len(QUOTE)),
        "s1": (s_start, s_start + len("Minister Okafor")),
        "c1": (c_start, c_start + 4),
    }

    def item(rid: str, name: str, kind: str, **value: Any) -> dict[str, Any]:
        start, end = spans[rid]
        return {
            "id": rid,
            "from_name": name,
            "to_name": "text",
            "type": kind,
            "origin": "manual",
            "value": {"start": start, "end": end, "text": TEXT[start:end], **value},
        }

    return [
        item("q1", "label", "labels", labels=["QUOTE"]),
        item("q1", "quote_type", "choices", choices=["direct"]),
        item("q1", "stance", "choices", choices=["support"]),
        item("q1", "stance_target", "choices", choices=[target]),
        item("s1", "label", "labels", labels=["SPEAKER"]),
        item("s1", "speaker_name", "textarea", text=["Ada Okafor"]),
        item("s1", "speaker_kind", "choices", choices=["person"]),
        item("c1", "label", "labels", labels=["CUE"]),
        {"type": "relation", "from_id": "s1", "to_id": "q1", "direction": "left"},
        {"type": "relation", "from_id": "q1", "to_id": "c1", "direction": "right"},
    ]


def offered(config: str, name: str) -> list[str]:
    """The values the labelling screen offers for the control `name`."""
    root = ET.fromstring(config)
    (control,) = [node for node in root.iter("Choices") if node.get("name") == name]
    return [str(choice.get("value")) for choice in control.iter("Choice")]


def server_flags(server: ServerInfo) -> list[str]:
    return ["--url", server.url, "--api-key", server.api_key]


def cli(args: list[str]) -> Any:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def quote_rows(out: Path, cache: Path) -> tuple[datasets.Features, list[dict[str, Any]]]:
    loaded = datasets.load_dataset(str(out), "quotes", cache_dir=str(cache))
    rows = [row for split in loaded.values() for row in split]
    return next(iter(loaded.values())).features, rows


def test_custom_targets_from_an_empty_folder_to_class_names(
    label_studio: ServerInfo,
    client: LabelStudioClient,
    title: str,
    tmp_path: Path,
    hf_offline: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "newsroom"
    work.mkdir()
    (work / "quotegold.toml").write_text(CLIMATE_TOML, "utf-8")
    (work / "okafor.txt").write_text(TEXT, "utf-8")
    monkeypatch.chdir(work)

    cli(["push", "okafor.txt", "--project", title, *server_flags(label_studio)])
    project = client.require_project(title)
    assert offered(project.label_config, "stance_target") == [
        "climate_policy",
        "carbon_tax",
        "other",
    ]
    raw = client._sdk.projects.get(project.id)
    assert "taxes or prices on carbon emissions" in (raw.expert_instruction or "")
    # The pre-annotator proposed the project's own target from its keywords.
    (task,) = client.iter_tasks(project.id)
    predicted = [
        item["value"]["choices"]
        for prediction in task["predictions"]
        for item in prediction["result"]
        if item.get("from_name") == "stance_target"
    ]
    assert predicted == [["carbon_tax"]]

    client.create_annotation(task["id"], ui_result("carbon_tax"))
    cli(["export", "--project", title, "--out", "out", *server_flags(label_studio)])

    features, rows = quote_rows(work / "out", hf_offline)
    target = features["stance_target"]
    assert isinstance(target, datasets.ClassLabel)
    assert target.names == ["climate_policy", "carbon_tax", "other"]
    (row,) = rows
    assert target.int2str(row["stance_target"]) == "carbon_tax"
    card = (work / "out" / "README.md").read_text("utf-8")
    assert "carbon_tax" in card and "climate_policy" in card and "cc-by-4.0" in card
    stored = json.loads((work / "out" / "schema.json").read_text("utf-8"))
    assert "carbon_tax" in json.dumps(stored)
    assert (work / "out" / "gold_record.schema.json").is_file()
    # The export folder validates later without a server, against the schema it holds.
    cli(["validate", str(work / "out" / "gold.jsonl")])


def test_a_config_that_drops_a_used_value_is_refused_and_nothing_changes(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    toml = tmp_path / "quotegold.toml"
    toml.write_text(CLIMATE_TOML, "utf-8")
    schema = read_project_file(toml).schema
    pushed = push_articles(
        client, [Article(id="okafor", text=TEXT)], project_title=title, schema=schema
    )
    client.create_annotation(pushed.task_ids[0], ui_result("carbon_tax"))

    # Adding a target to a project with annotations works.
    toml.write_text(CLIMATE_TOML.replace('"climate_policy",', '"climate_policy", "wildfires",'))
    grown = read_project_file(toml).schema
    sync_project(client, title, grown)
    project = client.require_project(title)
    assert "wildfires" in offered(project.label_config, "stance_target")
    assert project_schema(client, project).version == grown.version

    # Dropping carbon_tax, which the annotation uses, is refused with one line.
    toml.write_text('[schema]\nstance_targets = ["climate_policy", "wildfires"]\n', "utf-8")
    with pytest.raises(SchemaChangeError) as refused:
        sync_project(client, title, read_project_file(toml).schema)
    message = str(refused.value)
    assert "\n" not in message
    assert "'carbon_tax'" in message and "1 annotation(s)" in message
    assert "keep the value" in message and "re-annotate" in message
    assert client.require_project(title).label_config == project.label_config


def test_export_follows_the_project_when_the_local_file_moved_on(
    label_studio: ServerInfo,
    client: LabelStudioClient,
    title: str,
    tmp_path: Path,
    hf_offline: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quotegold.toml").write_text(CLIMATE_TOML, "utf-8")
    schema = read_project_file(tmp_path / "quotegold.toml").schema
    pushed = push_articles(
        client, [Article(id="okafor", text=TEXT)], project_title=title, schema=schema
    )
    client.create_annotation(pushed.task_ids[0], ui_result("carbon_tax"))
    # The local file now names other targets: the export still uses the project's own.
    (tmp_path / "quotegold.toml").write_text('[schema]\nstance_targets = ["elections"]\n', "utf-8")

    result = cli(["export", "--project", title, "--out", "out", *server_flags(label_studio)])
    assert "gold 1, conflicts 0, invalid 0" in result.output
    assert "(the project's)" in result.output
    features, rows = quote_rows(tmp_path / "out", hf_offline)
    assert features["stance_target"].names == ["climate_policy", "carbon_tax", "other"]
    (row,) = rows
    assert features["stance_target"].int2str(row["stance_target"]) == "carbon_tax"
    lines = (tmp_path / "out" / "gold.jsonl").read_text("utf-8").splitlines()
    gold = [json.loads(line) for line in lines]
    assert gold[0]["provenance"]["schema_version"] == schema.version
