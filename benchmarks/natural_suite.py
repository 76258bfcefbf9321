"""Measure any lamfactory policy on the natural-request Writer suite (benchmarks/natural/).

    python benchmarks/natural_suite.py --model random --limit 10 [--max-steps 10] [--out DIR]

For measuring only, never training data. Each request runs on a fresh copy of its document in one
Writer environment; the saved result is checked with the request's own python-docx check (independent of
lamfactory's checkers). Prints exactly one JSON line on stdout; progress goes to stderr.
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
sys.path.insert(0, str(HERE))  # benchmarks/ (never benchmarks/natural: its requests.py would shadow `requests`)
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

import docx  # noqa: E402

from json_stdout import stdout_to_stderr  # noqa: E402
from lamfactory.evaluate.metrics import wilson  # noqa: E402
from natural import docx_checks as dc  # noqa: E402
from natural.documents import build_documents  # noqa: E402
from natural.requests import REQUESTS, original  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="policy spec: checkpoint folder, random, memory:DIR, openai:...")
    ap.add_argument("--limit", type=int, default=None, help="run only the first N requests")
    ap.add_argument("--max-steps", type=int, default=10)
    ap.add_argument("--out", default=None, help="keep result documents and trajectories here")
    ap.add_argument("--ids", default=None, help="comma-separated request ids to run (default: all)")
    args = ap.parse_args(argv)

    from lamfactory.agent.loop import run_episode
    from lamfactory.agent.policies import make_policy
    from lamfactory.core.app import get_app
    from lamfactory.core.records import TaskInstance

    reqs = list(REQUESTS)
    if args.ids:
        wanted = [i.strip() for i in args.ids.split(",") if i.strip()]
        reqs = [r for r in reqs if r.id in wanted]
    if args.limit is not None:
        reqs = reqs[:args.limit]
    with stdout_to_stderr():  # anything the policy, the env or soffice prints goes to stderr: stdout is the JSON line
        summary = _run(args, reqs, make_policy, run_episode, get_app, TaskInstance)
    print(json.dumps(summary), flush=True)
    return 0


def _run(args, reqs, make_policy, run_episode, get_app, TaskInstance) -> dict:
    policy = make_policy(args.model)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="natural-suite-"))
    out = Path(args.out) if args.out else None
    if out:
        (out / "docs").mkdir(parents=True, exist_ok=True)
        (out / "trajectories").mkdir(parents=True, exist_ok=True)
    per_request = []
    try:
        paths = build_documents(tmp / "documents")
        with get_app("writer").make_env() as env:
            for n, req in enumerate(reqs, 1):
                task = TaskInstance(task_id=req.id, app="writer", request=req.request, template_id=req.doc,
                                    doc_path=str(paths[req.doc]))
                row = {"id": req.id, "doc": req.doc, "kind": req.kind, "passed": False, "reason": "",
                       "steps": 0, "destructive": False}
                traj = None
                try:
                    traj = run_episode(env, task, policy, args.max_steps, check=False)
                    row["steps"] = len(traj.steps)
                    saved = env.save(tmp / f"{req.id}.docx")
                    result = docx.Document(str(saved))
                    reason = req.check(result)
                    row["passed"] = reason is None
                    row["reason"] = reason or ""
                    if req.kind == "format":
                        row["destructive"] = dc.text_changed(original(req.doc), result)
                    if out:
                        shutil.copy(saved, out / "docs" / f"{req.id}.docx")
                except Exception as e:  # one broken episode must not end the run
                    row["reason"] = f"error: {type(e).__name__}: {e}"[:300]
                if out and traj is not None:
                    (out / "trajectories" / f"{req.id}.json").write_text(traj.model_dump_json(indent=1))
                per_request.append(row)
                log(f"[{n}/{len(reqs)}] {req.id} {'PASS' if row['passed'] else 'FAIL'} steps={row['steps']}"
                    f"{' DESTRUCTIVE' if row['destructive'] else ''} {row['reason'][:100]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(r["passed"] for r in per_request)
    fmt = [r for r in per_request if r["kind"] == "format"]
    destructive = sum(r["destructive"] for r in fmt)
    summary = {
        "model": args.model,
        "requests": len(per_request),
        "passed": passed,
        "tsr": passed / len(per_request) if per_request else 0.0,
        "tsr_ci95_wilson": [round(x, 6) for x in wilson(passed, len(per_request))],
        "destructive_format_episodes": destructive,
        "format_episodes": len(fmt),
        "destructive_format_rate": destructive / len(fmt) if fmt else 0.0,
        "seconds": round(time.perf_counter() - start, 2),
        "per_request": per_request,
    }
    if out:
        (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    raise SystemExit(main())
