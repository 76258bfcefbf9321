"""CLI for this stage: a thin layer over lamfactory.plans.build.build_plans."""

from __future__ import annotations

import json
from typing import Optional

import typer

from lamfactory.core.app import DEFAULT_APP
from lamfactory.core.exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command("build")
def build_command(
    source: list[str] = typer.Option(..., "--source", help="help[:DIR] (the app's installed help) | docs:DIR | queries:FILE "
                                                           "(repeatable)"),
    out: str = typer.Option(..., "--out", help="output folder (plans.jsonl, dataset/, stats.json)"),
    evolve: int = typer.Option(600, "--evolve", help="number of evolved (harder) tasks to add"),
    llm: Optional[list[str]] = typer.Option(None, "--llm", help="ROLE=BACKEND, e.g. extract=openai:gpt-4o "
                                                                "(roles used here: extract, evolve)"),
    seed: int = typer.Option(0, "--seed"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    app_name: str = typer.Option(DEFAULT_APP, "--app", help="the application the tasks are for"),
) -> None:
    """Mine task -> plan pairs from documentation, clean them and evolve harder ones."""
    from lamfactory.llm import LLMError, LLMSpecError, parse_llm_options
    from lamfactory.plans.build import build_plans
    from lamfactory.core.app import AppError
    from lamfactory.plans.sources import PlansError

    try:
        roles = parse_llm_options(llm or [])
        stats = build_plans(source, out, evolve=evolve, llm_roles=roles, seed=seed, progress=progress, app=app_name)
    except (PlansError, LLMError, LLMSpecError, AppError) as e:
        fail(str(e))
    if stats.get("reused"):
        typer.echo(f"{out}: up to date (same inputs), reused")
    summary = {k: stats[k] for k in ("cleaned", "distinct_tasks", "evolved", "per_split", "dropped", "seconds")}
    typer.echo(json.dumps(summary, indent=2))
