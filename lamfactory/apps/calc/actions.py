"""Calc's action set: the shared GUI primitives plus what a user does by typing an address into the Name Box
and a value into the cell or the Input line (the primitives cannot reach a cell of the sheet grid)."""

from lamfactory.core.actions import GUI_PRIMITIVES, Arg, Function

ACTIONS = GUI_PRIMITIVES.extend(
    Function("select_cell", "Select a cell or range by address, as typed into the Name Box: 'B3', 'A1:C4', "
             "'Sheet2.B3'.", False, (Arg("address", str),)),
    Function("enter", "Type a value or formula (e.g. '=SUM(B2:B9)') into the active cell and confirm it.", False,
             (Arg("text", str),)),
)
