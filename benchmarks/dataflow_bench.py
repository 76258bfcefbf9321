"""Dataflow throughput on one worker (offline roles), printed as JSON.

    python benchmarks/dataflow_bench.py [--plans DIR_OR_JSONL] [--limit 60] [--expert expert+oracle] [--app calc]

Runs the whole stage (instantiate, execute live in the application, check, export) into a fresh temporary folder
and reports two rates, each named for what it counts: `passing_per_minute_stage`, verified passing
trajectories per minute of the whole stage (what the stage yields: the design's target), and
`executed_per_minute_execution`, trajectories executed (failed ones included) per minute of the execution phase.
Default plans: the hand-made sample in lamfactory/dataflow/sample_plans.jsonl (Writer's; another app needs its own
plans, e.g. a Calc run's RUN/plans/plans.jsonl).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from lamfactory.dataflow.runner import DataflowConfig, run_dataflow  # noqa: E402

SAMPLE = Path(__file__).parents[1] / "lamfactory" / "dataflow" / "sample_plans.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", default=str(SAMPLE))
    ap.add_argument("--app", default="writer", help="the application (lamfactory/apps/NAME)")
    ap.add_argument("--templates", default=None, help="an existing template library (default: build one)")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--per-plan", type=int, default=3)
    ap.add_argument("--expert", default="expert+oracle")
    ap.add_argument("--out", default=None, help="keep the outputs here (default: a temporary folder)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="lam-dataflow-bench-"))
    t0 = time.perf_counter()
    s = run_dataflow(args.plans, out, DataflowConfig(app=args.app, templates_dir=args.templates, limit=args.limit,
                                                    workers=1, expert=args.expert, per_plan=args.per_plan,
                                                    progress=False, dataset=False))
    print(json.dumps({
        "app": args.app, "workers": 1,
        "passing_per_minute_stage": s["passing_per_minute_stage"],
        "executed_per_minute_execution": s["executed_per_minute_execution"],
        "seconds_per_executed_trajectory": round(s["execute_seconds"] / max(1, s["executed_this_run"]), 2),
        "passing_trajectories": s["passing_this_run"], "executed_trajectories": s["executed_this_run"],
        "stage_seconds": s["stage_seconds"], "tasks": s["tasks"], "buckets": s["buckets"],
        "by_policy": s["by_policy"], "families_with_pass": s["families_with_pass"],
        "templates_with_pass": s["templates_with_pass"], "instantiate_seconds": s["instantiate_seconds"],
        "execute_seconds": s["execute_seconds"], "total_seconds": round(time.perf_counter() - t0, 1),
        "expert": args.expert, "load_average_1min": os.getloadavg()[0], "out": str(out),
    }))


if __name__ == "__main__":
    main()
