"""Ground a model output on the live observation: which control, which function, which arguments.

Order (as the paper's agent): the control_label first (labels are what the prompt shows), then the
control_name — exact, then case-insensitive, then fuzzy (rapidfuzz ratio on lower-cased, punctuation-free
names, as the environment grounds) with a named minimum score. Plain ratio, not WRatio: WRatio's partial
matching scores "Print" against "Print Preview" at 90, and a fuzzy match must never widen an action.
An output that cannot be grounded raises GroundingError, which the loop records as an error step.
"""

from __future__ import annotations

from typing import Optional

from rapidfuzz import fuzz, process, utils

from lamfactory.core import actions
from lamfactory.core.app import get_app
from lamfactory.core.records import Action, AgentOutput, Control, Observation

MIN_NAME_SCORE = 85.0  # rapidfuzz ratio (0-100) of processed names; below it a name matches no control


class GroundingError(ValueError):
    """The action names a control that is not on screen, an unknown function or bad arguments."""


def ground(output: AgentOutput, observation: Observation) -> tuple[Action, Optional[Control]]:
    """Return the executable Action (addressed by the live label) and the control it acts on."""
    try:
        functions = get_app(observation.app).actions
        fn = functions.get(output.function)
        if fn is None:
            raise GroundingError(f"unknown function {output.function!r}; known: {', '.join(functions)}")
        control = find_control(output.control_label, output.control_name, observation.controls)
        if fn.needs_control and control is None:
            if output.control_label or output.control_name:
                raise GroundingError(
                    f"no control labelled {output.control_label!r} or named {output.control_name!r} is "
                    f"on screen; pick one of the listed controls")
            raise GroundingError(f"{fn.name} needs a control: give control_label and control_name")
        action = Action(function=fn.name,
                        control_label=control.label if control else None,
                        control_name=control.name if control else None,
                        args=dict(output.args))
        action.args = functions.validate(action)
        return action, control
    except actions.ActionError as e:
        raise GroundingError(str(e)) from None
    except (TypeError, ValueError) as e:  # pydantic/coercion surprises become error steps, never crashes
        if isinstance(e, GroundingError):
            raise
        raise GroundingError(f"cannot ground the action: {e}"[:300]) from None


def find_control(label: Optional[str], name: Optional[str], controls: list[Control]) -> Optional[Control]:
    """Label first, then name: exact, case-insensitive, then the best fuzzy match above MIN_NAME_SCORE."""
    if label:
        for c in controls:
            if c.label == str(label).strip():
                return c
    if not name:
        return None
    name = str(name).strip()
    for c in controls:
        if c.name == name:
            return c
    folded = name.casefold()
    for c in controls:
        if c.name.casefold() == folded:
            return c
    names = [c.name for c in controls]
    best = process.extractOne(name, names, scorer=fuzz.ratio, processor=utils.default_process,
                              score_cutoff=MIN_NAME_SCORE)
    return controls[best[2]] if best else None
