"""The template library: workbooks a Calc task is instantiated on, written here with openpyxl (deterministic).

Each workbook holds one table on its first sheet (a title in A1 above it or not, a header row, data rows, an
empty "Total" row in some) and in some a second sheet. `build_templates(out_dir)` writes them with an index;
`read_content(path)` reads one back into the facts families sample from (refs.Table plus the sheet names).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import openpyxl

from lamfactory.apps.calc import refs
from lamfactory.core.records import Template, write_jsonl
from lamfactory.core.templates import INDEX_FILE

D = datetime.datetime


@dataclass(frozen=True)
class Workbook:
    id: str
    sheet: str
    title: str  # "" when the header row is row 1
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: bool = False  # an empty Total row under the data
    about: str = ""
    extra_sheets: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...] = ()


WORKBOOKS = (
    Workbook("budget", "Budget", "Household budget 2024", ("Category", "Planned", "Actual", "Notes"), (
        ("Rent", 950, 950, "fixed"), ("Groceries", 420, 465, "family of four"), ("Utilities", 180, 164, "winter"),
        ("Transport", 120, 135, "bus passes"), ("Insurance", 85, 85, "yearly split"), ("Leisure", 150, 210, "trip"),
        ("Savings", 300, 250, "holiday fund")), total=True, about="a monthly household budget, planned against actual",
        extra_sheets=(("Notes", (("Reviewed by", "Sam"), ("Next review", "June"))),)),
    Workbook("inventory", "Stock", "Warehouse inventory", ("Item", "SKU", "Quantity", "Unit price", "Supplier"), (
        ("Stapler", "ST-100", 42, 6.5, "Officeline"), ("Printer paper", "PP-500", 310, 4.25, "PaperCo"),
        ("Ballpoint pens", "BP-020", 1200, 0.35, "Officeline"), ("Desk lamp", "DL-300", 17, 23.9, "Brightway"),
        ("Whiteboard", "WB-120", 8, 64.0, "Brightway"), ("Toner", "TN-045", 26, 48.5, "PaperCo"),
        ("Folders", "FD-010", 540, 0.8, "Officeline"), ("Scissors", "SC-075", 63, 3.2, "CutRight")),
        about="stock levels of an office supplies warehouse with prices and suppliers"),
    Workbook("grades", "Grades", "Grade sheet class 7B", ("Student", "Math", "Science", "English", "History"), (
        ("Amira", 88, 92, 79, 85), ("Ben", 72, 65, 81, 70), ("Chloe", 95, 89, 93, 91), ("Dmitri", 61, 74, 68, 77),
        ("Elena", 83, 80, 88, 69), ("Farid", 77, 91, 72, 84), ("Grace", 90, 86, 95, 88)), total=False,
        about="students' marks in four school subjects", extra_sheets=(("Attendance", (("Term", "Days"),
                                                                                      ("Autumn", 58))),)),
    Workbook("timesheet", "Hours", "Timesheet March", ("Date", "Employee", "Project", "Hours"), (
        (D(2024, 3, 4), "Lena", "Website", 7.5), (D(2024, 3, 5), "Omar", "Migration", 8),
        (D(2024, 3, 6), "Lena", "Support", 6), (D(2024, 3, 7), "Priya", "Website", 8.5),
        (D(2024, 3, 8), "Omar", "Support", 4), (D(2024, 3, 11), "Priya", "Migration", 7)), total=True,
        about="hours worked per day by employees on projects"),
    Workbook("sales", "Sales", "Quarterly sales by region", ("Region", "Jan", "Feb", "Mar", "Apr"), (
        ("North", 12400, 13150, 12980, 14020), ("South", 9800, 10240, 11010, 10890), ("East", 15300, 14870, 16120, 15990),
        ("West", 11020, 11540, 10930, 12210), ("Central", 8700, 9120, 9480, 9900)), total=True,
        about="monthly sales figures for five regions", extra_sheets=(("Targets", (("Region", "Target"),
                                                                                  ("North", 50000))),)),
    Workbook("expenses", "Expenses", "", ("Description", "Category", "Amount", "Paid by"), (
        ("Train tickets", "Travel", 86.4, "Card"), ("Hotel Lyon", "Travel", 245.0, "Card"),
        ("Team lunch", "Meals", 132.5, "Cash"), ("Printer ink", "Office", 39.9, "Card"),
        ("Taxi", "Travel", 27.3, "Cash"), ("Conference fee", "Training", 390.0, "Transfer")),
        about="a list of business expenses with categories and amounts"),
    Workbook("members", "Members", "Club members", ("Name", "City", "Joined", "Fee"), (
        ("Ana Silva", "Porto", 2019, 40), ("Ben Okafor", "Leeds", 2021, 45), ("Carla Meyer", "Bremen", 2018, 40),
        ("David Chen", "Toronto", 2022, 50), ("Eva Novak", "Brno", 2020, 45), ("Femi Adeyemi", "Lagos", 2023, 50)),
        about="members of a sports club with their city, year joined and fee"),
    Workbook("projects", "Plan", "Project plan", ("Task", "Owner", "Days", "Progress", "Status"), (
        ("Requirements", "Ines", 5, 1.0, "done"), ("Design", "Marco", 8, 0.75, "active"),
        ("Build", "Yuki", 15, 0.4, "active"), ("Testing", "Ines", 6, 0.0, "planned"),
        ("Launch", "Marco", 2, 0.0, "planned")), about="tasks of a project with owners, durations and progress"),
)


def write_workbook(spec: Workbook, path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spec.sheet
    top = 1
    if spec.title:
        ws["A1"] = spec.title
        top = 3
    for c, header in enumerate(spec.headers, 1):
        ws.cell(top, c, header)
    for r, row in enumerate(spec.rows, top + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(r, c, value)
            if isinstance(value, datetime.datetime):
                cell.number_format = "YYYY-MM-DD"
    if spec.total:
        ws.cell(top + len(spec.rows) + 1, 1, "Total")
    for name, rows in spec.extra_sheets:
        extra = wb.create_sheet(name)
        for row in rows:
            extra.append(row)
    wb.properties.created = wb.properties.modified = datetime.datetime(2024, 1, 1)  # identical builds
    wb.properties.creator = "lamfactory"
    wb.save(path)


# ---------------------------------------------------------------- reading a template's content


@dataclass
class CalcContent:
    sheets: list[str] = field(default_factory=list)
    table: Optional[refs.Table] = None

    @property
    def free_col(self) -> int:
        """The first empty column right of the table."""
        return self.table.last_col + 1 if self.table else 1


def read_content(path: str | Path) -> CalcContent:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    return CalcContent(sheets=list(wb.sheetnames), table=refs.read_table(cells, ws.title))


def describe(spec: Workbook) -> str:
    parts = [f"spreadsheet '{spec.title or spec.sheet}'", spec.about, "columns: " + ", ".join(spec.headers),
             f"{len(spec.rows)} rows"]
    if spec.total:
        parts.append("a total row")
    if spec.extra_sheets:
        parts.append("sheets: " + ", ".join([spec.sheet] + [n for n, _ in spec.extra_sheets]))
    return ", ".join(parts)


def build_templates(out_dir: str | Path) -> list[Template]:
    """Write every workbook into out_dir with templates.jsonl; deterministic."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    templates = []
    for spec in WORKBOOKS:
        path = out_dir / f"calc_{spec.id}.xlsx"
        write_workbook(spec, path)
        templates.append(Template(template_id=f"calc_{spec.id}", path=str(path.resolve()), description=describe(spec),
                                  kind="calc-workbook", paragraphs=len(spec.rows), tables=1))
    write_jsonl(out_dir / INDEX_FILE, templates)
    return templates
