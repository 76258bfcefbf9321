"""`lamfactory env ...`: look at what the agent sees in Writer, and benchmark the environment."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lamfactory.core.exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command("inspect")
def inspect_command(
    doc: Path = typer.Argument(..., help="a .docx/.odt/.ott document (opened as a copy; never modified)"),
    as_json: bool = typer.Option(False, "--json", help="print the Observation as JSON"),
) -> None:
    """Print the controls and the canvas the agent would see on DOC."""
    from lamfactory.apps.writer import FILE_TYPES
    from lamfactory.apps.writer.env import WriterEnv
    from lamfactory.apps.libreoffice.soffice import OfficeDied
    from lamfactory.core.records import TaskInstance

    if not doc.is_file():
        fail(f"no such document: {doc}")
    if doc.suffix.lower() not in FILE_TYPES:
        fail(f"unsupported document type {doc.suffix!r} (expected one of {', '.join(sorted(FILE_TYPES))})")
    task = TaskInstance(task_id="inspect", request="", template_id=doc.stem, doc_path=str(doc.resolve()))
    try:
        with WriterEnv() as env:
            obs = env.reset(task)
    except (OfficeDied, OSError, ValueError) as e:
        fail(f"could not open {doc} in LibreOffice: {e}")
    if as_json:
        typer.echo(obs.model_dump_json(indent=2))
        return
    _print_observation(obs)


def _print_observation(obs) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{len(obs.controls)} controls" + (f" (dialog: {obs.dialog})" if obs.dialog else ""))
    for col in ("label", "type", "name", "value", "path", "states"):
        table.add_column(col)
    for c in obs.controls:
        states = " ".join(s for s in c.states if s in ("ENABLED", "CHECKED", "SHOWING", "FOCUSED", "SELECTED"))
        value = c.value or (f"{len(c.items)} items" if c.items else "")
        table.add_row(c.label, c.type, c.name, value, " > ".join(c.path), states)
    console.print(table)
    from lamfactory.apps.writer.state import canvas_of

    canvas = canvas_of(obs)
    console.print(f"[bold]page[/bold] {json.dumps(canvas.page)}")
    if canvas.header or canvas.footer:
        console.print(f"[bold]header[/bold] {canvas.header!r}  [bold]footer[/bold] {canvas.footer!r}")
    for p in canvas.paragraphs:
        marks = ", ".join(f"{r.text[:20]!r}:" + "+".join(k for k, v in r.model_dump(exclude={"text"}).items() if v)
                          for r in p.runs)
        console.print(f"P{p.index} [{p.style}, {p.alignment}{', list' if p.is_list else ''}] {p.text[:80]!r}"
                      + (f"  runs: {marks}" if marks else ""))
    for t in canvas.tables:
        console.print(f"T{t.index} {t.rows}x{t.cols}: {t.cells[:2]}")


@app.command("bench")
def bench_command(
    episodes: int = typer.Option(20, "--episodes", min=1, help="number of scripted episodes"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object (default: the same, indented)"),
    no_observe_on_step: bool = typer.Option(False, "--no-observe-on-step",
                                            help="steps return ok/error only (no fresh observation)"),
) -> None:
    """Run scripted multi-step episodes (select, Bold, Table menu -> Insert Table dialog, save, check)."""
    from lamfactory.apps.libreoffice.bench import echo_bench
    from lamfactory.apps.writer.bench import run_bench

    echo_bench(lambda: run_bench(episodes, observe_on_step=not no_observe_on_step), as_json)
