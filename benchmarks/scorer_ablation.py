"""LAM2 with and without LAM1 (plan pretraining), the scorer LAM (train.kind: scorer): the same imitation
phase from a fresh head and from the run's LAM1, teacher-forced step success of the model alone on the
held-out steps (all of them), with a 95 % Wilson interval. One JSON line.

    python benchmarks/scorer_ablation.py --workdir runs/demo-scorer --config configs/demo_scorer.yaml
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lamfactory.agent.scorer.model import Scorer
from lamfactory.evaluate.metrics import wilson
from lamfactory.train.data import TrainData
from lamfactory.train.pipeline import parse_config
from lamfactory.train.scorer import step_accuracy, step_items, train_head


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--config", required=True, type=Path)
    args = ap.parse_args()
    import yaml

    cfg = parse_config(yaml.safe_load(args.config.read_text())["train"]).scorer
    d = args.workdir / "dataflow"
    data = TrainData.from_files(args.workdir / "plans" / "plans.jsonl", d / "steps.jsonl", d / "pass.jsonl",
                                d / "fail.jsonl")
    test = data.test_steps()  # all of them: the two rows differ by a few points at most
    items, _ = step_items(data.train_steps())
    lam1 = Scorer.load(args.workdir / "models" / "lam1")
    rows = {}
    for name, scorer in (("with_lam1", lam1), ("without_lam1", Scorer(lam1.settings, encoder=lam1.encoder))):
        t0 = time.perf_counter()
        train_head(scorer, items, cfg.imitate)
        acc = step_accuracy(scorer, test)
        right = round(acc["eval_step_exact"] * acc["eval_samples"])
        rows[name] = {"step_success": acc["eval_step_exact"], "ci95": wilson(right, acc["eval_samples"]),
                      "steps": acc["eval_samples"], "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
