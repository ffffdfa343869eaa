"""Exports an ML engineer trains on: built from files with no server, licences per article,
pinned, grouped and folded splits, training formats (spaCy, CoNLL-U Plus, the `sentences`
and `attribution` configurations) and the changelog between exports.

Every test reads the shipped gold (`tasks/gold/`): real Wikinews articles and the hard cases.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets
import pytest
import spacy
import yaml  # type: ignore[import-untyped]
from spacy.tokens import DocBin
from typer.testing import CliRunner

from quotegold.articles.ingest import read_articles
from quotegold.cli.main import app
from quotegold.dataset.conll import unescape_spaces
from quotegold.dataset.licences import check_license
from quotegold.dataset.options import DatasetOptions
from quotegold.dataset.sentences import MAX_TOKENS
from quotegold.dataset.writer import CONFIGS, write_dataset
from quotegold.errors import ExportError
from quotegold.gold.model import regions_of, spans_of
from quotegold.labelstudio import LabelStudioClient
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.workflows.export import ExportOptions, export_project
from quotegold.workflows.exportfrom import export_inputs
from quotegold.workflows.push import gold_annotations, push_articles

ROOT = Path(__file__).parents[1]
GOLD = ROOT / "tasks" / "gold"
WIKINEWS_A = GOLD / "wikinews-a.jsonl"
HARDCASES = GOLD / "hardcases.jsonl"
FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    lines = (json.dumps(record, ensure_ascii=False) for record in records)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def header(out: Path) -> dict[str, Any]:
    parsed = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(parsed, dict)
    return parsed


def report(out: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def offline(hf_offline: Path) -> Iterator[Path]:
    # Per test: the tests of this module that talk to Label Studio must not find the
    # socket patched by an earlier test.
    with pytest.MonkeyPatch.context() as patch:

        def refuse(*args: object) -> None:
            raise AssertionError(f"network access attempted: {args}")

        patch.setattr(socket.socket, "connect", refuse)
        yield hf_offline


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hard cases and the first Wikinews file, with training formats and 3 folds."""
    out = tmp_path_factory.mktemp("exports") / "gold"
    extras = DatasetOptions(formats=("docbin", "conll"), folds=3)
    export_inputs(
        [HARDCASES, WIKINEWS_A],
        out=out,
        options=ExportOptions(name="gold", extras=extras),
        schema=SCHEMA,
    )
    return out


# --- 1. from files, with no server ----------------------------------------------------------


def test_one_command_builds_the_shipped_gold_with_no_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "gold"
    argv = ["export", "--from", "tasks/gold", "--from", "tasks/gold/heldout", "--out", str(out)]
    result = runner.invoke(app, [*argv, "--attribution", "Wikinews, CC BY 2.5"])
    assert result.exit_code == 0, result.stderr
    assert "exported 119 article(s)" in result.stdout  # the seeds use the demo's schema
    assert "first export in this folder: 119 article(s)" in result.stdout
    source = report(out)["source"]
    assert source == {
        "files": [
            "tasks/gold/hardcases.jsonl",
            "tasks/gold/seeds.jsonl",
            "tasks/gold/wikinews-2019-2020.jsonl",
            "tasks/gold/wikinews-a.jsonl",
            "tasks/gold/wikinews-b.jsonl",
            "tasks/gold/wikinews-c.jsonl",
            "tasks/gold/heldout/wikinews-2019-2020.jsonl",
        ]
    }
    # The seeds were made with the demo's schema: one problem, named as the user named it.
    (problem,) = report(out)["problems"]
    assert problem["file"] == "tasks/gold/seeds.jsonl" and "--config" in problem["message"]
    # The hard cases and the held-out part are pinned to test.
    ids = {
        r["id"] for p in (HARDCASES, GOLD / "heldout" / "wikinews-2019-2020.jsonl") for r in read(p)
    }
    tests = {
        r["id"]
        for r in datasets.Dataset.from_parquet(
            str(out / "data" / "articles" / "test-00000-of-00001.parquet")
        )
    }
    assert ids <= tests
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| `cc-by-2.5` | 107 | Wikinews (107) |" in card
    assert "| `mit` | 12 | quotegold hard cases (12) |" in card
    assert "Wikinews, CC BY 2.5" in card
    assert header(out)["license"] == ["cc-by-2.5", "mit"]


def test_files_folders_and_label_studio_exports_mix_and_name_no_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "inputs" / "more"
    folder.mkdir(parents=True)
    shutil.copy(WIKINEWS_A, folder / "a.jsonl")
    (folder / "README.md").write_text("not read", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "inputs")
    out = tmp_path / "inputs" / "out"
    argv = ["export", "--from", str(HARDCASES), "--from-file", "more"]
    argv += ["--from", str(FIXTURES / "export_full.json"), "--out", "out"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert report(out)["source"] == {
        "files": ["hardcases.jsonl", "more/a.jsonl", "export_full.json"]
    }
    assert report(out)["counts"]["gold"] == 12 + 8 + 2  # two tasks in the export
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".json", ".jsonl"):
            text = path.read_text(encoding="utf-8")
            assert str(tmp_path) not in text and str(ROOT) not in text, path
    assert 'load_dataset("out", "quotes")' in (out / "README.md").read_text(encoding="utf-8")


def test_a_missing_input_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--from", str(tmp_path / "nope"), "--out", "x"])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr


# --- 2. licences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("license", "name", "link", "message"),
    [
        ("CC BY 2.5", None, None, "did you mean cc-by-2.5"),
        ("other", None, None, "--license-name"),
        ("other", "mine", None, "--license-link"),
    ],
)
def test_licence_ids_are_checked(
    license: str, name: str | None, link: str | None, message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        check_license(license, name=name, link=link)


def test_other_licence_writes_its_name_and_link(tmp_path: Path) -> None:
    out = tmp_path / "other"
    argv = ["export", "--from", str(HARDCASES), "--out", str(out), "--license", "other"]
    argv += ["--license-name", "house", "--license-link", "https://example.org/licence"]
    argv += ["--source-datasets", "extended|wikinews", "--language-creators", "expert-generated"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    meta = header(out)
    assert (meta["license"], meta["license_name"]) == ("other", "house")
    assert meta["license_link"] == "https://example.org/licence"
    assert meta["source_datasets"] == ["extended|wikinews"]
    assert meta["language_creators"] == ["expert-generated"]
    bad = runner.invoke(
        app, ["export", "--from", str(HARDCASES), "--out", "x", "--license", "CC-BY"]
    )
    assert bad.exit_code == 1 and "not a Hugging Face licence id" in bad.stderr


def test_a_licence_mix_is_counted_per_article(offline: Path, tmp_path: Path) -> None:
    records = read(HARDCASES)[:3] + read(WIKINEWS_A)[:2]
    del records[0]["meta"]["license"]  # an article with no licence: unknown
    out = tmp_path / "mix"
    write_dataset(records, out=out, report={}, name="mix")
    assert header(out)["license"] == ["cc-by-2.5", "mit", "unknown"]
    licences = report(out)["export"]["licenses"]
    assert {k: v["articles"] for k, v in licences.items()} == {
        "cc-by-2.5": 2,
        "mit": 2,
        "unknown": 1,
    }
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "1 article(s) give no licence and no known source" in card
    quotes = datasets.load_dataset(str(out), "quotes", cache_dir=str(offline))
    rows = [row for split in quotes.values() for row in split]
    assert {row["license"] for row in rows} <= {"cc-by-2.5", "mit", None}
    assert {row["source"] for row in rows} <= {"Wikinews", "quotegold hard cases"}
    records[1]["meta"]["license"] = "CC BY"
    with pytest.raises(ExportError, match="not a Hugging Face licence id"):
        write_dataset(records, out=tmp_path / "bad", report={}, name="bad")
    assert not (tmp_path / "bad").exists()


# --- 3. splits ----------------------------------------------------------------------------------


def split_of_articles(out: Path) -> dict[str, str]:
    found = {}
    for path in (out / "data" / "articles").glob("*.parquet"):
        for row in datasets.Dataset.from_parquet(str(path)):
            found[row["id"]] = path.name.split("-")[0]
    return found


def test_pinned_grouped_and_folded_splits(tmp_path: Path) -> None:
    records = read(WIKINEWS_A) + read(HARDCASES)
    for record in records:
        record["meta"].pop("split", None)
    test_ids = tmp_path / "test-ids.txt"
    test_ids.write_text("# held out\nwikinews-afghan\n\nwikinews-expo  # too\n", encoding="utf-8")
    out = tmp_path / "pinned"
    argv = ["export", "--from", str(write(tmp_path / "all.jsonl", records)), "--out", str(out)]
    result = runner.invoke(app, [*argv, "--test-ids", str(test_ids), "--folds", "4"])
    assert result.exit_code == 0, result.stderr
    splits = split_of_articles(out)
    assert splits["wikinews-afghan"] == splits["wikinews-expo"] == "test"
    # Folds: a column in every per-article configuration, 0..3, stable across exports.
    folds = {}
    for path in (out / "data" / "articles").glob("*.parquet"):
        for row in datasets.Dataset.from_parquet(str(path)):
            folds[row["id"]] = row["fold"]
    assert set(folds.values()) <= {0, 1, 2, 3} and len(set(folds.values())) > 1
    infos = {info["config_name"]: info for info in header(out)["dataset_info"]}
    for config in ("articles", "quotes", "tokens", "sentences", "attribution"):
        assert infos[config]["features"][-1]["name"] == "fold"
    assert "fold" not in [feature["name"] for feature in infos["speakers"]["features"]]
    again = tmp_path / "again"
    rerun = runner.invoke(
        app, [*argv[:-1], str(again), "--test-ids", str(test_ids), "--folds", "4"]
    )
    assert rerun.exit_code == 0, rerun.stderr
    assert split_of_articles(again) == splits
    # Grouped by source: the hard cases (one source) all land in one split.
    grouped = tmp_path / "grouped"
    by_source = runner.invoke(app, [*argv[:-1], str(grouped), "--group-by", "source"])
    assert by_source.exit_code == 0, by_source.stderr
    placed = split_of_articles(grouped)
    assert len({placed[r["id"]] for r in read(HARDCASES)}) == 1
    assert len({placed[r["id"]] for r in read(WIKINEWS_A)}) == 1
    plan = report(grouped)["export"]["split_plan"]
    assert (plan["group_by"], plan["groups"]) == ("source", 2)


def test_a_pin_in_the_record_moves_the_group_and_conflicting_pins_fail(tmp_path: Path) -> None:
    records = read(WIKINEWS_A)
    for record in records:
        record["meta"].pop("split", None)
    records[0]["meta"]["split"] = "validation"
    summary = write_dataset(
        records,
        out=tmp_path / "one",
        report={},
        name="one",
        extras=DatasetOptions(group_by="source"),
    )
    assert summary.splits == {"validation": 8}
    records[1]["meta"]["split"] = "test"
    with pytest.raises(ExportError, match="pinned to different splits"):
        write_dataset(
            records,
            out=tmp_path / "two",
            report={},
            name="two",
            extras=DatasetOptions(group_by="source"),
        )


def test_the_card_counts_quotes_per_split_and_label_and_warns(built: Path) -> None:
    card = (built / "README.md").read_text(encoding="utf-8")
    assert "### Quotes per split and label" in card
    assert "| stance = support |" in card
    assert "**Too few to evaluate on:**" in card
    assert "the test split has" in card


def test_a_card_built_from_files_says_so_and_not_label_studio(built: Path) -> None:
    card = (built / "README.md").read_text(encoding="utf-8")
    made = card.split("## How it was made", 1)[1]
    assert "read from gold JSONL files and Label Studio exports" in made
    assert "imported into Label Studio" not in made
    assert "- built from: `" in made


# --- 4. training formats ---------------------------------------------------------------------


def gold_records() -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read(HARDCASES) + read(WIKINEWS_A)}


def test_every_configuration_loads_offline(offline: Path, built: Path) -> None:
    for config in CONFIGS:
        loaded = datasets.load_dataset(str(built), config, cache_dir=str(offline))
        assert isinstance(loaded, datasets.DatasetDict) and sum(map(len, loaded.values()))
    attribution = datasets.load_dataset(str(built), "attribution", cache_dir=str(offline))
    labels = attribution["train"].features["label"]
    assert labels.names == ["not_speaker", "speaker"]
    rows = [row for split in attribution.values() for row in split]
    records = gold_records()
    # Exactly one positive pair per attributed quote, pointing at the quote's own mention.
    attributed = {
        (r["id"], q["id"]): q["speaker_id"]
        for r in records.values()
        for q in r["quotes"]
        if q["speaker_id"]
    }
    positives = {
        (row["article_id"], row["quote_id"]): row["mention_id"]
        for row in rows
        if labels.int2str(row["label"]) == "speaker"
    }
    assert positives == attributed
    assert all(row["char_distance"] >= 0 and row["token_distance"] >= 0 for row in rows)


def test_sentences_rebuild_the_text_and_fit_512_tokens(offline: Path, built: Path) -> None:
    loaded = datasets.load_dataset(str(built), "sentences", cache_dir=str(offline))
    records = gold_records()
    by_article: dict[str, list[dict[str, Any]]] = {}
    for split in loaded.values():
        for row in split:
            assert len(row["tokens"]) <= MAX_TOKENS
            assert (
                "".join(t + s for t, s in zip(row["tokens"], row["spaces"], strict=True))
                == row["text"]
            )
            by_article.setdefault(row["article_id"], []).append(row)
    for article, rows in by_article.items():
        rows.sort(key=lambda row: row["sentence"])
        text = records[article]["text"]
        assert "".join(row["text"] for row in rows) == text[rows[0]["start"] :]


def test_docbin_loads_with_spacy_and_every_span_is_its_text(built: Path) -> None:
    nlp = spacy.blank("en")
    records = gold_records()
    seen = 0
    for path in sorted((built / "spacy").glob("*.spacy")):
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            data = doc.user_data["quotegold"]
            record = records[data["article_id"]]
            assert doc.text == record["text"]
            for label in SCHEMA.label_values:
                expected = [
                    (span["start"], span["end"], span["text"])
                    for region in regions_of(record, label)  # type: ignore[arg-type]
                    for span in spans_of(region)
                ]
                got = [(s.start_char, s.end_char, s.text) for s in doc.spans[label]]
                assert got == expected
                assert all(s.label_ == label for s in doc.spans[label])
                assert len(data["regions"][label]) == len(got)
                seen += len(got)
            said_by = {(r["from"], r["to"]) for r in data["relations"] if r["type"] == "said_by"}
            assert said_by == {
                (q["id"], q["speaker_id"]) for q in record["quotes"] if q["speaker_id"]
            }
    assert seen > 100


def parse_conllu(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and sentences of a CoNLL-U Plus file: tokens, spaces, tags per column."""
    lines = path.read_text(encoding="utf-8").split("\n")
    columns = lines[0].removeprefix("# global.columns = ").split()
    sentences: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in lines[1:]:
        if line.startswith("# sent_id = "):
            current = {"id": line.split(" = ", 1)[1], "rows": []}
            sentences.append(current)
        elif line and not line.startswith("#"):
            assert current is not None
            current["rows"].append(dict(zip(columns, line.split("\t"), strict=True)))
    return columns, sentences


def test_conll_parses_back_to_the_sentences(offline: Path, built: Path) -> None:
    loaded = datasets.load_dataset(str(built), "sentences", cache_dir=str(offline))
    for split, rows in loaded.items():
        columns, sentences = parse_conllu(built / "conll" / f"{split}.conllu")
        assert columns == [
            "ID",
            "FORM",
            "MISC",
            "QG:NER",
            "QG:SPEAKER",
            "QG:CUE",
            "QG:QUOTE",
            "QG:INITIATIVE",
        ]
        assert len(sentences) == len(rows)
        names = rows.features["ner_tags"].feature.names
        for sentence, row in zip(sentences, rows, strict=True):
            assert sentence["id"] == row["id"]
            tokens = [token["FORM"] for token in sentence["rows"]]
            assert tokens == row["tokens"]
            text = ""
            for token in sentence["rows"]:
                misc = dict(item.split("=", 1) for item in token["MISC"].split("|"))
                space = "" if misc.get("SpaceAfter") == "No" else " "
                text += token["FORM"] + unescape_spaces(misc.get("SpacesAfter", space))
            assert text == row["text"]
            assert [t["QG:NER"] for t in sentence["rows"]] == [names[n] for n in row["ner_tags"]]
            layer = rows.features["quote_tags"].feature.names
            quote = [t["QG:QUOTE"].split("-")[0] for t in sentence["rows"]]
            assert quote == [layer[n] for n in row["quote_tags"]]


def test_formats_are_opt_in_and_checked(tmp_path: Path) -> None:
    summary = write_dataset(read(HARDCASES)[:2], out=tmp_path / "plain", report={}, name="plain")
    assert not any(f.startswith(("spacy/", "conll/")) for f in summary.files)
    with pytest.raises(ExportError, match="Unknown format"):
        write_dataset(
            read(HARDCASES)[:2],
            out=tmp_path / "x",
            report={},
            name="x",
            extras=DatasetOptions(formats=("csv",)),
        )


# --- 5. versions and the changelog -------------------------------------------------------------


def test_the_changelog_names_exactly_the_article_added_and_the_one_edited(tmp_path: Path) -> None:
    records = read(WIKINEWS_A)
    gold = tmp_path / "gold.jsonl"
    out = tmp_path / "out"
    write(gold, records[:-1])
    first = runner.invoke(app, ["export", "--from", str(gold), "--out", str(out)])
    assert first.exit_code == 0, first.stderr
    version = report(out)["export"]["version"]
    edited = records[0]
    edited["quotes"][0]["stance"] = (
        "oppose" if edited["quotes"][0]["stance"] != "oppose" else "support"
    )
    if edited["quotes"][0]["stance"] != "neutral" and edited["quotes"][0]["stance_target"] is None:
        edited["quotes"][0]["stance_target"] = "other"
    write(gold, records)
    second = runner.invoke(app, ["export", "--from", str(gold), "--out", str(out)])
    assert second.exit_code == 0, second.stderr
    log = report(out)["export"]["changelog"]
    assert log["previous"] == version
    assert log["added"] == [records[-1]["id"]]
    assert log["removed"] == []
    assert [entry["id"] for entry in log["changed"]] == [edited["id"]]
    assert log["changed"][0]["parts"] == ["QUOTE"]
    assert log["unchanged"] == len(records) - 2
    assert f"changes since {version}: 1 added, 0 removed, 1 changed" in second.stdout
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"- Added: `{records[-1]['id']}`" in card
    assert f"- Changed: `{edited['id']}` (QUOTE)" in card
    assert report(out)["export"]["version"] != version


# --- through Label Studio --------------------------------------------------------------------


def test_licence_and_pin_travel_through_push_and_export(
    client: LabelStudioClient, title: str, tmp_path: Path
) -> None:
    articles = [a for a in read_articles([ROOT / "tasks" / "hardcases"]).articles][:2]
    assert all(a.license == "mit" and a.split == "test" for a in articles)
    push_articles(client, articles, project_title=title, task_extras=gold_annotations(HARDCASES))
    out = tmp_path / "pushed"
    summary, _ = export_project(client, title, out=out, options=ExportOptions(name="pushed"))
    assert summary.splits == {"test": 2}
    exported = read(out / "gold.jsonl")
    committed = {r["id"]: r for r in read(HARDCASES)}
    for record in exported:
        assert record["meta"] == committed[record["id"]]["meta"]
    assert header(out)["license"] == "mit"
