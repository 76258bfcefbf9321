"""Plan evaluation (paper Table 2): a plan model (LAM1, or any chat backend) writes a plan per task;
step precision/recall against the reference plan by embedding match (evaluate/metrics.plan_metrics), and
task success by the judge role when one is configured (yes = the plan accomplishes the task).

    metrics = evaluate_plans("models/lam1", plans, judge="openai:gpt-4o")
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Optional

from lamfactory.agent.prompt import render_plan_messages
from lamfactory.core.app import DEFAULT_APP, get_app
from lamfactory.evaluate.metrics import plan_metrics
from lamfactory.core.records import TaskPlan

_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
JUDGE_SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}, "reason": {"type": "string"}},
                "required": ["verdict"]}


def plan_steps(text: str) -> list[str]:
    """Numbered/bulleted lines -> step texts without their numbering."""
    return [s for s in (_NUMBERING.sub("", line).strip() for line in text.splitlines()) if s]


def make_planner(spec: str, app: str = DEFAULT_APP):
    """A callable task -> plan text: a checkpoint folder (greedy generation) or an LLM backend spec."""
    from lamfactory.llm import make_llm

    path = Path(spec).expanduser()
    llm = make_llm(f"hf:{path}" if path.is_dir() and (path / "config.json").exists() else spec)
    if llm is None:
        raise ValueError(f"plan model {spec!r}: needs a checkpoint folder or an LLM backend")
    return lambda task: llm.chat(render_plan_messages(task, app=app), max_tokens=256)


def evaluate_plans(model: str, plans: list[TaskPlan], judge: Optional[str] = None, *,
                   planner=None, judge_llm=None) -> dict[str, Any]:
    app = plans[0].app if plans else DEFAULT_APP
    planner = planner or make_planner(model, app)
    if judge and judge_llm is None:
        from lamfactory.llm import make_llm

        judge_llm = make_llm(judge)
    predicted = [plan_steps(planner(p.task)) for p in plans]
    judged = [_judge(judge_llm, p.task, pred, p.app) for p, pred in zip(plans, predicted)] if judge_llm else None
    metrics = plan_metrics(predicted, [[_NUMBERING.sub("", s).strip() for s in p.plan] for p in plans], judged)
    metrics.update(kind="plans", model=model)
    return metrics


def _judge(llm, task: str, plan: list[str], app: str) -> bool:
    from lamfactory.llm.base import LLMError

    prompt = (f"Task in {get_app(app).display_name}: {task}\nPlan:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(plan, 1))
              + '\nWould following this plan accomplish the task? Answer JSON {"verdict": "yes"|"no", "reason": "..."}.')
    try:
        return json.loads(llm.chat([{"role": "user", "content": prompt}], schema=JUDGE_SCHEMA))["verdict"] == "yes"
    except (LLMError, ValueError, KeyError):
        return False
