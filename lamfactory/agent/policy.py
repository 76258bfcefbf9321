"""The Policy contract: anything that can act in an environment (a trained LAM, an LLM endpoint,
the family oracle, the documentation-following expert, a random policy).

    policy.reset(task)                      # once per episode
    out = policy.act(request, observation, history)   # -> AgentOutput (the seven keys)

`history` is the list of Steps taken so far in this episode (with their results).
A policy never raises for bad model output: it returns an AgentOutput the runtime can reject.
"""

from __future__ import annotations

from typing import Optional

from lamfactory.core.records import AgentOutput, Observation, Step, TaskInstance


class Policy:
    name: str = "policy"

    def reset(self, task: Optional[TaskInstance]) -> None:
        """Called at the start of each episode; privileged policies (oracle) may read the task."""

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        raise NotImplementedError
