"""How a request names a part of a sheet, and which addresses such a name means: one vocabulary for the task
families (which word requests with it) and the state view (which turns a request back into select_cell
candidates), so the two never drift apart.

A sheet is read as a table: an optional title (A1, above the table), a header row, data rows and an optional
total row (first cell "Total"). Parts: a column's data ("the Cost column"), the header row, the title, one
cell ("the Qty of Pens"), a data row ("the Pens row"), the whole table, the total row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

# "B4", "A3:D9", "Notes.B2" (a sheet-qualified address, as the Name Box takes it)
ADDRESS = re.compile(r"(?<![\w.])(?:[A-Za-z]\w*\.)?[A-Z]{1,2}[1-9]\d{0,4}(?::[A-Z]{1,2}[1-9]\d{0,4})?(?!\w)")
ADDRESS_SPAN = re.compile(r"\b([A-Z]{1,2}[1-9]\d*) (?:to|through|until|-) ([A-Z]{1,2}[1-9]\d*)\b")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
TOTAL_WORDS = ("total", "sum", "grand total")
MAX_HEADER_ROW = 6


def col_letter(c: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def split_cell(address: str) -> tuple[int, int]:
    """'B4' -> (row 4, column 2)."""
    m = _CELL.match(address.upper())
    if not m:
        raise ValueError(f"not a cell address: {address!r}")
    return int(m[2]), col_index(m[1])


def cell(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def span(r1: int, c1: int, r2: int, c2: int) -> str:
    a, b = cell(r1, c1), cell(r2, c2)
    return a if a == b else f"{a}:{b}"


@dataclass
class Column:
    index: int  # 1-based
    header: str
    numeric: bool  # every data cell is a number
    values: list[Any] = field(default_factory=list)  # the data rows' values, top to bottom

    @property
    def letter(self) -> str:
        return col_letter(self.index)


@dataclass
class Table:
    """A sheet read as a table (see the module docstring)."""

    sheet: str
    header_row: int
    first_row: int  # first data row
    last_row: int  # last data row
    columns: list[Column]
    title: str = ""  # A1's text when the table starts below it
    title_row: int = 0
    total_row: int = 0
    cells: dict[str, Any] = field(default_factory=dict)  # address -> value (formulas as written)

    @property
    def last_col(self) -> int:
        return self.columns[-1].index

    def column(self, header: str) -> Optional[Column]:
        return next((c for c in self.columns if c.header.casefold() == header.casefold()), None)

    def data(self, col: Column) -> str:
        return span(self.first_row, col.index, self.last_row, col.index)

    def header_range(self) -> str:
        return span(self.header_row, 1, self.header_row, self.last_col)

    def row_range(self, row: int) -> str:
        return span(row, 1, row, self.last_col)

    def whole(self) -> str:
        return span(self.header_row, 1, self.total_row or self.last_row, self.last_col)

    def title_range(self) -> str:
        return span(self.title_row, 1, self.title_row, self.last_col)

    def row_of(self, label: str) -> Optional[int]:
        """The data row whose first cell is `label`."""
        for r in range(self.first_row, self.last_row + 1):
            if str(self.cells.get(cell(r, 1), "")).casefold() == label.casefold():
                return r
        return None

    def labels(self) -> list[str]:
        """The first column's data values (row labels) that occur once."""
        values = [self.cells.get(cell(r, 1)) for r in range(self.first_row, self.last_row + 1)]
        return [v for v in values if _is_text(v) and values.count(v) == 1]


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip()) and not v.startswith("=")


def read_table(cells: dict[str, Any], sheet: str = "") -> Optional[Table]:
    """The table on a sheet given as address -> value (numbers as numbers, formulas as '=...'); None if the
    sheet holds no header row with data under it."""
    grid: dict[tuple[int, int], Any] = {}
    for a, v in cells.items():
        if v not in (None, ""):
            grid[split_cell(a)] = v
    for r in range(1, MAX_HEADER_ROW + 1):
        width = 0
        while _is_text(grid.get((r, width + 1))):
            width += 1
        if width >= 2 and (r + 1, 1) in grid:
            return _table(grid, sheet, r, width, dict(cells))
    return None


def _table(grid, sheet, header_row, width, cells) -> Table:
    last = header_row
    total = 0
    r = header_row + 1
    while (r, 1) in grid:
        first = str(grid[(r, 1)]).strip().casefold()
        if first in TOTAL_WORDS:
            total = r
            break
        last = r
        r += 1
    columns = []
    for c in range(1, width + 1):
        values = [grid.get((row, c)) for row in range(header_row + 1, last + 1)]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        columns.append(Column(c, str(grid[(header_row, c)]).strip(), numeric, values))
    title_row = 1 if header_row > 1 and _is_text(grid.get((1, 1))) else 0
    return Table(sheet=sheet, header_row=header_row, first_row=header_row + 1, last_row=last, columns=columns,
                 title=str(grid[(1, 1)]) if title_row else "", title_row=title_row, total_row=total, cells=cells)


# ---------------------------------------------------------------- what a request points at

_WORD = r"(?<![\w]){}(?![\w])"
HEADER_WORDS = re.compile(r"\b(headers?|headings?|column (titles|names|labels)|header row|heading row)\b", re.I)
TITLE_WORDS = re.compile(r"\btitle\b", re.I)
TOTAL_ROW_WORDS = re.compile(r"\btotals? (row|line)\b|\brow (of|with) (the )?totals?\b", re.I)
TABLE_WORDS = re.compile(r"\b(whole|entire|full|all the) (table|data|list|sheet)\b|\bthe table\b|\ball (the )?data\b",
                         re.I)
ROW_NUMBER = re.compile(r"\brow (\d+)\b", re.I)
CELL_OF = re.compile(r"""^["'‘’“”\s]*(of|for|'s|’s)?["'‘’“”\s]*$""", re.I)  # between a header and a label
SHEET_WORDS = re.compile(r"\b(sheets?|tabs?|worksheets?)\b", re.I)
COLUMN_LETTER = re.compile(r"\b[Cc]olumn ([A-Z]{1,2})\b")  # "Column D is obsolete"


def mentions(request: str, text: str) -> bool:
    return bool(text) and re.search(_WORD.format(re.escape(text.casefold())), request.casefold()) is not None


def pointed(table: Optional[Table], request: str) -> list[str]:
    """The addresses the request points at, most likely first: written addresses, then the parts it names by
    header, label, role or number (each part's own range first, then the ranges near it)."""
    out = ADDRESS.findall(request)
    if table is None:
        return list(dict.fromkeys(out))
    named_cols = [c for c in table.columns if mentions(request, c.header)]
    named_rows = [r for r in (table.row_of(label) for label in table.labels() if mentions(request, label)) if r]
    for r in named_rows:
        for c in named_cols:
            out.append(cell(r, c.index))  # "the Qty of Pens"
    if TOTAL_ROW_WORDS.search(request) and table.total_row:
        out.append(table.row_range(table.total_row))
    for c in named_cols:
        out.append(table.data(c))
        if table.total_row:
            out.append(cell(table.total_row, c.index))
        out += [span(table.header_row, c.index, table.last_row, c.index), cell(table.header_row, c.index),
                cell(table.last_row + 1, c.index), cell(table.first_row, c.index)]
    for r in named_rows:
        out += [table.row_range(r), cell(r, 1)]
    for m in COLUMN_LETTER.finditer(request):
        index = col_index(m[1])
        out.append(span(table.first_row, index, table.last_row, index))
    for m in ROW_NUMBER.finditer(request):
        out += [span(int(m[1]), 1, int(m[1]), table.last_col), cell(int(m[1]), 1)]
    if HEADER_WORDS.search(request):
        out += [table.header_range(), cell(table.header_row, 1)]
    if TITLE_WORDS.search(request) and table.title_row:
        out += [cell(table.title_row, 1), table.title_range()]
    if TABLE_WORDS.search(request):
        out += [table.whole(), cell(table.header_row, 1), cell(table.first_row, 1)]
    for m in ADDRESS_SPAN.finditer(request):  # "cells B4 to B9"
        out.append(f"{m[1]}:{m[2]}")
    return list(dict.fromkeys(out))


def defaults(table: Optional[Table]) -> list[str]:
    """Addresses worth offering for any request: the table's parts."""
    if table is None:
        return []
    out = [table.header_range(), table.whole()]
    out += [table.data(c) for c in table.columns]
    if table.title_row:
        out += [cell(table.title_row, 1), table.title_range()]
    return out


def references(table: Optional[Table], request: str, sheets: Sequence[str] = ()) -> list[str]:
    """What the request points at, in the order it says it (core.state.StateHints.referenced: the retrieval
    memory carries a remembered step's address to the one in its place here): each address or "B4 to B9" span it
    writes, column ("column C", "the Cost column": its data), row ("the Pens row", "row 5"), the header row, the
    title, the total row, the whole table, and each sheet it names. A part said inside a longer one ("B4" of
    "B4 to B9", a header inside a sheet's name) is none of its own."""
    found: list[tuple[int, int, str]] = []  # (start, end, reference)
    found += [(m.start(), m.end(), f"{m[1]}:{m[2]}") for m in ADDRESS_SPAN.finditer(request)]
    found += [(m.start(), m.end(), m[0]) for m in ADDRESS.finditer(request)]
    headers = {c.header.casefold() for c in table.columns} if table is not None else set()
    both = headers & {name.casefold() for name in sheets}
    # a name both a sheet's and a column's ("Notes") is the sheet where the request speaks of sheets, else the column
    as_sheet = SHEET_WORDS.search(request) is not None
    found += [(m.start(), m.end(), name) for name in sheets if as_sheet or name.casefold() not in both
              for m in _said(request, name)]
    if table is not None:
        cols = [(m.start(), m.end(), c) for c in table.columns if not as_sheet or c.header.casefold() not in both
                for m in _said(request, c.header)]
        rows = [(m.start(), m.end(), table.row_of(label)) for label in table.labels() for m in _said(request, label)]
        found += _one_cell(request, cols, rows) or (
            [(a, b, table.data(c)) for a, b, c in cols] + [(a, b, table.row_range(r)) for a, b, r in rows])
        for m in COLUMN_LETTER.finditer(request):
            found.append((m.start(), m.end(), span(table.first_row, col_index(m[1]), table.last_row, col_index(m[1]))))
        found += [(m.start(), m.end(), table.row_range(int(m[1]))) for m in ROW_NUMBER.finditer(request)]
        parts = [(HEADER_WORDS, table.header_range()), (TABLE_WORDS, table.whole())]
        if table.title_row:  # the cells across the table: its formats select A1, which opens them; a merge all
            parts.append((TITLE_WORDS, table.title_range()))
        if table.total_row:
            parts.append((TOTAL_ROW_WORDS, table.row_range(table.total_row)))
        found += [(m.start(), m.end(), part) for words, part in parts for m in words.finditer(request)]
    out, end = [], -1
    for _, stop, ref in sorted(found, key=lambda f: (f[0], -f[1])):  # the longest of those starting together
        if stop > end:  # not inside the one before; overlapping counts ("header row 3": the header, row 3)
            out.append(ref)
            end = stop
    return list(dict.fromkeys(out))


def _one_cell(request: str, cols: list, rows: list) -> list[tuple[int, int, str]]:
    """The one cell a request names by its column and its row side by side ("the Qty of Pens", "Pens's Qty",
    targets.one_cell's words) as one reference, or [] when it does not."""
    if len(cols) != 1 or len(rows) != 1:
        return []
    (a1, b1, col), (a2, b2, row) = cols[0], rows[0]
    between = request[min(b1, b2):max(a1, a2)]
    return [(min(a1, a2), max(b1, b2), cell(row, col.index))] if CELL_OF.match(between) else []


def _said(request: str, text: str) -> list[re.Match]:
    return list(re.finditer(_WORD.format(re.escape(text)), request, re.I)) if text else []
