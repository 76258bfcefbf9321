"""Build the model's input (a StepSample) from the live state. One function for both the dataflow export
(training data) and the agent at run time, so train and test inputs never drift apart."""

from __future__ import annotations

from typing import Optional

from lamfactory.agent.rank import rank_step_controls
from lamfactory.records import AgentOutput, ControlBrief, Observation, Step, StepSample


def describe_step(step: Step) -> str:
    o = step.output
    target = o.control_name or ""
    args = ",".join(f"{k}={v}" for k, v in o.args.items())
    result = "ok" if step.result_ok else f"error: {step.error}"
    return f"{o.function}({target}{'; ' + args if args else ''}) -> {result}"


def canvas_text(observation: Observation, max_chars: int = 300) -> str:
    """A compact one-line document summary: numbered paragraphs (truncated), tables, selection."""
    c = observation.canvas
    parts = [f"P{p.index}: {p.text[:40]}" for p in c.paragraphs[:8]]
    parts += [f"T{t.index}: {t.rows}x{t.cols}" for t in c.tables]
    if c.selection:
        parts.append(f"selected: {c.selection[:40]}")
    if observation.dialog:
        parts.append(f"dialog: {observation.dialog}")
    return " | ".join(parts)[:max_chars]


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
        step=len(history),
        request=request,
        controls=[ControlBrief(label=c.label, name=c.name, type=c.type) for c in ranked],
        previous_actions=[describe_step(s) for s in history],
        previous_plan=list(previous_plan),
        canvas=canvas_text(observation),
        target=target or AgentOutput(),
    )
