"""The suite's workbooks, written by hand with openpyxl: layouts unlike the families' templates (a header in
row 1 or 2, no blank row under a title, a notes column, a second sheet)."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl

BOOKS = {
    "bills": {"Bills": [
        ("Month", "Electricity", "Water", "Internet", "Comment"),
        ("January", 84.2, 31.5, 39.99, "cold snap"), ("February", 79.6, 29.8, 39.99, ""),
        ("March", 66.1, 30.2, 39.99, "new tariff"), ("April", 58.4, 33.0, 44.99, "price rise"),
        ("May", 51.9, 34.7, 44.99, ""), ("June", 47.3, 38.1, 44.99, "garden watering")]},
    "reading": {"Books": [
        ("My reading log 2024",),
        ("Title", "Author", "Pages", "Rating", "Format"),
        ("Middlemarch", "George Eliot", 880, 5, "paper"), ("Piranesi", "Susanna Clarke", 272, 4, "ebook"),
        ("The Overstory", "Richard Powers", 512, 4, "paper"), ("Klara and the Sun", "Kazuo Ishiguro", 303, 3, "audio"),
        ("Stoner", "John Williams", 288, 5, "paper"), ("Circe", "Madeline Miller", 393, 4, "ebook"),
        ("Educated", "Tara Westover", 334, 3, "audio")]},
    "roster": {"Roster": [
        ("Name", "Role", "Team", "Start year", "Salary"),
        ("Maya Patel", "Engineer", "Platform", 2019, 72000), ("Tom Becker", "Designer", "Web", 2021, 61000),
        ("Lucia Romero", "Manager", "Platform", 2016, 88000), ("Kwame Mensah", "Engineer", "Mobile", 2022, 66000),
        ("Hanna Berg", "Analyst", "Data", 2020, 64000), ("Oscar Lind", "Engineer", "Web", 2018, 75000),
        ("Sofia Russo", "Tester", "Mobile", 2023, 52000), ("Ali Hassan", "Analyst", "Data", 2017, 70000)],
        "Holidays": [("Name", "Days left"), ("Maya Patel", 12), ("Tom Becker", 20)]},
    "orders": {"Orders": [
        ("Order", "Customer", "Product", "Qty", "Price"),
        ("A-1001", "Greenleaf Cafe", "Coffee beans", 12, 14.5), ("A-1002", "Harbor Books", "Paper cups", 500, 0.08),
        ("A-1003", "Greenleaf Cafe", "Oat milk", 24, 2.2), ("A-1004", "City Gym", "Protein bars", 60, 1.75),
        ("A-1005", "Harbor Books", "Coffee beans", 4, 14.5), ("A-1006", "Nori Sushi", "Green tea", 30, 3.9),
        ("A-1007", "City Gym", "Water bottles", 120, 0.6)],
        "Products": [("Product", "Supplier"), ("Coffee beans", "Roastery Nord"), ("Oat milk", "Avena")]},
    "runs": {"Runs": [
        ("Training log",),
        ("Date", "Distance km", "Minutes", "Route"),
        (datetime.datetime(2024, 5, 1), 5.2, 29, "park loop"), (datetime.datetime(2024, 5, 3), 8.0, 47, "river"),
        (datetime.datetime(2024, 5, 5), 3.5, 21, "park loop"), (datetime.datetime(2024, 5, 8), 12.1, 71, "hills"),
        (datetime.datetime(2024, 5, 10), 6.4, 36, "river"), (datetime.datetime(2024, 5, 12), 10.0, 58, "track")]},
}


def write_book(book_id: str, path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in BOOKS[book_id].items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, datetime.datetime):
                    c.number_format = "DD.MM.YYYY"
    wb.properties.created = wb.properties.modified = datetime.datetime(2024, 1, 1)
    wb.save(path)
    return path


def build_books(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    return {b: write_book(b, out / f"{b}.xlsx") for b in BOOKS}
