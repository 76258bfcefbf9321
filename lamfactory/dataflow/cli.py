"""CLI for the dataflow stage: a thin layer over templates.build_templates and runner.run_dataflow."""

from __future__ import annotations

import json
from typing import Optional

import typer

from lamfactory.core.app import DEFAULT_APP
from lamfactory.core.exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command("templates")
def templates_command(out: str = typer.Option(..., "--out", help="folder for the template documents + templates.jsonl"),
                      app_name: str = typer.Option(DEFAULT_APP, "--app", help="the application")):
    """Build the app's template library (for Writer: LibreOffice help pages and LibreOffice's own templates)."""
    from lamfactory.core.app import AppError, get_app

    try:
        templates = get_app(app_name).build_templates(out)
    except (AppError, FileNotFoundError, OSError) as e:
        fail(str(e))
    typer.echo(json.dumps({"templates": len(templates), "out": out}))


@app.command("run")
def run_command(
    plans: str = typer.Option(..., "--plans", help="the plans stage's output folder (plans.jsonl) or a .jsonl file"),
    out: str = typer.Option(..., "--out", help="output folder (resumable)"),
    templates: Optional[str] = typer.Option(None, "--templates", help="template library (default: OUT/templates)"),
    limit: Optional[int] = typer.Option(None, "--limit", help="at most N task instances"),
    workers: int = typer.Option(1, "--workers", help="parallel environments (one soffice each)"),
    ray: Optional[str] = typer.Option(None, "--ray", help="Ray cluster address (needs lamfactory[ray])"),
    llm: list[str] = typer.Option([], "--llm", help="ROLE=BACKEND for filter, prefill, judge (repeatable)"),
    seed: int = typer.Option(0, "--seed"),
    expert: str = typer.Option("expert+oracle", "--expert", help="expert | oracle | expert+oracle"),
    per_plan: int = typer.Option(3, "--per-plan", help="task instances per task-plan record"),
    shortest: bool = typer.Option(True, "--shortest/--keep-detours",
                                  help="a doc-plan pass that detours gives way to the oracle's shorter one"),
    app_name: str = typer.Option(DEFAULT_APP, "--app", help="the application the tasks run in"),
):
    """Instantiate tasks on templates, execute them live, keep what verifiably succeeded, export samples."""
    from lamfactory.core.app import AppError
    from lamfactory.dataflow.runner import DataflowConfig, DataflowError, run_dataflow
    from lamfactory.llm import LLMSpecError, parse_llm_options

    try:
        roles = parse_llm_options(llm)
        cfg = DataflowConfig(app=app_name, templates_dir=templates, limit=limit, workers=workers, ray_address=ray, llm_roles=roles,
                             seed=seed, expert=expert, per_plan=per_plan, shortest=shortest)
        summary = run_dataflow(plans, out, cfg)
    except (DataflowError, LLMSpecError, FileNotFoundError, AppError) as e:
        fail(str(e))
    except ValueError as e:  # a malformed record in a file of the run folder (read_jsonl names file and line)
        fail(str(e).splitlines()[0])
    except KeyboardInterrupt:
        typer.echo("interrupted: finished tasks are saved; rerun the same command to resume", err=True)
        raise typer.Exit(130)
    typer.echo(json.dumps({k: summary[k] for k in ("tasks", "buckets", "families_with_pass", "templates_with_pass",
                                                   "executed_this_run", "passing_this_run", "execute_seconds",
                                                   "stage_seconds", "executed_per_minute_execution",
                                                   "passing_per_minute_stage")}))
