"""Runs INSIDE soffice (installed beside the lam_* bridge modules of lamfactory/apps/libreoffice/bridge, which
reach it as lam_ctx.APP: CalcEnv's requests name it). Calc's document part of the bridge: `canvas()` (the
sheet state the observation shows), the document ops (`OPS`, `DOCUMENT_OPS`) and the Calc constants the
generic reset needs (`MODULE`, `WINDOW_STATES`, `GLOBAL_SETTINGS`)."""

from lam_a11y import _doc
from lam_ops import dispatch, font_name, font_size

MODULE = "com.sun.star.sheet.SpreadsheetDocument"
WINDOW_STATES = "/org.openoffice.Office.UI.CalcWindowState/UIElements/States"
# No application-wide view-settings service (Calc keeps view options in each document's view; Writer's
# service crashes soffice when no Writer document was ever opened): the generic reset skips that part.
GLOBAL_SETTINGS = ""

MAX_ROWS = 40  # the used range shown in the observation is clipped to this many rows and columns
MAX_COLS = 12
HALIGN = {0: "", 1: "left", 2: "center", 3: "right", 4: "justify", 5: "repeat"}
CELL_TYPES = {"EMPTY": "", "VALUE": "n", "TEXT": "s", "FORMULA": "f"}


def col_name(c):
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def addr(r, c):
    return "%s%d" % (col_name(c), r + 1)


def _range_name(a):
    """A CellRangeAddress as 'A1' or 'A1:C4'."""
    start = addr(a.StartRow, a.StartColumn)
    if a.StartRow == a.EndRow and a.StartColumn == a.EndColumn:
        return start
    return "%s:%s" % (start, addr(a.EndRow, a.EndColumn))


def _controller():
    return _doc().getCurrentController()


def _sheet(name=None):
    doc = _doc()
    if not name:
        return _controller().getActiveSheet()
    sheets = doc.getSheets()
    if not sheets.hasByName(name):
        raise ValueError("no sheet named %r (sheets: %s)" % (name, ", ".join(sheets.getElementNames())))
    return sheets.getByName(name)


_FORMATS = {}  # (doc id, number format key) -> format string


def _format_string(doc, key):
    k = (id(doc), key)
    if k not in _FORMATS:
        try:
            _FORMATS[k] = doc.getNumberFormats().getByKey(key).FormatString
        except Exception:
            _FORMATS[k] = ""
    return _FORMATS[k]


def _used(sheet):
    cursor = sheet.createCursor()
    cursor.gotoStartOfUsedArea(False)
    cursor.gotoEndOfUsedArea(True)
    return cursor.getRangeAddress()


def _selection():
    sel = _controller().getSelection()
    if sel is None:
        return ""
    if hasattr(sel, "getRangeAddress"):
        return _range_name(sel.getRangeAddress())
    if hasattr(sel, "getRangeAddresses"):
        return ",".join(_range_name(a) for a in sel.getRangeAddresses())
    return ""


def canvas():
    doc = _doc()
    ctrl = _controller()
    sheet = ctrl.getActiveSheet()
    used = _used(sheet)
    rows = min(used.EndRow, MAX_ROWS - 1) + 1
    cols = min(used.EndColumn, MAX_COLS - 1) + 1
    block = sheet.getCellRangeByPosition(0, 0, cols - 1, rows - 1)
    data = block.getDataArray()
    formulas = block.getFormulaArray()
    cells, formats, bold, merged = [], {}, [], []
    seen_merge = set()
    for r in range(rows):
        for c in range(cols):
            value, formula = data[r][c], formulas[r][c]
            cell = sheet.getCellByPosition(c, r)
            a = addr(r, c)
            if value != "" or formula != "":
                entry = {"a": a, "v": value}
                if formula.startswith("="):
                    entry["f"] = formula
                cells.append(entry)
                if isinstance(value, float):
                    fmt = _format_string(doc, cell.NumberFormat)
                    if fmt and fmt != "General":
                        formats[a] = fmt
                if cell.CharWeight > 100:
                    bold.append(a)
            if cell.getIsMerged() and a not in seen_merge:
                cur = sheet.createCursorByRange(cell)
                cur.collapseToMergedArea()
                m = cur.getRangeAddress()
                merged.append(_range_name(m))
                seen_merge.update(addr(rr, cc) for rr in range(m.StartRow, m.EndRow + 1)
                                  for cc in range(m.StartColumn, m.EndColumn + 1))
    columns = sheet.getColumns()
    widths = {col_name(c): round(columns.getByIndex(c).Width / 1000.0, 2) for c in range(cols)}
    out = {
        "sheet": sheet.getName(),
        "sheets": list(doc.getSheets().getElementNames()),
        "selection": _selection(),
        "used": _range_name(used),
        "cells": cells,
        "formats": formats,
        "bold": bold,
        "merged": merged,
        "col_widths_cm": widths,
        "frozen": "",
        "autofilter": _autofilter(doc, ctrl.getActiveSheet().getRangeAddress().Sheet),
    }
    try:
        if ctrl.hasFrozenPanes():
            out["frozen"] = addr(ctrl.getSplitRow(), ctrl.getSplitColumn())
    except Exception:
        pass
    return out


def _autofilter(doc, sheet_index):
    """Whether the sheet's own (unnamed) database range has an AutoFilter, as the AutoFilter button sets."""
    try:
        unnamed = doc.UnnamedDatabaseRanges
        return unnamed.hasByTable(sheet_index) and bool(unnamed.getByTable(sheet_index).AutoFilter)
    except Exception:
        return False


def select(address, sheet=None):
    """Select a cell or range ('B3', 'A1:C4', 'Sheet2.B3' or sheet=...) as the Name Box does."""
    address = address.strip().replace("$", "")
    if "." in address and sheet is None:
        sheet, address = address.rsplit(".", 1)
    target = _sheet(sheet) if sheet else _controller().getActiveSheet()
    try:
        rng = target.getCellRangeByName(address)
    except Exception:
        raise ValueError("%r is not a cell or range address (e.g. B3 or A1:C4)" % address)
    ctrl = _controller()
    if sheet:
        ctrl.setActiveSheet(target)
    ctrl.select(rng)


def enter(text):
    """Type `text` into the active cell and confirm it, as a user does in the cell or the Input line."""
    dispatch(".uno:EnterString", {"StringName": text})


DOCUMENT_OPS = {"select_cell", "enter", "wheel", "dispatch", "insert_text", "font_name", "font_size"}

OPS = {
    "select_cell": lambda op: select(op["address"], op.get("sheet")),
    "enter": lambda op: enter(op["text"]),
    "insert_text": lambda op: enter(op["text"]),
    "wheel": lambda op: dispatch(".uno:GoUp" if op["dist"] > 0 else ".uno:GoDown"),
    "font_name": font_name,
    "font_size": font_size,
}

