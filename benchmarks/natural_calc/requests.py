"""Natural user requests over the suite's workbooks, each with an independent openpyxl check and a hand solution.

For measuring only, never training data. A check reads the saved workbook twice (formulas; Calc's cached
values) and returns None when the request is done, else one line saying why not. A formula counts when its
text is one of the accepted forms or its cached value is right (any correct formula a user might type)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

import openpyxl
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import range_boundaries


@dataclass(frozen=True)
class Book:
    formulas: Any
    values: Any


def read(path) -> Book:
    return Book(openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))


@dataclass(frozen=True)
class Request:
    id: str
    book: str
    request: str
    kind: str  # format | edit
    check: Callable[[Book], Optional[str]]
    solve: Callable[[Any], None]  # the hand solution on an openpyxl workbook


def cells(ws, rng):
    min_col, min_row, max_col, max_row = range_boundaries(rng)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        yield from row


def each(sheet, rng, test, what):
    def check(b: Book):
        for c in cells(b.formulas[sheet], rng):
            if not test(c):
                return f"{sheet}!{c.coordinate} is not {what}"
        return None
    return check


def style(sheet, rng, **attrs):
    def solve(wb):
        for c in cells(wb[sheet], rng):
            for k, v in attrs.items():
                setattr(c, k, v)
    return solve


def value(sheet, address, want):
    def check(b: Book):
        got = b.values[sheet][address].value
        ok = got == want if isinstance(want, str) else isinstance(got, (int, float)) and abs(got - want) < 0.01
        return None if ok else f"{sheet}!{address} is {got!r}, expected {want!r}"
    return check


def formula(sheet, address, forms, want):
    def check(b: Book):
        text = b.formulas[sheet][address].value
        if not (isinstance(text, str) and text.startswith("=")):
            return f"{sheet}!{address} holds no formula ({text!r})"
        if re.sub(r"[\s$]", "", text).upper() in forms:
            return None
        got = b.values[sheet][address].value
        return None if isinstance(got, (int, float)) and abs(got - want) < 0.01 else \
            f"{sheet}!{address} = {text} gives {got!r}, expected {want}"
    return check


def put(sheet, address, v):
    return lambda wb: wb[sheet].__setitem__(address, v)


def both(*checks):
    def check(b):
        return next((r for r in (c(b) for c in checks) if r), None)
    return check


def all_solved(*solves):
    def solve(wb):
        for s in solves:
            s(wb)
    return solve


BOLD = lambda c: bool(c.font.b)  # noqa: E731
ITALIC = lambda c: bool(c.font.i)  # noqa: E731
FILLED = lambda c: c.fill.fill_type == "solid" and (c.fill.fgColor.rgb or "")[-6:] not in ("", "FFFFFF", "000000")  # noqa: E731
PERCENT = lambda c: "%" in (c.number_format or "")  # noqa: E731
MONEY = lambda c: bool(re.search(r"[$€£]|\[\$", c.number_format or ""))  # noqa: E731


def halign(where):
    return lambda c: (c.alignment.horizontal or "general") == where


def merged(sheet, rng):
    return lambda b: None if rng in [str(r) for r in b.formulas[sheet].merged_cells.ranges] else f"{rng} is not merged"


def frozen(sheet, at):
    return lambda b: None if b.formulas[sheet].freeze_panes == at else f"panes frozen at {b.formulas[sheet].freeze_panes}"


def sheet_names(want):
    return lambda b: None if b.formulas.sheetnames == want else f"sheets are {b.formulas.sheetnames}, expected {want}"


def column_sorted(sheet, rng, reverse, keep=None):
    """The range is in order; `keep` = (key column, key, column, value): that row kept together."""
    def check(b):
        got = [c.value for c in cells(b.values[sheet], rng)]
        if got != sorted(got, key=lambda v: str(v).casefold() if isinstance(v, str) else v, reverse=reverse):
            return f"{rng} is not sorted: {got}"
        if keep:
            ws = b.values[sheet]
            rows = [r for r in range(1, ws.max_row + 1) if ws[f"{keep[0]}{r}"].value == keep[1]]
            if len(rows) != 1 or ws[f"{keep[2]}{rows[0]}"].value != keep[3]:
                return f"the {keep[1]!r} row was broken up"
        return None
    return check


def sort_rows(sheet, first, last, col, reverse):
    def solve(wb):
        ws = wb[sheet]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=first, max_row=last)]
        rows.sort(key=lambda r: str(r[col]).casefold() if isinstance(r[col], str) else r[col], reverse=reverse)
        for i, row in enumerate(rows, first):
            for j, v in enumerate(row, 1):
                ws.cell(i, j, v)
    return solve


def hidden_col(sheet, letter):
    def check(b):
        idx = openpyxl.utils.column_index_from_string(letter)
        dims = b.formulas[sheet].column_dimensions.values()
        return None if any(d.hidden and d.min <= idx <= d.max for d in dims) else f"column {letter} is visible"
    return check


def has_autofilter(sheet):
    return lambda b: None if b.formulas[sheet].auto_filter.ref else "no AutoFilter"


def has_cond(sheet, rng):
    def check(b):
        want = {c.coordinate for c in cells(b.formulas[sheet], rng)}
        for cf in b.formulas[sheet].conditional_formatting:
            got = {c.coordinate for r in cf.sqref.ranges for c in cells(b.formulas[sheet], r.coord)}
            if want <= got:
                return None
        return f"no conditional format on {rng}"
    return check


def width_cm(sheet, letter, cm):
    def check(b):
        d = b.formulas[sheet].column_dimensions.get(letter)
        got = (d.width if d is not None and d.customWidth else 0) * 0.247
        return None if abs(got - cm) <= 0.15 else f"column {letter} is {got:.2f} cm"
    return check


def set_width(sheet, letter, cm):
    def solve(wb):
        wb[sheet].column_dimensions[letter].width = cm / 0.247
    return solve


def font_size(sheet, rng, pt):
    return each(sheet, rng, lambda c: abs((c.font.sz or 0) - pt) < 0.1, f"{pt} pt")


YELLOW = PatternFill("solid", fgColor="FFFFFF00")
S = Alignment
R: list[Request] = []


def req(id, book, text, kind, check, solve):
    R.append(Request(id, book, text, kind, check, solve))


# ---------------------------------------------------------------- bills (header in row 1)
req("bills-bold-head", "bills", "Make the first row bold, it's the header.", "format",
    each("Bills", "A1:E1", BOLD, "bold"), style("Bills", "A1:E1", font=Font(b=True)))
req("bills-money", "bills", "Show all the bill amounts as currency please", "format",
    each("Bills", "B2:D7", MONEY, "currency"), style("Bills", "B2:D7", number_format='"$"#,##0.00'))
req("bills-total-elec", "bills", "Put the total electricity cost for the six months under the Electricity column.",
    "edit", formula("Bills", "B8", {"=SUM(B2:B7)"}, 387.5), put("Bills", "B8", "=SUM(B2:B7)"))
req("bills-avg-water", "bills", "What's the average water bill? Put it in C8.", "edit",
    formula("Bills", "C8", {"=AVERAGE(C2:C7)"}, 32.883333), put("Bills", "C8", "=AVERAGE(C2:C7)"))
req("bills-fix-may", "bills", "The Internet bill for May was actually 42.50, please fix it.", "edit",
    value("Bills", "D6", 42.5), put("Bills", "D6", 42.5))
req("bills-freeze", "bills", "Keep the header row visible when I scroll down.", "format",
    frozen("Bills", "A2"), lambda wb: setattr(wb["Bills"], "freeze_panes", "A2"))
req("bills-hide-comment", "bills", "hide the Comment column", "format", hidden_col("Bills", "E"),
    lambda wb: setattr(wb["Bills"].column_dimensions["E"], "hidden", True))
req("bills-rename", "bills", 'Rename the sheet to "Utilities 2024".', "edit", sheet_names(["Utilities 2024"]),
    lambda wb: setattr(wb["Bills"], "title", "Utilities 2024"))
req("bills-center-months", "bills", "Could you center the month names?", "format",
    each("Bills", "A2:A7", halign("center"), "centered"), style("Bills", "A2:A7", alignment=S(horizontal="center")))

# ---------------------------------------------------------------- reading log (title, header in row 2)
req("read-merge-title", "reading", "Merge and center the title across the table (A1 to E1).", "format",
    both(merged("Books", "A1:E1"), each("Books", "A1", halign("center"), "centered")),
    all_solved(lambda wb: wb["Books"].merge_cells("A1:E1"), style("Books", "A1", alignment=S(horizontal="center"))))
req("read-title-size", "reading", "Make the title bigger, 16 pt.", "format", font_size("Books", "A1", 16),
    style("Books", "A1", font=Font(sz=16)))
req("read-sort-pages", "reading", "Sort the books by number of pages, longest first.", "edit",
    column_sorted("Books", "C3:C9", True, ("A", "Stoner", "C", 288)), sort_rows("Books", 3, 9, 2, True))
req("read-total-pages", "reading", "How many pages did I read in total? Add it below the Pages column.", "edit",
    formula("Books", "C10", {"=SUM(C3:C9)"}, 2982), put("Books", "C10", "=SUM(C3:C9)"))
req("read-italic-titles", "reading", "Book titles should be in italics.", "format",
    each("Books", "A3:A9", ITALIC, "italic"), style("Books", "A3:A9", font=Font(i=True)))
req("read-rating", "reading", "I'd give Circe a 5 now, not a 4.", "edit", value("Books", "D8", 5), put("Books", "D8", 5))
req("read-filter", "reading", "Add filter buttons to the headings so I can filter by format.", "format",
    has_autofilter("Books"), lambda wb: setattr(wb["Books"].auto_filter, "ref", "A2:E9"))
req("read-best", "reading", "In D10 show my highest rating.", "edit", formula("Books", "D10", {"=MAX(D3:D9)"}, 5),
    put("Books", "D10", "=MAX(D3:D9)"))
req("read-yellow-head", "reading", "Highlight the header row (row 2) in yellow.", "format",
    each("Books", "A2:E2", FILLED, "filled"), style("Books", "A2:E2", fill=YELLOW))

# ---------------------------------------------------------------- roster (two sheets)
req("roster-salary-money", "roster", "Format the salaries as currency.", "format",
    each("Roster", "E2:E9", MONEY, "currency"), style("Roster", "E2:E9", number_format='"$"#,##0'))
req("roster-sort-name", "roster", "Sort the team list alphabetically by name.", "edit",
    column_sorted("Roster", "A2:A9", False, ("A", "Oscar Lind", "E", 75000)), sort_rows("Roster", 2, 9, 0, False))
req("roster-delete-holidays", "roster", "We don't need the Holidays sheet any more, delete it.", "edit",
    sheet_names(["Roster"]), lambda wb: wb.remove(wb["Holidays"]))
req("roster-new-sheet", "roster", 'Add a new sheet named "Reviews" at the end.', "edit",
    sheet_names(["Roster", "Holidays", "Reviews"]), lambda wb: wb.create_sheet("Reviews"))
req("roster-raise", "roster", "Sofia got a raise: her salary is now 55000.", "edit", value("Roster", "E8", 55000),
    put("Roster", "E8", 55000))
req("roster-avg-salary", "roster", "Put the average salary in E10.", "edit",
    formula("Roster", "E10", {"=AVERAGE(E2:E9)"}, 68500), put("Roster", "E10", "=AVERAGE(E2:E9)"))
req("roster-bold-header", "roster", "bold the column headings", "format", each("Roster", "A1:E1", BOLD, "bold"),
    style("Roster", "A1:E1", font=Font(b=True)))
req("roster-width", "roster", "Make the Name column 4 cm wide so the names fit.", "format", width_cm("Roster", "A", 4.0),
    set_width("Roster", "A", 4.0))
req("roster-colorscale", "roster", "Add a color scale to the salaries so I can see who earns most.", "format",
    has_cond("Roster", "E2:E9"),
    lambda wb: wb["Roster"].conditional_formatting.add("E2:E9", ColorScaleRule(start_type="min", start_color="FFF8696B",
                                                                               end_type="max", end_color="FF63BE7B")))
req("roster-right-years", "roster", "Right-align the start years.", "format",
    each("Roster", "D2:D9", halign("right"), "right-aligned"), style("Roster", "D2:D9", alignment=S(horizontal="right")))

# ---------------------------------------------------------------- orders
req("orders-line-total", "orders", 'Add a "Total" heading in F1.', "edit", value("Orders", "F1", "Total"),
    put("Orders", "F1", "Total"))
req("orders-f2", "orders", "In F2 work out the order value, quantity times price.", "edit",
    formula("Orders", "F2", {"=D2*E2", "=E2*D2"}, 174), put("Orders", "F2", "=D2*E2"))
req("orders-count", "orders", "How many orders are there? Count them in D9 using the Qty column.", "edit",
    formula("Orders", "D9", {"=COUNT(D2:D8)"}, 7), put("Orders", "D9", "=COUNT(D2:D8)"))
req("orders-replace", "orders", 'The customer "City Gym" is now called "Metro Gym" - change it everywhere.', "edit",
    both(value("Orders", "B5", "Metro Gym"), value("Orders", "B8", "Metro Gym")),
    all_solved(put("Orders", "B5", "Metro Gym"), put("Orders", "B8", "Metro Gym")))
req("orders-price-2dp", "orders", "Show the prices with two decimals.", "format",
    each("Orders", "E2:E8", lambda c: re.search(r"0\.00(?!0)", c.number_format or "") is not None, "two decimals"),
    style("Orders", "E2:E8", number_format="0.00"))
req("orders-delete-row", "orders", "Order A-1004 was cancelled, delete that row.", "edit",
    lambda b: None if [c.value for c in b.values["Orders"]["A"] if c.value] == ["Order", "A-1001", "A-1002", "A-1003",
                                                                          "A-1005", "A-1006", "A-1007"]
    else "row A-1004 is still there, or other rows moved",
    lambda wb: wb["Orders"].delete_rows(5))
req("orders-uppercase-products", "orders", "Put the product names in capital letters.", "edit",
    lambda b: next((f"{c.coordinate} is {c.value!r}" for c in cells(b.values["Orders"], "C2:C8")
                    if c.value != str(c.value).upper()), None),
    lambda wb: [setattr(c, "value", c.value.upper()) for c in cells(wb["Orders"], "C2:C8")])
req("orders-wrap", "orders", "Wrap the text in the Customer column.", "format",
    each("Orders", "B2:B8", lambda c: bool(c.alignment.wrap_text), "wrapped"), style("Orders", "B2:B8", alignment=S(wrap_text=True)))
req("orders-freeze-col", "orders", "Freeze the first column so the order numbers stay on screen.", "format",
    frozen("Orders", "B1"), lambda wb: setattr(wb["Orders"], "freeze_panes", "B1"))

# ---------------------------------------------------------------- runs (title, dates)
req("runs-total-km", "runs", "Sum up the distance I ran in B9.", "edit", formula("Runs", "B9", {"=SUM(B3:B8)"}, 45.2),
    put("Runs", "B9", "=SUM(B3:B8)"))
req("runs-longest", "runs", "Which was my longest run? Put the max distance in B10.", "edit",
    formula("Runs", "B10", {"=MAX(B3:B8)"}, 12.1), put("Runs", "B10", "=MAX(B3:B8)"))
req("runs-bold-title", "runs", "The title 'Training log' should be bold.", "format", each("Runs", "A1", BOLD, "bold"),
    style("Runs", "A1", font=Font(b=True)))
req("runs-fix-minutes", "runs", "I ran the hills route in 68 minutes, not 71. Please correct it.", "edit",
    value("Runs", "C6", 68), put("Runs", "C6", 68))
req("runs-center-routes", "runs", "Center the route names.", "format",
    each("Runs", "D3:D8", halign("center"), "centered"), style("Runs", "D3:D8", alignment=S(horizontal="center")))
req("runs-head-italic", "runs", "Make the column headings in row 2 italic.", "format",
    each("Runs", "A2:D2", ITALIC, "italic"), style("Runs", "A2:D2", font=Font(i=True)))

REQUESTS = tuple(R)
