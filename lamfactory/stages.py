"""The pipeline's stage adapters: each reads its inputs from the workdir, calls one stage library function,
and returns a small dict of counts for manifest.json. Folder layout of a run:

    plans/        plans.jsonl, dataset/, stats.json                   (lamfactory.plans)
    dataflow/     templates/, tasks.jsonl, pass/fail/unsure.jsonl, steps.jsonl, summary.json   (lamfactory.dataflow)
    models/       base, lam1, lam2, lam3, reward, lam4                (lamfactory.train)
    eval/         <model>/offline/metrics.json, <model>/online/metrics.json, summary.json  (lamfactory.evaluate)
    report/       report.html, report.md, *.png
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from lamfactory.config import PipelineConfig
from lamfactory.core.app import get_app
from lamfactory.core.records import TaskInstance, Trajectory, write_json

Log = Callable[[str], None]
LAMS = ("lam1", "lam2", "lam3", "lam4")


def run_plans(cfg: PipelineConfig, workdir: Path, log: Log) -> dict[str, Any]:
    from lamfactory.plans.build import build_plans

    stats = build_plans(cfg.plans.sources, workdir / "plans", evolve=cfg.plans.evolve,
                        llm_roles=cfg.plans.llm, seed=cfg.seed, progress=True, app=cfg.app)
    return {k: stats[k] for k in ("records", "extracted", "evolved") if k in stats}


def run_dataflow(cfg: PipelineConfig, workdir: Path, log: Log) -> dict[str, Any]:
    from lamfactory.dataflow.runner import run_dataflow as run

    d = cfg.dataflow
    summary = run(workdir / "plans", workdir / "dataflow", app=cfg.app, limit=d.limit, workers=d.workers, ray_address=d.ray,
                  llm_roles=d.llm, seed=cfg.seed, expert=d.expert, per_plan=d.per_plan, top_k=d.top_k,
                  paraphrases=d.paraphrases, shortest=d.shortest,
                  episode_timeout_s=d.episode_timeout_s, progress=True)
    return {k: summary[k] for k in ("buckets", "passing_per_minute_stage", "executed_per_minute_execution", "families", "templates") if k in summary}


def rollout_with_agent(max_steps: int, app: str) -> Callable[[str, list[TaskInstance]], list[Trajectory]]:
    """The self-boosting rollout: a trained model acts live in the app through the agent runtime."""

    def rollout(model_dir: str, tasks: list[TaskInstance]) -> list[Trajectory]:
        from lamfactory.agent.policies import make_policy
        from lamfactory.evaluate.online import run_surviving_crash

        policy = make_policy(str(model_dir))
        with get_app(app).make_env() as env:  # a crash or hang mid-episode costs one rerun, as in online eval
            return [run_surviving_crash(env, task, policy, max_steps) for task in tasks]

    return rollout


def run_train(cfg: PipelineConfig, workdir: Path, log: Log) -> dict[str, Any]:
    from lamfactory.dataflow.export import trajectory_to_samples
    from lamfactory.train.data import TrainData
    from lamfactory.train.pipeline import parse_config, train_all

    data_dir = workdir / "dataflow"
    data = TrainData.from_files(workdir / "plans" / "plans.jsonl", data_dir / "steps.jsonl",
                                data_dir / "pass.jsonl", data_dir / "fail.jsonl")
    results = train_all(data, workdir / "models", parse_config(cfg.train, "train"),
                        rollout_fn=rollout_with_agent(cfg.eval.max_steps, cfg.app), to_samples=trajectory_to_samples)
    return {name: _brief(r) for name, r in results.items()}


def _brief(result: Any) -> Any:
    metrics = getattr(result, "metrics", result)
    if isinstance(metrics, dict):
        return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool))}
    return str(metrics)


def model_spec(name: str, workdir: Path) -> str:
    """lam1..lam4 (with an optional ?key=value,... of decode overrides) are checkpoints of this run; anything
    else (oracle, expert, random, openai:…) as given."""
    base, sep, query = name.partition("?")
    return str(workdir / "models" / base) + sep + query if base in LAMS else name


def run_eval(cfg: PipelineConfig, workdir: Path, log: Log) -> dict[str, Any]:
    from lamfactory.agent.retrieval.memory import MEMORY_FILE
    from lamfactory.agent.policies import make_policy
    from lamfactory.agent.settings import MODEL_ONLY, DecodeSettings, with_overrides
    from lamfactory.evaluate.offline import OfflineUnsupported, load_test_samples, run_offline
    from lamfactory.evaluate.online import evaluate_online, load_test_tasks
    e = cfg.eval
    tasks = load_test_tasks(workdir / "dataflow")  # online evaluation needs the tasks: without them, one line
    try:
        samples = load_test_samples(workdir / "dataflow")
    except FileNotFoundError:  # a dataflow that exported no step samples: the online part still runs
        samples = None
        log("  dataflow/steps.jsonl missing: offline evaluation skipped, online only")
    runs = []  # (name, spec)
    for name in e.models:
        spec = model_spec(name, workdir)
        if e.decode and name in LAMS:
            spec = with_overrides(spec, DecodeSettings.model_validate(e.decode))
        runs.append((name, spec))
        if e.ablations and name in LAMS and (workdir / "models" / name / MEMORY_FILE).is_file():
            # the same checkpoint without its rules and retrieval, and its retrieval without the model
            checkpoint = model_spec(name, workdir)
            runs += [(f"{name}+model-only", with_overrides(checkpoint, MODEL_ONLY)),
                     (f"{name}+retrieval-only", f"memory:{checkpoint}")]
    summary: dict[str, Any] = {}
    # one environment for all models: reset() restores the UI state a policy changed (toolbars, dialogs, ...)
    with get_app(cfg.app).make_env() as env:
        for name, spec in runs:
            out = workdir / "eval" / name
            summary[name] = {}
            policy = make_policy(spec, seed=cfg.seed)
            try:
                if samples is not None:
                    summary[name]["offline"] = run_offline(policy, samples, out / "offline", name)
            except OfflineUnsupported:
                pass  # oracle / expert act only live
            (out / "online").mkdir(parents=True, exist_ok=True)
            metrics = evaluate_online(spec, tasks, env, e.online_tasks, e.seeds, out=out / "online",
                                      max_steps=e.max_steps, judge=e.judge, name=name)
            summary[name]["online"] = metrics
            log(f"  {name}: online TSR {metrics['task_success_rate']:.3f}"
                + (f", offline TSR {summary[name]['offline']['task_success_rate']:.3f}"
                   if "offline" in summary[name] else ""))
    write_json(workdir / "eval" / "summary.json", summary)
    return {name: {kind: round(m["task_success_rate"], 3) for kind, m in v.items()} for name, v in summary.items()}


def run_report(cfg: PipelineConfig, workdir: Path, log: Log) -> dict[str, Any]:
    from lamfactory.evaluate.report import write_report

    runs = sorted(p.parent for p in (workdir / "eval").glob("*/*/metrics.json"))
    paths = write_report(runs, workdir / "report", app=get_app(cfg.app).display_name)
    return {"html": str(paths["html"]), "runs": len(runs)}


def summary_rows(workdir: Path) -> list[list[str]]:
    """Model, offline TSR, online TSR (with CI) — the demo's closing table."""
    path = workdir / "eval" / "summary.json"
    if not path.exists():
        return []
    rows = []
    for name, v in json.loads(path.read_text()).items():
        off = v.get("offline", {}).get("task_success_rate")
        on = v.get("online", {})
        ci = on.get("task_success_ci95_wilson")
        rows.append([name, "—" if off is None else f"{off:.3f}",
                     "—" if not on else f"{on['task_success_rate']:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")])
    return rows
