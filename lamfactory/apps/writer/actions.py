"""Writer's action set: the shared GUI primitives plus the paper's Word APIs (select_text, select_table,
insert_table) and selecting a paragraph by number."""

from lamfactory.core.actions import GUI_PRIMITIVES, Arg, Function

ACTIONS = GUI_PRIMITIVES.extend(
    Function("select_text", "Select the given text in the document.", False,
             (Arg("text", str), Arg("occurrence", int, False, 1))),
    Function("select_paragraph", "Select the whole paragraph with this 1-based index.", False,
             (Arg("index", int, refers="paragraph"),)),
    Function("select_table", "Put the cursor in table number (1-based) and select it.", False,
             (Arg("number", int, refers="table"),)),
    Function("insert_table", "Insert a table at the cursor.", False,
             (Arg("rows", int), Arg("columns", int))),
)
