"""Online evaluation (paper Table 4): the policy acts live on held-out tasks; the task's checker decides.

    metrics = evaluate_online("models/lam2", tasks, env, episodes=50, seeds=[0, 1, 2], out=Path("runs/x"))

An episode during which the application crashed or hung (the environment restarted it and reopened a fresh
copy of the document, losing the actions so far) is run once more from the start on the same task.
Each (seed, task) episode is appended to trajectories.jsonl as soon as it ends, so an interrupted run
resumes where it stopped. Metrics: success rate with a Wilson interval (pooled episodes) and a bootstrap
interval over tasks, per-seed rates, steps, completion time, step latency (median, p90; model time +
environment time per step), per-family breakdown, and judge agreement when a judge LLM is configured.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Optional

from lamfactory.agent.loop import run_episode
from lamfactory.agent.policies import make_policy
from lamfactory.agent.policy import Policy
from lamfactory.core.app import AppCrashed
from lamfactory.core.env import Environment
from lamfactory.dataflow.execute import CRASH_MARK, app_restarts
from lamfactory.evaluate.metrics import bootstrap_ci, percentile, wilson
from lamfactory.core.records import Observation, TaskInstance, Trajectory, append_jsonl, read_jsonl, write_json

TASK_FILES = ("tasks.jsonl", "instances.jsonl", "tasks_test.jsonl")


def load_test_tasks(tasks: Path) -> list[TaskInstance]:
    """TaskInstances with split == "test" from a JSONL file or a dataflow folder holding one of TASK_FILES."""
    path = tasks
    if tasks.is_dir():
        found = [tasks / n for n in TASK_FILES if (tasks / n).is_file()]
        if not found:
            raise FileNotFoundError(f"{tasks}: none of {', '.join(TASK_FILES)} (run the dataflow first)")
        path = found[0]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such tasks file")
    return [t for t in read_jsonl(path, TaskInstance) if t.split == "test"]


def evaluate_online(policy_spec: str, tasks: list[TaskInstance], env: Environment, episodes: Optional[int] = None,
                    seeds: list[int] | int = 1, *, out: Optional[Path] = None, max_steps: int = 20,
                    judge=None, name: Optional[str] = None) -> dict[str, Any]:
    """Run `policy_spec` on the first `episodes` tasks for each seed; return the metrics dict (also written to
    out/metrics.json with trajectories.jsonl beside it). `name` is the model's display name (default: the spec)."""
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    chosen = tasks[:episodes] if episodes else list(tasks)
    log = out / "trajectories.jsonl" if out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[int, str], Trajectory] = {}
    if log and log.exists():
        for t in read_jsonl(log, Trajectory):
            if not t.policy.startswith(f"{policy_spec}#seed="):
                raise ValueError(f"{log} holds episodes of {t.policy.split('#')[0]!r}, not {policy_spec!r}: "
                                 "use another --out folder")
            done[(_seed_of(t), t.task.task_id)] = t
    judge_llm = _make_judge(judge)
    results: list[tuple[int, Trajectory]] = []
    for seed in seeds:
        todo = [t for t in chosen if (seed, t.task_id) not in done]
        policy = make_policy(policy_spec, seed=seed) if todo else None
        for task in chosen:
            traj = done.get((seed, task.task_id))
            if traj is None:
                traj = run_surviving_crash(env, task, policy, max_steps)
                traj.policy = f"{policy_spec}#seed={seed}"
                if judge_llm is not None and traj.verdict is not None:
                    _judge(judge_llm, traj, env.observe())
                if log:
                    append_jsonl(log, [traj])
            results.append((seed, traj))
    metrics = online_metrics(results, name or policy_spec)
    if out:
        write_json(out / "metrics.json", metrics)
    return metrics


def run_surviving_crash(env: Environment, task: TaskInstance, policy: Policy, max_steps: int) -> Trajectory:
    """run_episode, once more from a fresh reset when the application crashed or hung after the reset; a second
    crash is recorded as the episode's failure (the checker would only have judged a reopened copy)."""
    for _ in range(2):
        try:
            observation = env.reset(task)
        except AppCrashed as e:  # it died while opening the document, and in the env's restarts too
            traj = Trajectory(task=task, policy=getattr(policy, "name", "policy"), failure=f"{CRASH_MARK}: {e}")
            continue
        restarts = app_restarts(env)  # after the reset: a restart while opening the document loses nothing
        traj = run_episode(env, task, policy, max_steps, observation=observation)
        if app_restarts(env) == restarts:
            return traj
    traj.failure = f"{CRASH_MARK} twice during the episode (restarted, the document reopened)"
    traj.bucket = "fail"
    if traj.verdict is not None:
        traj.verdict = traj.verdict.model_copy(update={"passed": False, "details": [traj.failure]})
    return traj


def online_metrics(results: list[tuple[int, Trajectory]], model: str) -> dict[str, Any]:
    trajs = [t for _, t in results]
    passed = [t.bucket == "pass" for t in trajs]
    per_task: dict[str, list[bool]] = defaultdict(list)
    per_seed: dict[int, list[bool]] = defaultdict(list)
    per_family: dict[str, list[bool]] = defaultdict(list)
    for seed, t in results:
        per_task[t.task.task_id].append(t.bucket == "pass")
        per_seed[seed].append(t.bucket == "pass")
        for fam in t.task.families or ["unknown"]:
            per_family[fam].append(t.bucket == "pass")
    latencies = [s.model_ms + s.duration_ms for t in trajs for s in t.steps]
    judged = [t for t in trajs if t.verdict is not None and t.verdict.judge in ("yes", "no")]
    n = len(trajs)
    metrics: dict[str, Any] = {
        "kind": "online",
        "model": model,
        "episodes": n,
        "tasks": len(per_task),
        "seeds": sorted(per_seed),
        "task_success_rate": sum(passed) / n if n else 0.0,
        "task_success_ci95_wilson": wilson(sum(passed), n),
        "task_success_ci95_bootstrap": bootstrap_ci([sum(v) / len(v) for v in per_task.values()]),
        "task_success_by_seed": {str(s): sum(v) / len(v) for s, v in sorted(per_seed.items())},
        "task_success_by_family": {f: sum(v) / len(v) for f, v in sorted(per_family.items())},
        "episodes_by_family": {f: len(v) for f, v in sorted(per_family.items())},
        "steps_mean": sum(len(t.steps) for t in trajs) / n if n else 0.0,
        "completion_seconds_mean": sum(t.seconds for t in trajs) / n if n else 0.0,
        "step_latency_ms_median": percentile(latencies, 50),
        "step_latency_ms_p90": percentile(latencies, 90),
        "step_latencies_ms": latencies,
        "failures": _failure_counts(trajs),
    }
    if judged:
        metrics["judge_agreement"] = sum((t.verdict.judge == "yes") == t.verdict.passed for t in judged) / len(judged)
        metrics["judged_episodes"] = len(judged)
    return metrics


def _failure_counts(trajs: list[Trajectory]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for t in trajs:
        if t.bucket != "pass":
            counts[(t.failure or "unknown").split(":")[0][:40]] += 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _seed_of(traj: Trajectory) -> int:
    _, _, seed = traj.policy.rpartition("#seed=")
    return int(seed) if seed.isdigit() else 0


def _make_judge(judge):
    """A backend spec, an LLM object (tests, callers with their own client), or None."""
    if not judge:
        return None
    if not isinstance(judge, str):
        return judge
    from lamfactory.llm import make_llm

    return make_llm(judge)


def _judge(llm, traj: Trajectory, final: Observation) -> None:
    """Ask the judge role (agent/judge.py, the dataflow's judge) whether the task was done."""
    from lamfactory.agent.judge import judge_trajectory

    traj.verdict.judge, reason = judge_trajectory(llm, traj, final)
    traj.verdict.judge_reason = reason[:300]
