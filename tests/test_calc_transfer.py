"""The retrieval memory carries a remembered Calc step's addresses and sheet names over to a new request by their
place among the parts each request points at (CalcState.hints(...).referenced, refs.references)."""

from __future__ import annotations

import pytest

from lamfactory.agent.candidates import arg_candidates
from lamfactory.agent.retrieval.memory import Hint, experiences
from lamfactory.apps.calc.state import CalcState, Cell, Sheet
from lamfactory.apps.calc.templates import build_templates
from lamfactory.core.app import get_app
from lamfactory.core.records import AgentOutput, Experience, Step, TaskInstance, Trajectory

VIEW = CalcState()
BUDGET = Sheet(sheet="Budget", sheets=["Budget", "Notes", "Archive"], cells=[
    Cell(a="A1", v="Item"), Cell(a="B1", v="Cost"), Cell(a="C1", v="Qty"),
    *[c for r in range(2, 13) for c in (Cell(a=f"A{r}", v=f"thing {r}"), Cell(a=f"B{r}", v=float(r)),
                                        Cell(a=f"C{r}", v=float(r * 2)))]]).model_dump()


def _remembered(request: str, *steps: AgentOutput) -> Experience:
    return Experience(task_id="t", app="calc", request=request, steps=list(steps),
                      referenced=VIEW.hints(BUDGET, request).referenced)


def _carried(e: Experience, done: int, request: str) -> dict:
    return Hint(e, done, request).transfer_args(VIEW.hints(BUDGET, request).referenced)


def test_an_address_and_a_formula_carry_to_the_range_this_request_names():
    select = AgentOutput(function="select_cell", args={"address": "B2:B9"})
    target = AgentOutput(function="select_cell", args={"address": "B10"})
    formula = AgentOutput(function="enter", args={"text": "=SUM(B2:B9)"})
    e = _remembered("Sum the cells B2:B9 and put the total in B10.", select, target, formula)
    assert e.referenced == ["B2:B9", "B10"]
    request = "Sum the cells C3:C12 and put the total in C13."
    assert _carried(e, 0, request) == {"address": "C3:C12"}
    assert _carried(e, 1, request) == {"address": "C13"}
    assert _carried(e, 2, request) == {"text": "=SUM(C3:C12)"}
    # "B4 to B9" is one range; a header is its column's data
    assert _carried(e, 0, "Sum the cells C3 to C7 and put the total in C8.") == {"address": "C3:C7"}
    assert _carried(e, 0, "Sum the Qty column and put the total in C13.") == {"address": "C2:C12"}


def test_a_part_carries_to_ours_of_its_form_and_an_opening_cell_to_ours():
    target = AgentOutput(function="select_cell", args={"address": "B10"})
    e = _remembered("Sum the cells B2:B9 and put the total in B10.", target)
    assert _carried(e, 0, "Clear C4, please.") == {"address": "C4"}  # its cell (after a range) is our cell
    bold = _remembered("Bold B4.", AgentOutput(function="select_cell", args={"address": "B4"}))
    assert _carried(bold, 0, "Bold the Qty column.") == {"address": "C2:C12"}  # no cell here: the range
    first = AgentOutput(function="select_cell", args={"address": "B2"})  # a sort selects the column's first cell
    e = _remembered("Sort the rows by the Cost column, smallest first.", first)
    assert _carried(e, 0, "Sort the rows by the Qty column, smallest first.") == {"address": "C2"}


def test_a_cell_named_by_its_column_and_row_is_one_part():
    change = AgentOutput(function="select_cell", args={"address": "B4"})
    e = _remembered("Update B4: it should be 65.", change)
    assert VIEW.hints(BUDGET, "Set the Qty of 'thing 7' to 9.").referenced == ["C7"]
    assert _carried(e, 0, "Set the Qty of 'thing 7' to 9.") == {"address": "C7"}
    assert VIEW.hints(BUDGET, "Bold the Qty column and the thing 7 row.").referenced == ["C2:C12", "A7:C7"]


def test_a_sheet_name_carries_and_its_quotes_do_not_shift_the_others():
    open_tab = AgentOutput(function="select_cell", args={"address": "Notes.A1"})
    e = _remembered("Go to Notes.A1 of the Notes sheet.", open_tab)
    assert _carried(e, 0, "Go to Archive.A1 of the Archive sheet.") == {"address": "Archive.A1"}
    rename = AgentOutput(function="set_edit_text", control_label="4", control_name="Name", args={"text": "Overview"})
    sheet = AgentOutput(function="set_edit_text", control_label="4", control_name="Name", args={"text": "Notes"})
    e = _remembered('Rename the Notes sheet to "Overview".', rename, sheet)
    request = 'Rename the sheet "Archive" to "Data".'
    assert _carried(e, 0, request) == {"text": "Data"}  # the new name, not the quoted sheet
    assert _carried(e, 1, request) == {"text": "Archive"}


def test_writer_paragraph_numbers_still_carry_as_ints():
    para = AgentOutput(function="select_paragraph", args={"index": 5})
    e = Experience(task_id="w", request='Make the paragraph starting "Intro" a list.', steps=[para], referenced=[5])
    assert Hint(e, 0, 'Make the paragraph starting "Usage" a list.').transfer_args([22]) == {"index": 22}
    # an old memory file's int list reads back as ints, a Calc one as addresses
    assert Experience.model_validate_json(e.model_dump_json()).referenced == [5]
    assert Experience.model_validate_json('{"task_id": "c", "request": "r", "steps": [], "referenced": ["B2", 3]}'
                                          ).referenced == ["B2", 3]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return next(t for t in build_templates(tmp_path_factory.mktemp("calc-templates")) if t.template_id == "calc_budget")


def test_through_a_live_calc_observation(template):
    """The memory's Experience of a trajectory on a real template state (as CalcEnv observes it) carries its
    Planned column to this request's Actual column through the live agent's argument candidates."""
    task = TaskInstance(task_id="bold", app="calc", request="Make the Planned column bold.",
                        template_id=template.template_id, doc_path=template.path)
    with get_app("calc").make_env() as env:
        first = env.reset(task)
    select = AgentOutput(function="select_cell", args={"address": "B4:B10"})
    [e] = experiences([Trajectory(task=task, policy="oracle", bucket="pass",
                                  steps=[Step(index=0, observation=first, output=select, result_ok=True)])])
    assert e.referenced == ["B4:B10"]
    request = "Make the Actual column bold."
    cands = arg_candidates(request, first, first.controls)
    assert Hint(e, 0, request).transfer_args(cands.referenced) == {"address": "C4:C10"}
    # "Notes" is a column and a sheet: the request's words decide which
    assert VIEW.hints(first.state, "Bold the Notes column.").referenced == ["D4:D10"]
    assert VIEW.hints(first.state, "Delete the Notes sheet.").referenced == ["Notes"]
