"""keyboard_input for Writer: pywinauto-style key strings -> UNO dispatch commands.

Syntax (as pywinauto's send_keys, which the paper's agent uses): plain characters are typed at the cursor;
`{NAME}` is a named key; `^` = Ctrl, `+` = Shift, `%` = Alt prefix the next key or `{NAME}`; `{{}` and `{}}`
type braces. Example: "Title{ENTER}^b" types "Title", presses Enter, then Ctrl+B.

Only combos in KEY_COMMANDS are supported (there is no raw key injection in soffice's svp backend, so each
combo runs the command LibreOffice binds to it); an unknown combo is a clear error, never a silent no-op.
"""

from __future__ import annotations

import re

# combo -> (UNO command, arguments). What Writer's default key bindings run for that combo.
KEY_COMMANDS: dict[str, tuple[str, dict]] = {
    "{ENTER}": (".uno:InsertPara", {}),
    "+{ENTER}": (".uno:InsertLinebreak", {}),
    "^{ENTER}": (".uno:InsertPagebreak", {}),
    "{TAB}": (".uno:InsertText", {"Text": "\t"}),
    "{DEL}": (".uno:Delete", {}),
    "{DELETE}": (".uno:Delete", {}),
    "{BACKSPACE}": (".uno:SwBackspace", {}),
    "{BS}": (".uno:SwBackspace", {}),
    "{HOME}": (".uno:GoToStartOfLine", {}),
    "{END}": (".uno:GoToEndOfLine", {}),
    "+{HOME}": (".uno:StartOfLineSel", {}),
    "+{END}": (".uno:EndOfLineSel", {}),
    "^{HOME}": (".uno:GoToStartOfDoc", {}),
    "^{END}": (".uno:GoToEndOfDoc", {}),
    "^+{HOME}": (".uno:StartOfDocumentSel", {}),
    "^+{END}": (".uno:EndOfDocumentSel", {}),
    "{LEFT}": (".uno:GoLeft", {}),
    "{RIGHT}": (".uno:GoRight", {}),
    "{UP}": (".uno:GoUp", {}),
    "{DOWN}": (".uno:GoDown", {}),
    "+{LEFT}": (".uno:CharLeftSel", {}),
    "+{RIGHT}": (".uno:CharRightSel", {}),
    "+{UP}": (".uno:LineUpSel", {}),
    "+{DOWN}": (".uno:LineDownSel", {}),
    "^{LEFT}": (".uno:GoToPrevWord", {}),
    "^{RIGHT}": (".uno:GoToNextWord", {}),
    "^+{LEFT}": (".uno:WordLeftSel", {}),
    "^+{RIGHT}": (".uno:WordRightSel", {}),
    "{PGUP}": (".uno:PageUp", {}),
    "{PGDN}": (".uno:PageDown", {}),
    "^a": (".uno:SelectAll", {}),
    "^b": (".uno:Bold", {}),
    "^i": (".uno:Italic", {}),
    "^u": (".uno:Underline", {}),
    "^e": (".uno:CenterPara", {}),
    "^l": (".uno:LeftPara", {}),
    "^r": (".uno:RightPara", {}),
    "^j": (".uno:JustifyPara", {}),
    "^z": (".uno:Undo", {}),
    "^y": (".uno:Redo", {}),
    "^c": (".uno:Copy", {}),
    "^x": (".uno:Cut", {}),
    "^v": (".uno:Paste", {}),
    "^s": (".uno:Save", {}),
    "^0": (".uno:StyleApply", {"Style": "Text body", "FamilyName": "ParagraphStyles"}),
    "^1": (".uno:StyleApply", {"Style": "Heading 1", "FamilyName": "ParagraphStyles"}),
    "^2": (".uno:StyleApply", {"Style": "Heading 2", "FamilyName": "ParagraphStyles"}),
    "^3": (".uno:StyleApply", {"Style": "Heading 3", "FamilyName": "ParagraphStyles"}),
    "^+p": (".uno:SuperScript", {}),
    "^+b": (".uno:SubScript", {}),
    "^]": (".uno:Grow", {}),
    "^[": (".uno:Shrink", {}),
    "{F12}": (".uno:DefaultNumbering", {}),
    "+{F12}": (".uno:DefaultBullet", {}),
    "^{F2}": (".uno:InsertField", {}),
    "^%c": (".uno:InsertAnnotation", {}),
    "^{F12}": (".uno:InsertTable", {}),
}
ESCAPE = "{ESC}"  # closes the open dialog/menu (handled by the environment, not by a command)

_TOKEN = re.compile(r"[\^+%]*(\{[^{}]+\}|\{\{\}|\{\}\}|.)", re.S)
_LITERAL_BRACES = {"{{}": "{", "{}}": "}", "{+}": "+", "{^}": "^", "{%}": "%", "{SPACE}": " "}


class KeyStringError(ValueError):
    """An unsupported or malformed key string."""


def parse_keys(keys: str) -> list[tuple[str, object]]:
    """Split a key string into ("text", str) and ("command", (cmd, args)) / ("escape", None) steps.
    Consecutive plain characters are merged so "Hello" is one insertion."""
    out: list[tuple[str, object]] = []
    pos = 0
    while pos < len(keys):
        m = _TOKEN.match(keys, pos)
        if m is None:
            raise KeyStringError(f"cannot parse key string at {keys[pos:]!r}")
        token = m.group(0)
        pos = m.end()
        if token.upper() in _LITERAL_BRACES:
            _append_text(out, _LITERAL_BRACES[token.upper()])
        elif len(token) == 1 and token not in "{}":
            _append_text(out, token)
        elif token.upper() == ESCAPE:
            out.append(("escape", None))
        else:
            normal = _normalise(token)
            if normal not in KEY_COMMANDS:
                raise KeyStringError(f"unsupported key combo {token!r}; supported: {' '.join(KEY_COMMANDS)} {ESCAPE}")
            out.append(("command", KEY_COMMANDS[normal]))
    return out


def _normalise(token: str) -> str:
    mods = ""
    while token and token[0] in "^+%":
        mods += token[0]
        token = token[1:]
    mods = "".join(sorted(mods, key="^+%".index))
    key = token.upper() if token.startswith("{") else token.lower()
    return mods + key


def _append_text(out: list, text: str) -> None:
    if out and out[-1][0] == "text":
        out[-1] = ("text", out[-1][1] + text)
    else:
        out.append(("text", text))
