"""The one table the bench prints at the end: a row per step, under a header that says what
was measured, on what, and what each column means."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import label_studio_sdk

from scripts.bench.sampling import Measure, StepFailed

COLUMNS = [
    "N",
    "step",
    "wall s",
    "rate",
    "CPU s client / LS",
    "client peak RSS Δ MiB",
    "LS peak RSS MiB",
    "ratio",
    "target",
    "load",
]


@dataclass
class Row:
    """One line of the table, its figures already formatted."""

    size: int
    step: str
    wall: float | None
    rate: str = ""
    memory: str = ""
    ratio: str = ""
    target: str = ""
    load: str = ""
    cpu: str = ""
    server_memory: str = ""


def load() -> str:
    """The 1-minute load average now."""
    return f"{os.getloadavg()[0]:.1f}"


def measured_row(
    size: int, step: str, measure: Measure[Any], unit: str, *, ratio: str = "", target: str = ""
) -> Row:
    """The row of a step measured in a child process: rate, CPU and memory included."""
    memory = f"{measure.peak_delta_mib:,.0f} (peak {measure.peak_mib:,.0f})"
    if measure.helpers_peak_mib:
        memory += f" + helpers ≤ {measure.helpers_peak_mib:,.0f}"
    return Row(
        size,
        step,
        measure.wall,
        rate=f"{size / measure.wall:,.0f} {unit}/s",
        memory=memory,
        ratio=ratio,
        target=target,
        load=load(),
        cpu=f"{measure.client_cpu:,.0f} / {measure.server_cpu:,.0f}",
        server_memory=f"{measure.server_peak_mib:,.0f}",
    )


def failed_row(size: int, failed: StepFailed) -> Row:
    """The row of a step that failed: the rows measured before it still count."""
    return Row(
        size,
        f"FAILED: {failed.reason}",
        None,
        server_memory=f"{failed.server_peak_mib:,.0f}",
        load=load(),
    )


def verdict(value: float, target: float, *, at_most: bool = True) -> str:
    """Whether a figure met its target: `≤ 1.3: met`, `≥ 20000/s: MISSED`."""
    met = value <= target if at_most else value >= target
    sign = "≤" if at_most else "≥"
    return f"{sign} {target:g}{'' if at_most else '/s'}: {'met' if met else 'MISSED'}"


def header_lines(began: str, load_at_start: str) -> list[str]:
    """The lines above the table: when, on what, and what the columns mean."""
    sdk_version = getattr(label_studio_sdk, "__version__", "2.1")
    return [
        f"quotegold scripts/bench, started {began}; {os.cpu_count()} cores, load average at "
        f"start {load_at_start} (1/5/15 min), at end "
        + "/".join(f"{value:.1f}" for value in os.getloadavg()),
        f"Label Studio 1.23 on SQLite (development server, 127.0.0.1), label-studio-sdk "
        f"{sdk_version}; synthetic news articles of about 3 KB, batches of 1,000",
        "client peak RSS Δ: high-water mark of the child process running the step, minus its "
        "RSS when the step began (input articles excluded); helpers: largest peak RSS of the "
        "export's tokenizing helpers (pages shared with the parent included)",
        "CPU s: user + system seconds of the client (child and its helpers) / of Label Studio's "
        "server process during the step; the machine's other users are not counted",
        "LS peak RSS: the largest resident memory of Label Studio's processes during the step, "
        "sampled every second",
        "ratio: push rows ÷ bare SDK import; export and converter rows ÷ Label Studio's JSON "
        "download; load: 1-min load average at the end of the step",
    ]


def print_table(rows: list[Row], header: list[str]) -> None:
    """The header lines, then the rows as a Markdown table with padded columns."""
    cells = [
        [
            f"{row.size:,}",
            row.step,
            "" if row.wall is None else f"{row.wall:,.1f}",
            row.rate,
            row.cpu,
            row.memory,
            row.server_memory,
            row.ratio,
            row.target,
            row.load,
        ]
        for row in rows
    ]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(COLUMNS)]
    print()
    for text in header:
        print(text)
    print("| " + " | ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
