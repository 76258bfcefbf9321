"""Metric functions (pure): step comparison as in the paper's Table 3, plan matching (Table 2), intervals.

A predicted step is compared with the expert's by lamfactory/core/steps.py (the one definition of a correct step).
Plan steps (Table 2): a predicted step matches a reference step when the cosine similarity of their
all-MiniLM-L6-v2 embeddings is >= PLAN_MATCH_THRESHOLD, one-to-one, greedily by similarity.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from lamfactory.core.records import AgentOutput, StepSample
from lamfactory.core.steps import compare_step, normalise  # noqa: F401  (normalise: metrics' public helper)

PLAN_MATCH_THRESHOLD = 0.7
Z95 = 1.959963984540054


def step_metrics(pairs: Iterable[tuple[StepSample, AgentOutput]]) -> dict[str, Any]:
    """Offline metrics over (sample, prediction) pairs; task success groups by task_id."""
    rows, by_task = [], defaultdict(list)
    by_family: dict[str, list[bool]] = defaultdict(list)
    for sample, pred in pairs:
        row = compare_step(pred, sample.target, sample.app)
        rows.append(row)
        by_task[sample.task_id].append(row["step"])
        by_family[sample.family or "unknown"].append(row["step"])
    n = len(rows)
    mean = (lambda key: sum(r[key] for r in rows) / n) if n else (lambda key: 0.0)
    tasks_ok = [all(v) for v in by_task.values()]
    return {
        "steps": n,
        "tasks": len(by_task),
        "object_accuracy": mean("object"),
        "operation_accuracy": mean("operation"),
        "args_accuracy": mean("args"),
        "status_accuracy": mean("status"),
        "step_success_rate": mean("step"),
        "task_success_rate": sum(tasks_ok) / len(tasks_ok) if tasks_ok else 0.0,
        "task_success_ci95": wilson(sum(tasks_ok), len(tasks_ok)),
        "step_success_by_family": {f: sum(v) / len(v) for f, v in sorted(by_family.items())},
    }


def wilson(successes: int, n: int, z: float = Z95) -> list[float]:
    """Wilson score interval of a binomial proportion ([0, 1] when n == 0)."""
    if n == 0:
        return [0.0, 1.0]
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact at the ends: in floating point the bound at 0 successes came out as 7e-18, not 0
    return [0.0 if successes == 0 else max(0.0, centre - half), 1.0 if successes == n else min(1.0, centre + half)]


def bootstrap_ci(values: Sequence[float], iterations: int = 2000, seed: int = 0,
                 level: float = 0.95) -> list[float]:
    """Percentile bootstrap interval of the mean (resampling items, e.g. tasks)."""
    if not values:
        return [0.0, 0.0]
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(iterations))
    lo = means[int((1 - level) / 2 * iterations)]
    hi = means[min(iterations - 1, int((1 + level) / 2 * iterations))]
    return [lo, hi]


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else 0.0


def plan_match(predicted: list[str], reference: list[str], threshold: float = PLAN_MATCH_THRESHOLD,
               vectors=None) -> tuple[int, int, int]:
    """(matched, len(predicted), len(reference)) with a one-to-one greedy embedding match."""
    if not predicted or not reference:
        return 0, len(predicted), len(reference)
    embed = vectors or _embed
    sim = embed(predicted) @ embed(reference).T
    used_p, used_r, matched = set(), set(), 0
    for idx in np.argsort(-sim, axis=None):
        i, j = divmod(int(idx), sim.shape[1])
        if sim[i, j] < threshold:
            break
        if i not in used_p and j not in used_r:
            used_p.add(i)
            used_r.add(j)
            matched += 1
    return matched, len(predicted), len(reference)


def plan_metrics(predicted: list[list[str]], reference: list[list[str]],
                 judged: Optional[list[bool]] = None, threshold: float = PLAN_MATCH_THRESHOLD) -> dict[str, Any]:
    """Micro-averaged step precision/recall over plans; task success from a judge when given."""
    m = p = r = 0
    for pred, ref in zip(predicted, reference, strict=True):
        a, b, c = plan_match(pred, ref, threshold)
        m, p, r = m + a, p + b, r + c
    out = {"plans": len(reference), "step_precision": m / p if p else 0.0, "step_recall": m / r if r else 0.0,
           "match_threshold": threshold}
    if judged is not None:
        out["task_success_rate"] = sum(judged) / len(judged) if judged else 0.0
    return out


def _embed(texts: list[str]) -> np.ndarray:
    from lamfactory.agent.rank import encode

    return encode(tuple(texts))
