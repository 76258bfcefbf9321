"""keyboard_input for Calc: the key combos a model may type and the commands Calc's default bindings run for
them (parser: libreoffice/keys.py). Typed characters go into the active cell and are confirmed at once, as
typing then Enter does; {ENTER}/{TAB} then move on as in Calc."""

from lamfactory.apps.libreoffice.keys import EDIT_COMMANDS, key_parser

KEY_COMMANDS: dict[str, tuple[str, dict]] = {
    "{ENTER}": (".uno:GoDown", {}),
    "+{ENTER}": (".uno:GoUp", {}),
    "{TAB}": (".uno:GoRight", {}),
    "+{TAB}": (".uno:GoLeft", {}),
    "{DEL}": (".uno:ClearContents", {"Flags": "SVDFN"}),  # Delete: contents only, no dialog (Calc's binding)
    "{DELETE}": (".uno:ClearContents", {"Flags": "SVDFN"}),
    "{BACKSPACE}": (".uno:Delete", {}),  # opens Delete Contents, as in Calc
    "{UP}": (".uno:GoUp", {}),
    "{DOWN}": (".uno:GoDown", {}),
    "{LEFT}": (".uno:GoLeft", {}),
    "{RIGHT}": (".uno:GoRight", {}),
    "+{UP}": (".uno:GoUpSel", {}),
    "+{DOWN}": (".uno:GoDownSel", {}),
    "+{LEFT}": (".uno:GoLeftSel", {}),
    "+{RIGHT}": (".uno:GoRightSel", {}),
    "{HOME}": (".uno:GoToStartOfRow", {}),
    "{END}": (".uno:GoToEndOfRow", {}),
    "^{HOME}": (".uno:GoToStart", {}),
    "^{END}": (".uno:GoToEnd", {}),
    "^+{END}": (".uno:GoToEndSel", {}),
    "^+{HOME}": (".uno:GoToStartSel", {}),
    "^a": (".uno:SelectAll", {}),
    "^b": (".uno:Bold", {}),
    "^i": (".uno:Italic", {}),
    "^u": (".uno:Underline", {}),
    "^e": (".uno:AlignHorizontalCenter", {}),
    "^l": (".uno:AlignLeft", {}),
    "^r": (".uno:AlignRight", {}),
    "^j": (".uno:AlignBlock", {}),
    **EDIT_COMMANDS,
    "^1": (".uno:FormatCellDialog", {}),
    "^+1": (".uno:NumberFormatDecimal", {}),
    "^+3": (".uno:NumberFormatDate", {}),
    "^+4": (".uno:NumberFormatCurrency", {}),
    "^+5": (".uno:NumberFormatPercent", {}),
    "^+6": (".uno:NumberFormatStandard", {}),
    "^+l": (".uno:DataFilterAutoFilter", {}),
}
KEYS = ("{ENTER}", "{TAB}", "{DEL}", "{UP}", "{DOWN}", "{LEFT}", "{RIGHT}", "^{HOME}", "^{END}", "^a", "^b", "^i",
        "^u", "^e", "^l", "^r", "^z", "^c", "^v", "^x", "^s", "^+4", "^+5", "{ESC}")
parse_keys = key_parser(KEY_COMMANDS)
