"""Executable checkers for Calc workbooks: Calc's predicates in the checker language (lamfactory/core/checks.py),
evaluated on the saved .xlsx with openpyxl (formulas from one load, Calc's cached values from a second, charts
from the package itself: openpyxl drops charts it reads).

Every predicate takes `sheet` (default: the first sheet). Addresses: a cell "B4", a range "B4:B9".
  cell_value    {cell, equals: str|number, tol=1e-6}   the value Calc computed/shows (text stripped)
  cell_formula  {cell, equals}                          the formula, compared without spaces, $ and case
  cell_empty    {cell}
  number_format {range, kind: percent|currency|date|thousands|fixed, decimals?}  every cell's format code
  font          {range, bold?, italic?, underline?, strike?, size_pt?, name?, color?}  every cell (color: hex)
  fill          {range, color?}                         every cell has a solid fill (of that hex colour)
  alignment     {range, horizontal?, vertical?, wrap?, indent?}   indent: at least this much
  border        {range}                                 every cell has a border on each side
  merged        {range}                                 exactly this range is merged
  sorted        {range, order: asc|desc}                the range's values (one column) are in order
  row_value     {key_col, key, col, equals}            the row whose key_col cell is `key` has `equals` in col
  sheet_exists  {name, value=true}
  sheet_count   {value}
  col_width     {col, cm, tol_cm=0.1}
  row_height    {row, pt, tol_pt=0.6}
  col_hidden    {col}      row_hidden {row}
  freeze        {cell}                                  panes frozen above/left of this cell ("A4")
  autofilter    {}                                      the sheet has an AutoFilter
  cond_format   {range}                                 a conditional format covers the whole range
  chart_exists  {min=1}                                 the workbook holds at least `min` charts
  defined_name  {name}                                  a named range of that name (case-insensitive)

`check_xlsx(path, spec)` needs no soffice; CalcEnv.check saves the live workbook to a temporary .xlsx and calls it.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import openpyxl
from openpyxl.utils.cell import column_index_from_string, range_boundaries

from lamfactory.core.checks import CheckLanguage, Param
from lamfactory.core.records import Verdict

NUM = (int, float)
P = Param
CHECKS = CheckLanguage()
SHEET = {"sheet": P((str,), False)}
CM_PER_CHAR = 0.247  # Calc exports a column width in characters of 0.247 cm (measured: 3.50 cm -> 14.2)
_ADDRESS = re.compile(r"^[A-Z]{1,3}[1-9]\d*(:[A-Z]{1,3}[1-9]\d*)?$")
_QUOTED_LITERAL = re.compile(r'"[^"]*"|\[[^\]]*\]')  # format-code text and [$€-407] / [RED] parts


class Book:
    """A saved workbook as the predicates read it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.formulas = openpyxl.load_workbook(self.path)
        self.values = openpyxl.load_workbook(self.path, data_only=True)

    def sheet(self, spec: dict, values: bool = False):
        book = self.values if values else self.formulas
        name = spec.get("sheet")
        if name is None:
            return book.worksheets[0]
        if name not in book.sheetnames:
            return None
        return book[name]

    def charts(self) -> int:
        with zipfile.ZipFile(self.path) as z:
            return sum(1 for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))


def check_xlsx(path: str | Path, spec: dict) -> Verdict:
    spec = CHECKS.load(spec)
    try:
        book = Book(path)
    except Exception as e:  # openpyxl fails on some drawings an episode can insert (e.g. an image's anchor)
        return Verdict(passed=False, details=[f"the saved workbook could not be read: {type(e).__name__}: {e}"])
    return CHECKS.verdict(book, spec)


def check_file_cached(path: str | Path, spec: dict) -> Verdict:
    """check_xlsx with the parsed workbook cached per file version (the dataflow's filter checks many specs
    on the same few templates)."""
    st = Path(path).stat()
    return CHECKS.verdict(_book(str(path), st.st_mtime_ns, st.st_size), spec)


@lru_cache(maxsize=64)
def _book(path: str, mtime_ns: int, size: int) -> Book:
    return Book(path)


def load_check(spec: Any) -> dict:
    return CHECKS.load(spec)


def _address(key: str):
    def validate(spec: dict) -> Optional[str]:
        value = spec.get(key)
        if value is not None and not _ADDRESS.match(value):
            return f"{key} must be an address like B4 or B4:B9, got {value!r}"
        return None
    return validate


def _cells(ws, rng: str):
    min_col, min_row, max_col, max_row = range_boundaries(rng)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        yield from row


def _no_sheet(spec: dict) -> str:
    return f"no sheet named {spec['sheet']!r}"


# ---------------------------------------------------------------- values and formulas


@CHECKS.predicate("cell_value", {"cell": P((str,)), "equals": P((str, int, float)), "tol": P(NUM, False, 1e-6), **SHEET},
                  validate=_address("cell"))
def cell_value(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec, values=True)
    if ws is None:
        return _no_sheet(spec)
    got = ws[spec["cell"]].value
    want = spec["equals"]
    if isinstance(want, str):
        if str(got if got is not None else "").strip() != want.strip():
            return f"{spec['cell']} is {got!r}, expected {want!r}"
        return None
    if not isinstance(got, NUM) or isinstance(got, bool) or abs(got - want) > spec["tol"]:
        return f"{spec['cell']} is {got!r}, expected {want!r}"
    return None


def normal_formula(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).replace("$", "").upper().lstrip("=")


@CHECKS.predicate("cell_formula", {"cell": P((str,)), "equals": P((str,)), **SHEET}, validate=_address("cell"))
def cell_formula(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    got = ws[spec["cell"]].value
    if not (isinstance(got, str) and got.startswith("=") and normal_formula(got) == normal_formula(spec["equals"])):
        return f"{spec['cell']} holds {got!r}, expected the formula {spec['equals']!r}"
    return None


@CHECKS.predicate("cell_empty", {"cell": P((str,)), **SHEET}, validate=_address("cell"))
def cell_empty(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    got = ws[spec["cell"]].value
    return None if got in (None, "") else f"{spec['cell']} holds {got!r}, expected it empty"


@CHECKS.predicate("row_value", {"key_col": P((str,)), "key": P((str, int, float)), "col": P((str,)),
                                "equals": P((str, int, float)), **SHEET})
def row_value(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec, values=True)
    if ws is None:
        return _no_sheet(spec)
    key_col = column_index_from_string(spec["key_col"])
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, key_col).value == spec["key"]]
    if len(rows) != 1:
        return f"{len(rows)} rows have {spec['key']!r} in column {spec['key_col']}, expected one"
    got = ws.cell(rows[0], column_index_from_string(spec["col"])).value
    if got != spec["equals"] and not (isinstance(got, NUM) and isinstance(spec["equals"], NUM)
                                      and abs(got - spec["equals"]) < 1e-6):
        return f"the {spec['key']!r} row has {got!r} in column {spec['col']}, expected {spec['equals']!r}"
    return None


def _sort_key(v: Any):
    return (0, v) if isinstance(v, NUM) and not isinstance(v, bool) else (1, str(v).casefold())


@CHECKS.predicate("sorted", {"range": P((str,)), "order": P((str,), choices=("asc", "desc")), **SHEET},
                  validate=_address("range"))
def sorted_range(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec, values=True)
    if ws is None:
        return _no_sheet(spec)
    values = [c.value for c in _cells(ws, spec["range"]) if c.value is not None]
    want = sorted(values, key=_sort_key, reverse=spec["order"] == "desc")
    return None if values == want else f"{spec['range']} is not in {spec['order']}ending order: {values[:8]}"


# ---------------------------------------------------------------- formatting


def format_kind(code: str) -> set[str]:
    """What a number format code is: percent, currency, date, thousands, fixed (decimals shown)."""
    bare = _QUOTED_LITERAL.sub("", code or "")
    kinds = set()
    if "%" in bare:
        kinds.add("percent")
    if re.search(r"\[\$[^\]-]", code or "") or any(sym in (code or "") for sym in "$€£¥"):
        kinds.add("currency")
    if re.search(r"[dDyY]", bare):  # a day or a year: a date (months alone read as minutes too)
        kinds.add("date")
    if "#,##" in bare or "#,###" in bare:
        kinds.add("thousands")
    if re.search(r"0\.0", bare):
        kinds.add("fixed")
    return kinds


def decimals(code: str) -> int:
    bare = _QUOTED_LITERAL.sub("", (code or "").split(";")[0])
    m = re.search(r"[0#]\.([0#]+)", bare)
    return len(m.group(1)) if m else 0


@CHECKS.predicate("number_format", {"range": P((str,)), "kind": P((str,), False, choices=(
        "percent", "currency", "date", "thousands", "fixed")), "decimals": P((int,), False), **SHEET},
                  validate=_address("range"))
def number_format(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    for c in _cells(ws, spec["range"]):
        code = c.number_format
        if spec.get("kind") and spec["kind"] not in format_kind(code):
            return f"{c.coordinate} has the format {code!r}, not a {spec['kind']} format"
        if spec.get("decimals") is not None and decimals(code) != spec["decimals"]:
            return f"{c.coordinate} has the format {code!r} ({decimals(code)} decimals), expected {spec['decimals']}"
    return None


def _rgb(color) -> Optional[str]:
    """An openpyxl colour as RRGGBB, None when unset or not an RGB colour."""
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return None
    return color.rgb[-6:].upper()


def _hex(value: str) -> str:
    return value.lstrip("#").upper()


# Calc's .xlsx export writes the Liberation fonts under the names of the fonts they are metric-compatible with
# (measured: "Liberation Mono" set in the Font Name box is saved as "Courier New"), and Calc shows such a file in
# the Liberation font again: in a saved workbook the two names are one font.
XLSX_FONT_NAMES = {"liberation sans": "arial", "liberation serif": "times new roman", "liberation mono": "courier new",
                   "liberation sans narrow": "arial narrow"}


def _font_key(name: str) -> str:
    key = name.strip().casefold()
    return XLSX_FONT_NAMES.get(key, key)


@CHECKS.predicate("font", {"range": P((str,)), "bold": P((bool,), False), "italic": P((bool,), False),
                           "underline": P((bool,), False), "strike": P((bool,), False), "size_pt": P(NUM, False),
                           "name": P((str,), False), "color": P((str,), False), **SHEET},
                  validate=_address("range"))
def font(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    for c in _cells(ws, spec["range"]):
        f = c.font
        got = {"bold": bool(f.b), "italic": bool(f.i), "underline": f.u not in (None, "none"),
               "strike": bool(f.strike), "size_pt": float(f.sz or 0), "name": f.name or "",
               "color": _rgb(f.color) or "000000"}
        for key in ("bold", "italic", "underline", "strike"):
            if key in spec and got[key] != spec[key]:
                return f"{c.coordinate}: {key} is {got[key]}, expected {spec[key]}"
        if "size_pt" in spec and abs(got["size_pt"] - spec["size_pt"]) > 0.05:
            return f"{c.coordinate}: font size {got['size_pt']} pt, expected {spec['size_pt']}"
        if "name" in spec and _font_key(got["name"]) != _font_key(spec["name"]):
            return f"{c.coordinate}: font {got['name']!r}, expected {spec['name']!r}"
        if "color" in spec and got["color"] != _hex(spec["color"]):
            return f"{c.coordinate}: font colour {got['color']}, expected {_hex(spec['color'])}"
    return None


@CHECKS.predicate("fill", {"range": P((str,)), "color": P((str,), False), **SHEET}, validate=_address("range"))
def fill(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    for c in _cells(ws, spec["range"]):
        color = _rgb(c.fill.fgColor) if c.fill.fill_type == "solid" else None
        if color is None or color == "FFFFFF":
            return f"{c.coordinate} has no background colour"
        if "color" in spec and color != _hex(spec["color"]):
            return f"{c.coordinate}: background {color}, expected {_hex(spec['color'])}"
    return None


@CHECKS.predicate("alignment", {"range": P((str,)), "horizontal": P((str,), False, choices=(
        "left", "center", "right", "justify", "general")), "vertical": P((str,), False, choices=(
        "top", "center", "bottom")), "wrap": P((bool,), False), "indent": P(NUM, False), **SHEET},
                  validate=_address("range"))
def alignment(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    for c in _cells(ws, spec["range"]):
        a = c.alignment
        got = {"horizontal": a.horizontal or "general", "vertical": a.vertical or "bottom",
               "wrap": bool(a.wrap_text)}
        for key in ("horizontal", "vertical", "wrap"):
            if key in spec and got[key] != spec[key]:
                return f"{c.coordinate}: {key} alignment is {got[key]!r}, expected {spec[key]!r}"
        if "indent" in spec and (a.indent or 0) < spec["indent"]:
            return f"{c.coordinate}: indent {a.indent or 0}, expected at least {spec['indent']}"
    return None


@CHECKS.predicate("border", {"range": P((str,)), **SHEET}, validate=_address("range"))
def border(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    for c in _cells(ws, spec["range"]):
        b = c.border
        missing = [side for side in ("left", "right", "top", "bottom") if getattr(b, side).style is None]
        if missing:
            return f"{c.coordinate} has no {'/'.join(missing)} border"
    return None


@CHECKS.predicate("merged", {"range": P((str,)), **SHEET}, validate=_address("range"))
def merged(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    ranges = [str(r) for r in ws.merged_cells.ranges]
    return None if spec["range"] in ranges else f"{spec['range']} is not merged (merged: {ranges or 'none'})"


@CHECKS.predicate("cond_format", {"range": P((str,)), **SHEET}, validate=_address("range"))
def cond_format(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    wanted = {c.coordinate for c in _cells(ws, spec["range"])}
    for rng in ws.conditional_formatting:
        covered = {c.coordinate for r in rng.sqref.ranges for c in _cells(ws, r.coord)}
        if rng.rules and wanted <= covered:
            return None
    return f"no conditional format covers {spec['range']}"


# ---------------------------------------------------------------- sheets, rows, columns, view


@CHECKS.predicate("sheet_exists", {"name": P((str,)), "value": P((bool,), False, True)})
def sheet_exists(book: Book, spec: dict) -> Optional[str]:
    names = book.formulas.sheetnames
    if (spec["name"] in names) != spec["value"]:
        return f"sheet {spec['name']!r} {'is missing' if spec['value'] else 'still exists'} (sheets: {names})"
    return None


@CHECKS.predicate("sheet_count", {"value": P((int,))})
def sheet_count(book: Book, spec: dict) -> Optional[str]:
    n = len(book.formulas.sheetnames)
    return None if n == spec["value"] else f"{n} sheets, expected {spec['value']}"


@CHECKS.predicate("col_width", {"col": P((str,)), "cm": P(NUM), "tol_cm": P(NUM, False, 0.1), **SHEET})
def col_width(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    dim = ws.column_dimensions.get(spec["col"])
    width = (dim.width if dim is not None and dim.customWidth else 0) or 0
    got = width * CM_PER_CHAR
    if abs(got - spec["cm"]) > spec["tol_cm"]:
        return f"column {spec['col']} is {got:.2f} cm wide, expected {spec['cm']} cm"
    return None


@CHECKS.predicate("row_height", {"row": P((int,)), "pt": P(NUM), "tol_pt": P(NUM, False, 0.6), **SHEET})
def row_height(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    dim = ws.row_dimensions.get(spec["row"])
    got = (dim.height if dim is not None and dim.customHeight else None) or 0
    if abs(got - spec["pt"]) > spec["tol_pt"]:
        return f"row {spec['row']} is {got} pt high, expected {spec['pt']} pt"
    return None


@CHECKS.predicate("col_hidden", {"col": P((str,)), **SHEET})
def col_hidden(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    index = column_index_from_string(spec["col"])
    for dim in ws.column_dimensions.values():  # openpyxl groups equal columns into one min..max entry
        if dim.hidden and dim.min <= index <= dim.max:
            return None
    return f"column {spec['col']} is not hidden"


@CHECKS.predicate("row_hidden", {"row": P((int,)), **SHEET})
def row_hidden(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    dim = ws.row_dimensions.get(spec["row"])
    return None if dim is not None and dim.hidden else f"row {spec['row']} is not hidden"


@CHECKS.predicate("freeze", {"cell": P((str,)), **SHEET}, validate=_address("cell"))
def freeze(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    got = ws.freeze_panes
    return None if got == spec["cell"] else f"panes frozen at {got or 'nothing'}, expected {spec['cell']}"


@CHECKS.predicate("autofilter", {**SHEET})
def autofilter(book: Book, spec: dict) -> Optional[str]:
    ws = book.sheet(spec)
    if ws is None:
        return _no_sheet(spec)
    return None if ws.auto_filter.ref else "the sheet has no AutoFilter"


@CHECKS.predicate("chart_exists", {"min": P((int,), False, 1)})
def chart_exists(book: Book, spec: dict) -> Optional[str]:
    n = book.charts()
    return None if n >= spec["min"] else f"{n} chart(s) in the workbook, expected at least {spec['min']}"


@CHECKS.predicate("defined_name", {"name": P((str,))})
def defined_name(book: Book, spec: dict) -> Optional[str]:
    names = [n.casefold() for n in book.formulas.defined_names]
    return None if spec["name"].casefold() in names else f"no named range {spec['name']!r}"

