"""The scorer LAM as a Policy: score every option of the step, take the best, read the status from its finish
logit. The decode settings that apply (agent/settings.py) are each a switch measured in the report:

    retrieval + example_prior   the nearest solved task's next step (agent/retrieval/memory.py) adds example_prior
                                to each part of an option that agrees with it (control, function, arguments) and
                                to the status it had; off = the model alone
    avoid_failed                an action that failed just now in this state is no option
    rank_prior / arg_prior      the generative decoder's priors; the scorer has no use for them
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from lamfactory.agent.candidates import ArgCandidates
from lamfactory.agent.policy import Policy
from lamfactory.agent.policies import _act
from lamfactory.agent.retrieval.memory import MEMORY_FILE, Hint, Memory
from lamfactory.agent.retrieval.transfer import NAMED
from lamfactory.agent.sample import failed_just_now
from lamfactory.agent.scorer.model import Scorer
from lamfactory.agent.scorer.options import Option, options
from lamfactory.agent.settings import DecodeSettings, read_decode_settings
from lamfactory.core.app import get_app
from lamfactory.core.records import AgentOutput, Control, Observation, Step, StepSample
from lamfactory.core.steps import normalise

MAX_DONE = 6  # previous actions in the context (the latest ones)
STATE_CHARS = 600  # of the state summary (its encoding is cut at ScorerSettings.context_tokens[2] anyway)


def context_text(sample: StepSample) -> tuple[str, str, str]:
    """What the scorer reads of a step, in three parts: the request, the actions so far (latest last), the state
    summary. Apart, so that a paragraph the state shows is not mistaken for one the request names."""
    done = "; ".join(sample.previous_actions[-MAX_DONE:]) or "nothing yet"
    return sample.request, done, in_state_order(sample)


def in_state_order(sample: StepSample) -> str:
    """The summary with its parts in the app's own order, not the request's: the summary puts what the request
    refers to first, and a model trained on that learns "the first part is the target" instead of reading the
    request (seen: select_text of the first paragraph whatever was asked). Parts the app's re-rendering does not
    reproduce (dialog, selection) stay in front."""
    view = get_app(sample.app).state
    if sample.state:
        dialog = [part for part in sample.canvas.split(" | ")[:1] if part.startswith("dialog: ")]
        return " | ".join(dialog + [view.summary(sample.state, "", STATE_CHARS)])
    ordered = view.summary(view.from_summary(sample.canvas), "", len(sample.canvas) or 300)
    kept = set(ordered.split(" | "))
    rest = [part for part in sample.canvas.split(" | ") if part not in kept]
    return " | ".join(rest + ([ordered] if ordered else []))


def agreement(option: Option, hint: Optional[Hint], shown: list[Control], pointed: list[int | str]) -> float:
    """How many parts of the option agree with the retrieved task's next step (0..3)."""
    if hint is None or hint.step is None:
        return 0.0
    wanted = {c.label for c in hint.wanted(shown)}
    same_control = (option.control is None) if hint.control is None else (
        option.control is not None and option.control.label in wanted)
    agree = float(same_control) + float(option.function == hint.function)
    carried = {k: v for k, v in hint.transfer_args(pointed).items() if v != NAMED}
    if option.function == hint.function and carried:
        mine = dict(option.args)
        agree += float(all(k in mine and normalise(mine[k]) == normalise(v) for k, v in carried.items()))
    return agree


class ScorerPolicy(Policy):
    """A scorer checkpoint folder (with its experience memory, if any), or a Scorer in memory (training's eval)."""

    def __init__(self, path: str | Path | Scorer, settings: Optional[DecodeSettings] = None,
                 name: Optional[str] = None, threads: int = 1):
        loaded = isinstance(path, Scorer)
        self.name = name or ("scorer" if loaded else str(path))
        self.settings = settings or (DecodeSettings() if loaded else read_decode_settings(path))
        self.scorer = path if loaded else Scorer.load(path)
        memory_ok = not loaded and self.settings.retrieval and self.settings.example_prior > 0
        self.memory = Memory.load(path) if memory_ok and (Path(path) / MEMORY_FILE).exists() else None
        self.top_k, self.threads = self.settings.top_k, threads
        self.last_model_ms: Optional[float] = None
        self.last_error: Optional[str] = None
        self.last_raw = ""

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        return _act(self, request, observation, history)

    def predict(self, sample: StepSample, shown: list[Control], cands: ArgCandidates) -> AgentOutput:
        import torch

        from lamfactory.agent.imports import torch_threads

        self.last_error = None
        opts = options(shown, cands)
        if self.settings.avoid_failed:
            failed = failed_just_now(sample.previous_actions)
            opts = [o for o in opts if o.key() not in failed] or opts
        if not opts:
            self.last_error = "no action is possible in this state"
            return AgentOutput(thought=self.last_error)
        hint = self.memory.next_step(sample) if self.memory is not None else None
        t0 = time.perf_counter()
        with torch_threads(self.threads):
            scores, finish = self.scorer.score(context_text(sample), [o.text for o in opts])
        if hint is not None:
            prior = self.settings.example_prior
            scores = scores + prior * torch.tensor(
                [agreement(o, hint, shown, cands.referenced) for o in opts])
        best = int(scores.argmax())
        finish_logit = float(finish[best])
        if hint is not None and hint.step is not None:
            finish_logit += self.settings.example_prior * (1 if hint.last else -1)
        self.last_model_ms = (time.perf_counter() - t0) * 1000
        chosen = opts[best]
        self.last_raw = chosen.text
        return chosen.output("FINISH" if finish_logit > 0 else "CONTINUE", thought=chosen.text[:80])
