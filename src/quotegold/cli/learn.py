"""Learning from gold: `train` a model (and its learning curve) and `import brat` corpora."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quotegold.cli.support import (
    ConfigOption,
    err,
    fail,
    figure,
    out,
    progress_bar,
    project_file,
    user_errors,
)

if TYPE_CHECKING:
    from quotegold.gold.model import GoldRecord
    from quotegold.learn.crf import CrfSettings
    from quotegold.learn.curve import CurvePoint
    from quotegold.learn.train import GoldSet
    from quotegold.schema.definition import AnnotationSchema

import_app = typer.Typer(
    help="Import annotated corpora in other formats as gold-record-shaped JSONL.",
    no_args_is_help=True,
)

_CURVE_LAYERS = ("SPEAKER", "CUE", "QUOTE")


def train(
    gold: Annotated[
        list[Path],
        typer.Argument(help="gold JSONL files, export folders or Label Studio JSON exports"),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="model folder to write, e.g. models/NAME")],
    dev: Annotated[
        Path | None,
        typer.Option("--dev", help="gold to stop early on and to score (never trained on)"),
    ] = None,
    curve: Annotated[
        bool,
        typer.Option("--curve", help="train on 25/50/75/100% of GOLD; print the dev scores"),
    ] = False,
    max_iterations: Annotated[int, typer.Option("--max-iterations", min=1)] = 100,
    c1: Annotated[float, typer.Option("--c1", min=0.0, help="L1 regularisation")] = 0.05,
    c2: Annotated[float, typer.Option("--c2", min=0.0, help="L2 regularisation")] = 0.05,
    licence: Annotated[
        str, typer.Option("--licence", help="the training data's licence, for the card")
    ] = "the licence of the training data",
    config: ConfigOption = None,
) -> None:
    """Train a pre-annotator on gold records, on the CPU (no downloaded weights).

    The model is a CRF over the rules' tokens, with the rules' own suggestions among its
    features; its folder holds the model files, model.json (data and hashes, settings,
    scores) and a card. Its model_version is quotegold-model-NAME-<hash>. With --dev,
    training stops at the iteration that scored best on the dev gold and records its
    scores. With --curve (and --dev), models are trained on 25, 50, 75 and 100% of GOLD and
    their dev scores are printed beside the rules'; the dev gold is then only scored
    (nothing stops on it, so it may be a held-out part), and --out gets the 100% model.

    Example: quotegold train tasks/gold/*.jsonl --out models/team --dev exports/demo

    Example: quotegold train exports/demo --out models/team --dev dev.jsonl --curve
    """
    from quotegold.learn.crf import CrfSettings
    from quotegold.learn.train import read_gold, train_model

    schema = project_file(config).schema
    settings = CrfSettings(c1=c1, c2=c2, max_iterations=max_iterations)
    if curve and dev is None:
        fail("--curve needs --dev GOLD: the gold each share's model is scored on")
    with user_errors():
        data = read_gold(gold, schema=schema)
        dev_records = read_gold([dev], schema=schema).records if dev is not None else []
        out.print(f"training on {len(data.records)} article(s) from {len(gold)} file(s)")
        if curve:
            _curve(data, dev_records, settings, schema)
        with progress_bar() as bar:
            job = bar.add_task("reading", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(job, description=stage, completed=done, total=total)

            result = train_model(
                data,
                out_dir,
                dev=dev_records,
                settings=settings,
                schema=schema,
                progress=progress,
                licence=licence,
                stop_on_dev=not curve,
            )
    info = result.info
    out.print(f"wrote {result.folder} ({info.model_version}) in {result.seconds:.0f} s")
    out.print(f"iterations: {info.training['iterations']}")
    if info.scores:
        out.print(f"dev scores: {json.dumps(info.scores['dev'])}")


def _curve(
    data: GoldSet, dev: list[GoldRecord], settings: CrfSettings, schema: AnnotationSchema
) -> None:
    from quotegold.learn.curve import learning_curve

    def show(point: CurvePoint) -> None:
        who = "rules" if point.share == 0 else f"{point.share:.0%} ({point.articles} articles)"
        cells = []
        for layer in _CURVE_LAYERS:
            scores = point.scores.get(layer, {})
            cells.append(
                f"{layer} {figure(scores.get('exact_f1'))}/{figure(scores.get('overlap_f1'))}"
            )
        attribution = point.scores.get("quotes", {}).get("speaker_attribution")
        cells.append(f"speaker names {figure(attribution)}")
        out.print(f"{who:>22}: " + "  ".join(cells))

    out.print("learning curve: dev F1 exact/overlap per layer")
    err.print("(each share trains a model; this takes a while)")
    learning_curve(data, dev, settings=settings, schema=schema, on_point=show)


def brat(
    folder: Annotated[Path, typer.Argument(help="folder of NAME.txt and NAME.ann files")],
    out_file: Annotated[Path, typer.Option("--out", help="gold JSONL file to write")],
    mapping_file: Annotated[
        Path | None,
        typer.Option("--map", metavar="TOML", help="type and attribute mapping file"),
    ] = None,
    speaker_type: Annotated[
        list[str] | None, typer.Option("--speaker-type", help="brat type for SPEAKER")
    ] = None,
    cue_type: Annotated[list[str] | None, typer.Option("--cue-type", help="for CUE")] = None,
    quote_type: Annotated[list[str] | None, typer.Option("--quote-type", help="for QUOTE")] = None,
    initiative_type: Annotated[
        list[str] | None, typer.Option("--initiative-type", help="for INITIATIVE")
    ] = None,
) -> None:
    """Import a brat standoff corpus (NAME.txt beside NAME.ann) as gold-record JSONL.

    T (incl. discontinuous spans), E (events tying e.g. Source, Cue and Content), R and A
    lines are read. Types map to layers by --map TOML or the --*-type flags (default:
    Source/Speaker, Cue, Content/Quote); other types are skipped and counted. Attributes
    the corpus lacks (speaker names, stance…) are recorded as absent, never invented; the
    quote type is derived from quotation marks and marked as derived. A bad line is
    reported with its file and line, and the file is left out.

    Example: quotegold import brat corpus/train --out corpus-train.jsonl --speaker-type Source
    """
    from quotegold.importers.brat import read_brat_folder
    from quotegold.importers.mapping import mapping_from_flags, read_mapping

    if not folder.is_dir():
        fail(f"{folder} is not a folder; give the folder holding the .txt and .ann files")
    with user_errors():
        mapping = (
            read_mapping(mapping_file)
            if mapping_file is not None
            else mapping_from_flags(
                speaker=speaker_type or (),
                cue=cue_type or (),
                quote=quote_type or (),
                initiative=initiative_type or (),
            )
        )
        imported = read_brat_folder(folder, mapping)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with out_file.open("w", encoding="utf-8") as stream:
        for record in imported.records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = {
        layer: sum(len(r.get(key, [])) for r in imported.records)
        for layer, key in (("speakers", "speakers"), ("cues", "cues"), ("quotes", "quotes"))
    }
    out.print(
        f"wrote {len(imported.records)} record(s) to {out_file}: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
    )
    if imported.skipped:
        skipped = ", ".join(f"{name} {n}" for name, n in sorted(imported.skipped.items()))
        out.print(f"skipped types (not mapped): {skipped}")
    if imported.issues:
        for issue in imported.issues:
            err.print(f"  {issue}", soft_wrap=True)
        err.print(f"[yellow]{len(imported.issues)} problem(s); those files were left out")
        raise typer.Exit(1)


import_app.command("brat")(brat)
