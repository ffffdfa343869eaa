"""`python -m scripts.bench`: parse the options, then run one benchmark.

Each benchmark's module is imported only once it is chosen: the server benchmark loads
`datasets` and the SDK, and the pre-annotator's is meant to time a process that holds only
the pre-annotator.
"""

from __future__ import annotations

import argparse
import sys

STEPS = (
    "preannotation",
    "push",
    "precomputed",
    "export",
    "validation",
    "reexport",
    "concurrent",
)


def parser() -> argparse.ArgumentParser:
    """The options of the server benchmark, and the `preannotate` command."""
    main = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        usage="%(prog)s [-h] [--sizes SIZES] [--keep] [--steps STEPS] [--repeats R] [--profile]\n"
        "       %(prog)s preannotate [-h] [--articles ARTICLES] [--seed-check]",
        description="Benchmark push, export and validation at scale against a throwaway "
        "local Label Studio.",
    )
    main.add_argument("--sizes", default="10000,100000", help="comma-separated N")
    main.add_argument("--keep", action="store_true", help="keep the temporary folder")
    main.add_argument(
        "--repeats", type=int, default=10, help="runs of the concurrent pushes (default 10)"
    )
    main.add_argument(
        "--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}"
    )
    main.add_argument(
        "--profile",
        action="store_true",
        help="profile the re-export step (cProfile, the exporting process only, not its "
        "tokens helper) and print its 30 costliest functions by cumulative time; "
        "e.g. --sizes 2000 --steps reexport --profile",
    )
    commands = main.add_subparsers(dest="command", metavar="{preannotate}")
    preannotate = commands.add_parser(
        "preannotate",
        help="benchmark the pre-annotator alone instead",
        description="Benchmark the pre-annotator on real news texts, single process, one core.",
    )
    preannotate.add_argument("--articles", type=int, default=1000, help="how many (default 1000)")
    preannotate.add_argument("--seed-check", action="store_true", help="also print the seed check")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark the command line asks for; its exit code."""
    cli = parser()
    options = cli.parse_args(argv)
    if options.command == "preannotate":
        from scripts.bench.preannotate import bench as bench_preannotator

        bench_preannotator(articles=options.articles, seed_check=options.seed_check)
        return 0
    sizes = [int(size.replace("_", "")) for size in options.sizes.split(",") if size.strip()]
    steps = {step.strip() for step in options.steps.split(",") if step.strip()}
    if not steps or not steps <= set(STEPS):
        cli.error(f"--steps takes a comma-separated list of {', '.join(STEPS)}")
    if steps & {"preannotation", "precomputed"} and "push" not in steps:
        cli.error("the preannotation and precomputed steps are part of push: add push")

    from scripts.bench.run import bench

    return bench(
        sizes=sizes,
        steps=steps,
        keep=options.keep,
        repeats=options.repeats,
        profile=options.profile,
    )


if __name__ == "__main__":
    sys.exit(main())
