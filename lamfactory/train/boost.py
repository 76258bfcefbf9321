"""Phase 3 -> LAM3: self-boosting exploration. LAM2 acts live on the tasks the expert failed (and on some
training tasks it did not see fail); its verified successes join the expert data and the model is retrained."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Optional

from lamfactory.agent.retrieval.memory import Memory, experiences
from lamfactory.core.records import StepSample, TaskInstance, Trajectory, read_jsonl, write_jsonl
from lamfactory.train.config import PromptSettings, SFTSettings
from lamfactory.train.data import TrainData, step_example
from lamfactory.train.imitate import eval_subset
from lamfactory.train.phase import PhaseResult, fingerprint, model_fingerprint
from lamfactory.train.sft import run_sft

RolloutFn = Callable[[str, list[TaskInstance]], list[Trajectory]]
ToSamples = Callable[[Trajectory, int], list[StepSample]]


class BoostConfig(SFTSettings):
    epochs: int = 1
    extra_train_tasks: int = 100  # training tasks the expert passed, also attempted (more chances to succeed)
    top_k: int = 15  # controls shown per step in the samples made from new successes
    max_tasks: Optional[int] = None  # cap on attempted tasks (time budget)


def boost_tasks(data: TrainData, cfg) -> list[TaskInstance]:
    failed = [t.task for t in data.failed if t.task.split == "train"]
    passed = [t.task for t in data.passed if t.task.split == "train"]
    rng = random.Random(cfg.seed)
    tasks = failed + rng.sample(passed, min(cfg.extra_train_tasks, len(passed)))
    return tasks[: cfg.max_tasks] if cfg.max_tasks else tasks


def cached_rollouts(lam2: str | Path, tasks: list[TaskInstance], rollout_fn: RolloutFn, out_dir: Path) -> list[Trajectory]:
    """Live rollouts are the slow part: keep them on disk, keyed by the model and the tasks."""
    fp = fingerprint(model_fingerprint(lam2), [t.task_id for t in tasks])
    path, stamp = out_dir / "rollouts.jsonl", out_dir / "rollouts.fingerprint"
    if path.exists() and stamp.exists() and stamp.read_text() == fp:
        return list(read_jsonl(path, Trajectory))
    trajectories = rollout_fn(str(lam2), tasks) if tasks else []
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(path, trajectories)
    stamp.write_text(fp)
    return trajectories


def boost(lam2: str | Path, data: TrainData, rollout_fn: RolloutFn, cfg: BoostConfig, *, out_dir: str | Path,
          prompt: PromptSettings = PromptSettings(), to_samples: Optional[ToSamples] = None,
          memory: Optional[Memory] = None, callbacks=None) -> PhaseResult:
    """rollout_fn(model_dir, tasks) -> trajectories (the pipeline passes the agent + the app's env); passing ones
    become step samples (dataflow's trajectory_to_samples unless `to_samples` is given) added to the expert
    steps; LAM2 is then fine-tuned on the union."""
    new, counts = boost_samples(lam2, data, rollout_fn, cfg, out_dir=Path(out_dir), to_samples=to_samples,
                                memory=memory)
    steps = data.train_steps() + new
    return run_sft("boost", lam2, [step_example(s, prompt) for s in steps], cfg, out_dir=out_dir, prompt=prompt,
                   eval_steps=eval_subset(data.test_steps(), cfg.eval_samples, cfg.seed), extra_metrics=counts,
                   callbacks=callbacks)


def boost_samples(lam2: str | Path, data: TrainData, rollout_fn: RolloutFn, cfg, *, out_dir: Path,
                  to_samples: Optional[ToSamples] = None, memory: Optional[Memory] = None) -> tuple[list[StepSample], dict]:
    """The live part of self-boosting (any model kind): LAM2's verified successes as new step samples, and the
    counts. `cfg` has the boost fields (extra_train_tasks, max_tasks, top_k, seed)."""
    tasks = boost_tasks(data, cfg)
    trajectories = cached_rollouts(lam2, tasks, rollout_fn, out_dir)
    wins = [t for t in trajectories if t.bucket == "pass"]
    if to_samples is None and wins:
        from lamfactory.dataflow.export import trajectory_to_samples as to_samples
    expert_failed = {t.task.task_id for t in data.failed}
    new = [s.model_copy(update={"reward": 1.0}) for t in wins for s in to_samples(t, cfg.top_k)]
    if memory is not None:
        memory = memory.extended(experiences(wins))
        new = memory.attach_all(new, exclude_own=True)
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        memory.save(out_dir)
    counts = {"boost_tasks": len(tasks), "boost_rollouts": len(trajectories), "boost_successes": len(wins),
              "boost_new_successes": sum(t.task.task_id in expert_failed for t in wins), "boost_new_samples": len(new)}
    return new, counts
