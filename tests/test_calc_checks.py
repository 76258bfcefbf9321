"""Calc's checker predicates: each one fails on an untouched template and holds after a hand edit made with
openpyxl (the live route through Calc is covered by the family oracle, tests/test_calc_families.py)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName

from lamfactory.apps.calc.checks import CM_PER_CHAR, check_xlsx, load_check
from lamfactory.apps.calc.templates import WORKBOOKS, write_workbook
from lamfactory.core.checks import CheckSpecError

BUDGET = next(w for w in WORKBOOKS if w.id == "budget")
THIN = Side(style="thin")


def _cells(ws, rng, **attrs):
    for row in ws[rng if ":" in rng else f"{rng}:{rng}"]:
        for c in row:
            for k, v in attrs.items():
                setattr(c, k, v)


def _col_width(ws):
    ws.column_dimensions["B"].width = 4.0 / CM_PER_CHAR


def _sort(ws):
    rows = sorted((list(r) for r in ws.iter_rows(min_row=4, max_row=10, values_only=True)), key=lambda r: r[1])
    for i, row in enumerate(rows, 4):
        for j, v in enumerate(row, 1):
            ws.cell(i, j, v)


def _sum(ws):
    ws["B11"] = "=SUM(B4:B10)"


# (spec, edit of the Budget sheet that makes it hold)
CASES = [
    ({"pred": "cell_value", "cell": "B4", "equals": 1000}, lambda ws, wb: ws.__setitem__("B4", 1000)),
    ({"pred": "cell_value", "cell": "D5", "equals": "weekly shop"}, lambda ws, wb: ws.__setitem__("D5", "weekly shop")),
    ({"pred": "cell_formula", "cell": "B11", "equals": "=sum( B4:B10 )"}, lambda ws, wb: _sum(ws)),
    ({"pred": "cell_empty", "cell": "D4"}, lambda ws, wb: ws.__setitem__("D4", None)),
    ({"pred": "row_value", "key_col": "A", "key": "Rent", "col": "C", "equals": 900},
     lambda ws, wb: ws.__setitem__("C4", 900)),
    ({"pred": "sorted", "range": "B4:B10", "order": "asc"}, lambda ws, wb: _sort(ws)),
    ({"pred": "number_format", "range": "B4:B10", "kind": "percent"}, lambda ws, wb: _cells(ws, "B4:B10", number_format="0.00%")),
    ({"pred": "number_format", "range": "C4:C10", "kind": "currency"},
     lambda ws, wb: _cells(ws, "C4:C10", number_format="[$$-409]#,##0.00;[RED]-[$$-409]#,##0.00")),
    ({"pred": "number_format", "range": "C4:C10", "kind": "thousands"}, lambda ws, wb: _cells(ws, "C4:C10", number_format="#,##0")),
    ({"pred": "number_format", "range": "B4:B10", "decimals": 2}, lambda ws, wb: _cells(ws, "B4:B10", number_format="0.00")),
    ({"pred": "number_format", "range": "B4:B10", "kind": "date"}, lambda ws, wb: _cells(ws, "B4:B10", number_format="MM/DD/YY")),
    ({"pred": "font", "range": "A3:D3", "bold": True}, lambda ws, wb: _cells(ws, "A3:D3", font=Font(b=True))),
    ({"pred": "font", "range": "A4:A10", "italic": True}, lambda ws, wb: _cells(ws, "A4:A10", font=Font(i=True))),
    ({"pred": "font", "range": "A4", "underline": True}, lambda ws, wb: _cells(ws, "A4", font=Font(u="single"))),
    ({"pred": "font", "range": "A4", "strike": True}, lambda ws, wb: _cells(ws, "A4", font=Font(strike=True))),
    ({"pred": "font", "range": "A1", "size_pt": 16}, lambda ws, wb: _cells(ws, "A1", font=Font(sz=16))),
    ({"pred": "font", "range": "A1", "name": "DejaVu Sans"}, lambda ws, wb: _cells(ws, "A1", font=Font(name="DejaVu Sans"))),
    ({"pred": "font", "range": "A1", "color": "C9211E"}, lambda ws, wb: _cells(ws, "A1", font=Font(color="FFC9211E"))),
    ({"pred": "fill", "range": "A3:D3", "color": "FFFF00"},
     lambda ws, wb: _cells(ws, "A3:D3", fill=PatternFill("solid", fgColor="FFFFFF00"))),
    ({"pred": "alignment", "range": "B4:B10", "horizontal": "center"},
     lambda ws, wb: _cells(ws, "B4:B10", alignment=Alignment(horizontal="center"))),
    ({"pred": "alignment", "range": "B4", "vertical": "top"}, lambda ws, wb: _cells(ws, "B4", alignment=Alignment(vertical="top"))),
    ({"pred": "alignment", "range": "D4:D10", "wrap": True}, lambda ws, wb: _cells(ws, "D4:D10", alignment=Alignment(wrap_text=True))),
    ({"pred": "alignment", "range": "A4", "indent": 1}, lambda ws, wb: _cells(ws, "A4", alignment=Alignment(indent=1))),
    ({"pred": "border", "range": "A3:B4"},
     lambda ws, wb: _cells(ws, "A3:B4", border=Border(left=THIN, right=THIN, top=THIN, bottom=THIN))),
    ({"pred": "merged", "range": "A1:D1"}, lambda ws, wb: ws.merge_cells("A1:D1")),
    ({"pred": "cond_format", "range": "B4:B10"},
     lambda ws, wb: ws.conditional_formatting.add("B4:B10", ColorScaleRule(start_type="min", start_color="FFF8696B",
                                                                           end_type="max", end_color="FF63BE7B"))),
    ({"pred": "sheet_exists", "name": "Summary"}, lambda ws, wb: wb.create_sheet("Summary")),
    ({"pred": "sheet_exists", "name": "Notes", "value": False}, lambda ws, wb: wb.remove(wb["Notes"])),
    ({"pred": "sheet_count", "value": 3}, lambda ws, wb: wb.create_sheet("Extra")),
    ({"pred": "col_width", "col": "B", "cm": 4.0}, lambda ws, wb: _col_width(ws)),
    ({"pred": "row_height", "row": 3, "pt": 24}, lambda ws, wb: setattr(ws.row_dimensions[3], "height", 24)),
    ({"pred": "col_hidden", "col": "D"}, lambda ws, wb: setattr(ws.column_dimensions["D"], "hidden", True)),
    ({"pred": "row_hidden", "row": 6}, lambda ws, wb: setattr(ws.row_dimensions[6], "hidden", True)),
    ({"pred": "freeze", "cell": "A4"}, lambda ws, wb: setattr(ws, "freeze_panes", "A4")),
    ({"pred": "autofilter"}, lambda ws, wb: setattr(ws.auto_filter, "ref", "A3:D10")),
    ({"pred": "defined_name", "name": "Amounts"},
     lambda ws, wb: wb.defined_names.add(DefinedName("Amounts", attr_text="Budget!$B$4:$B$10"))),
]


def _chart(ws, wb):
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=3, max_row=10), titles_from_data=True)
    ws.add_chart(chart, "F3")


CASES.append(({"pred": "chart_exists"}, _chart))


def test_every_predicate_is_covered():
    from lamfactory.apps.calc.checks import CHECKS

    assert {spec["pred"] for spec, _ in CASES} == set(CHECKS.predicates)


@pytest.mark.parametrize("spec,edit", CASES, ids=[f"{s['pred']}-{i}" for i, (s, _) in enumerate(CASES)])
def test_predicate_fails_untouched_and_holds_after_the_edit(tmp_path, spec, edit):
    path = tmp_path / "budget.xlsx"
    write_workbook(BUDGET, path)
    before = check_xlsx(path, spec)
    assert not before.passed and before.details
    wb = load_workbook(path)
    edit(wb["Budget"], wb)
    wb.save(path)
    after = check_xlsx(path, spec)
    assert after.passed, after.details


def test_cached_values_come_from_the_saved_file(tmp_path):
    """A formula's value is what the file caches (Calc writes it; openpyxl does not)."""
    path = tmp_path / "budget.xlsx"
    write_workbook(BUDGET, path)
    wb = load_workbook(path)
    _sum(wb["Budget"])
    wb.save(path)
    assert check_xlsx(path, {"pred": "cell_formula", "cell": "B11", "equals": "=SUM(B4:B10)"}).passed
    assert not check_xlsx(path, {"pred": "cell_value", "cell": "B11", "equals": 2205}).passed


@pytest.mark.parametrize("bad,message", [
    ({"pred": "font", "range": "B4:B", "bold": True}, "address like B4"),
    ({"pred": "sorted", "range": "B4:B10", "order": "up"}, "must be one of"),
    ({"pred": "cell_value", "cell": "B4"}, "missing parameter 'equals'"),
    ({"pred": "no_such"}, "unknown predicate"),
])
def test_malformed_specs_are_named(bad, message):
    with pytest.raises(CheckSpecError, match=message):
        load_check(bad)


def test_font_name_is_the_name_calc_saves(tmp_path):
    """Calc writes a Liberation font to .xlsx under its metric twin's name (Liberation Mono -> Courier New): the
    check takes the two as one font, and no other."""
    import openpyxl
    from openpyxl.styles import Font

    from lamfactory.apps.calc.checks import check_xlsx

    path = tmp_path / "fonts.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["A2"] = "x", "y"
    wb.active["A1"].font, wb.active["A2"].font = Font(name="Courier New"), Font(name="Arial")
    wb.save(path)
    assert check_xlsx(path, {"pred": "font", "range": "A1", "name": "Liberation Mono"}).passed
    assert check_xlsx(path, {"pred": "font", "range": "A2", "name": "liberation sans"}).passed
    assert not check_xlsx(path, {"pred": "font", "range": "A1", "name": "Liberation Sans"}).passed
    assert not check_xlsx(path, {"pred": "font", "range": "A2", "name": "DejaVu Sans"}).passed
