"""How the agent reads an application's observation state without knowing the application.

Each App supplies a StateView: it renders the state as the prompt's one-line document summary (the paper's
canvas) and names the values in it a request can point at (Writer: paragraph texts and numbers, tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class StateHints:
    texts: list[str] = field(default_factory=list)  # texts in the state an argument may take (most relevant first)
    ints: list[int] = field(default_factory=list)  # numbers of the state's parts (paragraph, table, sheet numbers)
    # the parts the request points at: Writer's paragraph numbers (document order), Calc's addresses and sheet
    # names (request order); the retrieval memory carries a remembered step's value by its place in this list
    referenced: list[int | str] = field(default_factory=list)
    # where a text (of `texts` or quoted by the request) is in the state, in a few words ("P3/9 Heading 2"): the
    # scorer reads it with the option, so "the second paragraph" or "the title" can be learnt, not ruled
    places: dict[str, str] = field(default_factory=dict)
    # the numbered parts of the state, per kind (Arg.refers): number -> a few words of it, those the request points
    # at first ({"paragraph": {4: "Parking is available behind…", 1: "Riverside…"}, "table": {1: "Item | Owner"}})
    parts: dict[str, dict[int, str]] = field(default_factory=dict)


class StateView(Protocol):
    def summary(self, state: dict[str, Any], request: str = "", max_chars: int = 300) -> str:
        """A compact one-line summary; the parts the request refers to first."""

    def hints(self, state: dict[str, Any], request: str) -> StateHints:
        """Argument candidates the state offers for this request."""

    def from_summary(self, summary: str) -> dict[str, Any]:
        """The state as far as a summary line tells it (offline evaluation has no live observation)."""
