"""Task families: the offline prefill role's library of concrete Writer tasks.

A Family knows how to (1) sample parameters from a template's real content, (2) phrase a request
(>= 5 phrasings; arguments the model must produce are quoted in the request so they can be chosen, not
invented), (3) give the expert action plan through the GUI as a user would, and (4) give the checker spec.
Families are data (families.yaml), built by build.py from a few samplers (samplers.py) and step kinds.

    from lamfactory.dataflow.families import all_families, get_family
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lamfactory.dataflow.templates import TemplateContent
from lamfactory.records import ExpertStep

Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    category: str  # character | paragraph | list | table | page | field | edit
    description: str  # what the embedding match compares a TaskPlan's task to
    phrasings: tuple[str, ...]  # str.format templates over the params
    sample: Callable[[TemplateContent, random.Random], Optional[Params]]
    plan: Callable[[Params], list[ExpertStep]]
    check: Callable[[Params], dict]
    composable: bool = True  # False when it changes text/structure other families' params refer to
    target: str = "the text"  # how a record-worded request names the object ("{span}" etc.)
    aliases: tuple[str, ...] = ()  # the help's own wordings of this task (matched like the description)
    fixed: Params = field(default_factory=dict)  # the family's constant params (also in every sample)

    def request(self, params: Params, phrasing: int) -> str:
        # fixed params first: params recorded before a family gained one still render
        return self.phrasings[phrasing % len(self.phrasings)].format(**(self.fixed | params))

    @property
    def anchors(self) -> tuple[str, ...]:
        """The texts a task is matched against: the description and the aliases."""
        return (self.description, *self.aliases)


FAMILIES: dict[str, Family] = {}


def all_families() -> dict[str, Family]:
    """The registry, loaded from families.yaml on first use."""
    if not FAMILIES:
        from lamfactory.dataflow.families.build import load_families

        FAMILIES.update(load_families())
    return FAMILIES


def get_family(name: str) -> Family:
    try:
        return all_families()[name]
    except KeyError:
        raise KeyError(f"unknown task family {name!r}") from None
