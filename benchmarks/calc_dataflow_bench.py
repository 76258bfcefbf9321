"""Dataflow throughput on one worker in Calc (offline roles), printed as JSON: benchmarks/dataflow_bench.py's
measure with app="calc" (that script runs Writer's sample plans and has no app option).

    python benchmarks/calc_dataflow_bench.py --plans RUN/plans/plans.jsonl [--limit 60] [--expert expert+oracle]

The plans must be Calc's (e.g. a Calc demo's plans stage); rates as dataflow_bench.py names them:
`passing_per_minute_stage` (verified passing trajectories per minute of the whole stage, the design's target)
and `executed_per_minute_execution`.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", required=True, help="Calc plans (JSONL or a plans folder)")
    ap.add_argument("--templates", default=None, help="an existing Calc template library (default: build one)")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--per-plan", type=int, default=3)
    ap.add_argument("--expert", default="expert+oracle")
    ap.add_argument("--out", default=None, help="keep the outputs here (default: a temporary folder)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="lam-calc-dataflow-bench-"))
    t0 = time.perf_counter()
    s = run_dataflow(args.plans, out, DataflowConfig(app="calc", templates_dir=args.templates, limit=args.limit,
                                                    workers=1, expert=args.expert, per_plan=args.per_plan,
                                                    progress=False, dataset=False))
    print(json.dumps({
        "app": "calc", "workers": 1,
        "passing_per_minute_stage": s["passing_per_minute_stage"],
        "executed_per_minute_execution": s["executed_per_minute_execution"],
        "seconds_per_executed_trajectory": round(s["execute_seconds"] / max(1, s["executed_this_run"]), 2),
        "passing_trajectories": s["passing_this_run"], "executed_trajectories": s["executed_this_run"],
        "stage_seconds": s["stage_seconds"], "tasks": s["tasks"], "buckets": s["buckets"],
        "by_policy": s["by_policy"], "instantiate_seconds": s["instantiate_seconds"],
        "execute_seconds": s["execute_seconds"], "total_seconds": round(time.perf_counter() - t0, 1),
        "expert": args.expert, "load_average_1min": os.getloadavg()[0], "out": str(out),
    }))


if __name__ == "__main__":
    main()
