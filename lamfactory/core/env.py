"""The environment contract (read with records.py). Every application lives behind this one class.

    env = lamfactory.core.app.get_app("writer").make_env()
    obs = env.reset(task)            # opens a *copy* of task.doc_path (or a new document), returns the first view
    result = env.step(action)        # executes one Action, waits for idle; errors come back as result.ok=False
    verdict = env.check(spec)        # evaluates an executable checker spec on the current document
    env.close()

`step` never raises for a bad action (unknown function, missing control, bad args, disabled control):
it returns StepResult(ok=False, error="...") so an agent can read the error and replan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from lamfactory.core.records import Action, Observation, StepResult, TaskInstance, Verdict


class Environment:
    """Base class; subclasses implement the five methods below."""

    name: str = "base"

    def reset(self, task: Optional[TaskInstance] = None) -> Observation:
        """Open a working copy of the task's document (a new empty document when task is None)."""
        raise NotImplementedError

    def observe(self) -> Observation:
        """The controls a user could act on now, plus the canvas (document summary)."""
        raise NotImplementedError

    def step(self, action: Action) -> StepResult:
        """Execute one action and wait until the application is idle. Never raises for a bad action."""
        raise NotImplementedError

    def check(self, spec: dict[str, Any]) -> Verdict:
        """Evaluate a checker spec against the current document."""
        raise NotImplementedError

    def save(self, path: str | Path) -> Path:
        """Save the current document to `path` (the user's copy, never the template)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ConformanceError(AssertionError):
    """An environment broke the contract (check_env)."""


def check_env(env: Environment, task: TaskInstance, valid: Action, spec: dict[str, Any],
              app_name: Optional[str] = None) -> list[str]:
    """Gymnasium's check_env for the contract: reset opens a *copy* (the original is untouched), observe and
    step return typed records, a valid action succeeds, bad actions (unknown function, missing control, bad
    args) come back as clear errors instead of raising, check(spec) returns a Verdict, save writes the file.
    Returns what was checked; raises ConformanceError naming the first broken rule."""
    import hashlib
    import tempfile

    def expect(cond: bool, rule: str) -> None:
        if not cond:
            raise ConformanceError(f"{type(env).__name__}: {rule}")

    original = Path(task.doc_path)
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    checked = []
    obs = env.reset(task)
    expect(isinstance(obs, Observation) and obs.controls, "reset() returns an Observation with controls")
    expect(app_name is None or obs.app == app_name, "observations carry the app's name")
    checked.append("reset")
    expect(isinstance(env.observe(), Observation), "observe() returns an Observation")
    checked.append("observe")
    result = env.step(valid)
    expect(isinstance(result, StepResult) and result.ok, f"a valid action succeeds (got {result.error!r})")
    checked.append("step")
    bad = [Action(function="no_such_function"),
           Action(function="click_input", control_name="No Such Control 12345"),
           Action(function=valid.function, control_label=valid.control_label, control_name=valid.control_name,
                  args={"no_such_arg": 1})]
    for action in bad:
        r = env.step(action)
        expect(isinstance(r, StepResult) and not r.ok and bool(r.error), f"a bad action {action.function!r} "
               "returns ok=False with an error message")
    checked.append("bad actions")
    verdict = env.check(spec)
    expect(isinstance(verdict, Verdict), "check() returns a Verdict")
    checked.append("check")
    with tempfile.TemporaryDirectory() as tmp:
        out = env.save(Path(tmp) / f"saved{original.suffix}")
        expect(Path(out).is_file() and Path(out).stat().st_size > 0, "save() writes the document")
    checked.append("save")
    expect(hashlib.sha256(original.read_bytes()).hexdigest() == digest, "the original document is never modified")
    checked.append("copy never the original")
    return checked
