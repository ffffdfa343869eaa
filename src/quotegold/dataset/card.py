"""The dataset card (README.md) of an export: Hub metadata in a YAML header, then documentation.

The header is built as `huggingface_hub.DatasetCardData` and dumped by it, never written by
hand, then read back to check it parses to the same thing. The body is rendered from the
annotation schema, the export's counts and the report it was given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from huggingface_hub import DatasetCard, DatasetCardData

from quotegold.dataset.cardnotes import (
    card_text as _text,
)
from quotegold.dataset.cardnotes import (
    changelog_section,
    formats_section,
    licence_section,
    split_quality_section,
    split_rules,
)
from quotegold.dataset.options import DatasetOptions
from quotegold.dataset.reportfile import AgreementFigures, ExportedDataset, ExportReport
from quotegold.dataset.tokens import NER_PRECEDENCE, layer_column
from quotegold.errors import ExportError
from quotegold.gold.model import Provenance
from quotegold.schema.definition import LABEL_VALUES, AnnotationSchema
from quotegold.schema.formats import JOINER, strip_controls
from quotegold.schema.stored import GOLD_SCHEMA_FILE, SCHEMA_FILE


class Sourced(TypedDict):
    """What the card reads of a record: its provenance (a gold record will do)."""

    provenance: Provenance


TASK_CATEGORIES = ["token-classification", "text-classification"]
TASK_IDS = ["multi-class-classification"]
TAGS = ["quotation-attribution", "stance-detection", "news", "label-studio", "quotegold"]

CONFIG_ROWS = {
    "articles": "article: its text and every annotated region (the default)",
    "quotes": "quote: its text and offsets, speaker, cue, type and stance",
    "tokens": "article: spaCy tokens with BIO tags, one column per layer and one combined",
    "sentences": "sentence (at most 512 tokens): tokens with the exact whitespace after each "
    "(`spaces`) and the same tags, for encoders with a length limit",
    "attribution": "(quote, candidate SPEAKER mention of its article) pair: whether the "
    "quote is attributed to that mention, with distance and cue features",
    "speakers": "canonical speaker (name and kind) over all articles of every split, in one "
    "`train` split: mentions, quotes, stances and initiatives",
}

# How each relation appears in the data.
RELATION_FIELDS = {
    "said_by": "`quotes.speaker_id` (articles), `speaker*` columns (quotes), `quotes` (speakers)",
    "cued_by": "`quotes.cue_id` (articles), `cue*` columns (quotes)",
    "put_forward_by": "`initiatives.proponent_ids` (articles), `initiatives` (speakers)",
    "continues": "the parts of one quote are the entries of its `spans`",
}

_REGION = "a list of regions, each with `id`, `start`, `end` and `text`"
FIELD_DOCS: dict[str, dict[str, str]] = {
    "articles": {
        "id": "stable article id",
        "text": "the article text; every offset indexes it",
        "title": "headline, if known",
        "url": "where the article was published, if known",
        "source": "publisher or corpus, if known",
        "published": "publication date as given, if known",
        "license": "the article's licence (a Hub licence id), null when none was given",
        "boilerplate": "ranges flagged as boilerplate when the article was read (not annotated)",
        "speakers": f"SPEAKER mentions: {_REGION}, canonical `name` and `kind`",
        "cues": f"CUE regions: {_REGION}",
        "quotes": "QUOTE regions: `spans` (one per part), `text`, `speaker_id` and `cue_id` "
        "(null when none), `no_speaker`, `quote_type`, `stance`, `stance_target` (may be null)",
        "initiatives": f"INITIATIVE regions: {_REGION}, `status` and `proponent_ids`",
        "provenance": "Label Studio project, task, annotations and annotators the record "
        "comes from; annotator ids are strings",
        "schema_version": "the annotation schema version the record was made under",
    },
    "quotes": {
        "article_id": "the article (`id` in the other configurations)",
        "quote_id": "the quote region's id, unique within its article",
        "quote": f"the quote's text; the parts of a split quote are joined with {JOINER!r}",
        "start": "start of the quote's first part in the article text",
        "end": "end of the quote's last part in the article text",
        "spans": "the parts: `text[start:end] == span.text` for each",
        "quote_type": "direct, indirect or mixed",
        "stance": "the speaker's stance toward the target",
        "stance_target": "what the stance is about, one of the project's targets (see Labels); "
        "null when no target was given (neutral)",
        "no_speaker": "true when the text names no speaker for the quote",
        "speaker": "the speaker mention as written, or null",
        "speaker_id": "the speaker region's id, or null",
        "speaker_name": "the canonical name of the speaker, or null",
        "speaker_kind": "the speaker's kind (see Labels); null without a speaker",
        "cue": "the cue as written, or null",
        "cue_id": "the cue region's id, or null",
        "context": "the line(s) of the article the quote sits on, usually its paragraph",
        "context_start": "offset of `context` in the article text",
        "source": "the article's publisher or corpus, if known",
        "license": "the article's licence, null when none was given",
    },
    "sentences": {
        "id": "`<article id>:<sentence number>`",
        "article_id": "the article",
        "sentence": "the sentence's number in its article, from 0",
        "start": "offset of the first token in the article text",
        "end": "offset where the next sentence starts (or the text ends)",
        "text": "`article[start:end]`: the tokens with their `spaces`",
        "tokens": "the tokens (as `tokens`), at most 512",
        "spaces": "the exact whitespace after each token: "
        "`''.join(t + s for t, s in zip(tokens, spaces)) == text`",
        "ner_tags": "as in `tokens`; a span carried over from the previous row begins with B",
        **{
            layer_column(label): f"IOB2 tags of the {label} layer alone (O, B, I)"
            for label in LABEL_VALUES
        },
    },
    "attribution": {
        "article_id": "the article",
        "quote_id": "the quote",
        "mention_id": "the candidate SPEAKER mention",
        "quote": "the quote's text",
        "quote_start": "start of the quote's first part",
        "quote_end": "end of its last part",
        "quote_type": "direct, indirect or mixed",
        "mention": "the mention as written",
        "mention_start": "its start offset",
        "mention_end": "its end offset",
        "mention_name": "the mention's canonical name",
        "mention_kind": "the mention's kind",
        "label": "`speaker` when the quote is attributed to this very mention",
        "same_speaker": "true when the mention names the quote's speaker (same canonical "
        "name), even if another mention was linked",
        "direction": "where the mention is from the quote: before, inside or after",
        "char_distance": "characters between the quote and the mention (0: touching)",
        "token_distance": "tokens between the quote and the mention",
        "same_paragraph": "no line break between the quote and the mention",
        "mentions_between": "other SPEAKER mentions between the quote and this one",
        "has_cue": "the quote has a CUE",
        "cue_between": "the quote's cue lies between the quote and the mention",
        "cue_distance": "characters between the cue and the mention; null without a cue",
    },
    "tokens": {
        "id": "the article id",
        "tokens": "tokens of spaCy's blank English tokenizer, whitespace tokens left out",
        "token_starts": "offset of each token: `text[token_starts[i]:token_ends[i]] == tokens[i]`",
        "token_ends": "end offset of each token",
        "ner_tags": "one IOB2 tag per token; where layers overlap, precedence decides",
        **{
            layer_column(label): f"IOB2 tags of the {label} layer alone (O, B, I)"
            for label in LABEL_VALUES
        },
    },
    "speakers": {
        "name": "the canonical name, as most often written by the annotators",
        "kind": "the speaker's kind (see Labels); part of the speaker's identity",
        "mentions": "every SPEAKER mention of this speaker: `article_id`, the region `id`, "
        "`text`, `start`, `end`",
        "articles": "the articles the speaker is mentioned in, sorted by id",
        "quotes": "the quotes attributed to any of the mentions: `article_id`, `quote_id`, "
        "`quote`, `speaker_id` (the mention), `quote_type`, `stance`, `stance_target`",
        "stances": "the quotes counted by `target` (null: no target given) and stance, "
        "one entry per target",
        "initiatives": "initiatives any of the mentions put forward: `article_id`, "
        "`initiative_id`, `text`, `status`",
    },
}


FOLD_DOC = "the article's fold for cross-validation (see Splits); the same for its group"


def _code(path: str) -> str:
    """A path as a Python string literal fit for a code block in the card."""
    return json.dumps(strip_controls(path)).replace("`", "\\u0060")


def _cell(value: object) -> str:
    return _text(value).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(_cell(header) for header in headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def _size_category(count: int) -> str:
    bounds = [(10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K"), (10**6, "100K<n<1M")]
    return next((name for bound, name in bounds if count < bound), "1M<n<10M")


def _metadata(
    *,
    name: str,
    license: str | list[str],
    articles: int,
    configs: list[dict[str, Any]],
    dataset_info: Any,
    extras: DatasetOptions,
) -> DatasetCardData:
    other = license == "other" and extras.license_name is not None
    card = DatasetCardData(
        language=["en"],
        license=license,
        pretty_name=name,
        annotations_creators=["expert-generated"],
        language_creators=list(extras.language_creators),
        multilinguality=["monolingual"],
        size_categories=[_size_category(articles)],
        source_datasets=list(extras.source_datasets),
        task_categories=TASK_CATEGORIES,
        task_ids=TASK_IDS,
        tags=TAGS,
        configs=configs,
        dataset_info=dataset_info,
    )
    if other:  # the Hub asks for both with `license: other`
        card["license_name"] = extras.license_name
        card["license_link"] = extras.license_link
    return card


def _flatten(value: object, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return [row for key, inner in value.items() for row in _flatten(inner, f"{prefix}{key}.")]
    if isinstance(value, list | tuple):
        return [(prefix.rstrip("."), f"{len(value)} item(s)")]
    return [(prefix.rstrip("."), str(value))]


def _made(report: ExportReport, records: Iterable[Sourced]) -> str:
    # One pass, keeping only ids: the export streams its records here from disk.
    found: set[tuple[str, int | None]] = set()
    tasks: set[int] = set()
    annotations: set[int] = set()
    annotators: set[str] = set()
    for record in records:
        p = record["provenance"]
        found.add((p["project_title"] or "untitled", p["project_id"]))
        if p["task_id"] is not None:
            tasks.add(p["task_id"])
        annotations.update(p["annotation_ids"])
        annotators.update(str(a) for a in p["annotator_ids"])
    projects = sorted(found - {("untitled", None)}, key=str)
    shown = ", ".join(f"{_text(title)} (id {pid})" for title, pid in projects)
    source = report.get("source") or {}
    files = source.get("files") or ([source["file"]] if source.get("file") else [])
    origin = (
        f"- Label Studio project(s): {shown}"
        if shown
        else "- Label Studio project(s): none recorded (the records came from files)"
    )
    if isinstance(files, list) and files:
        origin += f"\n- built from: {', '.join(f'`{_text(f)}`' for f in files)}"
    # The agreement has a section of its own.
    rows = _flatten({key: value for key, value in report.items() if key != "agreement"})
    more = f"\n\n… and {len(rows) - 40} more entries in `report.json`." if len(rows) > 40 else ""
    report_table = _table(["report entry", "value"], rows[:40]) if rows else "(empty report)"
    how = (
        "Articles were imported into Label Studio with suggested regions and annotated in its web\n"
        "interface. Each annotation was converted to a gold record with exact offsets;"
        if shown or not files
        else "The records were read from gold JSONL files and Label Studio exports (listed\n"
        "below), with no server. Each annotation was converted to a gold record with exact offsets;"
    )
    return f"""## How it was made

{how} annotations of
the same article were adjudicated (ground truth first, then agreement; conflicts are reported,
not exported) and every record was validated against the JSON Schema of a gold record and
the rules a schema cannot say (offsets match the text, relations point at existing regions).

{origin}
- tasks: {len(tasks)}, annotations: {len(annotations)}, annotators: {len(annotators)}

The export report (`report.json` holds it in full, with this export's counts):

{report_table}{more}
"""


def _figure(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "n/a" if value is None else str(value)


def _agreement(agreement: AgreementFigures) -> str:
    """Agreement between annotators, from report.json's `agreement` (see measure.agreement)."""
    summary = agreement.get("summary") or {}
    layers = _table(
        ["layer", "regions", "F1 exact", "F1 token overlap"],
        [
            (
                layer,
                scores.get("regions"),
                _figure(scores.get("f1_exact")),
                _figure(scores.get("f1_overlap")),
            )
            for layer, scores in (agreement.get("layers") or {}).items()
        ],
    )
    said_by: Mapping[str, object] = (agreement.get("relations") or {}).get("said_by") or {}
    alpha = _table(
        ["attribute", "Krippendorff's alpha", "quotes"],
        [
            (name, _figure(value.get("alpha")), value.get("units"))
            for name, value in (agreement.get("alpha") or {}).items()
        ],
    )
    compared = (
        f"{summary.get('tasks_compared', 0)} of {summary.get('tasks', 0)} task(s) were annotated "
        f"by two annotators or more ({summary.get('annotators', 0)} annotators, "
        f"{summary.get('pairs', 0)} pair(s))"
    )
    speakers = (
        f"of {said_by.get('quote_pairs', 0)} quote(s) marked by both annotators of a pair, a "
        f"share of {_figure(said_by.get('agreement'))} were given the same speaker"
    )
    return f"""## Agreement between annotators

{compared}. Each pair was compared on the tasks both annotated; figures are summed over pairs.

{layers}

Quote → speaker: {speakers} (canonical name).

{alpha}

Alpha is nominal, over the quotes several annotators marked; n/a when every value was the
same. Per annotator and per pair: `agreement` in `report.json`.
"""


def _labels(schema: AnnotationSchema) -> str:
    labels = _table(
        ["label", "what it marks"], [(label.value, label.description) for label in schema.labels]
    )
    relations = _table(
        ["relation", "from", "to", "meaning", "in the data"],
        [
            (r.value, r.source, r.target, r.description, RELATION_FIELDS.get(r.value, ""))
            for r in schema.relations
        ],
    )
    attributes = []
    for attribute in schema.attributes:
        values = "".join(f"\n  - `{c.value}`: {c.hint}" for c in attribute.choices)
        head = f"- **{attribute.name}** ({attribute.label}, {attribute.kind}): {attribute.title}"
        attributes.append(head + (values if attribute.kind == "choice" else ""))
    return f"""## Labels (schema {schema.version})

The stance targets, speaker kinds and initiative statuses are this project's own (its
`quotegold.toml`); `{SCHEMA_FILE}` holds the whole schema the records were validated with,
and `{GOLD_SCHEMA_FILE}` the JSON Schema of a record.

{labels}

### Relations

{relations}

### Attributes

{chr(10).join(attributes)}

`stance_target` may be null when the stance is neutral; `support` and `oppose` always name one.
"""


def _counts(counts: ExportedDataset) -> str:
    splits = list(counts["splits"])
    columns = [counts["splits"][split] for split in splits] + [counts["total"]]
    rows: list[list[object]] = [
        ["articles", *(c["articles"] for c in columns)],
        ["tokens", *(c["tokens"] for c in columns)],
        *([label, *(c["labels"][label] for c in columns)] for label in counts["total"]["labels"]),
    ]
    values = [
        [name, value, *(c["attributes"][name].get(value, 0) for c in columns)]
        for name, total in counts["total"]["attributes"].items()
        for value in total
    ]
    return f"""## Counts

{_table(["", *splits, "all"], rows)}

### Attribute values

{_table(["attribute", "value", *splits, "all"], values)}
"""


def _configurations(
    folder: str, configs: list[dict[str, Any]], rows: Mapping[str, Mapping[str, int]]
) -> str:
    present = [config["config_name"] for config in configs]
    table = _table(
        ["configuration", "one row per", "rows per split"],
        [
            (f"`{c}`", CONFIG_ROWS[c], ", ".join(f"{s}: {n}" for s, n in rows[c].items()))
            for c in present
        ],
    )
    missing = [c for c in CONFIG_ROWS if c not in present]
    absent = ""
    if missing:
        shown = ", ".join(f"`{config}`" for config in missing)
        absent = f"\n\nThis export has no rows for {shown}, so it is left out."
    loads = "\n".join(f'{c} = load_dataset({_code(folder)}, "{c}")' for c in present)
    return f"""## Configurations

{table}{absent}

```python
from datasets import load_dataset

# this folder, or its repository id once it is uploaded to the Hub
{loads}

split = next(iter({present[0]}.values()))
print(split.features)
```

Closed vocabularies are `ClassLabel` columns over this project's values
(`.features[...].int2str(value)` gives the name), null where a value may be missing (the
target of a neutral quote, the speaker kind of a quote without a speaker). Offsets are
Python `str` indices (Unicode code points, not UTF-16 units or bytes): `text[start:end]` is
the span's text.
"""


def _speakers(folder: str) -> str:
    return f"""## Who said what about whom

The `speakers` configuration has one row per speaker across the whole dataset. A speaker is
the canonical name annotators gave a SPEAKER mention, casefolded with its whitespace
collapsed, together with its kind: the same name with two kinds (a country and its
government as an organisation, say) is two rows, because the annotators said they differ.

```python
from datasets import load_dataset

speakers = load_dataset({_code(folder)}, "speakers")["train"]
stance = speakers.features["quotes"].feature["stance"]
target = speakers.features["quotes"].feature["stance_target"]


def label_name(label, number):  # a ClassLabel value, or None where none was given
    return None if number is None else label.int2str(number)


for row in speakers:
    for quote in row["quotes"]:
        said = label_name(stance, quote["stance"])
        about = label_name(target, quote["stance_target"])
        print(row["name"], said, about, quote["quote"], sep=" | ")
    for count in row["stances"]:
        about = label_name(target, count["target"])
        print("   ", about, count["support"], count["oppose"], count["neutral"])
```
"""


def _splits(counts: ExportedDataset) -> str:
    ratios = ", ".join(f"{split} {ratio:g}" for split, ratio in counts["ratios"].items())
    rules = split_rules(counts.get("split_plan"))
    quality = split_quality_section(counts)
    return f"""## Splits

An article's split comes from its id alone: the SHA-256 of the id, read as a number in
[0, 1), is compared with the cumulative ratios ({ratios}). An article keeps its split when
articles are added. A split with no rows in a configuration is left out of it, because
`datasets` cannot load an empty split.

`speakers` is the exception: a speaker is quoted in articles of every split, so its rows
aggregate all of them and the configuration has one `train` split holding every speaker. Do
not train on it and evaluate on the `test` split of another configuration: its rows contain
the test quotes. Filter a row's `quotes` by `article_id` to keep one split's articles.

{rules}

{quality}"""


def _fields(fields: Mapping[str, Sequence[tuple[str, str]]], present: list[str]) -> str:
    parts = ["## Fields\n"]
    for config in present:
        docs = FIELD_DOCS.get(config, {})
        rows = [
            (f"`{field}`", kind, docs.get(field, FOLD_DOC if field == "fold" else ""))
            for field, kind in fields[config]
        ]
        parts.append(f"### `{config}`\n\n{_table(['field', 'type', 'description'], rows)}\n")
    return "\n".join(parts)


def _tags() -> str:
    return f"""## Tokens and tags

Tokens come from spaCy's blank English tokenizer (rules only, no model); tokens that are only
whitespace are left out. A token is inside a span if it overlaps it at all, and the first
token of every span (every part of a split quote) is `B`. Each layer has its own column
(`{"`, `".join(layer_column(label) for label in LABEL_VALUES)}`), so nothing is lost.
The single `ner_tags` column keeps, where layers overlap, the one first in
{" > ".join(NER_PRECEDENCE)}: a quote is one entity from its first token to its last, never
cut by a speaker or initiative named inside it (their own columns have them), and the column
is valid IOB2.
"""


def render_card(
    *,
    name: str,
    license: str | list[str],
    attribution: str | None,
    configs: list[dict[str, Any]],
    dataset_info: Any,
    fields: Mapping[str, Sequence[tuple[str, str]]],
    counts: ExportedDataset,
    report: ExportReport,
    records: Iterable[Sourced],
    schema: AnnotationSchema,
    extras: DatasetOptions = DatasetOptions(),  # noqa: B008 (frozen)
    license_given: bool = True,
) -> str:
    """The README.md of an export: the Hub metadata header, then what a reader needs; the
    labels and attribute values are `schema`'s, the project's. `license_given` says whether
    `license` was chosen when exporting or comes from the articles' own licences.

    `records` (only their provenance is read) may be any iterable: it is read once.
    """
    total = counts["total"]
    metadata = _metadata(
        name=name,
        license=license,
        articles=total["articles"],
        configs=configs,
        dataset_info=dataset_info,
        extras=extras,
    )
    folder = extras.folder or f"exports/{name}"
    present = [config["config_name"] for config in configs]
    body = "\n".join(
        [
            f"# {_text(name)}\n",
            "Who said what in English news articles: speakers, attribution cues, quotes and the "
            "initiatives speakers put forward, marked by hand in Label Studio and validated "
            f"with quotegold (annotation schema {schema.version}). {total['articles']} "
            f"article(s), {total['labels']['QUOTE']} quote(s).\n",
            changelog_section(counts.get("version"), counts.get("changelog")),
            _configurations(folder, configs, counts["rows"]),
            _splits(counts),
            *([_speakers(folder)] if "speakers" in present else []),
            _labels(schema),
            _counts(counts),
            _made(report, records),
            *(
                [_agreement(report["agreement"])]
                if isinstance(report.get("agreement"), Mapping)
                else []
            ),
            _fields(fields, present),
            _tags(),
            formats_section(counts.get("formats") or []),
            licence_section(
                license,
                counts.get("licenses") or {},
                attribution,
                license_name=extras.license_name,
                license_link=extras.license_link,
                given=license_given,
            ),
        ]
    )
    text = f"---\n{metadata.to_yaml()}\n---\n\n{body}"
    if DatasetCard(text).data.to_yaml() != metadata.to_yaml():
        raise ExportError("The dataset card's YAML header does not read back; this is a bug.")
    return text
