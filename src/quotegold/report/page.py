"""One self-contained HTML page about an export, for the people checking the gold data.

    write_report(Path("exports/sco"), Path("exports/sco/report.html"))

How it works, in more detail: docs/design.md, "report.page".
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, cast

from quotegold.dataset.reportfile import ExportReport
from quotegold.dataset.rows import speaker_rows
from quotegold.dataset.splits import DEFAULT_RATIOS, SPLITS, split_for
from quotegold.dataset.target import add_to_marker
from quotegold.errors import ExportError, ValidationError
from quotegold.gold.exportfile import read_gold_jsonl
from quotegold.gold.model import GoldRecord, regions_of
from quotegold.gold.validate import validate_records
from quotegold.report.charts import STANCE_COLOURS, labels_chart, progress_chart, stance_chart
from quotegold.report.highlight import (
    STANCE_GLYPHS,
    escape,
    record_marks,
    region_anchors,
    render,
)
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.definition import LABEL_VALUES, LABELS, STANCE_VALUES, AnnotationSchema
from quotegold.schema.formats import LAYER_KEYS
from quotegold.schema.stored import read_schema_file, schema_beside

__all__ = ["write_report"]

TOP_SPEAKERS = 20
# report.json `counts` keys, and what the page calls them.
PROGRESS_LABELS = {
    "gold": "done",
    "conflict": "conflicts",
    "invalid": "invalid",
    "unannotated": "unannotated",
    "skipped": "skipped",
}
AGREEMENT_TITLES = {
    "summary": "Compared",
    "layers": "Spans, per layer",
    "relations": "Relations: quote \u2192 speaker",
    "alpha": "Attributes: Krippendorff's alpha",
    "annotators": "Per annotator",
    "pairs": "Per pair of annotators",
}
NO_TARGET = "(no target)"
_DOT = " \u00b7 "
_Anchors = dict[str, dict[tuple[str, str], str]]


# --- reading the export ---------------------------------------------------------------------


def _load(export_dir: Path) -> tuple[list[GoldRecord], ExportReport, AnnotationSchema]:
    """The export's gold records sorted by id, its report and the schema it was validated
    with (its schema.json; the built-in one for an export made before it had one); errors
    say what to do."""
    gold_path, report_path = export_dir / "gold.jsonl", export_dir / "report.json"
    for path in (gold_path, report_path):
        if not path.is_file():
            raise ExportError(
                f"{export_dir} is not a quotegold export: it has no {path.name}. "
                "Give the folder `quotegold export` wrote."
            )
    stored = schema_beside(export_dir)
    schema = DEFAULT_SCHEMA if stored is None else read_schema_file(stored)
    gold = read_gold_jsonl(gold_path)
    issues = gold.issues + validate_records(gold.records, schema=schema)
    if issues:
        raise ValidationError(issues)
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"Cannot read {report_path}: {error}; export again.") from error
    if not isinstance(report, dict):
        raise ExportError(f"{report_path} holds no JSON object; export again.")
    records = sorted((record for record, _ in gold), key=lambda r: str(r["id"]))
    # As `quotegold export` wrote it, or hand-edited: what the page reads is checked there.
    return records, cast(ExportReport, report), schema


def _splits(records: Sequence[GoldRecord], report: ExportReport) -> dict[str, str]:
    """Each article's split, from the ratios the export used."""
    ratios = report.get("export", {}).get("ratios", {})
    try:
        values = tuple(float(ratios[split]) for split in SPLITS)
    except (KeyError, TypeError, ValueError):
        values = DEFAULT_RATIOS
    return {record["id"]: split_for(record["id"], values) for record in records}


def _labels_by_split(
    records: Sequence[GoldRecord], splits: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for record in records:
        counter = counts.setdefault(splits[record["id"]], Counter())
        counter.update({label: len(regions_of(record, label)) for label in LAYER_KEYS})
    return {split: dict(counts[split]) for split in SPLITS if split in counts}


def _stance_by_target(
    records: Sequence[GoldRecord], schema: AnnotationSchema
) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for record in records:
        for quote in record["quotes"]:
            counts.setdefault(quote["stance_target"] or NO_TARGET, Counter())[quote["stance"]] += 1
    order = [*schema.attribute("stance_target").values, NO_TARGET]
    return {target: dict(counts[target]) for target in order if target in counts}


def _progress(report: ExportReport, override: Mapping[str, int] | None) -> dict[str, int]:
    if override is not None:
        return {str(name): int(count) for name, count in override.items()}
    counts: object = report.get("counts")  # as the file holds it
    if not isinstance(counts, Mapping):
        return {}
    return {label: int(counts.get(key) or 0) for key, label in PROGRESS_LABELS.items()}


# --- HTML helpers ---------------------------------------------------------------------------


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _cell(value: object) -> str:
    """A value for a table cell, escaped: floats to 3 places, missing as a dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Mapping | list | tuple):
        return _e(json.dumps(value, ensure_ascii=False))
    return _e(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """A table; headers are escaped here, cells must be HTML already."""
    head = "".join(f"<th>{_e(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _link(url: object, text: str) -> str:
    """A link only to an http(s) address; anything else (javascript:, data:) stays text."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer">{_e(text)}</a>'
    return _e(url) if url else "\u2014"


def _items(values: Sequence[object]) -> str:
    return "<ul>" + "".join(f"<li>{_e(value)}</li>" for value in values) + "</ul>"


def _chart(name: str, png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="chart" data-chart="{_e(name)}" alt="{_e(alt)}" '
        f'src="data:image/png;base64,{data}">'
    )


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{body}</section>'


# --- sections -------------------------------------------------------------------------------


def _counts_section(by_split: Mapping[str, Mapping[str, int]], chart: str) -> str:
    rows = [
        [
            _e(label),
            *(_cell(by_split[split].get(label, 0)) for split in by_split),
            _cell(sum(counts.get(label, 0) for counts in by_split.values())),
        ]
        for label in LABEL_VALUES
    ]
    table = _table(["label", *by_split, "all"], rows, "numbers")
    return _section("counts", "Labels per split", f'<div class="pair">{chart}{table}</div>')


def _progress_section(progress: Mapping[str, int], chart: str) -> str:
    if not progress:
        return _section("progress", "Annotation progress", "<p>report.json has no counts.</p>")
    total = sum(progress.values())
    rows = [
        [_e(name), _cell(count), f"{100 * count / total:.0f}%" if total else "\u2014"]
        for name, count in progress.items()
    ]
    table = _table(["status", "tasks", "share"], rows, "numbers")
    return _section("progress", "Annotation progress", f'<div class="pair">{chart}{table}</div>')


def _stance_section(by_target: Mapping[str, Mapping[str, int]], chart: str) -> str:
    if not by_target:
        return _section("stance", "Stance by target", "<p>No quotes.</p>")
    stances = STANCE_VALUES
    rows = [
        [_e(target), *(_cell(counts.get(stance, 0)) for stance in stances)]
        for target, counts in by_target.items()
    ]
    table = _table(["target", *stances], rows, "numbers")
    return _section("stance", "Stance by target", f'<div class="pair">{chart}{table}</div>')


def _heat(counts: Mapping[str, Any]) -> str:
    """A speaker and target cell: nonzero counts by stance, tinted by the net stance."""
    stances = STANCE_VALUES
    total = sum(int(counts[stance]) for stance in stances)
    if not total:
        return "<td></td>"
    net = (int(counts.get("support", 0)) - int(counts.get("oppose", 0))) / total
    rgb = "46,125,50" if net > 0 else "198,40,40" if net < 0 else "158,158,158"
    alpha = 0.12 + 0.33 * abs(net) if net else 0.15
    shown = " ".join(
        f'<span class="st-{_e(stance)}">{STANCE_GLYPHS.get(stance, "")}{counts[stance]}</span>'
        for stance in stances
        if counts[stance]
    )
    return f'<td class="heat" style="background:rgba({rgb},{alpha:.2f})">{shown}</td>'


def _speakers_section(
    records: Sequence[GoldRecord], anchors: _Anchors, schema: AnnotationSchema
) -> str:
    speakers = [row for row in speaker_rows(records, schema) if row["quotes"]]
    speakers.sort(key=lambda row: (-len(row["quotes"]), row["name"].casefold()))
    top = speakers[:TOP_SPEAKERS]
    if not top:
        return _section("speakers", "Stance by speaker", "<p>No quote has a speaker.</p>")
    order = [*schema.attribute("stance_target").values, None]
    present = {count["target"] for row in top for count in row["stances"]}
    targets = [target for target in order if target in present]
    head = "".join(f"<th>{_e(target or NO_TARGET)}</th>" for target in targets)
    body = []
    for row in top:
        first = row["mentions"][0]
        href = anchors[first["article_id"]][("SPEAKER", first["id"])]
        by_target = {count["target"]: count for count in row["stances"]}
        cells = "".join(
            _heat(by_target[target]) if target in by_target else "<td></td>" for target in targets
        )
        body.append(
            f'<tr><th class="name"><a href="#{href}">{_e(row["name"])}</a></th>'
            f"<td>{_e(row['kind'])}</td><td>{len(row['quotes'])}</td>"
            f"<td>{len(row['articles'])}</td>{cells}</tr>"
        )
    table = (
        '<table class="heatmap"><thead><tr><th>speaker</th><th>kind</th><th>quotes</th>'
        f"<th>articles</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    note = (
        f"<p>{len(top)} of {len(speakers)} quoted speaker(s), most quoted first. A speaker is a "
        "canonical name and kind across articles; cells count quotes by stance (+ support, "
        "\u2212 oppose, = neutral), tinted green to red by the balance.</p>"
    )
    return _section("speakers", "Stance by speaker", note + table)


def _value_table(value: object) -> str:
    """Whatever an agreement entry holds, as a table: a mapping of mappings is a matrix."""
    if isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
        columns = list(dict.fromkeys(key for inner in value.values() for key in inner))
        rows = [
            [_e(name), *(_cell(inner.get(c)) for c in columns)] for name, inner in value.items()
        ]
        return _table(["", *map(str, columns)], rows, "numbers")
    if isinstance(value, Mapping):
        return _table(["", "value"], [[_e(k), _cell(v)] for k, v in value.items()], "numbers")
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        columns = list(dict.fromkeys(key for item in value for key in item))
        return _table(list(map(str, columns)), [[_cell(i.get(c)) for c in columns] for i in value])
    return f"<p>{_cell(value)}</p>"


def _agreement_section(agreement: Mapping[str, object]) -> str:
    parts = [
        f"<div><h3>{_e(AGREEMENT_TITLES.get(str(key), key))}</h3>{_value_table(value)}</div>"
        for key, value in agreement.items()
    ]
    body = f'<div class="row">{"".join(parts)}</div>' if parts else "<p>Nothing given.</p>"
    return _section("agreement", "Agreement", body)


def _conflicts_section(report: ExportReport) -> str:
    listed = report.get("conflicts")  # a list in every export; anything else shows none
    conflicts = [c for c in listed if isinstance(c, Mapping)] if isinstance(listed, list) else []
    rejected = [r for r in report.get("rejected") or [] if isinstance(r, Mapping)]
    problems = [p for p in report.get("problems") or [] if isinstance(p, Mapping)]
    parts = [f"<p>{len(conflicts)} conflict(s), {len(rejected)} rejected record(s).</p>"]
    if conflicts:
        rows = [
            [
                _cell(c.get("task_id")),
                _cell(c.get("article_id")),
                _e(", ".join(map(str, c.get("annotation_ids") or []))),
                _e(", ".join(map(str, c.get("annotator_ids") or []))),
                _items(c.get("differences") or []),
                _link(c.get("link"), "open task"),
            ]
            for c in conflicts
        ]
        headers = ["task", "article", "annotations", "annotators", "differences", "link"]
        parts.append("<h3>Conflicts</h3>" + _table(headers, rows, "list"))
    if rejected:
        rows = [
            [
                _cell(r.get("task")),
                _cell(r.get("article_id")),
                _cell(r.get("annotation")),
                _items(r.get("reasons") or []),
                _link(r.get("link"), "open task"),
            ]
            for r in rejected
        ]
        headers = ["task", "article", "annotation", "reasons", "link"]
        parts.append("<h3>Rejected records</h3>" + _table(headers, rows, "list"))
    if problems:
        shown = [" ".join(f"{k} {v}" for k, v in p.items() if k != "message") for p in problems]
        lines = [
            f"{where}: {p.get('message', '')}" for where, p in zip(shown, problems, strict=True)
        ]
        parts.append(
            f"<details><summary>{len(problems)} problem(s)</summary>{_items(lines)}</details>"
        )
    return _section("conflicts", "Conflicts and rejected records", "".join(parts))


def _legend() -> str:
    labels = "".join(
        f'<li><mark class="l-{label.value}">{_e(label.value)}</mark> {_e(label.description)}</li>'
        for label in LABELS
    )
    stances = "".join(
        f'<li><sup class="said st-{_e(stance)}">{STANCE_GLYPHS.get(stance, "")}\u202fname</sup> '
        f"{_e(stance)}</li>"
        for stance in STANCE_VALUES
    )
    return (
        f'<ul class="legend">{labels}</ul><ul class="legend">{stances}'
        "<li>after each quote: its stance and a link to its speaker; hover for details</li></ul>"
    )


def _article(
    index: int, record: GoldRecord, split: str, anchors: Mapping[tuple[str, str], str]
) -> str:
    meta: Mapping[str, object] = record["meta"]
    facts = [
        f"<code>{_e(record['id'])}</code>",
        _e(split),
        *(_e(meta[key]) for key in ("source", "published") if meta.get(key)),
        *([_link(meta["url"], "source")] if meta.get("url") else []),
        f"{len(record['quotes'])} quote(s), {len(record['speakers'])} speaker mention(s)",
    ]
    text = render(record["text"], record_marks(record, anchors))
    return (
        f'<article id="article-{index}" data-article="{_e(record["id"])}">'
        f"<h3>{_e(meta.get('title') or record['id'])}</h3>"
        f'<p class="facts">{_DOT.join(facts)}</p><div class="text">{text}</div></article>'
    )


def _articles_section(
    records: Sequence[GoldRecord], splits: Mapping[str, str], anchors: _Anchors
) -> str:
    articles = "".join(
        _article(index, record, splits[record["id"]], anchors[record["id"]])
        for index, record in enumerate(records)
    )
    return _section("articles", f"Articles ({len(records)})", _legend() + articles)


# --- the page -------------------------------------------------------------------------------


def _css() -> str:
    layers = "\n".join(f"mark.l-{label.value} {{ --c: {label.colour}; }}" for label in LABELS)
    stances = "\n".join(
        f".st-{stance} {{ --s: {colour}; }}" for stance, colour in STANCE_COLOURS.items()
    )
    base = resources.files("quotegold.report").joinpath("report.css").read_text(encoding="utf-8")
    return f"{base}\n{layers}\n{stances}\n"


def _page(title: str, summary: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{anchor}">{_e(name)}</a>' for anchor, name, _ in sections)
    body = "".join(html for _, _, html in sections)
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>
{_css()}</style>
</head>
<body>
<header><h1>{_e(title)}</h1>{summary}<nav>{nav}</nav></header>
<main>
{body}
</main>
</body>
</html>
"""


def _summary(report: ExportReport, records: Sequence[GoldRecord], schema: AnnotationSchema) -> str:
    quotes = sum(len(record["quotes"]) for record in records)
    speakers = len(speaker_rows(records, schema))
    facts = [
        f"{len(records)} article(s)",
        f"{quotes} quote(s)",
        f"{speakers} speaker(s)",
        f"schema {report.get('schema_version', schema.version)}",
        *([f"exported {report['created_at']}"] if report.get("created_at") else []),
        *([f"strategy {report['strategy']}"] if report.get("strategy") else []),
    ]
    return f'<p class="summary">{_e(_DOT.join(facts))}</p>'


def _write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8", newline="\n")
        else:
            path.write_bytes(data)
    except OSError as error:
        raise ExportError(
            f"Cannot write {path}: {error}; check the folder exists and is writable."
        ) from error


def write_report(
    export_dir: Path,
    out: Path,
    *,
    agreement: Mapping[str, object] | None = None,
    progress: Mapping[str, int] | None = None,
) -> Path:
    """Write one self-contained HTML report about the export in `export_dir` to `out`.

    The charts are embedded in the page and also written beside it as `<out stem>-labels.png`,
    `<out stem>-stance.png` and `<out stem>-progress.png` (a chart with no data is left out).
    `agreement` is rendered as given: a mapping such as {"layers": {"QUOTE": {"f1_exact": …}},
    "alpha": {"stance": …}, "annotators": {…}}; a mapping of mappings becomes a table. Without
    it, the agreement `quotegold export` put in report.json (if any) is shown.
    `progress` (status → tasks) replaces the counts from report.json. Returns `out`.
    Raises `ExportError` when `export_dir` is not an export or a file cannot be written, and
    `ValidationError` when its gold.jsonl holds records that are not valid gold.
    """
    records, report, schema = _load(export_dir)
    if agreement is None and isinstance(report.get("agreement"), Mapping):
        agreement = report["agreement"]
    splits = _splits(records, report)
    by_split = _labels_by_split(records, splits)
    by_target = _stance_by_target(records, schema)
    tasks = _progress(report, progress)
    charts = {
        "labels": labels_chart(by_split) if by_split else None,
        "stance": stance_chart(by_target) if by_target else None,
        "progress": progress_chart(tasks) if tasks else None,
    }
    alts = {
        "labels": "regions per label and split",
        "stance": "quotes per stance target, by stance",
        "progress": "tasks per annotation status",
    }
    shown = {name: _chart(name, png, alts[name]) if png else "" for name, png in charts.items()}
    anchors = {r["id"]: region_anchors(f"a{i}", r) for i, r in enumerate(records)}
    sections = [
        ("counts", "Labels", _counts_section(by_split, shown["labels"])),
        ("progress", "Progress", _progress_section(tasks, shown["progress"])),
        ("stance", "Stance", _stance_section(by_target, shown["stance"])),
        ("speakers", "Speakers", _speakers_section(records, anchors, schema)),
        *([("agreement", "Agreement", _agreement_section(agreement))] if agreement else []),
        ("conflicts", "Conflicts", _conflicts_section(report)),
        ("articles", "Articles", _articles_section(records, splits, anchors)),
    ]
    name = str(report.get("name") or report.get("export", {}).get("name") or export_dir.name)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create {out.parent}: {error}; check the path.") from error
    written = [out]
    for chart, png in charts.items():
        if png:
            written.append(out.with_name(f"{out.stem}-{chart}.png"))
            _write(written[-1], png)
    _write(out, _page(f"quotegold report: {name}", _summary(report, records, schema), sections))
    add_to_marker(export_dir, written)  # ours: the next export may replace them
    return out
