"""soffice SIGKILLed at seeded random moments of the dataflow, online evaluation and `lamfactory run`; one JSON line.

    python benchmarks/random_kills.py [--rounds 3] [--tasks 3] [--seed 0] [--gap-s 1,6]

Each round runs the three real CLIs, one after the other, in subprocesses whose TMPDIR is the round's own folder
(so `pgrep -f` finds exactly the soffice processes a command started, by their profile path). While a command
runs, a killer thread SIGKILLs its soffice each time a random gap (uniform over --gap-s, seeded by seed, round
and command; counted from the moment a soffice is up) has passed: in start-up, a load, mid-step, while saving or
checking, wherever the gap ends. Counted per command:
- dataflow run (--expert oracle, --limit TASKS): exit code; tasks with no done record (lost) or with two (done
  twice); tasks with two trajectories (duplicates: one policy, a crashed try is never recorded); "error"
  outcomes (soffice died in both tries of a task: recorded, a rerun tries it again).
- eval online (--model oracle on those tasks, made held-out): exit code; tasks without a trajectory, tasks with
  two; episodes recorded as crashed twice.
- run (--model random): exit 0 with a result python-docx opens and its step log, or exit 1 with one "error:" line
  (soffice crashed in both tries, or died opening the document and in both restarts) and no result, no step
  log, no temporary file; anything else is counted as a bad exit, a partial output or a traceback.
After every command: soffice processes still alive under the round's folder (orphans).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE_PLANS = ROOT / "lamfactory" / "dataflow" / "sample_plans.jsonl"
PLANS = ("t_bold", "t_center", "t_heading", "t_bullets")  # short single-family plans: quick episodes


def soffice_under(folder: Path) -> list[int]:
    found = subprocess.run(["pgrep", "-f", f"soffice.*{folder}"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


class Killer(threading.Thread):
    """SIGKILLs the soffice under `folder` each time a random gap has passed since one was first seen up."""

    def __init__(self, folder: Path, rng: random.Random, gaps: tuple[float, float]):
        super().__init__(daemon=True)
        self.folder, self.rng, self.gaps = folder, rng, gaps
        self.stop, self.kills = threading.Event(), 0

    def run(self) -> None:
        due = None
        while not self.stop.wait(0.1):
            pids = soffice_under(self.folder)
            if not pids:
                continue
            due = due or time.monotonic() + self.rng.uniform(*self.gaps)
            if time.monotonic() >= due:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.kills += 1
                due = None


def under_kills(cmd: list[str], folder: Path, rng: random.Random, gaps, timeout_s: float) -> tuple[dict, int]:
    """Run the command with the killer on; (what it did, kills). A command past timeout_s is killed: counted."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TMPDIR=str(folder), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    killer = Killer(folder, rng, gaps)
    killer.start()
    try:
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
        code, stderr = r.returncode, r.stderr
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        code, stderr = "hung", ""
    finally:
        killer.stop.set()
        killer.join()
    deadline = time.monotonic() + 5  # PDEATHSIG: soffice dies with its parent, the kernel takes a moment
    while soffice_under(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    (folder / "stderr.txt").write_text(stderr)  # kept for a look at what a bad exit said
    orphans = soffice_under(folder)
    for pid in orphans:  # counted, then cleared so the next command starts clean
        os.kill(pid, signal.SIGKILL)
    return {"exit": code, "stderr": stderr, "orphans": len(orphans), "traceback": "Traceback" in stderr}, killer.kills


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _opens(path: Path) -> bool:
    import docx

    try:
        return len(docx.Document(str(path)).paragraphs) == 2
    except Exception:  # a torn or empty file
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=3, help="dataflow tasks per round (the eval runs on them)")
    ap.add_argument("--gap-s", default="1,6", help="LO,HI: the random gap between kills, seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout-s", type=float, default=300.0, help="a command running longer counts as hung")
    ap.add_argument("--out", default=None, help="keep the rounds' folders here (default: a temporary folder)")
    args = ap.parse_args()
    gaps = tuple(float(x) for x in args.gap_s.split(","))

    from lamfactory.apps.writer.templates import build_templates

    import docx

    out = Path(args.out or tempfile.mkdtemp(prefix="lam-kills-"))
    lib = out / "templates"
    if not (lib / "templates.jsonl").is_file():
        build_templates(lib, help_pages=8, ott=False)
    plans = out / "plans.jsonl"
    plans.write_text("\n".join(line for line in SAMPLE_PLANS.read_text().splitlines()
                               if json.loads(line)["task_id"] in PLANS) + "\n")
    cli = [sys.executable, "-m", "lamfactory.cli"]
    kills: Counter = Counter()
    report = {"dataflow": Counter(dict.fromkeys(("tasks", "lost", "done_twice", "duplicate_trajectories",
                                                 "error_outcomes", "passed"), 0)),
              "eval": Counter(dict.fromkeys(("episodes", "lost", "recorded_twice", "crashed_twice"), 0)),
              "run": Counter(dict.fromkeys(("runs", "finished", "gave_up_in_one_line", "partial_outputs",
                                            "bad_exits"), 0))}
    exits = {k: Counter() for k in report}
    orphans = tracebacks = 0
    bad: list[str] = []  # what a bad exit of run said
    t0 = time.perf_counter()
    for rnd in range(args.rounds):
        folder = out / f"round-{rnd}"
        rng = lambda what: random.Random(f"{args.seed}:{rnd}:{what}")  # noqa: E731

        flow = folder / "dataflow"
        did, n = under_kills([*cli, "dataflow", "run", "--plans", str(plans), "--templates", str(lib), "--out",
                              str(flow), "--limit", str(args.tasks), "--per-plan", "1", "--expert", "oracle",
                              "--seed", str(rnd)], folder / "tmp-dataflow", rng("dataflow"), gaps, args.timeout_s)
        kills["dataflow"] += n
        tasks = _lines(flow / "tasks.jsonl")
        done = Counter(d["task_id"] for d in _lines(flow / "done.jsonl"))
        trajs = Counter(t["task"]["task_id"] for b in ("pass", "fail", "unsure") for t in _lines(flow / f"{b}.jsonl"))
        c = report["dataflow"]
        c["tasks"] += len(tasks)
        c["lost"] += sum(1 for t in tasks if not done[t["task_id"]])
        c["done_twice"] += sum(1 for v in done.values() if v > 1)
        c["duplicate_trajectories"] += sum(1 for v in trajs.values() if v > 1)
        c["error_outcomes"] += sum(1 for d in _lines(flow / "done.jsonl") if d["outcome"].startswith("error"))
        c["passed"] += len(_lines(flow / "pass.jsonl"))
        exits["dataflow"][str(did["exit"])] += 1
        orphans += did["orphans"]
        tracebacks += did["traceback"]

        test_tasks = folder / "tasks.jsonl"
        test_tasks.write_text("".join(json.dumps({**t, "split": "test"}) + "\n" for t in tasks))
        ev = folder / "eval"
        did, n = under_kills([*cli, "eval", "online", "--model", "oracle", "--tasks", str(test_tasks), "--out",
                              str(ev), "--max-steps", "8"], folder / "tmp-eval", rng("eval"), gaps, args.timeout_s)
        kills["eval"] += n
        recorded = Counter(t["task"]["task_id"] for t in _lines(ev / "trajectories.jsonl"))
        c = report["eval"]
        c["episodes"] += len(tasks)
        c["lost"] += sum(1 for t in tasks if not recorded[t["task_id"]])
        c["recorded_twice"] += sum(1 for v in recorded.values() if v > 1)
        c["crashed_twice"] += sum(1 for t in _lines(ev / "trajectories.jsonl") if "soffice died" in (t.get("failure") or ""))
        exits["eval"][str(did["exit"])] += 1
        orphans += did["orphans"]
        tracebacks += did["traceback"]

        doc = folder / "report.docx"
        d = docx.Document()
        d.add_paragraph("Quarterly results")
        d.add_paragraph("The committee reviewed the figures.")
        d.save(str(doc))
        result = folder / "result" / "out.docx"
        did, n = under_kills([*cli, "run", "--doc", str(doc), "--task", "Make the title bold", "--model", "random",
                              "--max-steps", "6", "--out", str(result)], folder / "tmp-run", rng("run"), gaps,
                             args.timeout_s)
        kills["run"] += n
        written = sorted(p.name for p in result.parent.iterdir()) if result.parent.is_dir() else []
        errors = [line for line in did["stderr"].splitlines() if line.startswith("error: ")]
        c = report["run"]
        c["runs"] += 1
        if did["exit"] == 0:
            complete = written == sorted([result.name, result.name + ".steps.jsonl"]) and _opens(result)
            c["finished" if complete else "partial_outputs"] += 1
        elif did["exit"] == 1 and len(errors) == 1:  # crashed in both tries, or while opening and restarting
            c["gave_up_in_one_line"] += 1
            c["partial_outputs"] += bool(written)
        else:
            c["bad_exits"] += 1
            bad.append(f"exit {did['exit']}: " + " | ".join(did["stderr"].strip().splitlines()[-3:])[:400])
        exits["run"][str(did["exit"])] += 1
        orphans += did["orphans"]
        tracebacks += did["traceback"]

    print(json.dumps({
        "rounds": args.rounds, "gap_s": list(gaps), "seed": args.seed, "kills": dict(kills),
        **{k: dict(v) | {"exit_codes": dict(exits[k])} for k, v in report.items()},
        "orphan_soffice": orphans, "tracebacks": tracebacks, "run_bad_exit_examples": bad[:3],
        "wall_seconds": round(time.perf_counter() - t0, 1), "out": str(out),
    }))


if __name__ == "__main__":
    main()
