"""Calc's observation state (the active sheet as the bridge reads it: sheets, selection, the used range's cells
clipped to 40x12, number formats, bold cells, merged ranges, column widths, frozen panes, AutoFilter) and how the
agent reads it: the prompt's one-line summary and the select_cell addresses a request points at (refs.py)."""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from pydantic import Field

from lamfactory.apps.calc import refs
from lamfactory.core.records import Record
from lamfactory.core.request import mentioned, quoted_spans
from lamfactory.core.state import StateHints

CELL_CHARS = 16  # a cell's value in the summary line is cut to this
_ROW_PART = re.compile(r"^(\d+): (.*)$")
_HEAD_PART = re.compile(r"^(?P<sheet>[^!|]+)!(?P<used>[A-Z]+\d+(?::[A-Z]+\d+)?)(?: sel (?P<sel>\S+))?$")


class Cell(Record):
    a: str  # address, e.g. "B4"
    v: Union[float, str] = ""  # the value Calc shows (a formula's result)
    f: Optional[str] = None  # the formula as written, e.g. "=SUM(B4:B9)"


class Sheet(Record):
    """Observation.state of Calc."""

    sheet: str = ""
    sheets: list[str] = Field(default_factory=list)
    selection: str = ""
    used: str = ""
    cells: list[Cell] = Field(default_factory=list)
    formats: dict[str, str] = Field(default_factory=dict)  # address -> number format code (non-General only)
    bold: list[str] = Field(default_factory=list)
    merged: list[str] = Field(default_factory=list)
    col_widths_cm: dict[str, float] = Field(default_factory=dict)
    frozen: str = ""  # the first unfrozen cell, e.g. "A4"
    autofilter: bool = False


def table_of(sheet: Sheet) -> Optional[refs.Table]:
    return refs.read_table({c.a: (c.f or _number(c.v)) for c in sheet.cells}, sheet.sheet)


def _number(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _shown(c: Cell) -> str:
    return str(c.f or _number(c.v))[:CELL_CHARS]


def rows_of(sheet: Sheet) -> dict[int, list[Cell]]:
    rows: dict[int, list[Cell]] = {}
    for c in sheet.cells:
        rows.setdefault(refs.split_cell(c.a)[0], []).append(c)
    return rows


class CalcState:
    """The StateView of Calc (lamfactory.core.state)."""

    def summary(self, state: dict[str, Any], request: str = "", max_chars: int = 300) -> str:
        """`Budget!A1:D10 sel B4 | 3: Item, Cost, Qty | 4: Rent, 800, 1 | ...`: the rows the request points at
        first (by an address, a label or a header in them), then the others top to bottom; empty cells as ''."""
        s = Sheet.model_validate(state)
        head = f"{s.sheet}!{s.used}" + (f" sel {s.selection}" if s.selection else "")
        rows = rows_of(s)
        wanted = {refs.split_cell(a.split(".")[-1].split(":")[0])[0] for a in self._pointed(s, request)}
        order = [r for r in sorted(rows) if r in wanted] + [r for r in sorted(rows) if r not in wanted]
        parts = [head] + [f"{r}: " + ", ".join(self._row(rows[r])) for r in order]
        return " | ".join(parts)[:max_chars]

    @staticmethod
    def _row(cells: list[Cell]) -> list[str]:
        by_col = {refs.split_cell(c.a)[1]: _shown(c) for c in cells}
        return [by_col.get(i, "") for i in range(1, max(by_col) + 1)]

    @staticmethod
    def _pointed(s: Sheet, request: str) -> list[str]:
        return refs.pointed(table_of(s), request) if request else []

    def hints(self, state: dict[str, Any], request: str) -> StateHints:
        """Texts: the addresses the request points at (refs.pointed), the table's parts, the sheet names it
        says, then cell texts it says. Ints: sheet numbers. Referenced: the addresses and sheets it names, in its
        order (refs.references)."""
        s = Sheet.model_validate(state)
        table = table_of(s)
        texts = refs.pointed(table, request) + refs.defaults(table)
        texts += mentioned(s.sheets, request) + [q for q in quoted_spans(request)]
        texts += mentioned([str(_number(c.v)) for c in s.cells if isinstance(c.v, str)], request)
        return StateHints(texts=list(dict.fromkeys(t for t in texts if t)), ints=list(range(1, len(s.sheets) + 1)),
                          referenced=refs.references(table, request, s.sheets))

    def from_summary(self, summary: str) -> dict[str, Any]:
        sheet = Sheet()
        for part in summary.split(" | "):
            head = _HEAD_PART.match(part)
            if head and not sheet.sheet:
                sheet.sheet, sheet.used, sheet.selection = head["sheet"], head["used"], head["sel"] or ""
                sheet.sheets = [sheet.sheet]
                continue
            m = _ROW_PART.match(part)
            if m:
                for i, value in enumerate(m[2].split(", "), 1):
                    if value:
                        formula = value if value.startswith("=") else None
                        sheet.cells.append(Cell(a=refs.cell(int(m[1]), i), v=_parse(value), f=formula))
        sheet.cells.sort(key=lambda c: refs.split_cell(c.a))
        return sheet.model_dump()


def _parse(value: str) -> Union[float, str]:
    try:
        return float(value)
    except ValueError:
        return value
