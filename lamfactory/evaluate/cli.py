"""`lamfactory eval offline|online|report`: thin layers over evaluate_offline / evaluate_online / write_report.

--model takes a checkpoint folder, a backend spec (openai:..., replay:..., hf:...) or a built-in policy
(oracle, expert, random), or memory:FOLDER (a checkpoint's experience memory alone); --decode KEY=VALUE overrides
a checkpoint's decode settings. Each run folder gets metrics.json (task_success_rate is a fraction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from lamfactory.core.exits import fail as _fail
from lamfactory.core.records import write_json

app = typer.Typer(add_completion=False, no_args_is_help=True)


DECODE_HELP = "KEY=VALUE overriding a decode setting (agent/settings.py), e.g. retrieval=false; repeatable."


def _overrides(pairs: Optional[list[str]]):
    from lamfactory.agent.settings import parse_overrides

    try:
        return parse_overrides(pairs or [])
    except ValueError as e:
        _fail(f"--decode {e}")


def _policy(spec: str, seed: int = 0, decode=None):
    from lamfactory.agent.policies import make_policy

    try:
        return make_policy(spec, seed=seed, decode=decode)
    except Exception as e:  # bad spec, missing checkpoint files, backend errors: one line
        _fail(f"--model {spec}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")


@app.command("offline", help="Step-wise metrics (paper Table 3) on exported test samples (steps.jsonl).")
def offline_command(
    model: str = typer.Option(..., "--model", help="Checkpoint folder, backend spec, or random."),
    data: Path = typer.Option(..., "--data", help="steps.jsonl or the dataflow folder holding it."),
    out: Path = typer.Option(..., "--out", help="Run folder: metrics.json, predictions.jsonl."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Evaluate only the first N samples."),
    decode: Optional[list[str]] = typer.Option(None, "--decode", help=DECODE_HELP),
):
    from lamfactory.evaluate.offline import OfflineUnsupported, load_test_samples, run_offline

    overrides = _overrides(decode)
    try:
        samples = load_test_samples(data)
    except (FileNotFoundError, ValueError) as e:
        _fail(str(e).splitlines()[0])
    if not samples:
        _fail(f"{data}: no step samples with split == 'test'")
    samples = samples[:limit] if limit else samples
    policy = _policy(model, decode=overrides)
    try:
        metrics = run_offline(policy, samples, out, model)
    except OfflineUnsupported as e:
        _fail(str(e))
    typer.echo(f"{model}: step success {metrics['step_success_rate']:.3f}, task success "
               f"{metrics['task_success_rate']:.3f} on {metrics['steps']} steps / {metrics['tasks']} tasks -> {out}")


@app.command("online", help="Live episodes on held-out tasks (paper Table 4); resumable.")
def online_command(
    model: str = typer.Option(..., "--model", help="Checkpoint folder, backend spec, oracle, expert or random."),
    tasks: Path = typer.Option(..., "--tasks", help="Dataflow folder (tasks.jsonl) or a TaskInstance JSONL file."),
    out: Path = typer.Option(..., "--out", help="Run folder: metrics.json, trajectories.jsonl."),
    episodes: Optional[int] = typer.Option(None, "--episodes", min=1, help="Use the first N test tasks."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Repeat every task with seeds 0..K-1."),
    max_steps: int = typer.Option(20, "--max-steps", min=1),
    judge: Optional[str] = typer.Option(None, "--judge", help="LLM backend for the judge role (agreement)."),
    decode: Optional[list[str]] = typer.Option(None, "--decode", help=DECODE_HELP),
):
    from lamfactory.agent.policies import LLM_KINDS
    from lamfactory.agent.settings import with_overrides
    from lamfactory.core.app import AppError, get_app
    from lamfactory.evaluate.online import evaluate_online, load_test_tasks

    overrides = _overrides(decode)
    if decode and model.partition(":")[0] in LLM_KINDS:
        _fail("--decode: a backend spec has no decode settings")
    spec = with_overrides(model, overrides)  # evaluate_online makes its policies from the spec alone
    try:
        task_list = load_test_tasks(tasks)
    except (FileNotFoundError, ValueError) as e:
        _fail(str(e).splitlines()[0])
    if not task_list:
        _fail(f"{tasks}: no tasks with split == 'test'")
    _policy(spec)  # fail fast on a bad spec before starting the application
    apps = {t.app for t in task_list}
    if len(apps) > 1:
        _fail(f"{tasks}: tasks of several applications ({', '.join(sorted(apps))}); evaluate one at a time")
    try:
        env = get_app(apps.pop()).make_env()
    except AppError as e:
        _fail(str(e))
    out.mkdir(parents=True, exist_ok=True)
    try:
        metrics = evaluate_online(spec, task_list, env, episodes, seeds, out=out, max_steps=max_steps, judge=judge,
                                  name=model)
    except ValueError as e:  # a run folder of another model, a malformed trajectories file
        _fail(str(e).splitlines()[0])
    finally:
        env.close()
    lo, hi = metrics["task_success_ci95_wilson"]
    typer.echo(f"{model}: task success {metrics['task_success_rate']:.3f} [{lo:.3f}, {hi:.3f}] over "
               f"{metrics['episodes']} episodes, {metrics['steps_mean']:.2f} steps, "
               f"step latency median {metrics['step_latency_ms_median']:.0f} ms -> {out}")


@app.command("plans", help="Plan metrics (paper Table 2): step precision/recall, judged task success.")
def plans_command(
    model: str = typer.Option(..., "--model", help="Plan model: checkpoint folder (LAM1) or backend spec."),
    plans: Path = typer.Option(..., "--plans", help="TaskPlan JSONL (held-out tasks with reference plans)."),
    out: Path = typer.Option(..., "--out", help="Run folder: metrics.json."),
    judge: Optional[str] = typer.Option(None, "--judge", help="LLM backend for the judge role (task success)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1),
):
    from lamfactory.evaluate.plans import evaluate_plans
    from lamfactory.core.records import TaskPlan, read_jsonl

    try:
        items = list(read_jsonl(plans, TaskPlan))[:limit] if limit else list(read_jsonl(plans, TaskPlan))
    except (OSError, ValueError) as e:
        _fail(str(e).splitlines()[0])
    if not items:
        _fail(f"{plans}: no task plans")
    try:
        metrics = evaluate_plans(model, items, judge)
    except Exception as e:  # a model that does not load or a backend that fails: one line
        _fail(f"--model {model}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "metrics.json", metrics)
    typer.echo(f"{model}: step precision {metrics['step_precision']:.3f}, recall {metrics['step_recall']:.3f} "
               f"on {metrics['plans']} plans -> {out}")


@app.command("report", help="HTML + Markdown report with paper-style tables and plots over several runs.")
def report_command(
    runs: list[Path] = typer.Option(..., "--runs", help="Run folders (each with metrics.json)."),
    out: Path = typer.Option(..., "--out", help="Report folder."),
):
    from lamfactory.evaluate.report import ReportError, write_report

    try:
        paths = write_report(runs, out)
    except ReportError as e:
        _fail(str(e))
    typer.echo(f"report: {paths['html']} ({len(paths) - 2} plots)")
