"""`lamfactory run`: carry out a task on the user's own document."""

import typer


def run_command(doc: str = typer.Option(..., "--doc"), task: str = typer.Option(..., "--task")):
    raise typer.Exit("not built yet")
