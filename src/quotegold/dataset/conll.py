"""CoNLL-U Plus training files: `conll/<split>.conllu`, written on request.

One sentence of the `sentences` configuration per block, one token a line, with the columns
named in the file's first line (CoNLL-U Plus):

    # global.columns = ID FORM MISC QG:NER QG:SPEAKER QG:CUE QG:QUOTE QG:INITIATIVE

`QG:NER` is the combined `ner_tags` column; the other `QG:` columns hold the BIO tags of one
layer each (`B-QUOTE`, `I-QUOTE`, `O`), so overlapping layers all survive. `MISC` has the
token's offset in the article (`Start=`) and, as in CoNLL-U, `SpaceAfter=No` when no space
follows, or `SpacesAfter=` with the exact whitespace (`\\s`, `\\n`, `\\t`, `\\\\` escaped).
Each article starts with `# newdoc id = <article id>`; each sentence has `# sent_id` and
`# text` (its line breaks shown as spaces). Columns not used are `_`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from quotegold.dataset.tokens import layer_column

__all__ = ["COLUMNS", "ConllWriter", "escape_spaces", "sentence_block", "unescape_spaces"]

COLUMNS_PREFIX = ("ID", "FORM", "MISC", "QG:NER")


def columns_for(layers: Sequence[str]) -> tuple[str, ...]:
    return (*COLUMNS_PREFIX, *(f"QG:{label}" for label in layers))


COLUMNS = columns_for(("SPEAKER", "CUE", "QUOTE", "INITIATIVE"))

_ESCAPES = {"\\": "\\\\", " ": "\\s", "\n": "\\n", "\t": "\\t", "\r": "\\r", "|": "\\p"}


def escape_spaces(value: str) -> str:
    return "".join(_ESCAPES.get(char, char) for char in value)


def unescape_spaces(value: str) -> str:
    back = {escaped: char for char, escaped in _ESCAPES.items()}
    out, index = [], 0
    while index < len(value):
        pair = value[index : index + 2]
        if pair in back:
            out.append(back[pair])
            index += 2
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def _misc(start: int, space: str) -> str:
    if space == " ":
        return f"Start={start}"
    if space == "":
        return f"Start={start}|SpaceAfter=No"
    return f"Start={start}|SpacesAfter={escape_spaces(space)}"


def _form(token: str) -> str:
    # A FORM may not hold a tab or a line break; spaCy's tokens never do, but be safe.
    return token.replace("\t", " ").replace("\n", " ")


def sentence_block(row: Mapping[str, Any], layers: Sequence[str]) -> str:
    """One sentence row (`sentences.sentence_rows`) as a CoNLL-U Plus block."""
    lines = [f"# sent_id = {row['id']}", f"# text = {' '.join(row['text'].split())}"]
    offset = row["start"]
    position = offset
    for number, (token, space) in enumerate(zip(row["tokens"], row["spaces"], strict=True)):
        tags = [
            f"{tag}-{label}" if tag != "O" else "O"
            for label, tag in ((label, row[layer_column(label)][number]) for label in layers)
        ]
        fields = [str(number + 1), _form(token), _misc(position, space), row["ner_tags"][number]]
        lines.append("\t".join([*fields, *tags]))
        position += len(token) + len(space)
    return "\n".join(lines) + "\n\n"


class ConllWriter:
    """Writes `conll/<split>.conllu` under `folder`, one file per split, as rows arrive."""

    def __init__(self, folder: Path, layers: Sequence[str]) -> None:
        self._folder = folder
        self._layers = tuple(layers)
        self._files: dict[str, TextIO] = {}

    def _file(self, split: str) -> TextIO:
        if split not in self._files:
            path = self._folder / "conll" / f"{split}.conllu"
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8", newline="\n")
            handle.write(f"# global.columns = {' '.join(columns_for(self._layers))}\n")
            self._files[split] = handle
        return self._files[split]

    def add(self, article_id: str, split: str, rows: Sequence[Mapping[str, Any]]) -> None:
        handle = self._file(split)
        handle.write(f"# newdoc id = {article_id}\n")
        for row in rows:
            handle.write(sentence_block(row, self._layers))

    def finish(self) -> list[str]:
        """Close the files; their paths relative to the export folder."""
        written = []
        for split, handle in self._files.items():
            handle.close()
            written.append(f"conll/{split}.conllu")
        return written
