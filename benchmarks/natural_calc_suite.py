"""Measure any lamfactory policy on the natural-request Calc suite (benchmarks/natural_calc/).

    python benchmarks/natural_calc_suite.py --model random --limit 10 [--max-steps 10] [--ids a,b]

For measuring only, never training data. Each request runs on a fresh copy of its workbook in one Calc
environment; the saved result is checked with the request's own openpyxl check (independent of lamfactory's
checkers). Prints exactly one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from json_stdout import stdout_to_stderr  # noqa: E402
from lamfactory.evaluate.metrics import wilson  # noqa: E402
from natural_calc.requests import REQUESTS, read  # noqa: E402
from natural_calc.workbooks import build_books  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="policy spec: checkpoint folder, random, memory:DIR, openai:...")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--max-steps", type=int, default=10)
    ap.add_argument("--ids", default=None, help="comma-separated request ids (default: all)")
    args = ap.parse_args(argv)
    reqs = [r for r in REQUESTS if not args.ids or r.id in args.ids.split(",")][:args.limit]
    with stdout_to_stderr():  # whatever the policy, the env or soffice prints goes to stderr: stdout is the JSON line
        summary = run(args.model, reqs, args.max_steps)
    print(json.dumps(summary), flush=True)
    return 0


def run(model: str, reqs, max_steps: int) -> dict:
    from lamfactory.agent.loop import run_episode
    from lamfactory.agent.policies import make_policy
    from lamfactory.core.app import get_app
    from lamfactory.core.records import TaskInstance

    policy = make_policy(model)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="natural-calc-"))
    rows = []
    try:
        paths = build_books(tmp / "books")
        with get_app("calc").make_env() as env:
            for n, req in enumerate(reqs, 1):
                task = TaskInstance(task_id=req.id, app="calc", request=req.request, template_id=req.book,
                                    doc_path=str(paths[req.book]))
                row = {"id": req.id, "book": req.book, "kind": req.kind, "passed": False, "reason": "", "steps": 0}
                try:
                    traj = run_episode(env, task, policy, max_steps, check=False)
                    row["steps"] = len(traj.steps)
                    reason = req.check(read(env.save(tmp / f"{req.id}.xlsx")))
                    row["passed"], row["reason"] = reason is None, reason or ""
                except Exception as e:  # one broken episode must not end the run
                    row["reason"] = f"error: {type(e).__name__}: {e}"[:300]
                rows.append(row)
                log(f"[{n}/{len(reqs)}] {req.id} {'PASS' if row['passed'] else 'FAIL'} steps={row['steps']} "
                    f"{row['reason'][:100]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(r["passed"] for r in rows)
    return {"model": model, "app": "calc", "requests": len(rows), "passed": passed,
            "tsr": passed / len(rows) if rows else 0.0,
            "tsr_ci95_wilson": [round(x, 6) for x in wilson(passed, len(rows))],
            "seconds": round(time.perf_counter() - start, 2), "per_request": rows}


if __name__ == "__main__":
    raise SystemExit(main())
