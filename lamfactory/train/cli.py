"""`lamfactory train plan|imitate|boost|reward|rl|all`: parse a config, read the stage files, call the phases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from lamfactory.core.exits import fail

app = typer.Typer(add_completion=False, no_args_is_help=True)

CONFIG = typer.Option(None, "--config", help="YAML (top-level `train:` section or the train keys themselves).")
OUT = typer.Option(Path("runs/train"), "--out", help="Work directory: base/, lam1..lam4/, reward/.")
PLANS = typer.Option(None, "--plans", help="plans.jsonl (TaskPlan).")
STEPS = typer.Option(None, "--steps", help="steps.jsonl (StepSample with split and reward).")
PASSED = typer.Option(None, "--pass", help="pass.jsonl (Trajectory).")
FAILED = typer.Option(None, "--fail", help="fail.jsonl (Trajectory): the tasks boost retries.")
ROLLOUTS = typer.Option(None, "--rollouts", help="boost: recorded LAM2 trajectories (Trajectory JSONL) "
                        "instead of live ones; `lamfactory pipeline` runs them live.")


def _run(phases: tuple[str, ...], config, out, plans, steps, passed, failed, rollouts) -> None:
    from lamfactory.core.records import Trajectory, read_jsonl
    from lamfactory.train.pipeline import load_config, train_phases
    from lamfactory.train.data import TrainData

    try:
        cfg = load_config(config)
        data = TrainData.from_files(plans, steps, passed, failed)
        rollout_fn = (lambda model, tasks: list(read_jsonl(rollouts, Trajectory))) if rollouts else None
        if "boost" in phases and rollout_fn is None:
            typer.echo("boost: no rollouts given, LAM3 is retrained on the expert data only", err=True)
        results = train_phases(data, out, cfg, phases, rollout_fn=rollout_fn)
    except (ValueError, FileNotFoundError, ImportError) as e:
        fail(str(e))
    for name, r in results.items():
        typer.echo(json.dumps({"phase": name, "model_dir": r.model_dir, "skipped": r.skipped, **r.metrics}))


def _command(phases: tuple[str, ...], doc: str):
    def command(config: Optional[Path] = CONFIG, out: Path = OUT, plans: Optional[Path] = PLANS,
                steps: Optional[Path] = STEPS, passed: Optional[Path] = PASSED, failed: Optional[Path] = FAILED,
                rollouts: Optional[Path] = ROLLOUTS):
        _run(phases, config, out, plans, steps, passed, failed, rollouts)
    command.__doc__ = doc
    return command


app.command("plan")(_command(("plan",), "LAM1: SFT on task -> plan pairs (builds the embedded base if configured)."))
app.command("imitate")(_command(("imitate",), "LAM2: SFT of LAM1 on expert step samples."))
app.command("boost")(_command(("boost",), "LAM3: LAM2's verified successes join the expert data; retrain."))
app.command("reward")(_command(("reward",), "Reward model from LAM3 (+1 success / -1 failure steps, MSE, LoRA)."))
app.command("rl")(_command(("rl",), "LAM4: offline PPO (or GRPO) on failed trajectories' states against the RM."))
app.command("all")(_command(("plan", "imitate", "boost", "reward", "rl"), "All phases in order (resumable)."))
