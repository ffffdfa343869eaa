"""Benchmarks of quotegold at scale, run from the repository root:

    .venv/bin/python -m scripts.bench [--sizes 10000,100000] [--steps push,export,...] [--keep]
    .venv/bin/python -m scripts.bench preannotate [--articles N] [--seed-check]

The first measures push, export and validation against a throwaway local Label Studio and
prints one table (`run` says what each step measures); the second times the pre-annotator
alone on real news texts, one core (`preannotate`).

Modules: `corpus` (the synthetic news articles and their gold records), `server` (the
Label Studio the bench starts, and what its processes use), `sampling` (a step in a forked
child: wall time, CPU time, peak memory), `steps` (the measured steps and their baselines),
`table` (the table printed at the end), `run` (the steps at each size) and `preannotate`.

This package stays outside `src/quotegold` on purpose: its baselines make bare
label-studio-sdk calls, which the package's layout allows only in `quotegold.labelstudio`.
"""
