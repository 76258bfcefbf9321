"""Instantiation: choose a template -> prefill a concrete task -> filter.

Offline roles (default):
- choose: rank templates by embedding similarity (all-MiniLM-L6-v2) of the task text to template
  descriptions; the family must be able to sample its parameters from the template's real content.
- prefill: match the TaskPlan to task families (embedding similarity of the task to family descriptions,
  at least FAMILY_MIN_SCORE); evolved plans compose their two or three best-matching families.
- filter: reject a plan with no family above the threshold, impossible parameters on every candidate
  template, or a checker that already holds on the untouched template (the app's check_file on it).

LLM roles (when configured): "filter" answers whether the task is concrete, objective and for this app only;
"prefill" picks the family for the task among the top candidates (so its answer is always executable).
Every rejection is returned with its reason.

Deterministic: a task's random generator is seeded with (seed, task_id, instance number).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Optional

import numpy as np

from lamfactory.core.app import DEFAULT_APP, App, get_app
from lamfactory.core.embed import embed
from lamfactory.core.families import Family, join_requests
from lamfactory.core.records import TaskInstance, TaskPlan, Template

log = logging.getLogger(__name__)

FAMILY_MIN_SCORE = 0.45  # cosine similarity of a task to a family description below which no family fits
COMPOSE_MIN_SCORE = 0.40  # a second/third family joins an evolved task only above this
RECORD_WORDING_MIN_SCORE = 0.55  # the request reuses the record's own wording only for a match this close
TEMPLATE_CANDIDATES = 8  # how many best-ranked templates a task may be placed on
PHRASINGS = 5  # family phrasings 0..4; RECORD_PHRASING reuses the TaskPlan's own wording
RECORD_PHRASING = 5
TEST_PHRASING = 4  # held out for test
TEST_TEMPLATE_EVERY = 6  # every 6th template (by stable hash) is held out for test


@dataclass
class Rejection:
    task_id: str
    reason: str  # no-family-match | impossible-params | already-holds | llm-filter
    detail: str = ""


@dataclass
class Instantiator:
    templates: list[Template]
    app: App = field(default_factory=lambda: get_app(DEFAULT_APP))
    seed: int = 0
    per_plan: int = 3
    filter_llm: object = None  # lamfactory.llm LLM or None
    prefill_llm: object = None
    families: Optional[dict[str, Family]] = None  # default: the app's

    def __post_init__(self):
        self.families = self.families if self.families is not None else self.app.families()
        self.contents, self.skipped = {}, []  # skipped: (template, why) for documents that cannot be read
        for t in self.templates:
            try:
                self.contents[t.template_id] = self.app.template_content(t.path)
            except Exception as e:  # a corrupt, empty or mis-named document in a library the user gave
                why = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
                self.skipped.append((t, why))
                log.warning("template %s skipped: %s", t.template_id, why)
        if self.templates and not self.contents:
            raise ValueError(f"no template of the library can be read ({len(self.skipped)} tried; first: "
                             f"{self.skipped[0][1]})")
        self.templates = [t for t in self.templates if t.template_id in self.contents]
        self.family_names = sorted(self.families)
        # one vector per anchor (description and the help's own wordings); a family scores its best anchor
        anchors = [(i, text) for i, n in enumerate(self.family_names) for text in self.families[n].anchors]
        self.anchor_family = np.array([i for i, _ in anchors])
        self.anchor_vecs = embed([text for _, text in anchors])
        self.template_vecs = embed([t.description for t in self.templates])
        self.test_templates = {t.template_id for t in self.templates if _stable(t.template_id) % TEST_TEMPLATE_EVERY == 0}

    # ------------------------------------------------------------------ matching

    def match(self, plans: list[TaskPlan], vecs: Optional[np.ndarray] = None) -> list[list[tuple[str, float]]]:
        """Families ranked per plan (best first), scores as cosine similarities."""
        vecs = embed([p.task for p in plans]) if vecs is None else vecs
        sims = np.full((len(vecs), len(self.family_names)), -1.0)
        np.maximum.at(sims.T, self.anchor_family, (vecs @ self.anchor_vecs.T).T)
        out = []
        for row in sims:
            order = np.argsort(-row)
            out.append([(self.family_names[i], float(row[i])) for i in order[:6]])
        return out

    def instantiate(self, plans: list[TaskPlan]) -> tuple[list[TaskInstance], list[Rejection]]:
        tasks: list[TaskInstance] = []
        rejected: list[Rejection] = []
        if not plans:
            return tasks, rejected
        vecs = embed([p.task for p in plans])
        matches = self.match(plans, vecs)
        tvecs = vecs @ self.template_vecs.T
        for plan, ranked, tsims in zip(plans, matches, tvecs):
            if self.filter_llm is not None:
                verdict = llm_filter(self.filter_llm, plan)
                if verdict:
                    rejected.append(Rejection(plan.task_id, "llm-filter", verdict))
                    continue
            names = self._choose_families(plan, ranked)
            if not names:
                rejected.append(Rejection(plan.task_id, "no-family-match",
                                          f"best {ranked[0][0]} {ranked[0][1]:.2f} < {FAMILY_MIN_SCORE}"))
                continue
            order = [self.templates[i] for i in np.argsort(-tsims)]
            made, reasons = self._place(plan, names, order, reuse_wording=ranked[0][1] >= RECORD_WORDING_MIN_SCORE)
            tasks += made
            if not made:
                rejected.append(Rejection(plan.task_id, reasons[-1][0] if reasons else "impossible-params",
                                          "; ".join(d for _, d in reasons[-3:])))
        return interleave_families(tasks), rejected

    def _choose_families(self, plan: TaskPlan, ranked: list[tuple[str, float]]) -> list[str]:
        if ranked[0][1] < FAMILY_MIN_SCORE:
            return []
        if self.prefill_llm is not None:
            picked = llm_pick_family(self.prefill_llm, plan, [n for n, _ in ranked])
            if picked:
                return [picked]
        names = [ranked[0][0]]
        if plan.evolved:
            cats = {self.families[names[0]].category}
            for n, s in ranked[1:]:
                f = self.families[n]
                if len(names) >= 3 or s < COMPOSE_MIN_SCORE:
                    break
                if f.composable and self.families[names[0]].composable and f.category not in cats:
                    names.append(n)
                    cats.add(f.category)
        return names

    def _place(self, plan: TaskPlan, names: list[str], order: list[Template], reuse_wording: bool):
        """Up to per_plan instances on distinct templates among the best-ranked candidates."""
        made: list[TaskInstance] = []
        reasons: list[tuple[str, str]] = []
        candidates = order[:TEMPLATE_CANDIDATES]
        for k, template in enumerate(candidates):
            if len(made) >= self.per_plan:
                break
            rng = random.Random(f"{self.seed}:{plan.task_id}:{k}")
            inst = self._one(plan, names, template, rng, len(made), reuse_wording)
            if isinstance(inst, tuple):
                reasons.append(inst)
            else:
                made.append(inst)
        return made, reasons

    def _one(self, plan: TaskPlan, names: list[str], template: Template, rng: random.Random, n: int,
             reuse_wording: bool):
        content = self.contents[template.template_id]
        params_list = []
        for name in names:
            params = self.families[name].sample(content, rng)
            if params is None:
                return ("impossible-params", f"{name} on {template.template_id}")
            params_list.append(params)
        phrasing = rng.randrange(PHRASINGS + 1 if reuse_wording else PHRASINGS)
        request = render_request(self.families, list(zip(names, params_list)), phrasing, plan.task)
        expert_plan = [s for name, params in zip(names, params_list) for s in self.families[name].plan(params)]
        checks = [self.families[name].check(params) for name, params in zip(names, params_list)]
        check = checks[0] if len(checks) == 1 else {"all": checks}
        # every requested edit must change the document: a part that already holds makes a toggling route undo
        # it (Bold on a heading that is bold by its style clears the bold) and asks for nothing
        held = [name for name, c in zip(names, checks) if self.app.check_file(template.path, c).passed]
        if held:
            return ("already-holds", f"{'+'.join(held)} on {template.template_id}")
        task_id = f"{plan.task_id}-{n}"
        split = "test" if template.template_id in self.test_templates or phrasing == TEST_PHRASING else "train"
        return TaskInstance(task_id=task_id, app=self.app.name, request=request, template_id=template.template_id,
                            doc_path=template.path, families=list(names),
                            params={"families": dict(zip(names, params_list))}, expert_plan=expert_plan,
                            doc_plan=list(plan.plan), check=check, source_plan_id=plan.task_id,
                            phrasing=phrasing, split=split)


def render_request(families: dict[str, Family], named_params: list[tuple[str, dict]], phrasing: int,
                   record_task: str = "") -> str:
    """A task's request text: one family's phrasing, several composed by the first family (RECORD_PHRASING reuses
    the record's wording)."""
    if phrasing != RECORD_PHRASING and len(named_params) > 1:
        return families[named_params[0][0]].compose(families, named_params, phrasing)
    parts = []
    for i, (name, params) in enumerate(named_params):
        fam = families[name]
        if phrasing == RECORD_PHRASING and i == 0 and record_task:
            parts.append(f"{record_task.rstrip('.')}: apply it to {fam.target.format(**params)}.")
        else:
            parts.append(fam.request(params, phrasing))
    return join_requests(parts)


def rephrasings(task: TaskInstance, families: Optional[dict[str, Family]] = None) -> list[str]:
    """The task's request in every other *training* phrasing (paraphrase augmentation of training data; the
    held-out TEST_PHRASING is never produced). Empty when the task's families are unknown."""
    families = families or get_app(task.app).families()
    named = list(task.params.get("families", {}).items())
    if not named or any(name not in families for name, _ in named):
        return []
    texts = {render_request(families, named, p) for p in range(PHRASINGS) if p != TEST_PHRASING}
    return sorted(texts - {task.request})


def interleave_families(tasks: list[TaskInstance]) -> list[TaskInstance]:
    """Round-robin over the tasks' first families, so that the first N tasks of a run (--limit) cover as many
    families as N allows instead of the first help pages' topics. Each family opens with a training task and a
    held-out one side by side, then its other training tasks, then its other held-out ones; families with no
    training task come last. A run cut at N tasks then holds no held-out task of a family it cannot have
    learnt (16 % of the demo's held-out tasks were), and a short run still holds some held-out tasks."""
    groups: dict[str, list[TaskInstance]] = {}
    for t in tasks:
        groups.setdefault(t.families[0], []).append(t)
    ordered = [_train_then_test(g) for g in groups.values()]
    heads = [_opening(g) for g in ordered]
    rest = [g[len(h):] for g, h in zip(ordered, heads)]
    return [t for h in heads for t in h] + [t for round_ in zip_longest(*rest) for t in round_ if t is not None]


def _train_then_test(group: list[TaskInstance]) -> list[TaskInstance]:
    head = [t for t in (next((t for t in group if t.split == split), None) for split in ("train", "test")) if t]
    rest = [t for t in group if all(t is not h for h in head)]
    return head + [t for t in rest if t.split == "train"] + [t for t in rest if t.split != "train"]


def _opening(ordered: list[TaskInstance]) -> list[TaskInstance]:
    """A family's opening tasks (of _train_then_test's order): its training task and its held-out one; nothing
    for a family with no training task."""
    if ordered[0].split != "train":
        return []
    return ordered[:2] if len(ordered) > 1 and ordered[1].split == "test" else ordered[:1]


def _stable(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest()[:8], 16)


# ---------------------------------------------------------------- embeddings


# ---------------------------------------------------------------- LLM roles (optional)

FILTER_PROMPT = (
    "You check tasks for {app}. Reject a task that is vague, subjective, needs another "
    "application, or cannot be checked on the document. Answer JSON {\"keep\": true|false, \"reason\": \"...\"}.\n"
    "Task: {task}\nPlan:\n{plan}")
PREFILL_PROMPT = (
    "Pick the task family that best matches this {app} task. Answer JSON {\"family\": NAME}.\n"
    "Task: {task}\nFamilies: {families}")


FILTER_SCHEMA = {"type": "object", "properties": {"keep": {"type": "boolean"}, "reason": {"type": "string"}},
                 "required": ["keep"]}


def filter_messages(plan: TaskPlan) -> list[dict[str, str]]:
    return [{"role": "user", "content": FILTER_PROMPT.replace("{app}", get_app(plan.app).display_name).replace("{task}", plan.task).replace("{plan}", "\n".join(plan.plan))}]


def llm_filter(llm, plan: TaskPlan) -> Optional[str]:
    """None to keep the task, else the LLM's reason to reject it."""
    data = json.loads(llm.chat(filter_messages(plan), schema=FILTER_SCHEMA))
    return None if data.get("keep") else (data.get("reason") or "rejected by the filter role")


def llm_pick_family(llm, plan: TaskPlan, candidates: list[str]) -> Optional[str]:
    schema = {"type": "object", "properties": {"family": {"type": "string", "enum": candidates}}, "required": ["family"]}
    text = llm.chat([{"role": "user", "content": PREFILL_PROMPT.replace("{app}", get_app(plan.app).display_name).replace("{task}", plan.task)
                      .replace("{families}", ", ".join(candidates))}], schema=schema)
    name = json.loads(text).get("family")
    return name if name in candidates else None


def family_instance(family: Family, template: Template, content, seed: int = 0,
                    phrasing: int = 0, app: str = DEFAULT_APP) -> Optional[TaskInstance]:
    """One instance of a family on a template, bypassing plan matching (tests and benchmarks)."""
    rng = random.Random(f"{seed}:{family.name}:{template.template_id}")
    params = family.sample(content, rng)
    if params is None:
        return None
    return TaskInstance(task_id=f"{family.name}-{template.template_id}-{seed}", app=app,
                        request=family.request(params, phrasing),
                        template_id=template.template_id, doc_path=str(Path(template.path)), families=[family.name],
                        params={"families": {family.name: params}}, expert_plan=family.plan(params),
                        check=family.check(params), phrasing=phrasing)
