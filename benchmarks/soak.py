"""Soak: many agent episodes on one long-lived Writer, soffice SIGKILLed or SIGSTOPped now and then; one JSON line.

    python benchmarks/soak.py [--episodes 1000] [--fault-every 50] [--faults kill,stop] [--max-steps 8]
                              [--hang-s 120] [--recycle-documents N] [--recycle-rss-mb MB]

Tasks: the hand-made sample plans instantiated on a small template library (as the dataflow does), cycled.
Policies: oracle, random and expert in turn (lamfactory.agent.policies.make_policy), through online
evaluation's episode runner (evaluate/online.run_surviving_crash: the agent loop with each task's checker, an
episode the application crashed or hung in run again once). Every `--fault-every` episodes a timer, at a
random moment of the episode, SIGKILLs soffice or SIGSTOPs it (a hang: the call watchdog must kill it); the
environment must renew it and the episode must still end in a recorded trajectory. soffice's memory
recycling (apps/libreoffice/soffice.py: renewed after N documents or above an RSS ceiling) is set by
--recycle-documents / --recycle-rss-mb (0: off, to measure the growth itself).

Reports: episodes accounted for (a trajectory read back from the JSONL written during the run), lost
(started, no trajectory: run_episode raised), hung (past --hang-s: the episode is abandoned and soffice
killed), kills injected, soffice renewals, outcomes per policy, and soffice's resident memory slope in
MB per 100 episodes, fitted per soffice process (a renewal or a recycle starts a new one) over processes
that lived at least 10 episodes, and the highest RSS seen. soffice's memory is not flat within a process
(LibreOffice keeps ~0.25 MB per document opened and closed, measured with plain UNO load+close; see
apps/libreoffice/soffice.py), so what bounds it is recycling: `recycle_windows` gives, per process that
served at least 10 episodes, its episodes, first and peak RSS, and `window_peak_slope_mb_per_window` the
slope of those peaks over the run (about 0: bounded; > 0: the ceiling itself creeps up).
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


def recycle_windows(samples: list[tuple[int, int, float]]) -> list[dict]:
    """Per soffice process (one recycle window) with >= 10 samples, in order: episodes served, first and peak RSS."""
    by_pid: dict[int, list[float]] = {}
    for _, pid, mb in samples:
        by_pid.setdefault(pid, []).append(mb)
    return [{"episodes": len(mbs), "first_mb": round(mbs[0], 1), "peak_mb": round(max(mbs), 1)}
            for mbs in by_pid.values() if len(mbs) >= 10]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--fault-every", type=int, default=50, help="one fault per this many episodes (0: none)")
    ap.add_argument("--faults", default="kill,stop", help="fault kinds, taken in turn: kill (SIGKILL), stop (SIGSTOP)")
    ap.add_argument("--recycle-documents", type=int, default=None, help="renew soffice after N documents (0: off)")
    ap.add_argument("--recycle-rss-mb", type=float, default=None, help="renew soffice above this RSS (0: off)")
    ap.add_argument("--max-steps", type=int, default=8)
    ap.add_argument("--hang-s", type=float, default=120.0, help="an episode running longer is counted as hung")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="keep the trajectories here (default: a temporary folder)")
    args = ap.parse_args()

    from lamfactory.agent.policies import make_policy
    from lamfactory.apps.libreoffice import soffice
    from lamfactory.apps.writer.env import WriterEnv
    from lamfactory.core.records import Trajectory, append_jsonl, read_jsonl
    from lamfactory.evaluate.online import run_surviving_crash

    if args.recycle_documents is not None:
        soffice.RECYCLE_DOCUMENTS = args.recycle_documents
    if args.recycle_rss_mb is not None:
        soffice.RECYCLE_RSS_MB = args.recycle_rss_mb
    kinds = [k.strip() for k in args.faults.split(",") if k.strip()]

    out = Path(args.out or tempfile.mkdtemp(prefix="lam-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    log = out / "trajectories.jsonl"
    log.unlink(missing_ok=True)
    pool = tasks(out, args.seed)
    rng = random.Random(args.seed)
    worker = ThreadPoolExecutor(max_workers=1)  # soffice is started from one long-lived thread (PDEATHSIG)
    env = worker.submit(WriterEnv).result()
    lost, hung, timers = [], [], []
    faults: list[str] = []  # "kill:PID" / "stop:PID", as injected
    rss: list[tuple[int, int, float]] = []
    driver_rss: list[tuple[int, int, float]] = []  # this process: the agent loop, policies, the env's bridge client
    seconds: list[float] = []
    t_start = time.perf_counter()
    for i in range(args.episodes):
        task = pool[i % len(pool)]
        name = POLICIES[i % len(POLICIES)]
        policy = make_policy(name, seed=i)
        if args.fault_every and i % args.fault_every == args.fault_every // 2:
            # not cancelled: one that fires after a short episode hits the next one's reset, also a real moment
            kind = kinds[len(timers) % len(kinds)]
            timer = threading.Timer(rng.uniform(0.02, 0.4), _fault, (env, kind, faults))
            timer.start()
            timers.append(timer)
        t0 = time.perf_counter()
        future = worker.submit(run_surviving_crash, env, task, policy, args.max_steps)
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
        mb = soffice.rss_mb(pid) if pid else None
        if mb is not None:
            rss.append((i, pid, mb))
        me = soffice.rss_mb(os.getpid())
        if me is not None:
            driver_rss.append((i, os.getpid(), me))

    for timer in timers:
        timer.join()
    wall = time.perf_counter() - t_start
    renewals, recycles = env.restarts, env.office.recycles
    worker.submit(env.close).result()
    worker.shutdown()
    time.sleep(1.0)
    orphans = _soffice_children_left()
    written = list(read_jsonl(log, Trajectory)) if log.exists() else []
    episodes_back = {int(t.policy.split("#")[1]) for t in written}
    outcomes = Counter(f"{t.policy.split('#')[0]}:{t.bucket}" for t in written)
    met_kill = [t for t in written if "soffice died" in (t.failure or "")]  # crashed twice: recorded as failed
    per_pid, late = slopes(rss), slopes(rss, late=True)
    windows = recycle_windows(rss)
    peaks = [w["peak_mb"] for w in windows]
    print(json.dumps({
        "episodes": args.episodes, "accounted_for": len(episodes_back), "lost": len(lost), "hung": len(hung),
        "faults_injected": dict(Counter(f.split(":")[0] for f in faults)),
        "episodes_recorded_as_crashed_twice": len(met_kill), "soffice_renewals_after_faults": renewals,
        "soffice_recycles": recycles,
        "recycle_settings": {"documents": soffice.RECYCLE_DOCUMENTS, "rss_mb": soffice.RECYCLE_RSS_MB},
        "soffice_processes": len({pid for _, pid, _ in rss}),
        "outcomes": dict(sorted(outcomes.items())),
        "rss_mb_first_last_max": [round(rss[0][2], 1), round(rss[-1][2], 1), round(max(m for *_, m in rss), 1)]
        if rss else None,
        "rss_slope_mb_per_100_episodes": {"per_process": per_pid,
                                          "median": float(np.median(per_pid)) if per_pid else None,
                                          "second_half_per_process": late},
        "recycle_windows": windows,
        "window_peak_slope_mb_per_window": round(float(np.polyfit(range(len(peaks)), peaks, 1)[0]), 2)
        if len(peaks) >= 3 else None,
        "driver_rss_mb_first_last_max": [round(driver_rss[0][2], 1), round(driver_rss[-1][2], 1),
                                         round(max(m for *_, m in driver_rss), 1)] if driver_rss else None,
        "driver_rss_slope_mb_per_100_episodes": {"whole": slopes(driver_rss), "second_half": slopes(driver_rss, late=True)},
        "soffice_left_after_close": orphans,
        "episode_seconds_median": round(float(np.median(seconds)), 3) if seconds else None,
        "episode_seconds_max": round(max(seconds), 1) if seconds else None,
        "wall_seconds": round(wall, 1), "tasks_in_pool": len(pool), "max_steps": args.max_steps,
        "lost_examples": lost[:3], "hung_episodes": hung[:10], "load_average_1min": round(os.getloadavg()[0], 2),
        "out": str(out),
    }))


def _soffice_children_left() -> int:
    """soffice processes started by this one still alive after the environment closed (orphans)."""
    me, left = os.getpid(), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("Name", "").startswith("soffice") and int(fields.get("PPid", "0")) == me:
            left += 1
    return left


def _fault(env, kind: str, injected: list[str]) -> None:
    pid = env.pid
    if pid:
        try:
            os.kill(pid, signal.SIGKILL if kind == "kill" else signal.SIGSTOP)
            injected.append(f"{kind}:{pid}")
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    main()
