"""`lamfactory env calc ...`: look at what the agent sees in Calc, and benchmark the environment."""

from __future__ import annotations

from pathlib import Path

import typer

from lamfactory.core.exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command("inspect")
def inspect_command(
    doc: Path = typer.Argument(..., help="an .xlsx/.ods workbook (opened as a copy; never modified)"),
    as_json: bool = typer.Option(False, "--json", help="print the Observation as JSON"),
) -> None:
    """Print the controls and the sheet state the agent would see on DOC."""
    from lamfactory.apps.calc import APP
    from lamfactory.apps.calc.env import CalcEnv
    from lamfactory.apps.libreoffice.soffice import OfficeDied
    from lamfactory.core.app import AppError
    from lamfactory.core.records import TaskInstance

    if not doc.is_file():
        fail(f"no such workbook: {doc}")
    try:
        APP.check_suffix(doc)
        with CalcEnv() as env:
            obs = env.reset(TaskInstance(task_id="inspect", app="calc", request="", template_id=doc.stem,
                                         doc_path=str(doc.resolve())))
    except (AppError, OfficeDied, OSError, ValueError) as e:
        fail(f"could not open {doc} in LibreOffice Calc: {e}")
    if as_json:
        typer.echo(obs.model_dump_json(indent=2))
        return
    for c in obs.controls:
        typer.echo(f"{c.label:>4} {c.type:<16} {c.name!r} {c.value or ''} {' > '.join(c.path)}")
    typer.echo(APP.state.summary(obs.state, max_chars=2000))


@app.command("bench")
def bench_command(
    episodes: int = typer.Option(20, "--episodes", min=1, help="number of scripted episodes"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object (default: the same, indented)"),
) -> None:
    """Scripted episodes (select a range, Bold, Format > Columns > Width dialog, a formula, save, check)."""
    from lamfactory.apps.calc.bench import run_bench
    from lamfactory.apps.libreoffice.bench import echo_bench

    echo_bench(lambda: run_bench(episodes), as_json)
