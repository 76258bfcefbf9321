"""Evolving: rewrite a task into a harder one that is still executable step by step (the paper's rules:
a more complex task, at most 20 extra words, the plan kept correct).

Offline, a seeded compositional evolver: *combine* a task with a related one from the same split (task
"A, then b"; plan A's steps then B's), or add a *concrete constraint* whose steps are known (work in a new
document, save or export under a given name, check the result in the print preview, act on a given
paragraph). With the evolve role configured, the LLM rewrites the task instead, and its answer must obey
the same rules or it is dropped (counted).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from typing import Callable, Optional

import numpy as np

from lamfactory.llm.base import LLM, LLMError
from lamfactory.plans.clean import MAX_STEPS, normalized
from lamfactory.core.records import Source, TaskPlan

MAX_EXTRA_WORDS = 20
RELATED_COSINE = (0.45, 0.9)  # related enough to belong together, not the same procedure
_NAMES = ("report", "minutes", "invoice", "newsletter", "letter", "thesis", "notes", "draft", "summary", "memo")
_ORDINALS = ("first", "second", "third", "last")
_SELECTS_TEXT = re.compile(r"^Select (the |some |any )?(text|paragraphs?|words?|characters?)\b[^.]*\.", re.I)


def plan_id(app: str, task: str, plan: list[str]) -> str:
    digest = hashlib.sha1((task + "\n" + "\n".join(plan)).encode("utf-8")).hexdigest()[:10]
    return f"{app}_{digest}"


def extra_words(parent: str, child: str) -> int:
    return len(child.split()) - len(parent.split())


def _lower_first(task: str) -> str:
    return task[:1].lower() + task[1:]


# ---------------------------------------------------------------- constraints with known steps

Constraint = Callable[[TaskPlan, random.Random], Optional[tuple[str, list[str], str]]]


def _new_document(p: TaskPlan, rng: random.Random):
    return (f"Create a new text document and {_lower_first(p.task)}",
            ["Choose File - New - Text Document.", *p.plan], "new-document")


def _save_as(p: TaskPlan, rng: random.Random):
    name = rng.choice(_NAMES)
    return (f"{p.task}, then save the document as {name}.odt",
            [*p.plan, "Choose File - Save As.", f"Type {name}.odt in the File name box and click Save."], "save-as")


def _export_pdf(p: TaskPlan, rng: random.Random):
    name = rng.choice(_NAMES)
    return (f"{p.task}, then export the document as {name}.pdf",
            [*p.plan, "Choose File - Export As - Export as PDF.", "Click Export.",
             f"Type {name}.pdf in the File name box and click Save."], "export-pdf")


def _print_preview(p: TaskPlan, rng: random.Random):
    return (f"{p.task}, then check the result in the print preview",
            [*p.plan, "Choose File - Print Preview.", "Click Close Preview."], "print-preview")


def _given_paragraph(p: TaskPlan, rng: random.Random):
    if not _SELECTS_TEXT.match(p.plan[0]):
        return None  # only when the plan starts by selecting the text it acts on
    which = rng.choice(_ORDINALS)
    return (f"{p.task} for the {which} paragraph of the document",
            [f"Click in the {which} paragraph and press Home, then Shift+End to select it.", *p.plan[1:]],
            f"paragraph:{which}")


CONSTRAINTS: tuple[Constraint, ...] = (_new_document, _save_as, _export_pdf, _print_preview, _given_paragraph)


def _related(vectors: np.ndarray, splits: list[str]) -> list[list[int]]:
    sims = vectors @ vectors.T
    lo, hi = RELATED_COSINE
    return [[j for j in np.flatnonzero((row >= lo) & (row < hi)) if splits[j] == splits[i]]
            for i, row in enumerate(sims)]


def _evolved(parent: TaskPlan, task: str, plan: list[str], how: str, parents: list[TaskPlan]) -> TaskPlan:
    return TaskPlan(task_id=plan_id(parent.app, task, plan), app=parent.app, task=task, plan=plan,
                    source=Source(kind="evolved", url_or_path=parent.source.url_or_path, title=how),
                    parents=[q.task_id for q in parents], evolved=True)


def evolve_offline(base: list[TaskPlan], vectors: np.ndarray, splits: dict[str, str], n: int, seed: int,
                   drops: Counter) -> list[TaskPlan]:
    """`n` evolved records (fewer only if the base runs out of distinct combinations), deterministic in
    (base, seed)."""
    if not base or n <= 0:
        return []
    rng = random.Random(seed)
    split_of = [splits[p.task_id] for p in base]
    related = _related(vectors, split_of)
    seen = {normalized(p.task) for p in base}
    out: list[TaskPlan] = []
    for _ in range(n * 20):  # bounded: stop when the base holds no more new combinations
        if len(out) >= n:
            break
        i = rng.randrange(len(base))
        a = base[i]
        if rng.random() < 0.6 and related[i]:
            b = base[rng.choice(related[i])]
            task, plan, how, parents = f"{a.task}, then {_lower_first(b.task)}", [*a.plan, *b.plan], "combine", [a, b]
        else:
            made = rng.choice(CONSTRAINTS)(a, rng)
            if made is None:
                continue
            (task, plan, how), parents = made, [a]
        if extra_words(a.task, task) > MAX_EXTRA_WORDS or len(plan) > MAX_STEPS:
            drops["evolve: rule violated"] += 1
            continue
        key = normalized(task)
        if key in seen:
            continue
        seen.add(key)
        out.append(_evolved(a, task, plan, how, parents))
    return out


# ---------------------------------------------------------------- LLM evolver (the paper's prompt)

EVOLVE_SCHEMA = {
    "type": "object",
    "properties": {"task": {"type": "string", "minLength": 3},
                   "plan": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
    "required": ["task", "plan"],
}

EVOLVE_PROMPT = """You are helping build training data for an agent that operates {app_name}.
Rewrite the task below into a more complex task, following these rules:
1. The new task must be harder than the original but still executable step by step in {app_name}.
2. Add at most {max_words} words to the original task.
3. Keep the plan correct: return the complete plan for the new task, step by step, keeping menu paths as \
written.
Answer with JSON: {{"task": "...", "plan": ["...", "..."]}}

Task: {task}
Plan:
{plan}"""


def evolve_with_llm(llm: LLM, base: list[TaskPlan], n: int, seed: int, drops: Counter,
                    app_name: str) -> list[TaskPlan]:
    rng = random.Random(seed)
    seen = {normalized(p.task) for p in base}
    out: list[TaskPlan] = []
    for a in rng.sample(base, min(n, len(base))):
        prompt = EVOLVE_PROMPT.format(app_name=app_name, max_words=MAX_EXTRA_WORDS, task=a.task,
                                      plan="\n".join(f"{k}. {s}" for k, s in enumerate(a.plan, 1)))
        try:
            answer = llm.chat_json([{"role": "user", "content": prompt}], EVOLVE_SCHEMA, max_tokens=800)
        except LLMError:
            drops["evolve: LLM failed"] += 1
            continue
        task, plan = answer["task"].strip(), [s.strip() for s in answer["plan"] if s.strip()]
        if extra_words(a.task, task) > MAX_EXTRA_WORDS or len(plan) < 2 or normalized(task) in seen:
            drops["evolve: rule violated"] += 1
            continue
        seen.add(normalized(task))
        out.append(_evolved(a, task, plan, "llm", [a]))
    return out
