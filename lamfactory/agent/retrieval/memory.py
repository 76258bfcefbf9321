"""Experience memory: the verified trajectories of training tasks, retrieved by request similarity and shown in
the prompt as a worked example (UFO's retrieval of self-demonstrations). A small model then adapts a solved
neighbour ("its next step was: click Bold") instead of recalling every task family from its weights, and
new verified successes (the boost phase) extend what it can draw on without retraining.

Retrieval embeds requests with the ranker's MiniLM after masking quoted spans and numbers: what a task *does*
matters, not which words it quotes (measured on the demo's held-out tasks: the nearest training request is of
the same task family for 41 % of test tasks unmasked, 70 % masked; see the closing note of issue 6).

The example is attached to a StepSample (`example`, rendered by agent/prompt.py) the same way for training
(excluding the sample's own task and its paraphrases) and at run time, and the shown controls are reordered so
the example's next control comes first (the decoder's rank prior then favours it). Its next step reaches the
decoder as a Hint: the control it wants (by name, role and which namesake) and its argument values carried over
by the role they played in its request (agent/retrieval/transfer.py), never its literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from lamfactory.core.app import get_app
from lamfactory.core.request import numbers_in, quoted_spans
from lamfactory.agent.retrieval.transfer import (NAMED, carry_number, carry_numbers, carry_reference,
                                                 carry_references, names)
from lamfactory.agent.sample import build_sample, describe_action
from lamfactory.core.records import (AgentOutput, Control, ControlBrief, Experience, Observation, Step, StepControl,
                                     StepSample, Trajectory, read_jsonl, write_jsonl)

MEMORY_FILE = "experience.jsonl"  # beside a trained LAM whose prompt settings have examples: true


@dataclass
class Hint:
    """The retrieved task's step at the current point: the decoder adds its example_prior to the choices that
    agree (agent/decode.py); retrieval alone carries it over as it is (agent/retrieval/policy.py)."""

    experience: Experience
    done: int  # its steps already matched by the episode's successful steps
    request: str = ""  # the request being solved: what its named controls, quotes and numbers carry over to

    @property
    def step(self) -> Optional[AgentOutput]:  # its next step (None once it was finished)
        return self.experience.steps[self.done] if self.done < len(self.experience.steps) else None

    @property
    def function(self) -> Optional[str]:
        return self.step.function if self.step else None

    @property
    def control(self) -> Optional[str]:
        return self.step.control_name if self.step else None

    @property
    def role(self) -> Optional[StepControl]:
        roles = self.experience.controls
        return roles[self.done] if self.done < len(roles) else None

    @property
    def last(self) -> bool:  # its next step was its last (or it is finished): FINISH agrees
        return self.done >= len(self.experience.steps) - 1

    def wanted(self, controls: Sequence[Control | ControlBrief]) -> list[Control | ControlBrief]:
        """The control(s) among `controls` that its next step used, carried over to this request: the same name
        and role (a name can be a menu and a toolbar button: Table), or, where its request named that control
        and this one does not ("in ascending order" -> Ascending), one of that role which this request names and
        its request did not ("descending" -> Descending) if there is one; of several namesakes, the same one in
        tree order (Sort shows Ascending and Descending for each of three keys)."""
        if self.control is None:
            return []
        role = self.role
        same_role = [c for c in controls if role is None or c.type == role.type]
        fits = []
        if names(self.experience.request, self.control) and not names(self.request, self.control):
            fits = [c for c in same_role if names(self.request, c.name) and not names(self.experience.request, c.name)]
        fits = fits or [c for c in same_role if c.name == self.control]  # nothing else named: the same control
        if role is None or len(fits) <= 1 or len({c.name for c in fits}) > 1:
            return fits
        in_tree_order = sorted(fits, key=lambda c: int(c.label) if c.label.isdigit() else 0)
        return [in_tree_order[min(role.nth, len(in_tree_order) - 1)]]

    def transfer_args(self, pointed: Sequence[int | str] = ()) -> dict:
        """Its next step's argument values carried over to this request, which points at the parts `pointed` of
        its document (core.state.StateHints.referenced: paragraphs, cell ranges, sheets), by the role each value
        had in its request:
        - its k-th part pointed at or k-th quoted span becomes this request's k-th one (select_paragraph: the
          paragraph starting "..."; select_cell: "B2:B9" -> "C3:C12", also inside a text: "=SUM(B2:B9)"; Find:
          the first quote, Replace: the second, quotes of parts pointed at not counted); a number, also inside
          a text, becomes the one playing its role here (transfer.carry_number: "2.5 cm" -> "2.0 cm");
        - a text its request named without quotes (a font, a style) becomes NAMED: the decoder takes the first
          candidate this request names (agent/decode.py);
        - a text its request did not contain stays as it is (keys=^{END}); other numbers do not carry."""
        if self.step is None:
            return {}
        their_request, referenced = self.experience.request, self.experience.referenced
        # a quoted part pointed at (a sheet) carries as a part: the other quotes keep their order without it
        theirs = [q for q in quoted_spans(their_request) if q not in referenced]
        ours = [q for q in quoted_spans(self.request) if q not in pointed]
        out = {}
        for name, value in self.step.args.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                stated = any(float(n) == value for n in numbers_in(their_request))
                carried = carry_number(str(value), their_request, self.request, name) if stated else None
                if carried is not None and float(carried).is_integer():
                    out[name] = int(float(carried))
                elif not stated and (part := carry_reference(value, referenced, pointed)) is not None:
                    out[name] = part
            elif not isinstance(value, str):
                continue
            elif (part := carry_reference(value, referenced, pointed)) is not None:
                out[name] = part  # before the quotes: 'the sheet "Archive"' carries to "the Notes sheet"
            elif value in theirs:
                if theirs.index(value) < len(ours):
                    out[name] = ours[theirs.index(value)]
            elif (carried := self._carried_text(value, name, pointed)) is not None:
                out[name] = carried
            elif value in self.experience.request:
                out[name] = NAMED
            else:
                out[name] = value
        return out

    def _carried_text(self, value: str, name: str, pointed: Sequence[int | str]) -> Optional[str]:
        """A text with the parts pointed at and the numbers its request stated in it carried over (a formula
        "=B4*1.5" with both), or None when neither carries."""
        parts = carry_references(value, self.experience.referenced, pointed)
        numbers = carry_numbers(parts or value, self.experience.request, self.request, self.control or name)
        return numbers if numbers is not None else parts


def named_value(values: Sequence, cands) -> Optional[str]:
    """What a carried NAMED value stands for: the first of an argument's candidate `values` that the request
    (agent/candidates.ArgCandidates `cands`) contains without quoting it, or None."""
    return next((v for v in values if isinstance(v, str) and v in cands.said and v not in cands.quoted), None)


def steps_done(previous_actions: list[str]) -> int:
    """How many steps of a remembered task the episode has done: its successful actions, an immediate repeat of
    one not counted (a second click on an open Format menu is no new step and would put the hint one ahead)."""
    ok = [a for a in previous_actions if a.endswith("-> ok")]
    return sum(i == 0 or a != ok[i - 1] for i, a in enumerate(ok))


def base_task(task_id: str) -> str:
    """The task a (paraphrased, `~pN`) sample comes from."""
    return task_id.split("~", 1)[0]


def mask(request: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", re.sub(r'"[^"]*"', '"…"', request))


def experiences(trajectories: Iterable[Trajectory], wordings: Iterable[StepSample] = ()) -> list[Experience]:
    """One Experience per solved training task: its shortest passing trajectory (the doc-plan expert's passes
    often carry detours such as Format > Paragraph... > Drop Caps > OK after a style was applied, which a
    follower then repeats), and again under each other wording of its request found among `wordings`."""
    first: dict[str, Trajectory] = {}
    for t in trajectories:
        if t.bucket == "pass" and t.task.split == "train" and t.steps:
            best = first.get(t.task.task_id)
            if best is None or _ok_steps(t) < _ok_steps(best):
                first[t.task.task_id] = t
    wordings_of = {tid: [(tid, t.task.request)] for tid, t in first.items()}
    for s in wordings:
        if base_task(s.task_id) in wordings_of and (s.task_id, s.request) not in wordings_of[base_task(s.task_id)]:
            wordings_of[base_task(s.task_id)].append((s.task_id, s.request))
    out = []
    for tid, t in first.items():
        # what worked (attach() counts ok steps too), without the free text
        ok = [st for st in t.steps if st.result_ok]
        steps = [st.output.model_copy(update={"thought": "", "plan": []}) for st in ok]
        roles = [_step_control(st) for st in ok]
        first_view = t.steps[0].observation
        state = get_app(first_view.app).state
        out += [Experience(task_id=task_id, app=t.app, request=request, steps=steps, controls=roles,
                           referenced=state.hints(first_view.state, request).referenced)
                for task_id, request in wordings_of[tid]]
    return out


def _step_control(step) -> Optional[StepControl]:
    """The role of the control a step used, and which of its namesakes of that role it was (tree order)."""
    label = step.output.control_label
    used = next((c for c in step.observation.controls if c.label == label), None) if label else None
    if used is None:
        return None
    namesakes = [c.label for c in step.observation.controls if c.name == used.name and c.type == used.type]
    return StepControl(type=used.type, nth=namesakes.index(used.label))


def _ok_steps(t: Trajectory) -> int:
    return sum(st.result_ok for st in t.steps)


class Memory:
    def __init__(self, items: list[Experience]):
        self.items = items
        self._vectors: Optional[np.ndarray] = None

    @classmethod
    def load(cls, model_dir: str | Path) -> "Memory":
        path = Path(model_dir) / MEMORY_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: this model was trained with worked examples "
                                    "(prompt.examples) and needs its experience memory beside it")
        return cls(list(read_jsonl(path, Experience)))

    def save(self, model_dir: str | Path) -> None:
        write_jsonl(Path(model_dir) / MEMORY_FILE, self.items)

    def extended(self, more: Iterable[Experience]) -> "Memory":
        known = {(e.task_id, e.request) for e in self.items}
        return Memory(self.items + [e for e in more if (e.task_id, e.request) not in known])

    def nearest(self, request: str, exclude_task: str = "") -> Optional[Experience]:
        from lamfactory.agent.rank import text_vectors

        if not self.items:
            return None
        if self._vectors is None:
            self._vectors = text_vectors([mask(e.request) for e in self.items])
        scores = self._vectors @ text_vectors([mask(request)])[0]
        for i in np.argsort(-scores, kind="stable"):
            if not exclude_task or base_task(self.items[i].task_id) != exclude_task:
                return self.items[i]
        return None

    def next_step(self, sample: StepSample, exclude_own: bool = False) -> Optional[Hint]:
        """What the nearest solved task did at this point of the episode (ok steps so far align the two)."""
        found = self.nearest(sample.request, base_task(sample.task_id) if exclude_own else "")
        if found is None:
            return None
        return Hint(found, steps_done(sample.previous_actions), sample.request)

    def live_sample(self, request: str, observation: Observation, history: list[Step], top_k: int) -> StepSample:
        """The live step's sample (agent/sample.build_sample), showing the control the nearest solved task used
        next where it is on screen but ranked out of the top k (as training did)."""
        sample = build_sample(request, observation, history, top_k=top_k)
        hint = self.next_step(sample)
        if hint is not None and hint.control and not hint.wanted(sample.controls):
            label = next((c.label for c in hint.wanted(observation.controls)), None)
            sample = build_sample(request, observation, history, top_k=top_k, must_include=label)
        return sample

    def attach(self, sample: StepSample, exclude_own: bool = False) -> StepSample:
        return self.with_hint(sample, exclude_own)[0]

    def with_hint(self, sample: StepSample, exclude_own: bool = False) -> tuple[StepSample, Optional[Hint]]:
        """The sample with the nearest solved task as its example (the example's next control shown first),
        and that task's next step for the decoder."""
        hint = self.next_step(sample, exclude_own)
        if hint is None:
            return sample, None
        e, done, n = hint.experience, hint.done, len(hint.experience.steps)
        nxt = (f"Its step {done + 1} of {n}: {describe_action(hint.step)}" if hint.step
               else f"It was done after {n} steps.")
        wanted = {c.label for c in hint.wanted(sample.controls)}
        controls = sorted(sample.controls, key=lambda c: c.label not in wanted)
        return sample.model_copy(update={"example": f"Solved similar task: {e.request}\n{nxt}",
                                         "controls": controls}), hint

    def attach_all(self, samples: list[StepSample], exclude_own: bool = False) -> list[StepSample]:
        return [self.attach(s, exclude_own) for s in samples]
