"""A trained CRFsuite model read into numpy, and a compact tagger over per-token scores.

CRFsuite tags a sequence from feature strings: it looks each up, sums the weights of the
known ones per label, then runs Viterbi and forward-backward in C. Most of a prediction's
time went into making those strings (about 31 a token) and CRFsuite's converting and looking
them up. Reading the weights once lets a caller sum them its own way (`fastfeatures` does it
from per-word and per-value tables, without strings: `string_emissions` is the plain way).

`CompactTagger` then tags from those sums with CRFsuite itself, through a model of its own
with one attribute per label (`e0`, `e1`…, weight 1.0 on its label only) and the trained
model's transitions: a token's item `{"e0": score of label 0, …}` scores each label exactly
its sum, so CRFsuite's Viterbi and marginals run in C as before, on 7 attributes a token
instead of about 31 strings. (Viterbi and forward-backward in numpy, one step a token over
all paragraphs, measured 8 ms an article: slower than CRFsuite's 4 ms with the strings.)
The compact model is made by training CRFsuite on one small sequence that holds every label
and transition (so every feature is written), then setting the weights in its file.

The weights are read from the model file itself (CRFsuite's `lCRF` format: a feature chunk
of (type, source, target, weight) records, and CQDB string tables for the labels and the
attributes), not from `Tagger.info()`, whose text dump rounds them to six decimals.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pycrfsuite

from quotegold.errors import ModelError
from quotegold.learn.crf import tagged_sequence

__all__ = [
    "CompactTagger",
    "CrfWeights",
    "Floats",
    "Tagged",
    "joined",
    "read_weights",
    "string_emissions",
]

Floats = npt.NDArray[np.float64]
Tagged = tuple[list[str], list[float]]
_UNIT = "e"  # the compact model's attributes: e0, e1…

_HEADER = struct.Struct("<4sI4s9I")
_CHUNK = struct.Struct("<4sII")
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_STATE, _TRANSITION = 0, 1


@dataclass(frozen=True)
class CrfWeights:
    """A CRF's labels, attribute ids, state weights (attributes by labels) and transition
    weights (from label by to label)."""

    labels: list[str]
    attributes: dict[str, int]
    state: Floats
    transitions: Floats

    def vector(self, attribute: str) -> Floats:
        """The attribute's weight per label (zeros for an attribute the model lacks)."""
        found = self.attributes.get(attribute)
        return self.state[found] if found is not None else np.zeros(len(self.labels))


def joined(models: Sequence[CrfWeights]) -> CrfWeights:
    """The weights of several CRFs over the same features side by side: every attribute of
    any of them, and their labels one after the other (so one sum scores all the CRFs; the
    transitions are left out)."""
    names = {
        name: number
        for number, name in enumerate(
            dict.fromkeys(name for model in models for name in model.attributes)
        )
    }
    columns = sum(len(model.labels) for model in models)
    state = np.zeros((len(names), columns))
    first = 0
    for model in models:
        rows = [names[name] for name in model.attributes]
        state[rows, first : first + len(model.labels)] = model.state[
            list(model.attributes.values())
        ]
        first += len(model.labels)
    labels = [label for model in models for label in model.labels]
    return CrfWeights(labels, names, state, np.zeros((columns, columns)))


def read_weights(path: Path) -> CrfWeights:
    """The weights of a CRFsuite model file; a `ModelError` if it is not one."""
    try:
        data = path.read_bytes()
        return _parse(data)
    except (OSError, ValueError, struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ModelError(
            f"model file {path} cannot be read ({exc}); train the model again with "
            "`quotegold train`"
        ) from None


def _parse(data: bytes) -> CrfWeights:
    magic, size, kind, _version, _features, labels, attributes, off_features, off_labels = (
        _HEADER.unpack_from(data, 0)[:9]
    )
    off_attributes = _HEADER.unpack_from(data, 0)[9]
    if magic != b"lCRF" or kind != b"FOMC" or size != len(data):
        raise ValueError("not a CRFsuite model (bad header)")
    chunk, _size, count = _CHUNK.unpack_from(data, off_features)
    if chunk != b"FEAT":
        raise ValueError("no feature chunk")
    records = np.frombuffer(data, dtype=_FEATURE, count=count, offset=off_features + _CHUNK.size)
    state = np.zeros((attributes, labels))
    transitions = np.zeros((labels, labels))
    kinds = records["type"]
    states, moves = records[kinds == _STATE], records[kinds == _TRANSITION]
    if len(states) + len(moves) != count:
        raise ValueError("unknown feature type")
    state[states["src"], states["dst"]] = states["weight"]
    transitions[moves["src"], moves["dst"]] = moves["weight"]
    label_names = _strings(data, off_labels, labels)
    attribute_names = _strings(data, off_attributes, attributes)
    return CrfWeights(
        label_names,
        {name: number for number, name in enumerate(attribute_names)},
        state,
        transitions,
    )


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    """The strings of a CQDB chunk by id: its backward array gives each id's record, an
    (id, size, NUL-terminated UTF-8 key) triple."""
    chunk, _size, _flag, _order, backward_size, backward_offset = struct.unpack_from(
        "<4s5I", data, offset
    )
    if chunk != b"CQDB" or backward_size < count:
        raise ValueError("bad string table")
    places = struct.unpack_from(f"<{count}I", data, offset + backward_offset)
    names: list[str] = []
    for number, place in enumerate(places):
        found, length = struct.unpack_from("<II", data, offset + place)
        if found != number:
            raise ValueError("bad string table")
        start = offset + place + 8
        names.append(data[start : start + length - 1].decode("utf-8"))
    return names


def string_emissions(weights: CrfWeights, sequence: Sequence[Iterable[str]]) -> Floats:
    """Per token and label, the summed weights of the token's feature strings (each worth
    1.0, as CRFsuite counts a string feature; strings the model lacks count nothing)."""
    attributes = weights.attributes
    tokens: list[int] = []
    found: list[int] = []
    for position, strings in enumerate(sequence):
        for string in strings:
            number = attributes.get(string)
            if number is not None:
                tokens.append(position)
                found.append(number)
    emissions = np.zeros((len(sequence), len(weights.labels)))
    np.add.at(emissions, np.asarray(tokens, dtype=np.intp), weights.state[found])
    return emissions


class CompactTagger:
    """Tag from per-token label scores with CRFsuite (see the module): the tags and the
    marginals of `crf.tag_with_marginals` over the model's strings, from their sums."""

    def __init__(self, weights: CrfWeights) -> None:
        self.labels = weights.labels
        self._names = [f"{_UNIT}{number}" for number in range(len(self.labels))]
        # CRFsuite reads the model from this buffer as long as the tagger lives: keep it.
        self._model = _compact_model(weights, self._names)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model)

    def tag(self, emissions: Floats) -> Tagged:
        """The best tags of one sequence (tokens by labels, in `labels` order) and each
        token's marginal probability of its tag (1.0 for an O tag)."""
        return self.tag_all([emissions])[0]

    def tag_all(self, sequences: Sequence[Floats]) -> list[Tagged]:
        """`tag` of each sequence (the items of all made at once: fewer numpy calls)."""
        if not sequences:
            return []
        names = self._names
        items = [dict(zip(names, row, strict=True)) for row in np.concatenate(sequences).tolist()]
        tagger = self._tagger
        tagged: list[Tagged] = []
        first = 0
        for sequence in sequences:
            last = first + len(sequence)
            if last == first:
                tagged.append(([], []))
                continue
            tagger.set(items[first:last])
            first = last
            tagged.append(tagged_sequence(tagger))
        return tagged


def _compact_model(weights: CrfWeights, names: list[str]) -> bytes:
    labels = weights.labels
    count = len(labels)
    # A sequence in which every label follows every label (and starts it): CRFsuite then
    # writes every state and transition feature, each with a non-zero weight.
    sequence = [labels[first] for first in range(count) for _ in (0, 1)]
    sequence += [label for first in labels for following in labels for label in (first, following)]
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append([dict.fromkeys(names, 1.0)] * len(sequence), sequence)
    trainer.set_params(
        {
            "c1": 0.0,
            "c2": 1.0,
            "max_iterations": 1,
            "feature.possible_states": True,
            "feature.possible_transitions": True,
        }
    )
    with tempfile.TemporaryDirectory(prefix="quotegold-crf-") as folder:
        path = Path(folder) / "compact.crfsuite"
        trainer.train(str(path))
        data = bytearray(path.read_bytes())
    header = _HEADER.unpack_from(data, 0)
    offset = header[7] + _CHUNK.size
    records = np.frombuffer(
        bytes(data), dtype=_FEATURE, count=_CHUNK.unpack_from(data, header[7])[2], offset=offset
    ).copy()
    made_labels = _strings(bytes(data), header[8], header[5])
    made_names = _strings(bytes(data), header[9], header[6])
    position = {label: number for number, label in enumerate(labels)}
    states: set[tuple[int, int]] = set()
    moves: set[tuple[int, int]] = set()
    for record in records:
        target = position[made_labels[record["dst"]]]
        if record["type"] == _STATE:
            source = names.index(made_names[record["src"]])
            states.add((source, target))
            record["weight"] = 1.0 if source == target else 0.0
        else:
            source = position[made_labels[record["src"]]]
            moves.add((source, target))
            record["weight"] = weights.transitions[source, target]
    if len(states) != count * count or len(moves) != count * count:
        raise ModelError(
            f"CRFsuite did not write a complete compact model ({len(states)} state and "
            f"{len(moves)} transition features of {count * count} each); report this"
        )
    data[offset : offset + records.nbytes] = records.tobytes()
    return bytes(data)
