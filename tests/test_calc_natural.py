"""The natural-request Calc suite (benchmarks/natural_calc/): enough requests over enough hand-written
workbooks, and every check fails on its untouched workbook and passes after the hand solution."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the package `natural_calc`

from natural_calc.requests import REQUESTS, read  # noqa: E402
from natural_calc.workbooks import BOOKS, build_books  # noqa: E402


def test_size_and_spread():
    assert len(REQUESTS) >= 40 and len(BOOKS) >= 4
    assert len({r.id for r in REQUESTS}) == len(REQUESTS)
    per_book = {b: sum(r.book == b for r in REQUESTS) for b in BOOKS}
    assert min(per_book.values()) >= 6, per_book
    assert {r.kind for r in REQUESTS} == {"format", "edit"}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    return build_books(tmp_path_factory.mktemp("natural-calc"))


@pytest.mark.parametrize("req", REQUESTS, ids=[r.id for r in REQUESTS])
def test_check_fails_untouched_and_passes_after_the_hand_solution(req, books, tmp_path):
    assert req.check(read(books[req.book])) is not None, "the check already holds on the untouched workbook"
    wb = openpyxl.load_workbook(books[req.book])
    req.solve(wb)
    solved = tmp_path / "solved.xlsx"
    wb.save(solved)
    assert req.check(read(solved)) is None
