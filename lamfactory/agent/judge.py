"""Evaluation by an LLM judge (the paper's GPT-4o judge), beside the executable checker.

The judge sees the request, the actions taken and the document before and after (canvas summaries; the
paper used screenshots and an XML diff), and answers yes / no / unsure. Only "yes" counts as success for
the judge; the bucket combines it with the checker (see `bucket`).
"""

from __future__ import annotations

import json
from typing import Optional

from lamfactory.agent.sample import canvas_text, describe_step
from lamfactory.core.app import get_app
from lamfactory.core.records import Observation, Trajectory

JUDGE_PROMPT = (
    "You are evaluating whether an agent operating {app} completed the user's request.\n"
    "Request: {request}\n"
    "Actions taken:\n{actions}\n"
    "Document before: {before}\n"
    "Document after: {after}\n"
    "Did the agent complete the request? Answer JSON {{\"judge\": \"yes\"|\"no\"|\"unsure\", \"reason\": \"...\"}}."
)
JUDGE_SCHEMA = {"type": "object", "properties": {"judge": {"type": "string", "enum": ["yes", "no", "unsure"]},
                                                 "reason": {"type": "string"}}, "required": ["judge"]}


def judge_messages(traj: Trajectory, after: Optional[Observation]) -> list[dict[str, str]]:
    before = traj.steps[0].observation if traj.steps else None
    prompt = JUDGE_PROMPT.format(
        app=get_app(traj.task.app).display_name,
        request=traj.task.request,
        actions="\n".join(describe_step(s) for s in traj.steps) or "none",
        before=canvas_text(before, 600) if before else "unknown",
        after=canvas_text(after, 600) if after else "unknown")
    return [{"role": "user", "content": prompt}]


def judge_trajectory(llm, traj: Trajectory, after: Optional[Observation]) -> tuple[str, str]:
    """(yes|no|unsure, reason); a malformed answer is 'unsure'."""
    try:
        data = json.loads(llm.chat(judge_messages(traj, after), schema=JUDGE_SCHEMA))
        verdict = data.get("judge")
        if verdict in ("yes", "no", "unsure"):
            return verdict, str(data.get("reason", ""))
    except (ValueError, RuntimeError) as e:  # bad JSON or LLMError
        return "unsure", f"judge failed: {e}"
    return "unsure", "judge gave no verdict"


def bucket(checker_passed: bool, judge: Optional[str]) -> str:
    """The checker decides; a configured judge that does not say yes moves a checker pass to 'unsure'."""
    if not checker_passed:
        return "fail"
    return "pass" if judge in (None, "yes") else "unsure"


def agrees(checker_passed: bool, judge: Optional[str]) -> Optional[bool]:
    if judge is None or judge == "unsure":
        return None
    return checker_passed == (judge == "yes")
