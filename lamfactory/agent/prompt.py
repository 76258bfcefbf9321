"""The paper's step prompt, defined once: training (LAM2+), the agent and offline evaluation all use it.

Input  = user request (+ a solved similar task, agent/retrieval/memory.py) + the app's state summary + available controls (label, name, type) + previous actions + previous plan.
Target = one JSON object with exactly the seven keys of AgentOutput, in this order.
"""

from __future__ import annotations

import json

from lamfactory.core.app import DEFAULT_APP, get_app
from lamfactory.core.records import AgentOutput, StepSample

TARGET_KEYS = ("thought", "control_label", "control_name", "function", "args", "status", "plan")


def system_prompt(app_name: str = DEFAULT_APP) -> str:
    app = get_app(app_name)
    return (f"You operate {app.display_name} for the user. Reply with one JSON object with the keys "
            "thought, control_label, control_name, function, args, status (CONTINUE or FINISH), plan.\n"
            "Functions:\n" + app.actions.describe())


def render_user(sample: StepSample) -> str:
    lines = [f"Request: {sample.request}"]
    if sample.example:
        lines.append(sample.example)
    if sample.canvas:
        lines.append(f"Document: {sample.canvas}")
    lines.append("Controls:")
    lines += [f"{c.label} {c.name} [{c.type}]" for c in sample.controls]
    lines.append("Previous actions: " + ("; ".join(sample.previous_actions) or "none"))
    lines.append("Previous plan: " + ("; ".join(sample.previous_plan) or "none"))
    return "\n".join(lines)


def render_messages(sample: StepSample, system: bool = True) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system_prompt(sample.app)}] if system else []
    msgs.append({"role": "user", "content": render_user(sample)})
    return msgs


def render_target(output: AgentOutput) -> str:
    """Compact JSON with the seven keys in a fixed order (stable targets train faster)."""
    data = output.model_dump()
    return json.dumps({k: data[k] for k in TARGET_KEYS}, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- LAM1: task -> plan

def plan_system_prompt(app_name: str = DEFAULT_APP) -> str:
    return f"You plan how to do a task in {get_app(app_name).display_name}. Reply with the numbered steps, one per line."


def render_plan_messages(task: str, system: bool = True, app: str = DEFAULT_APP) -> list[dict[str, str]]:
    """The task-plan prompt (LAM1 training and plan evaluation)."""
    msgs = [{"role": "system", "content": plan_system_prompt(app)}] if system else []
    msgs.append({"role": "user", "content": f"Task: {task}"})
    return msgs


def render_plan_target(plan: list[str]) -> str:
    return "\n".join(plan)
