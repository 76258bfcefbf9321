"""Closed candidate sets for action arguments, so a model *chooses* an argument instead of copying it.

Used by the constrained decoder (agent/decode.py) and the random baseline (agent/policies.py).
Candidates: quoted spans and numbers of the request, the texts and numbers the app's state offers (Writer:
paragraph texts and indices, those the request refers to first, and table numbers), names and items of the
shown controls, and the app's key strokes. Each list is ordered
most likely first: the constrained decoder may weigh that order (DecodeSettings.rank_prior in agent/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lamfactory.core import actions
from lamfactory.core.app import get_app
from lamfactory.core.records import Control, Observation, StepSample
from lamfactory.core.request import mentioned, numbers_in, quoted_spans

MAX_ITEMS_PER_CONTROL = 40  # font lists run to hundreds: the shown ones are enough to choose from
MAX_SMALL_INT = 10
@dataclass
class ArgCandidates:
    texts: list[str] = field(default_factory=list)  # values for free-text args (text, item)
    keys: list[str] = field(default_factory=list)  # values for keyboard_input.keys
    ints: list[int] = field(default_factory=list)  # values for int args
    quoted: list[str] = field(default_factory=list)  # the request's quoted spans, in order
    referenced: list[int | str] = field(default_factory=list)  # what the request points at (core.state.StateHints)
    said: set[str] = field(default_factory=set)  # texts the request contains
    places: dict[str, str] = field(default_factory=dict)  # where a text is in the state (core.state.StateHints)
    parts: dict[str, dict[int, str]] = field(default_factory=dict)  # the state's numbered parts (StateHints.parts)
    functions: actions.ActionSet = field(default_factory=lambda: actions.ActionSet([]))  # the app's action set

    def for_arg(self, function: str, arg: actions.Arg, control: Control | None = None) -> list:
        if arg.type is bool:
            return [False, True]
        if arg.type is int:
            # a paragraph or table number the document lacks ("the £4,820 balance" is no paragraph 820) is none
            return list(self.parts[arg.refers]) if arg.refers in self.parts else list(self.ints)
        if arg.name == "button":
            return ["left", "right"]
        if arg.name == "keys":
            return list(self.keys)
        if arg.name == "item" and control is not None and control.items:
            return _unique(control.items[:MAX_ITEMS_PER_CONTROL] + self.texts)
        # a box's own name is never what is typed into it ("Paragraph Style" into the Paragraph Style box)
        texts = [t for t in self.texts if control is None or t != control.name]
        if control is not None and control.items:  # a named item of the box ("DejaVu Sans") before a quote
            named = [t for t in texts if t in self.said and t in control.items]
            texts = named + [t for t in texts if t not in named]
        return texts


def arg_candidates(request: str, observation: Observation, shown: list[Control]) -> ArgCandidates:
    app = get_app(observation.app)
    quoted = quoted_spans(request)
    numbers = numbers_in(request)
    state = app.state.hints(observation.state, request)
    texts = quoted + numbers + state.texts
    texts += [c.name for c in shown if c.name]
    for c in shown:
        texts += c.items[:MAX_ITEMS_PER_CONTROL]
    ints = [int(float(n)) for n in numbers if float(n).is_integer()]
    ints += state.ints
    ints += list(range(1, MAX_SMALL_INT + 1))
    texts = mentioned_first(_unique(texts), request)
    return ArgCandidates(texts=texts, keys=_unique(quoted + list(app.keys)), ints=_unique(ints), quoted=quoted,
                         referenced=state.referenced,
                         said=set(mentioned(texts, request)), functions=app.actions, places=state.places,
                         parts=state.parts)


def mentioned_first(texts: list[str], request: str) -> list[str]:
    """Texts the request contains (a style or font it names, a quoted span) first, longest first
    ("Heading 3" before "Heading"); the rest keep their order."""
    said = sorted(mentioned(texts, request), key=len, reverse=True)
    return said + [t for t in texts if t not in said]


def _unique(values: list) -> list:
    seen, out = set(), []
    for v in values:
        key = (type(v), v)
        if key not in seen and v != "":
            seen.add(key)
            out.append(v)
    return out


def sample_candidates(sample: StepSample) -> tuple[list[Control], ArgCandidates]:
    """Shown controls and candidates from a StepSample alone (offline evaluation, training: no live
    observation), from the state it keeps — as the live agent builds them — or, for records made before
    samples kept it, read back from the summary line (the app's StateView.from_summary)."""
    shown = [Control(label=c.label, name=c.name, type=c.type, items=c.items) for c in sample.controls]
    state = sample.state or get_app(sample.app).state.from_summary(sample.canvas)
    return shown, arg_candidates(sample.request, Observation(app=sample.app, controls=shown, state=state), shown)
