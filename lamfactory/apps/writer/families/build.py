"""Build Family records from their data (families.yaml).

A family entry holds: name, category, description (+ aliases: help-style wordings the matcher also
compares a task to), phrasings (+ `more`: further wordings dealt to the phrasing slots, voice.py), `sample`
(a sampler of samplers.py) with its options `with`, `params`
(fixed parameters, e.g. the style a style family applies), `choose` (parameters drawn from a named pool),
`plan` (GUI steps, below), `check` (a checker spec of lamfactory/apps/writer/checks.py), `target` and
`composable`. Families of one shape share their entries through YAML anchors (`<<: *name`).

Templates in phrasings, plan and check name parameters as {name} (lowercase); a string that is exactly
one placeholder keeps the parameter's type (an int index stays an int). Uppercase braces are key names
for keyboard_input ({HOME}, ^{END}) and stay as written.

Plan steps (one-key mappings): select: TEXT | paragraph: INDEX | click: NAME or [NAME, SUBTASK] |
menu: "A > B > C" | set: [CONTROL, VALUE, SUBTASK?] | keys: [KEYS, SUBTASK] | table: [ROWS, COLS] |
select_table: NUMBER
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from lamfactory.apps.writer.families import Family
from lamfactory.apps.writer.families.samplers import SAMPLERS, Params, Pools
from lamfactory.apps.writer.families.voice import compose, legacy_refs, say, seeded, slot_pool
from lamfactory.core.records import ExpertStep

DATA = Path(__file__).with_name("families.yaml")
MIN_PHRASINGS = 5
VOICES = 1000  # distinct wording draws per phrasing slot and params
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class FamilySpecError(ValueError):
    """A malformed family entry in families.yaml (the message names the family and the problem)."""


def fill(template: Any, params: Params) -> Any:
    """The template with {name} placeholders replaced by the parameters (recursively in lists/dicts)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:
            return params[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), template)
    if isinstance(template, list):
        return [fill(t, params) for t in template]
    if isinstance(template, dict):
        return {k: fill(v, params) for k, v in template.items()}
    return template


# ---------------------------------------------------------------- plan steps


def _step(subtask: str, function: str, control: Optional[str] = None, **args) -> ExpertStep:
    return ExpertStep(subtask=subtask, control_name=control, function=function, args=args)


def _menu(path: str) -> list[ExpertStep]:
    """A menu path: "Format > Text > Bold" is three clicks."""
    names = path.split(" > ")
    return [_step(f"Open the {n} menu" if i < len(names) - 1 else f"Choose {n}", "click_input", n)
            for i, n in enumerate(names)]


STEPS: dict[str, Callable[..., list[ExpertStep]]] = {
    "select": lambda text: [_step(f'Select "{text}"', "select_text", text=text)],
    "paragraph": lambda index: [_step(f"Select paragraph {index}", "select_paragraph", index=index)],
    "click": lambda name, subtask=None: [_step(subtask or f"Click {name}", "click_input", name)],
    "menu": _menu,
    "set": lambda control, value, subtask=None: [_step(subtask or f"Set {control.rstrip(':')} to {value}",
                                                       "set_edit_text", control, text=str(value))],
    "keys": lambda keys, subtask: [_step(subtask, "keyboard_input", keys=keys)],
    "table": lambda rows, cols: [_step(f"Insert a {rows}x{cols} table", "insert_table", rows=rows, columns=cols)],
    "select_table": lambda number: [_step(f"Select table {number}", "select_table", number=number)],
}


def plan_steps(plan: list[dict], params: Params) -> list[ExpertStep]:
    out: list[ExpertStep] = []
    for entry in plan:
        (kind, arg), = entry.items()
        args = fill(arg, params)
        out += STEPS[kind](*(args if isinstance(args, list) else [args]))
    return out


# ---------------------------------------------------------------- families


@dataclass(frozen=True)
class WriterFamily(Family):
    """A family whose requests are worded as people write them (voice.py): a phrasing slot's wordings, one
    drawn and said in a voice, seeded by the slot and the parameters."""

    more: tuple[str, ...] = ()

    def request(self, params: Params, phrasing: int) -> str:
        params = self.fixed | legacy_refs(params)
        rng = seeded(self.name, phrasing % len(self.phrasings), params)
        return say(rng.choice(slot_pool(self.phrasings, self.more, phrasing)), params, rng)

    def compose(self, families: dict[str, Family], named: list[tuple[str, Params]], phrasing: int) -> str:
        """This family's edit and the others' (`named`, this one first) as one request (voice.compose)."""
        return compose(families, named, phrasing)


def _sample(sampler: Callable, options: dict, fixed: Params, choose: dict, pools: Pools, content,
            rng: random.Random) -> Optional[Params]:
    params = sampler(content, rng, pools, **options)
    if params is None:
        return None
    # `voice`: the request's wording draw (voice.py), so two tasks of a family with equal params may differ
    return fixed | params | {key: rng.choice(pools[pool]) for key, pool in choose.items()} \
        | {"voice": rng.randrange(VOICES)}


def build_family(spec: dict, pools: Pools) -> Family:
    name = spec.get("name", "?")
    try:
        sampler = SAMPLERS[spec["sample"]]
        for key, pool in spec.get("choose", {}).items():
            if pool not in pools:
                raise FamilySpecError(f"family {name}: unknown pool {pool!r} for {key!r}")
        for entry in spec["plan"]:
            if not (isinstance(entry, dict) and len(entry) == 1 and next(iter(entry)) in STEPS):
                raise FamilySpecError(f"family {name}: bad plan step {entry!r} (kinds: {', '.join(STEPS)})")
        if len(spec["phrasings"]) < MIN_PHRASINGS:
            raise FamilySpecError(f"family {name}: needs >= {MIN_PHRASINGS} phrasings")
        plan, check = spec["plan"], spec["check"]
        return WriterFamily(
            name=name, category=spec["category"], description=spec["description"],
            aliases=tuple(spec.get("aliases", ())), phrasings=tuple(spec["phrasings"]),
            sample=partial(_sample, sampler, spec.get("with", {}), spec.get("params", {}), spec.get("choose", {}),
                           pools),
            plan=partial(plan_steps, plan), check=partial(fill, check),
            composable=spec.get("composable", True), target=spec.get("target", "the text"),
            fixed=spec.get("params", {}), more=tuple(spec.get("more", ())))
    except KeyError as e:
        raise FamilySpecError(f"family {name}: missing or unknown {e}") from None


def load_families(path: Path = DATA) -> dict[str, Family]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("families"), list):
        raise FamilySpecError(f"{path}: expected a mapping with a 'families' list (and 'pools')")
    pools = data.get("pools") or {}
    families: dict[str, Family] = {}
    for spec in data["families"]:
        family = build_family(spec, pools)
        if family.name in families:
            raise FamilySpecError(f"duplicate family {family.name}")
        families[family.name] = family
    return families
