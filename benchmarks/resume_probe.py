"""The heavy resume probe: the pipeline (plans → dataflow → train) interrupted — SIGINT while the dataflow executes,
SIGTERM while train works (after its first phase is saved) — then resumed, against an uninterrupted run of the
same config. One JSON line; exit 1 when any of the comparisons below does not hold.

    python benchmarks/resume_probe.py [--tasks 8] [--keep DIR]

Compares: the dataflow's records (task, policy, bucket of every trajectory; steps.jsonl's sample count), every
task done once, every train phase's checkpoint present, phases saved before the interrupt not trained again
(their lamfactory.json untouched), exit codes, and soffice processes left under each run's TMPDIR (pgrep -f).
The quick variant, dataflow only: tests/test_resume.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = "/usr/share/libreoffice/help/en-US/text/swriter/guide"
PAGES = ("header_footer", "footer_pagenumber", "table_insert", "pageorientation", "auto_numbering",
         "text_centervert", "page_break", "border_page", "pagenumbers", "text_emphasize")
PHASES = ("lam1", "lam2", "lam3", "reward", "lam4")
CONFIG = """name: resume-probe
seed: 0
plans: {{sources: ["docs:{docs}"], evolve: 4}}
dataflow: {{limit: {tasks}, per_plan: 1, expert: expert+oracle, paraphrases: false}}
train:
  base: {{model: embedded, embedded: {{vocab_size: 2048, hidden_size: 64, intermediate_size: 128, layers: 1, heads: 2,
                                    kv_heads: 1, max_position: 1024}}}}
  prompt: {{system: false, thought_max_words: 6, thought_numbers: false, examples: true}}
  plan: {{learning_rate: 3.0e-3, epochs: 1, samples_per_epoch: 32, batch_size: 16, max_length: 256}}
  imitate: {{learning_rate: 3.0e-3, epochs: 1, batch_size: 16, max_length: 480, eval_samples: 4}}
  boost: {{learning_rate: 1.0e-3, epochs: 1, batch_size: 16, max_length: 480, extra_train_tasks: 1, max_tasks: 2,
          eval_samples: 4}}
  reward: {{learning_rate: 1.0e-3, epochs: 1, batch_size: 16, max_length: 480, lora: null}}
  rl: {{method: ppo, learning_rate: 1.0e-4, batch_size: 8, max_states: 4, sft_coef: 0.5, max_new_tokens: 64,
       max_length: 480, eval_samples: 4}}
"""


def start(config: Path, work: Path, stage: str) -> subprocess.Popen:
    tmp = work.parent / f"{work.name}-tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return subprocess.Popen([sys.executable, "-m", "lamfactory.cli", "pipeline", "--config", str(config), "--workdir",
                             str(work), "--only", stage], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run(config: Path, work: Path, stage: str) -> int:
    return start(config, work, stage).wait()


def interrupt_when(proc: subprocess.Popen, ready, sig: int) -> int:
    while not ready() and proc.poll() is None:
        time.sleep(0.2)
    if proc.poll() is not None:
        return -1  # ended before the moment came: the probe did not interrupt anything
    proc.send_signal(sig)
    return proc.wait(timeout=120)


def records(work: Path) -> dict:
    flow = work / "dataflow"
    trajectories = [json.loads(line) for b in ("pass", "fail", "unsure") if (flow / f"{b}.jsonl").is_file()
                    for line in (flow / f"{b}.jsonl").read_text().splitlines()]
    done = [json.loads(line)["task_id"] for line in (flow / "done.jsonl").read_text().splitlines()]
    return {"trajectories": Counter((t["task"]["task_id"], t["policy"], t["bucket"]) for t in trajectories),
            "done": Counter(done), "samples": (flow / "steps.jsonl").read_text().count("\n")}


def orphans(work: Path) -> int:
    found = subprocess.run(["pgrep", "-f", f"soffice.*{work.name}-tmp"], capture_output=True, text=True)
    return len(found.stdout.split())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=8)
    ap.add_argument("--keep", default=None, help="keep both runs here (default: a temporary folder)")
    args = ap.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="lam-resume-"))
    docs = base / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        (docs / f"{page}.html").write_bytes(Path(GUIDE, f"{page}.html").read_bytes())
    config = base / "config.yaml"
    config.write_text(CONFIG.format(docs=docs, tasks=args.tasks))
    ref, cut = base / "reference", base / "interrupted"
    t0 = time.perf_counter()
    codes = {"reference": [run(config, ref, s) for s in ("plans", "dataflow", "train")]}
    ref_s = time.perf_counter() - t0

    codes["interrupted"] = [run(config, cut, "plans")]
    done_file = cut / "dataflow" / "done.jsonl"
    codes["dataflow_sigint"] = interrupt_when(start(config, cut, "dataflow"),
                                              lambda: done_file.is_file() and done_file.read_text().count("\n") >= 2,
                                              signal.SIGINT)
    orphans_after = {"dataflow_sigint": orphans(cut)}
    codes["dataflow_resumed"] = run(config, cut, "dataflow")
    first_phase = cut / "models" / "lam1" / "lamfactory.json"
    codes["train_sigterm"] = interrupt_when(start(config, cut, "train"), first_phase.is_file, signal.SIGTERM)
    orphans_after["train_sigterm"] = orphans(cut)
    saved = {p: (cut / "models" / p / "lamfactory.json").stat().st_mtime_ns for p in PHASES
             if (cut / "models" / p / "lamfactory.json").is_file()}
    codes["train_resumed"] = run(config, cut, "train")
    retrained = [p for p, mtime in saved.items() if (cut / "models" / p / "lamfactory.json").stat().st_mtime_ns != mtime]
    a, b = records(ref), records(cut)
    result = {
        "exit_codes": codes,
        "same_dataflow_records": a["trajectories"] == b["trajectories"],
        "trajectories": sum(b["trajectories"].values()), "reference_trajectories": sum(a["trajectories"].values()),
        "records_only_in_reference": sorted(map(list, a["trajectories"] - b["trajectories"])),
        "records_only_after_resume": sorted(map(list, b["trajectories"] - a["trajectories"])),
        "tasks_done_twice": [t for t, n in b["done"].items() if n > 1], "tasks": len(b["done"]),
        "same_sample_count": a["samples"] == b["samples"], "samples": b["samples"],
        "phases_saved_before_sigterm": sorted(saved), "retrained_after_resume": retrained,
        "checkpoints_present": [p for p in PHASES if (cut / "models" / p / "lamfactory.json").is_file()],
        "soffice_left_running": orphans_after | {"end": orphans(cut) + orphans(ref)},
        "reference_seconds": round(ref_s, 1), "total_seconds": round(time.perf_counter() - t0, 1),
        "load_average_1min": round(os.getloadavg()[0], 2), "out": str(base),
    }
    print(json.dumps(result))
    held = (codes["dataflow_sigint"] == 130 and codes["train_sigterm"] == 130
            and all(c == 0 for c in codes["reference"] + codes["interrupted"]) and codes["dataflow_resumed"] == 0
            and codes["train_resumed"] == 0 and result["same_dataflow_records"] and not result["tasks_done_twice"]
            and result["same_sample_count"] and result["phases_saved_before_sigterm"]
            and not result["retrained_after_resume"] and len(result["checkpoints_present"]) == len(PHASES)
            and not any(result["soffice_left_running"].values()))
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
