"""Offline evaluation (paper Table 3): a policy predicts each exported step sample, teacher-forced.

    metrics = evaluate_offline(make_policy("models/lam2"), samples)

Samples come from the dataflow export (steps.jsonl); only split == "test" is used by the CLI. Per-step
predictions are kept (predictions.jsonl) so a report can be inspected step by step.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Optional

from lamfactory.agent.candidates import sample_candidates
from lamfactory.agent.policy import Policy
from lamfactory.evaluate.metrics import percentile, step_metrics
from lamfactory.core.records import AgentOutput, Record, StepSample, read_jsonl, write_json, write_jsonl


class Prediction(Record):
    task_id: str
    step: int
    target: AgentOutput
    output: AgentOutput
    error: Optional[str] = None
    model_ms: float = 0.0


class OfflineUnsupported(ValueError):
    """The policy acts only in a live environment (oracle, expert) and cannot predict a sample."""


def predict_samples(policy: Policy, samples: Iterable[StepSample]) -> list[Prediction]:
    if not hasattr(policy, "predict"):
        raise OfflineUnsupported(f"policy {getattr(policy, 'name', policy)!r} acts only live; "
                                 "evaluate it online (lamfactory eval online)")
    out = []
    for sample in samples:
        shown, cands = sample_candidates(sample)
        t0 = time.perf_counter()
        pred = policy.predict(sample, shown, cands)
        ms = getattr(policy, "last_model_ms", None)
        out.append(Prediction(task_id=sample.task_id, step=sample.step, target=sample.target, output=pred,
                              error=getattr(policy, "last_error", None),
                              model_ms=(time.perf_counter() - t0) * 1000 if ms is None else ms))
    return out


def evaluate_offline(policy: Policy, samples: list[StepSample],
                     predictions: Optional[list[Prediction]] = None) -> dict[str, Any]:
    """Step metrics of `policy` on `samples` (see evaluate/metrics.py for how each field is compared)."""
    predictions = predictions if predictions is not None else predict_samples(policy, samples)
    metrics = step_metrics(zip(samples, (p.output for p in predictions)))
    latencies = [p.model_ms for p in predictions]
    metrics.update(kind="offline", model=getattr(policy, "name", type(policy).__name__),
                   unparseable_rate=sum(p.error is not None for p in predictions) / len(predictions)
                   if predictions else 0.0,
                   model_ms_median=percentile(latencies, 50), model_ms_p90=percentile(latencies, 90))
    return metrics


def run_offline(policy: Policy, samples: list[StepSample], out: Path, model: str) -> dict[str, Any]:
    """Predict, score and write a run folder (predictions.jsonl, metrics.json); OfflineUnsupported for live-only
    policies. Shared by `lamfactory eval offline` and the pipeline's eval stage."""
    predictions = predict_samples(policy, samples)
    metrics = evaluate_offline(policy, samples, predictions)
    metrics["model"] = model
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "predictions.jsonl", predictions)
    write_json(out / "metrics.json", metrics)
    return metrics


def load_test_samples(data: Path) -> list[StepSample]:
    """steps.jsonl (a file, or the one inside a dataflow folder): the held-out (split == "test") steps of verified
    trajectories. A failed trajectory's actions are no reference (they are the reward model's negatives)."""
    path = data / "steps.jsonl" if data.is_dir() else data
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no steps.jsonl (export step samples with the dataflow first)")
    return [s for s in read_jsonl(path, StepSample) if s.split == "test" and s.reward != -1]
