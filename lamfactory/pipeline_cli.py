"""`lamfactory pipeline` and `lamfactory demo`."""

import typer


def pipeline_command(config: str = typer.Option(..., "--config")):
    raise typer.Exit("not built yet")


def demo_command(quick: bool = typer.Option(False, "--quick")):
    raise typer.Exit("not built yet")
