"""A task family: what the offline prefill role instantiates. Each app ships its own library of families.

A Family knows how to (1) sample parameters from a template's real content (the app's template view),
(2) phrase a request, (3) give the expert action plan through the GUI as a user would, and (4) give the
checker spec in the app's checker language.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lamfactory.core.records import ExpertStep

Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    category: str  # the app's grouping, e.g. Writer's character | paragraph | list | table | page | field | edit
    description: str  # what the embedding match compares a TaskPlan's task to
    phrasings: tuple[str, ...]  # str.format templates over the params
    sample: Callable[[Any, random.Random], Optional[Params]]  # (the app's template content, rng)
    plan: Callable[[Params], list[ExpertStep]]
    check: Callable[[Params], dict]
    composable: bool = True  # False when it changes text/structure other families' params refer to
    target: str = "the text"  # how a record-worded request names the object ("{span}" etc.)
    aliases: tuple[str, ...] = ()  # the help's own wordings of this task (matched like the description)
    fixed: Params = field(default_factory=dict)  # the family's constant params (also in every sample)

    def request(self, params: Params, phrasing: int) -> str:
        # fixed params first: params recorded before a family gained one still render
        return self.phrasings[phrasing % len(self.phrasings)].format(**(self.fixed | params))

    def compose(self, families: dict[str, "Family"], named: list[tuple[str, Params]], phrasing: int) -> str:
        """This family's edit and the others' (`named`, this one first) as one request; apps may word it better."""
        return join_requests([families[name].request(params, phrasing) for name, params in named])

    @property
    def anchors(self) -> tuple[str, ...]:
        """The texts a task is matched against: the description and the aliases."""
        return (self.description, *self.aliases)


def join_requests(parts: list[str]) -> str:
    """Several requests as one ("Do a, then do b.")."""
    if len(parts) == 1:
        return parts[0]
    lowered = [parts[0].rstrip(".")] + [p[0].lower() + p[1:].rstrip(".") for p in parts[1:]]
    return ", then ".join(lowered) + "."
