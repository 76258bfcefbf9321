"""Writer's observation state (the document's paragraphs, tables, header/footer, selection, page) and how
the agent reads it: the prompt's one-line summary and the argument candidates it offers."""

from __future__ import annotations

import re
from typing import Any, Optional

from pydantic import Field

from lamfactory.core.records import Record
from lamfactory.core.request import quoted_spans
from lamfactory.core.state import StateHints

SUMMARY_PARAGRAPHS = 8  # paragraphs shown in the document line
MAX_TEXT_CHARS = 200  # longer paragraph texts are no argument candidates
_PARAGRAPH_NUMBER = re.compile(r"\bparagraphs?\s+(?:number\s+)?(\d+)", re.I)
_SUMMARY_PART = re.compile(r"^(?P<kind>[PT])(?P<n>\d+): (?P<rest>.*)$", re.S)


class Run(Record):
    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    font: Optional[str] = None
    size: Optional[float] = None
    color: Optional[str] = None
    highlight: Optional[str] = None


class Paragraph(Record):
    index: int  # 1-based, body order
    text: str
    style: str = ""
    alignment: str = ""  # left | center | right | justify
    is_list: bool = False  # bulleted or numbered
    runs: list[Run] = Field(default_factory=list)  # only runs whose formatting differs from plain


class Table(Record):
    index: int  # 1-based
    rows: int
    cols: int
    cells: list[list[str]] = Field(default_factory=list)


class Canvas(Record):
    """A compact summary of the document the agent can read (the paper's 'canvas'): Observation.state."""

    paragraphs: list[Paragraph] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    header: str = ""
    footer: str = ""
    selection: str = ""
    page: dict[str, Any] = Field(default_factory=dict)  # orientation, margins...


def canvas_of(observation) -> Canvas:
    """A Writer observation's state as its typed model."""
    return Canvas.model_validate(observation.state)


def referenced(paragraphs: list[Paragraph], request: str) -> list[int]:
    """The indices of the paragraphs the request points at (by number, or by a quoted span they contain)."""
    numbers = {int(n) for n in _PARAGRAPH_NUMBER.findall(request)}
    spans = [q.casefold() for q in quoted_spans(request) if len(q) >= 3]
    return [p.index for p in paragraphs if p.index in numbers or any(q in p.text.casefold() for q in spans)]


def referenced_first(paragraphs: list[Paragraph], request: str) -> list[Paragraph]:
    """The paragraphs the request points at first, then the rest in document order: a long document's
    paragraph 22 must reach the prompt."""
    pointed = set(referenced(paragraphs, request))
    return [p for p in paragraphs if p.index in pointed] + [p for p in paragraphs if p.index not in pointed]


class WriterState:
    """The StateView of Writer (lamfactory.core.state)."""

    def summary(self, state: dict[str, Any], request: str = "", max_chars: int = 300) -> str:
        c = Canvas.model_validate(state)
        parts = [f"selected: {c.selection[:40]}"] if c.selection else []
        parts += [f"T{t.index}: {t.rows}x{t.cols}" for t in c.tables]
        parts += [f"P{p.index}: {p.text[:40]}" for p in referenced_first(c.paragraphs, request)[:SUMMARY_PARAGRAPHS]]
        return " | ".join(parts)[:max_chars]

    def hints(self, state: dict[str, Any], request: str) -> StateHints:
        c = Canvas.model_validate(state)
        paragraphs = referenced_first(c.paragraphs, request)
        return StateHints(texts=[p.text for p in paragraphs if p.text.strip() and len(p.text) <= MAX_TEXT_CHARS],
                          ints=[p.index for p in paragraphs] + [t.index for t in c.tables],
                          referenced=referenced(c.paragraphs, request))

    def from_summary(self, summary: str) -> dict[str, Any]:
        canvas = Canvas()
        for part in summary.split(" | "):
            m = _SUMMARY_PART.match(part)
            if m and m["kind"] == "P":
                canvas.paragraphs.append(Paragraph(index=int(m["n"]), text=m["rest"]))
            elif m:
                rows, _, cols = m["rest"].partition("x")
                if rows.isdigit() and cols.isdigit():
                    canvas.tables.append(Table(index=int(m["n"]), rows=int(rows), cols=int(cols)))
        return canvas.model_dump()
