"""Build the model's input (a StepSample) from the live state. One function for both the dataflow export
(training data) and the agent at run time, so train and test inputs never drift apart."""

from __future__ import annotations

from typing import Optional

from lamfactory.agent.candidates import MAX_ITEMS_PER_CONTROL
from lamfactory.agent.rank import rank_step_controls
from lamfactory.core.app import get_app
from lamfactory.core.records import AgentOutput, ControlBrief, Observation, Step, StepSample


def describe_action(o: AgentOutput) -> str:
    inside = [o.control_name] if o.control_name else []
    inside += [f"{k}={v}" for k, v in o.args.items()]
    return f"{o.function}({'; '.join(inside)})"


def describe_step(step: Step) -> str:
    result = "ok" if step.result_ok else f"error: {step.error}"
    return f"{describe_action(step.output)} -> {result}"


def failed_just_now(previous_actions: list[str]) -> set[str]:
    """The actions (describe_action) that failed since the last successful step: a failed action changed
    nothing, so repeating one in the same state fails again (seen: five identical select_text errors)."""
    failed = set()
    for line in reversed(previous_actions):
        action, sep, _ = line.partition(" -> error: ")
        if not sep:
            break
        failed.add(action)
    return failed


def canvas_text(observation: Observation, max_chars: int = 300, request: str = "") -> str:
    """A compact one-line summary: the open dialog, then the app's summary of its state (the parts the
    request refers to first)."""
    parts = [f"dialog: {observation.dialog}"] if observation.dialog else []
    summary = get_app(observation.app).state.summary(observation.state, request, max_chars)
    return " | ".join(parts + ([summary] if summary else []))[:max_chars]


def build_sample(request: str, observation: Observation, history: list[Step], *,
                 task_id: str = "", target: Optional[AgentOutput] = None, top_k: int = 15,
                 must_include: Optional[str] = None) -> StepSample:
    """The paper's step input. `must_include` (a control label) keeps the target control in the shown
    top-k when building training data, as Mind2Web does for positives."""
    previous_plan = history[-1].output.plan if history else []
    ranked = rank_step_controls(request, previous_plan, observation.controls, top_k)
    if must_include and all(c.label != must_include for c in ranked):
        extra = [c for c in observation.controls if c.label == must_include]
        ranked = ranked[: max(top_k - 1, 0)] + extra
    return StepSample(
        task_id=task_id,
        app=observation.app,
        step=len(history),
        request=request,
        controls=[ControlBrief(label=c.label, name=c.name, type=c.type, items=c.items[:MAX_ITEMS_PER_CONTROL])
                  for c in ranked],
        previous_actions=[describe_step(s) for s in history],
        previous_plan=list(previous_plan),
        canvas=canvas_text(observation, request=request),
        state=observation.state,
        target=target or AgentOutput(),
    )
