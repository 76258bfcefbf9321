"""Soak: many agent episodes on one long-lived Writer, soffice SIGKILLed now and then; one JSON line.

    python benchmarks/soak.py [--episodes 1000] [--kill-every 50] [--max-steps 8] [--hang-s 120]

Tasks: the hand-made sample plans instantiated on a small template library (as the dataflow does), cycled.
Policies: oracle, random and expert in turn (lamfactory.agent.policies.make_policy), through the agent
loop (agent/loop.run_episode) with each task's checker. Every `--kill-every` episodes a timer SIGKILLs the
running soffice at a random moment of the episode; the environment must renew it and the episode must
still end in a recorded trajectory.

Reports: episodes accounted for (a trajectory read back from the JSONL written during the run), lost
(started, no trajectory: run_episode raised), hung (past --hang-s: the episode is abandoned and soffice
killed), kills injected, soffice renewals, outcomes per policy, and soffice's resident memory slope in
MB per 100 episodes, fitted per soffice process (a renewal starts a new one) over processes that lived
at least 10 episodes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lamfactory.cli import quiet_libraries  # noqa: E402  (the CLI's settings: HF bars and Ray logs off)

quiet_libraries()
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SAMPLE_PLANS = ROOT / "lamfactory" / "dataflow" / "sample_plans.jsonl"
POLICIES = ("oracle", "random", "expert")


def tasks(out: Path, seed: int):
    from lamfactory.apps.writer.templates import build_templates
    from lamfactory.core.app import get_app
    from lamfactory.dataflow.instantiate import Instantiator
    from lamfactory.dataflow.runner import load_plans

    templates = build_templates(out / "templates", help_pages=8, ott=False)
    found, _ = Instantiator(templates, get_app("writer"), seed=seed, per_plan=2).instantiate(load_plans(SAMPLE_PLANS))
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slopes(samples: list[tuple[int, int, float]], late: bool = False) -> list[float]:
    """MB per 100 episodes, a least-squares line per soffice pid with >= 10 samples; `late`: over each
    process's second half only (warm-up growth, caches filling, against a steady leak)."""
    by_pid: dict[int, list[tuple[int, float]]] = {}
    for episode, pid, mb in samples:
        by_pid.setdefault(pid, []).append((episode, mb))
    out = []
    for points in by_pid.values():
        points = points[len(points) // 2:] if late else points
        if len(points) >= 10:
            x, y = np.array(points).T
            out.append(round(float(np.polyfit(x, y, 1)[0]) * 100, 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--kill-every", type=int, default=50, help="SIGKILL soffice once per this many episodes")
    ap.add_argument("--max-steps", type=int, default=8)
    ap.add_argument("--hang-s", type=float, default=120.0, help="an episode running longer is counted as hung")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="keep the trajectories here (default: a temporary folder)")
    args = ap.parse_args()

    from lamfactory.agent.loop import run_episode
    from lamfactory.agent.policies import make_policy
    from lamfactory.apps.writer.env import WriterEnv
    from lamfactory.core.records import Trajectory, append_jsonl, read_jsonl

    out = Path(args.out or tempfile.mkdtemp(prefix="lam-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    log = out / "trajectories.jsonl"
    log.unlink(missing_ok=True)
    pool = tasks(out, args.seed)
    rng = random.Random(args.seed)
    worker = ThreadPoolExecutor(max_workers=1)  # soffice is started from one long-lived thread (PDEATHSIG)
    env = worker.submit(WriterEnv).result()
    lost, hung, timers = [], [], []
    kills: list[int] = []  # pids killed
    rss: list[tuple[int, int, float]] = []
    seconds: list[float] = []
    t_start = time.perf_counter()
    for i in range(args.episodes):
        task = pool[i % len(pool)]
        name = POLICIES[i % len(POLICIES)]
        policy = make_policy(name, seed=i)
        if args.kill_every and i % args.kill_every == args.kill_every // 2:
            # not cancelled: one that fires after a short episode hits the next one's reset, also a real moment
            timer = threading.Timer(rng.uniform(0.02, 0.4), _kill, (env, kills))
            timer.start()
            timers.append(timer)
        t0 = time.perf_counter()
        future = worker.submit(run_episode, env, task, policy, args.max_steps)
        try:
            traj: Trajectory = future.result(timeout=args.hang_s)
            append_jsonl(log, [traj.model_copy(update={"policy": f"{name}#{i}"})])
        except FutureTimeout:
            hung.append(i)
            env.office.kill()  # unblocks the worker; the next reset starts a fresh soffice
            future.exception()
        except Exception as e:  # an episode that raised is lost: that is what this benchmark counts
            lost.append(f"{i}: {type(e).__name__}: {str(e)[:120]}")
        seconds.append(time.perf_counter() - t0)
        pid = env.pid
        mb = rss_mb(pid) if pid else None
        if mb is not None:
            rss.append((i, pid, mb))

    for timer in timers:
        timer.join()
    wall = time.perf_counter() - t_start
    renewals = env.restarts
    worker.submit(env.close).result()
    worker.shutdown()
    written = list(read_jsonl(log, Trajectory)) if log.exists() else []
    episodes_back = {int(t.policy.split("#")[1]) for t in written}
    outcomes = Counter(f"{t.policy.split('#')[0]}:{t.bucket}" for t in written)
    met_kill = [t for t in written if any("soffice died" in (s.error or "") for s in t.steps)]
    per_pid, late = slopes(rss), slopes(rss, late=True)
    print(json.dumps({
        "episodes": args.episodes, "accounted_for": len(episodes_back), "lost": len(lost), "hung": len(hung),
        "kills_injected": len(kills), "episodes_that_met_a_kill": len(met_kill),
        "their_outcomes": dict(Counter(f"{t.policy.split('#')[0]}:{t.bucket}" for t in met_kill)), "soffice_renewals": renewals,
        "soffice_processes": len({pid for _, pid, _ in rss}),
        "outcomes": dict(sorted(outcomes.items())),
        "rss_mb_first_last": [round(rss[0][2], 1), round(rss[-1][2], 1)] if rss else None,
        "rss_slope_mb_per_100_episodes": {"per_process": per_pid,
                                          "median": float(np.median(per_pid)) if per_pid else None,
                                          "second_half_per_process": late},
        "episode_seconds_median": round(float(np.median(seconds)), 3) if seconds else None,
        "episode_seconds_max": round(max(seconds), 1) if seconds else None,
        "wall_seconds": round(wall, 1), "tasks_in_pool": len(pool), "max_steps": args.max_steps,
        "lost_examples": lost[:3], "hung_episodes": hung[:10], "load_average_1min": round(os.getloadavg()[0], 2),
        "out": str(out),
    }))


def _kill(env, killed: list[int]) -> None:
    pid = env.pid
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    main()
