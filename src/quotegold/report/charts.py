"""The report's charts as PNG bytes, drawn with matplotlib on its Agg canvas.

pyplot is never imported: each chart is its own `Figure` with an Agg canvas attached, so
nothing global (backends, open figures, rc state) is touched and the library stays quiet.
matplotlib is imported when a chart is drawn, since it is slow to import and only the report
needs it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from quotegold.schema.definition import LABEL_VALUES, LABELS, STANCE_VALUES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["PROGRESS_COLOURS", "STANCE_COLOURS", "labels_chart", "progress_chart", "stance_chart"]

STANCE_COLOURS = {"support": "#2e7d32", "oppose": "#c62828", "neutral": "#9e9e9e"}
PROGRESS_COLOURS = {
    "done": "#2e7d32",
    "conflicts": "#ef6c00",
    "invalid": "#c62828",
    "unannotated": "#bdbdbd",
    "skipped": "#757575",
}
_OTHER = "#607d8b"
_LABEL_COLOURS = {label.value: label.colour for label in LABELS}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" entry: the same data gives the same bytes whatever matplotlib it was.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _tidy(axes: Axes, grid: Literal["x", "y"]) -> None:
    from matplotlib.ticker import MaxNLocator

    # Counts are whole numbers: no 0.5 ticks on a small export.
    (axes.yaxis if grid == "y" else axes.xaxis).set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis=grid, alpha=0.3)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=9)


def labels_chart(by_split: Mapping[str, Mapping[str, int]]) -> bytes:
    """Grouped bars: regions of each schema label (in its colour) per split."""
    figure = _figure(5.6, 2.3)
    axes = figure.subplots()
    splits, labels = list(by_split), LABEL_VALUES
    width = 0.8 / len(labels)
    for index, label in enumerate(labels):
        offset = (index - (len(labels) - 1) / 2) * width
        values = [by_split[split].get(label, 0) for split in splits]
        bars = axes.bar(
            [position + offset for position in range(len(splits))],
            values,
            width,
            label=label,
            color=_LABEL_COLOURS[label],
        )
        axes.bar_label(bars, fontsize=8, padding=1)
    axes.set_xticks(range(len(splits)), splits)
    axes.set_ylabel("regions")
    axes.margins(y=0.15)
    axes.legend(
        frameon=False, fontsize=8, ncols=len(labels), loc="lower center", bbox_to_anchor=(0.5, 1.0)
    )
    _tidy(axes, "y")
    return _png(figure)


def _stacked(rows: Mapping[str, Mapping[str, int]], stacks: Mapping[str, str], unit: str) -> bytes:
    """Horizontal bars, one per row, stacked by the keys of `stacks` (name → colour)."""
    names = list(rows)
    figure = _figure(5.6, 0.7 + 0.27 * len(names))
    axes = figure.subplots()
    left = [0] * len(names)
    for stack, colour in stacks.items():
        values = [rows[name].get(stack, 0) for name in names]
        bars = axes.barh(names, values, left=left, label=stack, color=colour, height=0.65)
        shown = [str(value) if value else "" for value in values]
        axes.bar_label(bars, labels=shown, label_type="center", color="white", fontsize=8)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    if len(stacks) > 1:
        axes.legend(
            frameon=False,
            fontsize=8,
            ncols=len(stacks),
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
        )
    _tidy(axes, "x")
    return _png(figure)


def stance_chart(by_target: Mapping[str, Mapping[str, int]]) -> bytes:
    """Stacked bars: quotes per stance target, split by stance."""
    stances = STANCE_VALUES
    return _stacked(by_target, {s: STANCE_COLOURS.get(s, _OTHER) for s in stances}, "quotes")


def progress_chart(progress: Mapping[str, int]) -> bytes:
    """One bar per annotation status (done, conflicts, …): how many tasks are in it."""
    names = list(progress)
    figure = _figure(5.6, 0.7 + 0.27 * len(names))
    axes = figure.subplots()
    colours = [PROGRESS_COLOURS.get(name, _OTHER) for name in names]
    bars = axes.barh(names, [progress[name] for name in names], color=colours, height=0.65)
    axes.bar_label(bars, fontsize=8, padding=2)
    axes.invert_yaxis()
    axes.set_xlabel("tasks")
    axes.margins(x=0.1)
    _tidy(axes, "x")
    return _png(figure)
