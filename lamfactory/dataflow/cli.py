"""CLI for this stage: a thin layer over the stage's library functions."""

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True)
