"""Seconds per phase and tokens/s of the embedded default (configs/train_cpu.yaml) on synthetic data of the
default size (~2,000 passing trajectories x 3-5 steps). Prints one JSON object.

    python benchmarks/train_bench.py [--passed 2000 --failed 400 --plans 2000 --config configs/train_cpu.yaml]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from lamfactory.train.data import TrainData
from lamfactory.train.pipeline import load_config, train_all
from lamfactory.apps.writer.synthetic import make_synthetic

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passed", type=int, default=2000)
    ap.add_argument("--failed", type=int, default=400)
    ap.add_argument("--plans", type=int, default=2000)
    ap.add_argument("--config", default=str(ROOT / "configs" / "train_cpu.yaml"))
    a = ap.parse_args()
    syn = make_synthetic(a.passed, a.failed, a.plans)
    data = TrainData(plans=syn.plans, steps=syn.steps, passed=syn.passed, failed=syn.failed)
    cfg = load_config(a.config)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as out:
        results = train_all(data, out, cfg)  # no live rollouts here: boost retrains on the expert data
    keep = ("seconds", "tokens_per_second", "train_loss_start", "train_loss_end", "examples_seen", "steps",
            "parameters", "eval_parseable", "eval_step_exact", "heldout_accuracy", "heldout_auc", "reward_start",
            "reward_end", "updates")
    print(json.dumps({"config": a.config, "step_samples": len(syn.steps), "plans": len(syn.plans),
                      "total_seconds": round(time.time() - t0, 1),
                      "phases": {k: {m: v for m, v in r.metrics.items() if m in keep} for k, r in results.items()}},
                     indent=1))


if __name__ == "__main__":
    main()
