"""CalcEnv: LibreOffice Calc driven through its real UNO accessibility tree (shared machinery: libreoffice/env.py).

    env = CalcEnv()
    obs = env.reset(task)                     # opens a COPY of task.doc_path (.xlsx/.ods); a new sheet when None
    env.step(Action(function="select_cell", args={"address": "B4:B9"}))
    env.step(Action(function="click_input", control_name="Bold"))
    env.check({"pred": "font", "range": "B4:B9", "bold": True})

What Calc adds: the sheet canvas (bridge/lam_calc_doc.py) as the observation state (state.Sheet); select_cell
and enter, which the Name Box and the Input line do for a user (the grid's cells are no controls); the Name Box
listed under that name (the walker names a toolbar combo box after its toolbar, "Formula Tool Bar"), and text
typed into it selects, as pressing Enter there does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lamfactory.apps.calc import FILE_TYPES, checks
from lamfactory.apps.calc.actions import ACTIONS
from lamfactory.apps.calc.keys import parse_keys
from lamfactory.apps.calc.state import Sheet
from lamfactory.apps.libreoffice.env import OfficeEnv
from lamfactory.core.actions import ActionError
from lamfactory.core.records import Control, Observation, Verdict

NAME_BOX = "Name Box"
WALKED_NAME_BOX = ("COMBO_BOX", "Formula Tool Bar")


class CalcEnv(OfficeEnv):
    name = "calc"
    bridge_module = Path(__file__).with_name("bridge") / "lam_calc_doc.py"
    actions = ACTIONS
    file_types = FILE_TYPES
    filters = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8", ".xls": "MS Excel 97",
               ".csv": "Text - txt - csv (StarCalc)", ".pdf": "calc_pdf_Export"}
    default_filter = "Calc MS Excel 2007 XML"  # a suffix filters lacks is stored as .xlsx
    native_suffix = ".xlsx"
    new_document_url = "private:factory/scalc"
    parse_keys = staticmethod(parse_keys)
    apply_combos = {"Font Name": "font_name", "Font Size": "font_size"}

    def state_of(self, canvas: dict) -> dict:
        return Sheet(**canvas).model_dump()

    def load_check(self, spec: dict) -> dict:
        return checks.load_check(spec)

    def check_saved(self, path: Path, spec: dict) -> Verdict:
        return checks.check_xlsx(path, spec)

    def _remember(self, raw: dict) -> Observation:
        for c in raw.get("controls", []):
            if (c["type"], c["name"]) == WALKED_NAME_BOX:
                c["name"] = NAME_BOX
        return super()._remember(raw)

    def app_ops(self, function: str, args: dict, control: Optional[Control]) -> Optional[list[dict]]:
        if function == "select_cell":
            return [_select(args["address"])]
        if function == "enter":
            return [{"op": "enter", "text": args["text"]}]
        if function == "set_edit_text" and control is not None and control.name == NAME_BOX:
            return [_select(args["text"])]
        return None


def _select(address: str) -> dict:
    if not address.strip():
        raise ActionError("select_cell: the address must not be empty (e.g. B3 or A1:C4)")
    return {"op": "select_cell", "address": address}
