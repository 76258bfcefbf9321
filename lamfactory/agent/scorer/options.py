"""The option set of one step: every complete action the state allows, each written out as a short text the
scorer reads. Arguments come from the closed candidate sets of agent/candidates.py (so the model chooses, never
copies); optional arguments are left at their defaults, as the experts leave them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Optional

from lamfactory.agent.candidates import ArgCandidates
from lamfactory.agent.sample import describe_action
from lamfactory.core.actions import Function
from lamfactory.core.records import AgentOutput, Control, StepSample

MAX_VALUES = 24  # candidates per argument (they come most likely first)
MAX_ITEMS = 40  # items of one list/combo box
MAX_COMBOS = 25  # two-argument functions (insert_table rows x columns)
MAX_TEXT = 90  # characters of an argument value in the option's text (long paragraphs)
EDITABLE = ("edit", "spin", "combo", "text")
LISTS = ("combo", "list")


@dataclass(frozen=True)
class Option:
    control: Optional[Control]
    function: str
    args: tuple[tuple[str, Any], ...]  # the required ones (what the scorer reads)
    defaults: tuple[tuple[str, Any], ...] = ()  # the optional ones at their defaults (written out in the action)
    where: str = ""  # where its text argument is in the state (StateHints.places), or the text of the part its number names
    rank: int = 0  # its control's place in the candidate ranking (agent/rank.py, 1 = first; 0 = no control)

    @property
    def text(self) -> str:
        """What the scorer reads: function, control name and role, argument values, where the text is."""
        parts = [self.function]
        if self.control is not None:
            # the MindAct-style ranker's opinion, as an input the head learns to weigh
            parts.append(f"{self.control.name or self.control.label} [{self.control.type}] ranked {self.rank}")
        if self.where:  # before the values: a long text is cut at ScorerSettings.option_tokens
            parts.append(f"@ {self.where}")
        parts += [f"{k}={_short(v)}" for k, v in self.args]
        return " ".join(parts)

    def output(self, status: str, thought: str = "") -> AgentOutput:
        c = self.control
        return AgentOutput(thought=thought, control_label=c.label if c else None, control_name=c.name if c else None,
                           function=self.function, args={**dict(self.defaults), **dict(self.args)}, status=status)

    def key(self) -> str:
        return describe_action(self.output("CONTINUE"))


def _short(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _fits(fn: Function, control: Control) -> bool:
    """Whether fn makes sense on this kind of control (typing into a button never does)."""
    kind = control.type.lower()
    if fn.name == "set_edit_text":
        return any(k in kind for k in EDITABLE)
    if fn.name == "select_item":
        return any(k in kind for k in LISTS) and bool(control.items)
    return True


def options(shown: list[Control], cands: ArgCandidates) -> list[Option]:
    """All options, control actions first (in the ranker's order), then the functions without a control."""
    out: list[Option] = []
    rank = {id(c): i for i, c in enumerate(shown, 1)}
    for fn in cands.functions.values():
        controls = [c for c in shown if _fits(fn, c)] if fn.needs_control else [None]
        for control in controls:
            out += _with_args(fn, control, cands, rank.get(id(control), 0))
    return out


def _with_args(fn: Function, control: Optional[Control], cands: ArgCandidates, rank: int) -> list[Option]:
    required = [a for a in fn.args if a.required]
    per_arg = []
    for a in required:
        limit = MAX_ITEMS if a.name == "item" else MAX_VALUES
        values = cands.for_arg(fn.name, a, control)[:limit]
        if not values:
            return []
        per_arg.append([(a.name, v) for v in values])
    combos = list(itertools.islice(itertools.product(*per_arg), MAX_COMBOS if len(per_arg) > 1 else None))
    defaults = tuple((a.name, a.default) for a in fn.args if not a.required and a.default is not None)
    refers = {a.name: cands.parts.get(a.refers, {}) for a in required if a.refers}
    return [Option(control, fn.name, combo, defaults,
                   " ".join(filter(None, (_where(name, v, cands, refers) for name, v in combo))), rank)
            for combo in combos]


def _where(name: str, value: Any, cands: ArgCandidates, refers: dict[str, dict[int, str]]) -> str:
    """Where a text value is in the state, or what the part a number names says."""
    if name in refers:
        return f'"{refers[name][value]}"' if value in refers[name] else ""
    return cands.places.get(value, "") if isinstance(value, str) else ""


def target_option(sample: StepSample, shown: list[Control]) -> Optional[Option]:
    """The expert's action as an option (its control found among the shown ones by label)."""
    t = sample.target
    if not t.function:
        return None
    rank = next((i for i, c in enumerate(shown, 1) if c.label == t.control_label), 0) if t.control_label else 0
    if t.control_label and rank == 0:
        return None
    return Option(shown[rank - 1] if rank else None, t.function, tuple(t.args.items()), rank=rank)  # as the expert wrote it, optional args included
