"""The one definition of a correct step, used by offline evaluation and the training phases' own metrics.

How a predicted step is compared with the expert's (teacher-forced, one StepSample at a time):
  object     the control is right: same control_label, or same control_name after strip+casefold. When the
             expert step uses no control (keyboard_input, select_text, ...), the prediction is right when its
             function needs no control either (a control named there is ignored by the runtime).
  operation  same function name.
  args       every key of the expected args is present in the prediction with an equal *normalised* value:
             strings stripped and casefolded; numbers (and strings that read as numbers, "14" / "14.0")
             compared as numbers; booleans as booleans ("true"/"false" strings too). Extra predicted keys
             are ignored (they are optional arguments at their defaults or harmless).
  status     same status (CONTINUE / FINISH).
  step success   all four right.   task success   every step of the task right (the paper's definition).
"""

from __future__ import annotations

import math
from typing import Any

from lamfactory.core.app import DEFAULT_APP, get_app
from lamfactory.core.records import AgentOutput


def normalise(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in ("true", "false"):
            return text == "true"
        try:
            number = float(text)
            if math.isfinite(number):
                return number
        except ValueError:
            pass
        return text
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    return value


def object_correct(pred: AgentOutput, target: AgentOutput, app: str = DEFAULT_APP) -> bool:
    if not (target.control_label or target.control_name):
        fn = get_app(app).actions.get(pred.function)
        return fn is not None and not fn.needs_control
    if target.control_label and pred.control_label and str(pred.control_label).strip() == target.control_label:
        return True
    return bool(pred.control_name and target.control_name
                and pred.control_name.strip().casefold() == target.control_name.strip().casefold())


def args_correct(pred: AgentOutput, target: AgentOutput) -> bool:
    return all(k in pred.args and normalise(pred.args[k]) == normalise(v) for k, v in target.args.items())


def compare_step(pred: AgentOutput, target: AgentOutput, app: str = DEFAULT_APP) -> dict[str, bool]:
    """The one definition of a correct step: right control, function, arguments and status."""
    row = {"object": object_correct(pred, target, app), "operation": pred.function == target.function,
           "args": args_correct(pred, target), "status": pred.status == target.status}
    row["step"] = all(row.values())
    return row
