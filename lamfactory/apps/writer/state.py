"""Writer's observation state (the document's paragraphs, tables, header/footer, selection, page) and how
the agent reads it: the prompt's one-line summary and the argument candidates it offers."""

from __future__ import annotations

import re
from typing import Any, Optional

from pydantic import Field

from lamfactory.apps.writer.families import refs
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
    """The indices of the paragraphs the request points at, in document order: by number, by a quoted span
    they contain, by role, position or a distinctive word ("the title", "the second paragraph", "the sentence
    about anchors"; families/refs.py), or by a phrase of theirs the request writes unquoted."""
    numbers = {int(n) for n in _PARAGRAPH_NUMBER.findall(request)}
    spans = [q.casefold() for q in quoted_spans(request) if len(q) >= 3]
    named = set(refs.pointed(paragraphs, request))
    return [p.index for p in paragraphs if p.index in numbers or p.index in named
            or any(q in p.text.casefold() for q in spans) or refs.said_runs(p.text, request)]


def _gist(text: str, chars: int = 60) -> str:
    return text if len(text) <= chars else text[:chars] + "…"


def places(c: Canvas, texts: list[str]) -> dict[str, str]:
    """Each text's first paragraph ("P3/9 Heading 2", its list-ness too) or table ("T1 cell")."""
    out = {}
    n = len(c.paragraphs)
    for t in dict.fromkeys(texts):
        p = next((p for p in c.paragraphs if t in p.text), None)
        if p is not None:
            out[t] = f"P{p.index}/{n} {p.style}" + (" list" if p.is_list else "")
        elif any(t in cell for table in c.tables for row in table.cells for cell in row):
            out[t] = next(f"T{table.index} cell" for table in c.tables
                          if any(t in cell for row in table.cells for cell in row))
    return out


def referenced_first(paragraphs: list[Paragraph], request: str,
                     pointed: Optional[list[int]] = None) -> list[Paragraph]:
    """The paragraphs the request points at first, then the rest in document order: a long document's
    paragraph 22 must reach the prompt."""
    pointed = set(referenced(paragraphs, request) if pointed is None else pointed)
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
        """Texts: the phrases the request writes unquoted, then each paragraph it points at with its sentences
        ("the sentence about X" selects one), then the other paragraphs, then table cells it names."""
        c = Canvas.model_validate(state)
        pointed = referenced(c.paragraphs, request)
        paragraphs = referenced_first(c.paragraphs, request, pointed)
        texts = [run for p in paragraphs[:len(pointed)] for run in refs.said_runs(p.text, request)]
        for p in paragraphs:
            texts += [p.text] + (refs.sentences(p.text) if p.index in pointed else [])
        texts += [cell for t in c.tables for row in t.cells for cell in row if cell.casefold() in request.casefold()]
        texts = [t for t in dict.fromkeys(texts) if t.strip() and len(t) <= MAX_TEXT_CHARS]
        return StateHints(texts=texts, ints=[p.index for p in paragraphs] + [t.index for t in c.tables],
                          referenced=pointed, places=places(c, texts + quoted_spans(request)),
                          parts={"paragraph": {p.index: _gist(p.text) for p in paragraphs},
                                 "table": {t.index: _gist(" | ".join(t.cells[0]) if t.cells else f"{t.rows}x{t.cols}")
                                           for t in c.tables}})

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
        canvas.paragraphs.sort(key=lambda p: p.index)  # document order, as a canvas read from the document has
        return canvas.model_dump()
