"""Ground a model output on the live observation: which control, which function, which arguments.

Order (as the paper's agent): the control_label first (labels are what the prompt shows), then the
control_name, matched as everywhere else (lamfactory/core/ground.py: exact, case-insensitive, then fuzzy with a
named minimum score).
An output that cannot be grounded raises GroundingError, which the loop records as an error step.
"""

from __future__ import annotations

from typing import Optional

from lamfactory.core import actions
from lamfactory.core.app import get_app
from lamfactory.core.ground import match_control
from lamfactory.core.records import Action, AgentOutput, Control, Observation

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
    """Label first, then name (lamfactory/core/ground.py: exact, case-insensitive, fuzzy above MIN_NAME_SCORE)."""
    if label:
        for c in controls:
            if c.label == str(label).strip():
                return c
    return match_control(str(name).strip(), controls) if name else None
