"""The `quotegold` command: a thin layer over the library.

Each command builds settings, calls one library function, prints the outcome and turns a
`QuotegoldError` into one readable line on stderr and a non-zero exit. Anything else is a
bug and keeps its traceback. The commands live in one module per group (`serve`,
`project`, `annotate`, `data`, `team`); what they share is in `support`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from quotegold import __version__
from quotegold.cli import annotate, data, learn, project, serve, team
from quotegold.cli.support import out
from quotegold.schema.definition import CORE_VERSION

app = typer.Typer(
    help="Annotate who said what in news articles with Label Studio; export gold datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"quotegold {__version__} (schema core {CORE_VERSION})")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """quotegold: gold training data about who said what in the news."""


# In the order `quotegold --help` lists them: the data flow, then the team's commands.
for command in (
    project.init,
    serve.serve,
    annotate.tasks,
    annotate.push,
    annotate.predict,
    data.export,
    data.validate,
    data.evaluate,
    learn.train,
    data.report,
    project.schema,
    team.agreement,
    team.adjudicate,
):
    app.command()(command)
app.add_typer(team.annotators_app, name="annotators")
app.add_typer(learn.import_app, name="import")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
