"""Retrieval alone (spec `memory:DIR`): no model. The nearest solved training task in DIR's experience memory
(agent/retrieval/memory.py) is followed step by step, its next step carried over to this request as the decoder's hint is
(Hint.wanted for the control, Hint.transfer_args for the arguments). Next to the model alone (settings.MODEL_ONLY)
and the two fused, it says what each part of a trained LAM contributes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from lamfactory.agent.candidates import ArgCandidates
from lamfactory.agent.retrieval.memory import Hint, Memory, named_value
from lamfactory.agent.policies import TOP_K, _act
from lamfactory.agent.policy import Policy
from lamfactory.agent.retrieval.transfer import NAMED
from lamfactory.core.records import AgentOutput, Control, Observation, Step, StepSample


class RetrievalPolicy(Policy):
    def __init__(self, spec: str, model_dir: str | Path, top_k: int = TOP_K):
        self.name = spec
        self.memory = Memory.load(model_dir)
        self.top_k = top_k
        self.last_model_ms: Optional[float] = None
        self.last_error: Optional[str] = None

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        return _act(self, request, observation, history,
                    self.memory.live_sample(request, observation, history, self.top_k))

    def predict(self, sample: StepSample, shown: list[Control], cands: ArgCandidates) -> AgentOutput:
        self.last_error = None
        t0 = time.perf_counter()
        out = carry_over(self.memory.next_step(sample), shown, cands)
        self.last_model_ms = (time.perf_counter() - t0) * 1000  # the retrieval is this policy's model call
        return out


def carry_over(hint: Optional[Hint], shown: list[Control], cands: ArgCandidates) -> AgentOutput:
    """The hint's next step as this request's action, FINISH with it when it was the remembered task's last;
    a bare FINISH when there is nothing to follow."""
    if hint is None:
        return AgentOutput(thought="no solved task to follow", status="FINISH")
    if hint.step is None:
        return AgentOutput(thought=f"the solved task was done after {hint.done} steps", status="FINISH")
    control = None
    if hint.control is not None:
        wanted = hint.wanted(shown)
        if not wanted:
            return AgentOutput(thought=f"the control its next step used ({hint.control}) is not on screen",
                               status="FINISH")
        control = wanted[0]
    # transfer_args leaves flags to the model's choice; alone, the remembered ones are all there is
    args = {k: v for k, v in hint.step.args.items() if isinstance(v, bool)}
    fn = cands.functions.get(hint.function)
    for name, value in hint.transfer_args(cands.referenced).items():
        if value == NAMED:  # the text this request names, among the argument's candidates
            arg = next((a for a in fn.args if a.name == name), None) if fn else None
            value = named_value(cands.for_arg(fn.name, arg, control), cands) if arg else None
        if value is not None:
            args[name] = value
    return AgentOutput(thought=f"as in: {hint.experience.request}", control_label=control.label if control else None,
                       control_name=control.name if control else None, function=hint.function, args=args,
                       status="FINISH" if hint.last else "CONTINUE")
