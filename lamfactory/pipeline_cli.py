"""`lamfactory pipeline` and `lamfactory demo`: thin layers over lamfactory.pipeline.run_pipeline."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from typing import Optional

import typer


def _run(config: Path, workdir: Path, only: Optional[str], start: Optional[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    from lamfactory.config import ConfigError, load_config
    from lamfactory.pipeline import run_pipeline, select_stages
    from lamfactory.stages import summary_rows

    console = Console()
    try:
        cfg = load_config(config)
        select_stages(only, start)
    except (ConfigError, ValueError) as e:
        typer.echo(f"error: {one_line(str(e))}", err=True)
        raise typer.Exit(2)
    t0, started = time.perf_counter(), time.time()
    signal.signal(signal.SIGTERM, _interrupt)
    # SIGINT too: a run started in the background (`nohup … &`) inherits SIGINT ignored, and Python then raises no
    # KeyboardInterrupt — `kill -INT` did nothing and the run went on to the end (seen in tests/test_resume.py)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        manifest = run_pipeline(cfg, workdir, only=only, start=start,
                                log=lambda line: console.print(line, markup=False, highlight=False))
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted — rerun the same command to resume from {workdir}[/yellow]")
        raise typer.Exit(130)
    except (FileNotFoundError, ValueError) as e:  # a stage's input missing or malformed (read_jsonl: file:line)
        typer.echo(f"error: {one_line(str(e))}", err=True)
        raise typer.Exit(2)
    wall = time.perf_counter() - t0
    table = Table(title=f"{cfg.name}: task success rate (held-out tasks)")
    for col in ("model", "offline TSR", "online TSR [95% CI]"):
        table.add_column(col)
    for row in summary_rows(workdir):
        table.add_row(*row)
    if table.row_count:
        console.print(table)
    stages = manifest.get("stages", {})
    timings = ", ".join(f"{k} {v.get('seconds', 0):.0f} s" for k, v in stages.items() if "seconds" in v)
    console.print(f"stage timings: {timings}; this run {wall:.0f} s")
    flow_summary = Path(workdir) / "dataflow" / "summary.json"
    if flow_summary.exists() and flow_summary.stat().st_mtime >= started:  # rates of a stage run now, not before
        console.print(dataflow_rates(json.loads(flow_summary.read_text())))
    report = Path(workdir) / "report" / "report.html"
    if report.exists():
        console.print(f"report: {report.resolve()}")


def _interrupt(signum, frame) -> None:
    """SIGTERM (kill, a scheduler, a container stop) ends the run as Ctrl-C does: what is written is kept,
    soffice is closed on the way out, and the same command resumes. The default action would end the process
    on the spot, leaving soffice's profile folders behind."""
    raise KeyboardInterrupt


def one_line(message: str) -> str:
    """A multi-line message (YAML's: context, snippet, caret, problem) as one line: its unindented lines, and
    the last position it names."""
    parts = [line.strip() for line in message.splitlines() if line.strip() and not line[0].isspace()]
    where = re.findall(r"line \d+, column \d+", message)
    return "; ".join(parts) + (f" ({where[-1]})" if where and len(parts) < len(message.splitlines()) else "")


def dataflow_rates(s: dict) -> str:
    """The dataflow's two rates, each named for what it counts (failed trajectories are executed too)."""
    def rate(v):
        return "—" if v is None else f"{v:.1f}"

    return (f"dataflow: {rate(s.get('passing_per_minute_stage'))} verified passing trajectories/min (whole stage: "
            f"{s.get('passing_this_run', '?')} passing in {s.get('stage_seconds', '?')} s); "
            f"{rate(s.get('executed_per_minute_execution'))} executed trajectories/min (execution phase, failed ones "
            f"included: {s.get('executed_this_run', '?')} in {s.get('execute_seconds', '?')} s)")


def pipeline_command(
    config: Path = typer.Option(..., "--config", help="Pipeline YAML (see configs/)."),
    workdir: Path = typer.Option(..., "--workdir", help="Run folder: every artifact and manifest.json."),
    only: Optional[str] = typer.Option(None, "--only", help="Run just this stage (plans|dataflow|train|eval|report)."),
    start: Optional[str] = typer.Option(None, "--from", help="Run from this stage on."),
):
    _run(config, workdir, only, start)


def demo_command(
    quick: bool = typer.Option(False, "--quick", help="The ≤ 5-minute variant (configs/quick.yaml)."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Default: runs/<the config's name>, e.g. runs/demo."),
    app_name: Optional[str] = typer.Option(None, "--app", help="Another application's demo: configs/<app>_demo.yaml "
                                           "(<app>_quick.yaml with --quick)."),
    config: Optional[Path] = typer.Option(None, "--config", help="A demo config of your own instead of the built-in one."),
):
    from lamfactory.config import builtin_config
    from lamfactory.core.app import DEFAULT_APP

    name = "quick" if quick else "demo"
    if app_name and app_name != DEFAULT_APP:
        name = f"{app_name}_{name}"
    path = config or builtin_config(name)
    if not path.is_file():
        typer.echo(f"error: no demo config {path} (for --app {app_name}: configs/{name}.yaml)", err=True)
        raise typer.Exit(2)
    _run(path, workdir or Path("runs") / path.stem, None, None)
