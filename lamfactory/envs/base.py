"""The environment contract (read with records.py). Every application lives behind this one class.

    env = lamfactory.envs.make("writer")
    obs = env.reset(task)            # opens a *copy* of task.doc_path (or a new document), returns the first view
    result = env.step(action)        # executes one Action, waits for idle; errors come back as result.ok=False
    verdict = env.check(spec)        # evaluates an executable checker spec on the current document
    env.close()

`step` never raises for a bad action (unknown function, missing control, bad args, disabled control):
it returns StepResult(ok=False, error="...") so an agent can read the error and replan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

from lamfactory.records import Action, Observation, StepResult, TaskInstance, Verdict


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


_REGISTRY: dict[str, Callable[..., Environment]] = {}


def register(name: str, factory: Callable[..., Environment]) -> None:
    _REGISTRY[name] = factory


def make(name: str = "writer", **kwargs) -> Environment:
    """Create an environment by id, as gymnasium.make does."""
    if name not in _REGISTRY:
        import lamfactory.envs.writer  # noqa: F401  (registers "writer")
    try:
        return _REGISTRY[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown environment {name!r}; known: {sorted(_REGISTRY)}") from None
