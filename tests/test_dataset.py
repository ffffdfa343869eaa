"""The dataset export: files, features, `load_dataset` offline, the card, atomic writes."""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import datasets
import huggingface_hub.constants
import pytest
import yaml  # type: ignore[import-untyped]
from datasets import ClassLabel, List

from quotegold.dataset import splitfiles
from quotegold.dataset import writer as dataset_module
from quotegold.dataset.attribution import attribution_rows
from quotegold.dataset.rows import token_row
from quotegold.dataset.sentences import sentence_rows
from quotegold.dataset.splits import split_for
from quotegold.dataset.tokens import LAYER_TAGS, layer_column
from quotegold.dataset.writer import CONFIGS, DatasetSummary, features_for, write_dataset
from quotegold.errors import ExportError, ValidationError
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA

# --- gold records, by hand ------------------------------------------------------------------


def at(text: str, needle: str, nth: int = 0) -> dict[str, Any]:
    """The span of the nth occurrence of `needle` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle}


def speaker(sid: str, text: str, needle: str, name: str, kind: str, nth: int = 0) -> dict[str, Any]:
    return {"id": sid, **at(text, needle, nth), "name": name, "kind": kind}


def cue(cid: str, text: str, needle: str, nth: int = 0) -> dict[str, Any]:
    return {"id": cid, **at(text, needle, nth)}


def quote(
    qid: str,
    text: str,
    parts: list[str],
    *,
    quote_type: str = "direct",
    speaker_id: str | None = None,
    cue_id: str | None = None,
    stance: str = "neutral",
    stance_target: str | None = None,
) -> dict[str, Any]:
    return {
        "id": qid,
        "spans": [at(text, part) for part in parts],
        "text": " … ".join(parts),
        "quote_type": quote_type,
        "speaker_id": speaker_id,
        "no_speaker": speaker_id is None,
        "cue_id": cue_id,
        "stance": stance,
        "stance_target": stance_target,
    }


def initiative(
    iid: str, text: str, needle: str, status: str, proponents: list[str]
) -> dict[str, Any]:
    return {"id": iid, **at(text, needle), "status": status, "proponent_ids": proponents}


def record(
    article_id: str, text: str, task: int, **regions: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": article_id,
        "text": text,
        "meta": {"title": f"Title of {article_id}", "url": None, "boilerplate": []},
        "speakers": regions.get("speakers", []),
        "cues": regions.get("cues", []),
        "quotes": regions.get("quotes", []),
        "initiatives": regions.get("initiatives", []),
        "provenance": {
            "schema_version": SCHEMA.version,
            "project_id": 3,
            "project_title": "quotegold test",
            "task_id": task,
            "annotation_ids": [task * 10],
            "annotator_ids": ["alice@example.org", 7],
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": None,
        },
    }


SCO = (
    'Defence Minister Rajnath Singh said on Friday that "terrorism is the biggest threat to '
    'regional security". He added: "India backs the SCO Defence Cooperation Plan," calling it '
    '"a step forward".\nOfficials said the plan would be signed soon.'
)
# Flags, a ZWJ family, Cyrillic, Chinese and mathematical letters before any span.
ASTRAL = (
    "🇮🇳🤝🇨🇳 Новости 北京 \U0001d518\U0001d52b\U0001d526 👩\u200d👩\u200d👧\n"
    "Sergei Shoigu told reporters: «We oppose terrorism in "
    'every form.» The Kremlin backed the "Moscow Format".'
)
ANON = 'Security was tight in Bishkek. "Nobody is safe here," read a banner. China stayed away.'
PLAIN = "A short note with no quotes at all."

# Ids chosen so that, with the default ratios, the articles land in all three splits and the
# article without quotes is alone in validation (quotes has no validation split).
SPLIT_OF = {
    "article-0": "train",
    "article-1": "train",
    "article-2": "validation",
    "article-3": "test",
}


def make_records() -> list[dict[str, Any]]:
    sco = record(
        "article-0",
        SCO,
        1,
        speakers=[
            speaker("s1", SCO, "Defence Minister Rajnath Singh", "Rajnath Singh", "person"),
            speaker("s2", SCO, "He", "Rajnath Singh", "person"),
            speaker("s3", SCO, "Officials", "officials", "unnamed"),
        ],
        cues=[cue("c1", SCO, "said"), cue("c2", SCO, "added"), cue("c3", SCO, "said", nth=1)],
        quotes=[
            quote(
                "q1",
                SCO,
                ["terrorism is the biggest threat to regional security"],
                quote_type="mixed",
                speaker_id="s1",
                cue_id="c1",
                stance="oppose",
                stance_target="security",
            ),
            quote(
                "q2",
                SCO,
                ["India backs the SCO Defence Cooperation Plan,", "a step forward"],
                speaker_id="s2",
                cue_id="c2",
                stance="support",
                stance_target="health",
            ),
            quote(
                "q3",
                SCO,
                ["the plan would be signed soon"],
                quote_type="indirect",
                speaker_id="s3",
                cue_id="c3",
            ),
        ],
        initiatives=[initiative("i1", SCO, "SCO Defence Cooperation Plan", "proposed", ["s2"])],
    )
    astral = record(
        "article-1",
        ASTRAL,
        2,
        speakers=[
            speaker("s1", ASTRAL, "Sergei Shoigu", "Sergei Shoigu", "person"),
            speaker("s2", ASTRAL, "The Kremlin", "Kremlin", "organisation"),
        ],
        cues=[cue("c1", ASTRAL, "told reporters")],
        quotes=[
            quote(
                "q1",
                ASTRAL,
                ["We oppose terrorism in every form."],
                speaker_id="s1",
                cue_id="c1",
                stance="oppose",
                stance_target="security",
            )
        ],
        initiatives=[initiative("i1", ASTRAL, "Moscow Format", "endorsed", ["s2"])],
    )
    anon = record(
        "article-3",
        ANON,
        4,
        speakers=[speaker("s1", ANON, "China", "China", "country")],
        quotes=[quote("q1", ANON, ["Nobody is safe here,"])],
    )
    return [sco, astral, record("article-2", PLAIN, 3), anon]


REPORT = {"project": "quotegold test", "tasks": 4, "gold": 4, "conflicts": 1, "invalid": 0}
ATTRIBUTION = "Test texts written for quotegold; the Wikinews originals are CC BY 2.5."


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline(hf_offline: Path) -> Iterator[Path]:
    """Offline, and any attempt to open a connection fails the test."""
    with pytest.MonkeyPatch.context() as patch:

        def refuse(*args: object) -> None:
            raise AssertionError(f"network access attempted: {args}")

        patch.setattr(socket.socket, "connect", refuse)
        yield hf_offline


def load(cache: Path, out: Path, config: str) -> datasets.DatasetDict:
    loaded = datasets.load_dataset(str(out), config, cache_dir=str(cache))
    assert isinstance(loaded, datasets.DatasetDict)
    return loaded


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DatasetSummary]:
    out = tmp_path_factory.mktemp("exports") / "sco"
    summary = write_dataset(
        make_records(),
        out=out,
        report=REPORT,
        name="sco",
        license="cc-by-2.5",
        attribution=ATTRIBUTION,
    )
    return out, summary


@pytest.fixture(scope="module")
def loaded(offline: Path, export: tuple[Path, DatasetSummary]) -> dict[str, datasets.DatasetDict]:
    return {config: load(offline, export[0], config) for config in CONFIGS}


def rows(loaded: dict[str, datasets.DatasetDict], config: str) -> list[dict[str, Any]]:
    return [row for split in loaded[config].values() for row in split]


def header(out: Path) -> dict[str, Any]:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    parsed = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(parsed, dict)
    return parsed


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --- the records themselves -----------------------------------------------------------------


def test_the_hand_made_records_are_valid_and_land_where_planned() -> None:
    for item in make_records():
        assert split_for(item["id"]) == SPLIT_OF[item["id"]]
    # The astral article's spans come after characters outside the Basic Multilingual Plane.
    astral = make_records()[1]
    assert any(ord(char) > 0xFFFF for char in ASTRAL[: astral["speakers"][0]["start"]])


# --- files and counts -----------------------------------------------------------------------


def test_the_folder_has_the_hub_layout(export: tuple[Path, DatasetSummary]) -> None:
    out, summary = export
    expected = {
        "README.md",
        "gold.jsonl",
        "report.json",
        "data/articles/train-00000-of-00001.parquet",
        "data/articles/validation-00000-of-00001.parquet",
        "data/articles/test-00000-of-00001.parquet",
        "data/tokens/train-00000-of-00001.parquet",
        "data/tokens/validation-00000-of-00001.parquet",
        "data/tokens/test-00000-of-00001.parquet",
        # The validation article has no quotes: no empty validation file for quotes.
        "data/quotes/train-00000-of-00001.parquet",
        "data/quotes/test-00000-of-00001.parquet",
        "data/sentences/train-00000-of-00001.parquet",
        "data/sentences/validation-00000-of-00001.parquet",
        "data/sentences/test-00000-of-00001.parquet",
        # Quote and mention pairs: only where an article has both.
        "data/attribution/train-00000-of-00001.parquet",
        "data/attribution/test-00000-of-00001.parquet",
        # Speakers aggregate every split: one train file.
        "data/speakers/train-00000-of-00001.parquet",
        # The schema the records were validated with, and its JSON Schema of a record.
        "schema.json",
        "gold_record.schema.json",
    }
    # And the marker listing them: what a later export may replace.
    assert set(snapshot(out)) == expected | {".quotegold-export.json"}
    assert set(summary.files) == expected
    assert summary.path == out
    assert (summary.articles, summary.quotes) == (4, 5)
    assert summary.splits == {"train": 2, "validation": 1, "test": 1}
    assert summary.labels == {"SPEAKER": 6, "CUE": 4, "QUOTE": 5, "INITIATIVE": 2}
    assert [p.name for p in out.parent.iterdir()] == ["sco"]


def test_gold_jsonl_holds_the_records_sorted_and_unescaped(
    export: tuple[Path, DatasetSummary],
) -> None:
    text = (export[0] / "gold.jsonl").read_text(encoding="utf-8")
    assert "Новости 北京 \U0001d518\U0001d52b\U0001d526" in text
    lines = text.splitlines()
    assert [json.loads(line) for line in lines] == sorted(make_records(), key=lambda r: r["id"])


def test_report_json_keeps_the_report_and_adds_counts(
    export: tuple[Path, DatasetSummary],
) -> None:
    report = json.loads((export[0] / "report.json").read_text(encoding="utf-8"))
    assert {key: report[key] for key in REPORT} == REPORT
    counts = report["export"]
    assert counts["schema_version"] == SCHEMA.version
    assert counts["license"] == "cc-by-2.5"
    assert counts["ratios"] == {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert counts["total"]["labels"] == {"SPEAKER": 6, "CUE": 4, "QUOTE": 5, "INITIATIVE": 2}
    assert counts["splits"]["train"]["labels"]["QUOTE"] == 4
    assert counts["splits"]["validation"]["labels"]["QUOTE"] == 0
    assert counts["total"]["attributes"]["stance_target"] == {
        "(none)": 2,
        "health": 1,
        "security": 2,
    }
    assert counts["rows"]["quotes"] == {"train": 4, "test": 1}
    assert counts["rows"]["tokens"] == {"train": 2, "validation": 1, "test": 1}
    assert counts["rows"]["speakers"] == {"train": 5}
    assert counts["total"]["tokens"] == sum(c["tokens"] for c in counts["splits"].values())


def test_no_provenance_field_looks_like_a_secret(export: tuple[Path, DatasetSummary]) -> None:
    key_like = re.compile(r"key|token|secret|password|auth|cookie", re.IGNORECASE)
    provenance = features_for("articles")["provenance"]
    assert not [field for field in provenance if key_like.search(field)]
    for line in (export[0] / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        assert not [field for field in json.loads(line)["provenance"] if key_like.search(field)]


def test_a_record_carrying_a_key_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    records = make_records()
    records[0]["provenance"]["api_key"] = "secret-123"
    with pytest.raises(ValidationError, match="api_key"):
        write_dataset(records, out=tmp_path / "out", report={}, name="x")
    assert list(tmp_path.iterdir()) == []


# --- load_dataset, offline ------------------------------------------------------------------


def sentences_of(record: Any) -> list[dict[str, Any]]:
    return sentence_rows(record["id"], record["text"], token_row(record), SCHEMA.label_values)


def rows_per_split(rows_of: Callable[[Any], list[dict[str, Any]]]) -> dict[str, int]:
    """Rows of a configuration per split, as made by its row function (non-empty splits)."""
    counts = {split: 0 for split in ("train", "validation", "test")}
    for record in make_records():
        counts[split_for(record["id"])] += len(rows_of(record))
    return {split: count for split, count in counts.items() if count}


@pytest.mark.parametrize("config", CONFIGS)
def test_each_config_loads_with_its_features_and_splits(
    loaded: dict[str, datasets.DatasetDict], config: str
) -> None:
    expected = {
        "articles": {"train": 2, "validation": 1, "test": 1},
        "quotes": {"train": 4, "test": 1},
        "tokens": {"train": 2, "validation": 1, "test": 1},
        "sentences": rows_per_split(sentences_of),
        "attribution": rows_per_split(attribution_rows),
        "speakers": {"train": 5},
    }[config]
    assert {split: len(part) for split, part in loaded[config].items()} == expected
    for part in loaded[config].values():
        assert part.features == features_for(config)


def test_the_default_config_is_articles(offline: Path, export: tuple[Path, DatasetSummary]) -> None:
    default = datasets.load_dataset(str(export[0]), cache_dir=str(offline))
    assert isinstance(default, datasets.DatasetDict)
    assert set(default["train"].column_names) == set(features_for("articles"))


def test_article_spans_are_the_text_at_their_offsets(
    loaded: dict[str, datasets.DatasetDict],
) -> None:
    checked = 0
    for row in rows(loaded, "articles"):
        text = row["text"]
        regions = [*row["speakers"], *row["cues"], *row["initiatives"]]
        spans = [*regions, *(span for q in row["quotes"] for span in q["spans"])]
        for span in spans:
            assert text[span["start"] : span["end"]] == span["text"]
            checked += 1
    assert checked == 6 + 4 + 2 + 6


def test_articles_keep_every_field(loaded: dict[str, datasets.DatasetDict]) -> None:
    by_id = {row["id"]: row for row in rows(loaded, "articles")}
    features = features_for("articles")
    sco = by_id["article-0"]
    assert sco["title"] == "Title of article-0"
    assert sco["url"] is None and sco["source"] is None
    assert sco["schema_version"] == SCHEMA.version
    assert sco["provenance"]["annotator_ids"] == ["alice@example.org", "7"]
    assert sco["provenance"]["task_id"] == 1
    kind = features["speakers"].feature["kind"]
    assert [kind.int2str(s["kind"]) for s in sco["speakers"]] == ["person", "person", "unnamed"]
    quotes = features["quotes"].feature
    assert [quotes["stance"].int2str(q["stance"]) for q in sco["quotes"]] == [
        "oppose",
        "support",
        "neutral",
    ]
    target = quotes["stance_target"]
    assert [q["stance_target"] for q in sco["quotes"]] == [
        target.str2int("security"),
        target.str2int("health"),
        None,
    ]
    assert sco["initiatives"][0]["proponent_ids"] == ["s2"]
    assert features["initiatives"].feature["status"].int2str(sco["initiatives"][0]["status"]) == (
        "proposed"
    )
    assert by_id["article-2"]["quotes"] == []


def test_quote_rows(loaded: dict[str, datasets.DatasetDict]) -> None:
    texts = {row["id"]: row["text"] for row in rows(loaded, "articles")}
    features = features_for("quotes")
    by_id = {(row["article_id"], row["quote_id"]): row for row in rows(loaded, "quotes")}
    assert len(by_id) == 5
    for row in by_id.values():
        text = texts[row["article_id"]]
        for span in row["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
        assert row["start"] == row["spans"][0]["start"]
        assert row["end"] == row["spans"][-1]["end"]
        context = row["context"]
        assert text[row["context_start"] :].startswith(context)
        offset = row["start"] - row["context_start"]
        assert context[offset : offset + len(row["spans"][0]["text"])] == row["spans"][0]["text"]

    split = by_id[("article-0", "q2")]
    assert split["quote"] == "India backs the SCO Defence Cooperation Plan, … a step forward"
    assert len(split["spans"]) == 2
    kind = features["speaker_kind"]
    assert (split["speaker"], split["speaker_name"], kind.int2str(split["speaker_kind"])) == (
        "He",
        "Rajnath Singh",
        "person",
    )
    assert split["cue"] == "added"
    assert features["quote_type"].int2str(split["quote_type"]) == "direct"
    assert features["stance"].int2str(split["stance"]) == "support"
    assert features["stance_target"].int2str(split["stance_target"]) == "health"
    assert split["context"] == SCO.split("\n")[0]

    astral = by_id[("article-1", "q1")]
    assert astral["quote"] == ASTRAL[astral["start"] : astral["end"]]
    assert astral["speaker"] == "Sergei Shoigu"

    nobody = by_id[("article-3", "q1")]
    assert nobody["no_speaker"] is True
    assert (nobody["speaker"], nobody["speaker_id"], nobody["speaker_name"]) == (None, None, None)
    assert (nobody["speaker_kind"], nobody["cue"], nobody["cue_id"]) == (None, None, None)
    assert nobody["stance_target"] is None
    assert features["stance"].int2str(nobody["stance"]) == "neutral"


def test_tokens_map_back_to_the_text(loaded: dict[str, datasets.DatasetDict]) -> None:
    texts = {row["id"]: row["text"] for row in rows(loaded, "articles")}
    for row in rows(loaded, "tokens"):
        text = texts[row["id"]]
        columns = ["tokens", "token_starts", "token_ends", "ner_tags"]
        columns += [layer_column(label) for label in SCHEMA.label_values]
        assert len({len(row[column]) for column in columns}) == 1
        for token, start, end in zip(
            row["tokens"], row["token_starts"], row["token_ends"], strict=True
        ):
            assert text[start:end] == token
            assert token and not token.isspace()


def test_token_tags_in_the_export(loaded: dict[str, datasets.DatasetDict]) -> None:
    names = features_for("tokens")["ner_tags"].feature.names
    layer = LAYER_TAGS
    row = next(row for row in rows(loaded, "tokens") if row["id"] == "article-0")
    tags = dict(zip(row["tokens"], (names[tag] for tag in row["ner_tags"]), strict=False))
    assert tags["Rajnath"] == "I-SPEAKER"
    assert tags["threat"] == "I-QUOTE"
    start = row["tokens"].index("SCO")
    window = slice(start - 1, start + 4)  # the SCO Defence Cooperation Plan
    # In the combined column the quote is one entity; the initiative is in its own column.
    assert [names[t] for t in row["ner_tags"][window]] == ["I-QUOTE"] * 5
    assert [layer[t] for t in row["quote_tags"][window]] == ["I", "I", "I", "I", "I"]
    assert [layer[t] for t in row["initiative_tags"][window]] == ["O", "B", "I", "I", "I"]
    # The second part of the split quote starts with its own B.
    a_step = row["tokens"].index("step") - 1
    assert layer[row["quote_tags"][a_step]] == "B"


def decoded(features: Any, value: Any) -> Any:
    """A loaded value with class labels turned back into their names."""
    if isinstance(features, ClassLabel):
        return None if value is None else features.int2str(value)
    if isinstance(features, dict):
        return {key: decoded(inner, value[key]) for key, inner in features.items()}
    if isinstance(features, List):
        return [decoded(features.feature, item) for item in value]
    return value


def mention(article: str, sid: str, text: str, needle: str) -> dict[str, Any]:
    return {"article_id": article, "id": sid, **at(text, needle)}


def said(article: str, qid: str, quote: str, sid: str, *attributes: str | None) -> dict[str, Any]:
    quote_type, stance, target = attributes
    return {
        "article_id": article,
        "quote_id": qid,
        "quote": quote,
        "speaker_id": sid,
        "quote_type": quote_type,
        "stance": stance,
        "stance_target": target,
    }


def stances(target: str | None, support: int, oppose: int, neutral: int) -> dict[str, Any]:
    return {"target": target, "support": support, "oppose": oppose, "neutral": neutral}


EXPECTED_SPEAKERS = [
    {
        "name": "China",
        "kind": "country",
        "mentions": [mention("article-3", "s1", ANON, "China")],
        "articles": ["article-3"],
        "quotes": [],  # the banner's quote has no speaker
        "stances": [],
        "initiatives": [],
    },
    {
        "name": "Kremlin",
        "kind": "organisation",
        "mentions": [mention("article-1", "s2", ASTRAL, "The Kremlin")],
        "articles": ["article-1"],
        "quotes": [],
        "stances": [],
        "initiatives": [
            {
                "article_id": "article-1",
                "initiative_id": "i1",
                "text": "Moscow Format",
                "status": "endorsed",
            }
        ],
    },
    {
        "name": "officials",
        "kind": "unnamed",
        "mentions": [mention("article-0", "s3", SCO, "Officials")],
        "articles": ["article-0"],
        "quotes": [
            said(
                "article-0",
                "q3",
                "the plan would be signed soon",
                "s3",
                "indirect",
                "neutral",
                None,
            )
        ],
        "stances": [stances(None, 0, 0, 1)],
        "initiatives": [],
    },
    {
        "name": "Rajnath Singh",
        "kind": "person",
        "mentions": [
            mention("article-0", "s1", SCO, "Defence Minister Rajnath Singh"),
            mention("article-0", "s2", SCO, "He"),
        ],
        "articles": ["article-0"],
        "quotes": [
            said(
                "article-0",
                "q1",
                "terrorism is the biggest threat to regional security",
                "s1",
                "mixed",
                "oppose",
                "security",
            ),
            said(
                "article-0",
                "q2",
                "India backs the SCO Defence Cooperation Plan, … a step forward",
                "s2",
                "direct",
                "support",
                "health",
            ),
        ],
        # Schema order of the targets: security comes before health.
        "stances": [stances("security", 0, 1, 0), stances("health", 1, 0, 0)],
        "initiatives": [
            {
                "article_id": "article-0",
                "initiative_id": "i1",
                "text": "SCO Defence Cooperation Plan",
                "status": "proposed",
            }
        ],
    },
    {
        "name": "Sergei Shoigu",
        "kind": "person",
        "mentions": [mention("article-1", "s1", ASTRAL, "Sergei Shoigu")],
        "articles": ["article-1"],
        "quotes": [
            said(
                "article-1",
                "q1",
                "We oppose terrorism in every form.",
                "s1",
                "direct",
                "oppose",
                "security",
            )
        ],
        "stances": [stances("security", 0, 1, 0)],
        "initiatives": [],
    },
]


def test_speaker_rows_in_the_export(loaded: dict[str, datasets.DatasetDict]) -> None:
    (train,) = loaded["speakers"].values()
    assert [decoded(train.features, row) for row in train] == EXPECTED_SPEAKERS


def test_speaker_mentions_are_the_text_at_their_offsets(
    loaded: dict[str, datasets.DatasetDict],
) -> None:
    texts = {row["id"]: row["text"] for row in rows(loaded, "articles")}
    mentions = [m for row in rows(loaded, "speakers") for m in row["mentions"]]
    assert len(mentions) == 6
    for item in mentions:
        assert texts[item["article_id"]][item["start"] : item["end"]] == item["text"]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_small_exports_load(offline: Path, tmp_path: Path, count: int) -> None:
    records = make_records()[:count]
    out = tmp_path / f"small-{count}"
    write_dataset(records, out=out, report={}, name=f"small-{count}")
    expected = {
        "articles": count,
        "tokens": count,
        "quotes": sum(len(r["quotes"]) for r in records),
        "sentences": sum(len(sentences_of(r)) for r in records),
        "attribution": sum(len(r["quotes"]) * len(r["speakers"]) for r in records),
        "speakers": len({(s["name"], s["kind"]) for r in records for s in r["speakers"]}),
    }
    for config in CONFIGS:
        loaded = load(offline, out, config)
        if config == "speakers":
            assert list(loaded) == ["train"]
        assert sum(len(part) for part in loaded.values()) == expected[config]


def test_an_export_without_quotes_leaves_the_quotes_config_out(
    offline: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plain"
    summary = write_dataset([make_records()[2]], out=out, report={}, name="plain")
    assert summary.quotes == 0
    configs = [c["config_name"] for c in header(out)["configs"]]
    assert configs == ["articles", "tokens", "sentences"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "no rows for `quotes`, `attribution`, `speakers`" in card
    assert "## Who said what about whom" not in card
    assert len(load(offline, out, "articles")["validation"]) == 1
    with pytest.raises(ValueError, match="quotes"):
        load(offline, out, "quotes")


def test_zero_records_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="No gold records"):
        write_dataset([], out=tmp_path / "empty", report={}, name="empty")
    assert list(tmp_path.iterdir()) == []


# --- the card -------------------------------------------------------------------------------


def test_the_card_header_declares_configs_features_and_licence(
    export: tuple[Path, DatasetSummary], loaded: dict[str, datasets.DatasetDict]
) -> None:
    out = export[0]
    meta = header(out)
    assert meta["license"] == "cc-by-2.5"
    assert meta["language"] == ["en"]
    assert meta["pretty_name"] == "sco"
    assert meta["task_categories"] == ["token-classification", "text-classification"]
    assert "quotation-attribution" in meta["tags"]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert list(configs) == list(CONFIGS)
    assert configs["articles"]["default"] is True
    assert not any(configs[c].get("default") for c in ("quotes", "tokens"))
    for config in configs.values():
        for entry in config["data_files"]:
            assert len(list(out.glob(entry["path"]))) == 1
    infos = {info["config_name"]: info for info in meta["dataset_info"]}
    for config in CONFIGS:
        declared = datasets.Features._from_yaml_list(infos[config]["features"])
        assert declared == features_for(config)
        splits = {s["name"]: s["num_examples"] for s in infos[config]["splits"]}
        assert splits == {split: len(part) for split, part in loaded[config].items()}
    stance = next(f for f in infos["quotes"]["features"] if f["name"] == "stance")
    assert list(stance["dtype"]["class_label"]["names"].values()) == list(
        SCHEMA.attribute("stance").values
    )
    card = huggingface_hub.DatasetCard.load(out / "README.md")
    assert card.data.license == "cc-by-2.5"


def test_the_card_body_documents_the_dataset(export: tuple[Path, DatasetSummary]) -> None:
    body = (export[0] / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert ATTRIBUTION in body
    assert f"schema {SCHEMA.version}" in body
    for label in SCHEMA.labels:
        assert f"| {label.value} | {label.description} |" in body
    for relation in SCHEMA.relations:
        assert f"| {relation.value} |" in body
    for choice in SCHEMA.attribute("stance_target").choices:
        assert f"`{choice.value}`: {choice.hint}" in body
    for config in CONFIGS:
        assert f'load_dataset("exports/sco", "{config}")' in body
        assert f"### `{config}`" in body
    assert "| QUOTE | 4 | 0 | 1 | 5 |" in body
    assert "| gold | 4 |" in body and "| conflicts | 1 |" in body
    assert "quotegold test (id 3)" in body
    assert "annotators: 2" in body
    assert "alice@example.org" not in body
    assert "QUOTE > SPEAKER > CUE > INITIATIVE" in body


def test_the_card_shows_who_said_what_and_its_code_runs(
    offline: Path, export: tuple[Path, DatasetSummary], capsys: pytest.CaptureFixture[str]
) -> None:
    out = export[0]
    body = (out / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "## Who said what about whom" in body
    assert "one `train` split holding every speaker" in body
    section = body.split("## Who said what about whom", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert 'load_dataset("exports/sco", "speakers")' in code
    code = code.replace(
        '"exports/sco", "speakers")', f'{str(out)!r}, "speakers", cache_dir={str(offline)!r})'
    )
    exec(compile(code, "card", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert "Sergei Shoigu | oppose | security | We oppose terrorism in every form." in printed
    assert "officials | neutral | None | the plan would be signed soon" in printed
    assert "    security 0 1 0" in printed


def test_without_any_licence_the_card_says_unknown(tmp_path: Path) -> None:
    out = tmp_path / "unlicensed"
    write_dataset(make_records()[:1], out=out, report={}, name="unlicensed")
    # No --license and no article licence: the Hub's `unknown`, and the card says so.
    assert header(out)["license"] == "unknown"
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "1 article(s) give no licence and no known source" in text
    assert "No attribution text was given." in text


# --- atomic writes and refusals -------------------------------------------------------------


def failing_after(calls: int, error: BaseException) -> Callable[..., int]:
    real = splitfiles._write_parquet
    seen = []

    def write(*args: Any) -> int:
        seen.append(args)
        if len(seen) > calls:
            raise error
        return real(*args)

    return write


@pytest.mark.parametrize(
    ("error", "raised"),
    [(OSError(28, "No space left on device"), ExportError), (RuntimeError("bug"), RuntimeError)],
)
def test_a_failed_export_leaves_the_previous_one_as_it_was(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    raised: type[BaseException],
) -> None:
    out = tmp_path / "exports" / "sco"
    write_dataset(make_records(), out=out, report=REPORT, name="sco")
    before = snapshot(out)
    monkeypatch.setattr(splitfiles, "_write_parquet", failing_after(3, error))
    with pytest.raises(raised):
        write_dataset(make_records(), out=out, report={"changed": True}, name="sco")
    assert snapshot(out) == before
    assert [path.name for path in out.parent.iterdir()] == ["sco"]


def test_exporting_again_replaces_the_export_and_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "sco"
    write_dataset(make_records(), out=out, report=REPORT, name="sco")
    first = snapshot(out)
    write_dataset(make_records()[:1], out=out, report=REPORT, name="sco")
    assert len((out / "gold.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    assert not (out / "data" / "articles" / "test-00000-of-00001.parquet").exists()
    write_dataset(make_records(), out=out, report=REPORT, name="sco")
    # The data is the same again; the card and report.json differ only by the changelog.
    again = snapshot(out)
    assert {k: v for k, v in again.items() if k not in ("README.md", "report.json")} == {
        k: v for k, v in first.items() if k not in ("README.md", "report.json")
    }
    log = json.loads(again["report.json"])["export"]["changelog"]
    assert len(log["added"]) == 3 and not log["removed"] and not log["changed"]
    assert [path.name for path in tmp_path.iterdir()] == ["sco"]


def test_a_folder_that_is_not_an_export_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious", encoding="utf-8")
    for keep in (False, True):
        with pytest.raises(ExportError, match=r"not a quotegold export.*--out exports/NAME"):
            write_dataset(make_records(), out=out, report={}, name="x", keep_other_files=keep)
    assert snapshot(out) == {"chapter1.tex": b"precious"}


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "new"
    out.mkdir()
    write_dataset(make_records()[:1], out=out, report={}, name="new")
    assert (out / "README.md").is_file()


@pytest.mark.parametrize(
    ("make_out", "message"),
    [
        (lambda tmp: tmp / "file.txt", "is a file"),
        (lambda tmp: tmp / "file.txt" / "sco", "Cannot create"),
    ],
    ids=["out-is-a-file", "parent-is-a-file"],
)
def test_an_unusable_out_path_is_an_export_error(
    tmp_path: Path, make_out: Callable[[Path], Path], message: str
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ExportError, match=message):
        write_dataset(make_records(), out=make_out(tmp_path), report={}, name="x")
    assert [path.name for path in tmp_path.iterdir()] == ["file.txt"]


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(ExportError, match="symbolic link"):
        write_dataset(make_records(), out=tmp_path / "link", report={}, name="x")


def test_a_report_that_is_not_json_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="report cannot be written as JSON"):
        write_dataset(make_records(), out=tmp_path / "x", report={"when": object()}, name="x")
    assert list(tmp_path.iterdir()) == []


def test_bad_ratios_are_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"add up to 1\.1"):
        write_dataset(make_records(), out=tmp_path / "x", report={}, name="x", ratios=(1, 0.1, 0))
    assert list(tmp_path.iterdir()) == []


def _break_offset(records: list[dict[str, Any]]) -> None:
    records[0]["speakers"][0]["start"] += 1


def _duplicate(records: list[dict[str, Any]]) -> None:
    records[1]["id"] = records[0]["id"]


def _unknown_stance(records: list[dict[str, Any]]) -> None:
    records[0]["quotes"][0]["stance"] = "ambivalent"


@pytest.mark.parametrize(
    ("damage", "message", "where"),
    [
        (_break_offset, r"text\[1:30\]", "task 1, annotation 10, region s1"),
        (_duplicate, "article article-0 appears twice", "task 2"),
        (_unknown_stance, "'ambivalent'", "task 1, annotation 10, region q1"),
    ],
    ids=["offset", "duplicate-id", "unknown-stance"],
)
def test_invalid_records_are_refused_with_located_issues(
    tmp_path: Path, damage: Callable[[list[dict[str, Any]]], None], message: str, where: str
) -> None:
    # The rules and their wording belong to `validate`; the export refuses what it refuses.
    records = make_records()
    damage(records)
    with pytest.raises(ValidationError, match=message) as raised:
        write_dataset(records, out=tmp_path / "x", report={}, name="x")
    assert [str(issue.location) for issue in raised.value.issues] == [where]
    assert list(tmp_path.iterdir()) == []


def test_records_may_come_from_a_generator(tmp_path: Path) -> None:
    summary = write_dataset(
        (record for record in make_records()), out=tmp_path / "x", report={}, name="x"
    )
    assert summary.articles == 4


def test_the_tokens_helper_process_writes_what_the_caller_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked, inline = tmp_path / "forked", tmp_path / "inline"
    write_dataset(make_records(), out=forked, report=REPORT, name="sco")
    # Where the system cannot fork, the tokens configuration is written in the caller.
    monkeypatch.setattr(dataset_module.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    write_dataset(make_records(), out=inline, report=REPORT, name="sco")
    assert snapshot(forked) == snapshot(inline)
    assert any(name.startswith("data/tokens/") for name in snapshot(forked))


def die_at_once(*args: object) -> None:
    """Stands in for the tokens writer in the forked helper: the helper dies at once."""
    os._exit(1)


def test_a_helper_that_dies_fails_the_export_and_leaves_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exports" / "sco"
    write_dataset(make_records(), out=out, report=REPORT, name="sco")
    before = snapshot(out)
    monkeypatch.setattr(dataset_module, "_write_tokens", die_at_once)
    with pytest.raises(ExportError, match="helper process writing the tokens"):
        write_dataset(make_records(), out=out, report={"changed": True}, name="sco")
    assert snapshot(out) == before
    assert [path.name for path in out.parent.iterdir()] == ["sco"]
