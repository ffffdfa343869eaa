"""The command line: a thin Typer layer over the library, one module per group of commands."""

from quotegold.cli.main import app

__all__ = ["app"]
