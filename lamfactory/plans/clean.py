"""Cleaning: language, length, relevance to the application (its App.drop_reason), exact and near duplicates. Every dropped
record is counted under its reason, so the stats say where the data went."""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional, Sequence

import numpy as np

from lamfactory.core.app import App
from lamfactory.core.embed import embed as core_embed
from lamfactory.plans.text import starts_with_verb
from lamfactory.core.records import TaskPlan

MIN_TASK_WORDS, MAX_TASK_WORDS = 2, 40
MIN_STEPS, MAX_STEPS = 2, 15
MAX_STEP_WORDS = 80
NEAR_DUPLICATE_COSINE = 0.95  # task+plan embeddings at least this similar are the same procedure

_ENGLISH_WORDS = frozenset("the a an to and of in on for you your with select click choose text".split())


def is_english(text: str) -> bool:
    """Plain-ASCII text with several common English words is English; anything else asks langdetect."""
    words = re.findall(r"[a-z]+", text.lower())
    if text.isascii() and sum(w in _ENGLISH_WORDS for w in words) >= 2:
        return True
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # langdetect is random unless seeded
    try:
        return detect(text) == "en"
    except LangDetectException:
        return False


def drop_reason(plan: TaskPlan, app: App) -> Optional[str]:
    """Why a record should not be kept, or None."""
    steps = " ".join(plan.plan)
    if not is_english(plan.task + ". " + steps):
        return "not English"
    task_words = len(plan.task.split())
    if task_words < MIN_TASK_WORDS or not starts_with_verb(plan.task):
        return "task not an instruction"
    if task_words > MAX_TASK_WORDS:
        return "task too long"
    if len(plan.plan) < MIN_STEPS:
        return "plan too short"
    if len(plan.plan) > MAX_STEPS or any(len(s.split()) > MAX_STEP_WORDS for s in plan.plan):
        return "plan too long"
    return app.drop_reason(plan.task, steps) if app.drop_reason else None


def normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def clean(plans: Sequence[TaskPlan], drops: Counter, app: App) -> list[TaskPlan]:
    """Rule filters, then exact duplicates (same task text: the first, most specific source wins)."""
    kept: list[TaskPlan] = []
    seen: set[str] = set()
    for p in plans:
        reason = drop_reason(p, app)
        key = normalized(p.task)
        if reason is None and key in seen:
            reason = "duplicate task"
        if reason:
            drops[reason] += 1
            continue
        seen.add(key)
        kept.append(p)
    return kept


def plan_text(p: TaskPlan) -> str:
    return p.task + ": " + " ".join(p.plan)


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings of task + plan texts; a task and the start of its plan tell two
    procedures apart, so inputs are cut at 48 tokens (longer ones cost time on a busy CPU)."""
    return core_embed(texts, max_seq_length=48)


def near_duplicates(vectors: np.ndarray, threshold: float = NEAR_DUPLICATE_COSINE) -> list[int]:
    """Indices to drop: each row that is at least `threshold` similar to an earlier kept row."""
    keep = np.zeros(len(vectors), dtype=bool)
    drop: list[int] = []
    for i in range(len(vectors)):
        if keep.any() and float((vectors[keep] @ vectors[i]).max()) >= threshold:
            drop.append(i)
        else:
            keep[i] = True
    return drop


def dedup(plans: list[TaskPlan], vectors: np.ndarray, drops: Counter) -> tuple[list[TaskPlan], np.ndarray]:
    gone = set(near_duplicates(vectors))
    drops["near duplicate"] += len(gone)
    idx = [i for i in range(len(plans)) if i not in gone]
    return [plans[i] for i in idx], vectors[idx]
