"""Sections of the dataset card about provenance and use: licences, split quality, version and
changelog, training formats, requirements. `card.render_card` puts them in place."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from quotegold.dataset.changelog import Changelog
from quotegold.dataset.features import DATASETS_VERSION
from quotegold.dataset.licences import UNKNOWN, needs_attribution
from quotegold.dataset.reportfile import ExportedDataset, LicenceCount
from quotegold.schema.formats import strip_controls

__all__ = [
    "MIN_PER_LABEL",
    "MIN_QUOTES",
    "card_warnings",
    "changelog_section",
    "formats_section",
    "licence_section",
    "split_quality_section",
]

# Below these, figures on a split are too noisy to compare systems with.
MIN_QUOTES = 50
MIN_PER_LABEL = 10
_EVALUATED = ("validation", "test")
_QUOTE_LABELS = ("stance", "quote_type")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def card_text(value: object) -> str:
    """Text the card shows (a name, a title, an attribution): HTML-escaped, as Markdown
    renders raw HTML, and without control characters."""
    return html.escape(strip_controls(str(value)), quote=False)


def licence_section(
    license: str | list[str],
    licences: Mapping[str, LicenceCount],
    attribution: str | None,
    *,
    license_name: str | None = None,
    license_link: str | None = None,
    given: bool = True,
) -> str:
    """Every licence of the articles with its count and sources, the dataset's licence
    (`given` when exporting, else the articles' own), and the attribution CC BY needs."""
    rows = [
        (
            f"`{licence}`" if licence != UNKNOWN else "`unknown` (no licence given)",
            counts["articles"],
            ", ".join(f"{source} ({n})" for source, n in sorted(counts["sources"].items())),
        )
        for licence, counts in licences.items()
    ]
    table = _table(["licence", "articles", "source (articles)"], rows)
    if isinstance(license, list):
        overall = (
            "The articles come under several licences (above): each row's `license` column "
            "says which one applies to it. Reuse each article under its own licence."
        )
    elif license == "other":
        overall = f"Licence: `other` ({license_name}, {license_link})."
    elif not given and license == UNKNOWN:
        overall = "No article gives a licence, so the dataset's licence is `unknown`."
    elif not given:
        overall = f"Every article gives the licence `{license}`, so it is the dataset's."
    else:
        overall = f"Licence of the whole dataset, as given when exporting: `{license}`."
    notes = []
    if UNKNOWN in licences:
        notes.append(
            f"{licences[UNKNOWN]['articles']} article(s) give no licence and no known source: "
            "ask whoever made them before reusing those texts, or leave them out."
        )
    credited = [licence for licence in licences if needs_attribution(licence)]
    if credited:
        notes.append(
            f"Articles under {', '.join(f'`{c}`' for c in credited)} must be credited wherever "
            "they are copied: each row's `url` and `source` name the original."
        )
    credit = card_text((attribution or "").strip() or "No attribution text was given.")
    extra = "".join(f"\n\n{note}" for note in notes)
    return f"## Licence and attribution\n\n{overall}\n\n{table}{extra}\n\n{credit}\n"


def _quotes_by_label(exported: ExportedDataset, split: str) -> dict[str, dict[str, int]]:
    attributes = exported["splits"][split]["attributes"]
    return {name: attributes.get(name, {}) for name in _QUOTE_LABELS}


def card_warnings(exported: ExportedDataset) -> list[str]:
    """Splits too small to evaluate on: fewer than `MIN_QUOTES` quotes, or a label value
    with fewer than `MIN_PER_LABEL` quotes (where the whole dataset has some)."""
    warnings = []
    total = exported["total"]["attributes"]
    for split in _EVALUATED:
        if split not in exported["splits"]:
            continue
        quotes = exported["splits"][split]["labels"]["QUOTE"]
        if quotes < MIN_QUOTES:
            warnings.append(
                f"warning: the {split} split has {quotes} quote(s), fewer than {MIN_QUOTES}: "
                "too few to compare systems on; pin more articles to it or use folds"
            )
        for name, values in _quotes_by_label(exported, split).items():
            thin = [
                f"{value} {values.get(value, 0)}"
                for value in total.get(name, {})
                if value != "(none)" and values.get(value, 0) < MIN_PER_LABEL
            ]
            if thin:
                warnings.append(
                    f"warning: the {split} split has fewer than {MIN_PER_LABEL} quotes of "
                    f"{name} {', '.join(thin)}"
                )
    return warnings


def split_quality_section(exported: ExportedDataset) -> str:
    """Quotes per split per label, and the warnings of `card_warnings`."""
    splits = list(exported["splits"])
    values = [
        (name, value)
        for name in _QUOTE_LABELS
        for value in exported["total"]["attributes"].get(name, {})
    ]
    rows: list[list[object]] = [
        ["quotes", *(exported["splits"][s]["labels"]["QUOTE"] for s in splits)]
    ]
    rows += [
        [f"{name} = {value}", *(_quotes_by_label(exported, s)[name].get(value, 0) for s in splits)]
        for name, value in values
    ]
    warnings = card_warnings(exported)
    shown = "\n".join(f"- {w.removeprefix('warning: ')}" for w in warnings)
    verdict = (
        f"**Too few to evaluate on:**\n\n{shown}"
        if warnings
        else f"Every evaluated split has at least {MIN_QUOTES} quotes and {MIN_PER_LABEL} of "
        "each label."
    )
    return f"### Quotes per split and label\n\n{_table(['', *splits], rows)}\n\n{verdict}\n"


def split_rules(plan: Mapping[str, object] | None) -> str:
    """How pins, groups and folds were used, for the card's Splits section."""
    if not plan:
        return ""
    lines = []
    if plan.get("pinned"):
        lines.append(
            f"{plan['pinned']} article(s) are pinned to a split (their `split` field, or "
            "`--test-ids`); the rest follow the hash."
        )
    if plan.get("group_by"):
        lines.append(
            f"Articles with the same `{plan['group_by']}` ({plan.get('groups')} group(s)) are "
            "kept in one split: the hash is of the group's value, and a pinned article takes "
            "its group with it."
        )
    if plan.get("folds"):
        lines.append(
            f"The `fold` column (0 to {int(str(plan['folds'])) - 1}) gives {plan['folds']} "
            "folds for cross-validation, stable as the splits are (a hash of the same key) "
            "and kept by group. Every article has one, whatever its split."
        )
    return "\n\n".join(lines)


def changelog_section(version: str | None, log: Changelog | None) -> str:
    if version is None or log is None:
        return ""
    since = f"`{log['previous']}`" if log["previous"] else "the export it replaced"
    first = log["previous"] is None and not (log["removed"] or log["changed"] or log["unchanged"])
    lines = [f"Version `{version}` (the export's date and a hash of `gold.jsonl`)."]
    if first:
        lines.append("The first export in this folder: every article is new.")
    lines.append(
        f"Since {since}: {len(log['added'])} article(s) added, {len(log['removed'])} removed, "
        f"{len(log['changed'])} changed, {log['unchanged']} unchanged."
    )
    for name, ids in (("Added", log["added"]), ("Removed", log["removed"])):
        if ids:
            lines.append(f"- {name}: {', '.join(f'`{i}`' for i in ids)}")
    for entry in log["changed"]:
        moved = ", ".join(f"{label} {a} → {b}" for label, (a, b) in entry["labels"].items())
        lines.append(
            f"- Changed: `{entry['id']}` ({', '.join(entry['parts'])})"
            + (f": {moved}" if moved else "")
        )
    body = "\n".join(lines)
    return f"## Changelog\n\n{body}\n\n`report.json` has the same under `export.changelog`.\n"


_FORMAT_DOCS = {
    "spacy": """### spaCy (`spacy/<split>.spacy`)

One `DocBin` per split, one `Doc` per article whose text is the article's exactly. Regions
overlap, so they are in `doc.spans` keyed by layer (`SPEAKER`, `CUE`, `QUOTE`: one span per
part, `INITIATIVE`), every span equal to its region's text. `doc.user_data["quotegold"]`
holds, per layer, one entry per span in the same order (region `id`, `part` and attributes)
and the relations (`said_by`, `cued_by`, `put_forward_by` as `from`/`to` region ids).

```python
import spacy
from spacy.tokens import DocBin

nlp = spacy.blank("en")
docs = list(DocBin().from_disk("spacy/train.spacy").get_docs(nlp.vocab))
quotes = docs[0].spans["QUOTE"]
```
""",
    "conll": """### CoNLL-U Plus (`conll/<split>.conllu`)

One block per sentence of the `sentences` configuration; columns `ID FORM MISC QG:NER
QG:SPEAKER QG:CUE QG:QUOTE QG:INITIATIVE` (declared in the first line): BIO per layer, so
overlapping layers all survive, and the combined `ner_tags`. `MISC` holds `Start=` (the
token's offset in the article) and `SpaceAfter=No` or `SpacesAfter=` (exact whitespace).
""",
}


def formats_section(files: Sequence[str]) -> str:
    kinds = [kind for kind in _FORMAT_DOCS if any(f.startswith(f"{kind}/") for f in files)]
    parts = [
        "## Requirements and training files",
        f"The features need `{DATASETS_VERSION}` (`List` features); older versions fail to "
        "read them.",
    ]
    if kinds:
        parts.append(
            "Training files beside the Hub folder (not configurations; `--formats` wrote them):"
        )
        parts += [_FORMAT_DOCS[kind] for kind in kinds]
    else:
        parts.append(
            "No training files were asked for: `quotegold export --formats docbin,conll` adds "
            "spaCy `DocBin` and CoNLL-U Plus files per split.\n"
        )
    return "\n\n".join(parts)
