"""spaCy training files: one `DocBin` per split (`spacy/<split>.spacy`), written on request.

Each article is one `Doc` whose text is the article's exactly (`doc.text == record["text"]`):
the tokens are spaCy's, cut further wherever a region starts or ends inside one, so every
region is a span of whole tokens. Regions overlap (a speaker inside a quote), so they are in
`doc.spans`, keyed by layer: `doc.spans["SPEAKER"]`, `"CUE"`, `"QUOTE"` (one span per part of
a split quote) and `"INITIATIVE"`, each span labelled with its layer. What spans cannot hold
is in `doc.user_data["quotegold"]`:

- `article_id`, `license`, `source`;
- `regions`: per layer, one entry per span of `doc.spans[layer]`, in the same order, with the
  region's `id` and its attributes (`name`, `kind`; `quote_type`, `stance`, `stance_target`,
  `no_speaker`, `part`; `status`);
- `relations`: `{"type": "said_by" | "cued_by" | "put_forward_by", "from": id, "to": id}`.

Load with `DocBin().from_disk(path).get_docs(nlp.vocab)` (any English pipeline's vocab, or
`spacy.blank("en").vocab`).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotegold.gold.model import GoldRecord, regions_of, spans_of
from quotegold.schema.definition import LABEL_VALUES

if TYPE_CHECKING:
    from spacy.tokens import Doc, DocBin

__all__ = ["DocBinWriter", "record_doc"]

_ATTRIBUTES = {
    "SPEAKER": ("name", "kind"),
    "CUE": (),
    "QUOTE": ("quote_type", "stance", "stance_target", "no_speaker"),
    "INITIATIVE": ("status",),
}


def _words(text: str, cuts: set[int]) -> tuple[list[str], list[bool]]:
    """Words and trailing-space flags that give back `text` exactly, cut at every `cuts`
    offset (token and region boundaries); other whitespace becomes words of its own."""
    points = sorted({0, len(text), *(cut for cut in cuts if 0 <= cut <= len(text))})
    words: list[str] = []
    spaces: list[bool] = []
    for start, end in itertools.pairwise(points):
        piece = text[start:end]
        if piece == " " and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True
            continue
        words.append(piece)
        spaces.append(False)
    return words, spaces


def record_doc(record: GoldRecord, vocab: Any, starts: list[int], ends: list[int]) -> Doc:
    """The `Doc` of one gold record (see the module docstring); `starts`/`ends` are its
    non-whitespace tokens (`tokens.token_bounds`)."""
    from spacy.tokens import Doc

    text = record["text"]
    cuts = {*starts, *ends}
    for label in LABEL_VALUES:
        for region in regions_of(record, label):
            for span in spans_of(region):
                cuts.update((span["start"], span["end"]))
    words, spaces = _words(text, cuts)
    doc = Doc(vocab, words=words, spaces=spaces)
    regions: dict[str, list[dict[str, Any]]] = {}
    for label in LABEL_VALUES:
        spans, entries = [], []
        for region in regions_of(record, label):
            for part, span in enumerate(spans_of(region)):
                made = doc.char_span(span["start"], span["end"], label=label)
                if made is None:  # cannot happen: the words are cut at every boundary
                    raise ValueError(f"{record['id']}: region {region['id']} is not on tokens")
                spans.append(made)
                values = {name: region.get(name) for name in _ATTRIBUTES[label]}
                entries.append({"id": region["id"], "part": part, **values})
        doc.spans[label] = spans
        regions[label] = entries
    relations = [
        {"type": "said_by", "from": quote["id"], "to": quote["speaker_id"]}
        for quote in record["quotes"]
        if quote["speaker_id"]
    ]
    relations += [
        {"type": "cued_by", "from": quote["id"], "to": quote["cue_id"]}
        for quote in record["quotes"]
        if quote["cue_id"]
    ]
    relations += [
        {"type": "put_forward_by", "from": initiative["id"], "to": proponent}
        for initiative in record["initiatives"]
        for proponent in initiative["proponent_ids"]
    ]
    meta = record["meta"]
    doc.user_data["quotegold"] = {
        "article_id": record["id"],
        "license": meta.get("license"),
        "source": meta.get("source"),
        "regions": regions,
        "relations": relations,
    }
    return doc


class DocBinWriter:
    """Collects each split's docs, then writes `spacy/<split>.spacy` under `folder`."""

    def __init__(self, folder: Path) -> None:
        import spacy

        self._folder = folder
        self._vocab = spacy.blank("en").vocab
        self._bins: dict[str, DocBin] = {}

    def add(self, record: GoldRecord, split: str, starts: list[int], ends: list[int]) -> None:
        from spacy.tokens import DocBin

        if split not in self._bins:
            self._bins[split] = DocBin(store_user_data=True)
        self._bins[split].add(record_doc(record, self._vocab, starts, ends))

    def finish(self) -> list[str]:
        """Write the files; their paths relative to the export folder."""
        written = []
        for split, docs in self._bins.items():
            path = self._folder / "spacy" / f"{split}.spacy"
            path.parent.mkdir(parents=True, exist_ok=True)
            docs.to_disk(path)
            written.append(path.relative_to(self._folder).as_posix())
        return written
