"""A pre-annotator that learns from the team's own gold.

`train.train_model` trains a model folder (`modelfile`) from gold records: a linear-chain CRF
(`crf`, CRFsuite on the CPU, no downloaded weights) over the rules' tokens, with word,
shape, window and quotation-mark features and the rule pre-annotator's own tags among them
(`features`, `rules`). `predictor` runs a model folder as a `Predictor` for tasks, push,
predict and evaluate; `decode` turns its tags into a suggested record (links, names, quote
types, stance), and `curve` trains on growing shares of the gold to show whether more
annotation still pays.
"""

from __future__ import annotations

__all__: list[str] = []
