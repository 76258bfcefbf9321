"""keyboard_input for LibreOffice apps: pywinauto-style key strings -> the UNO commands an app binds to them.

Syntax (pywinauto's send_keys, which the paper's agent uses): plain characters are typed; `{NAME}` is a named
key; `^` = Ctrl, `+` = Shift, `%` = Alt prefix the next key or `{NAME}`; `{{}` and `{}}` type braces.
There is no raw key injection in soffice's svp backend, so each combo runs the command the app binds to it
(its table); an unknown combo is a clear error, never a silent no-op.

    parse = key_parser({"{ENTER}": (".uno:GoDown", {}), ...})
    parse("Total{TAB}")  ->  [("text", "Total"), ("command", (".uno:GoRight", {}))]
"""

from __future__ import annotations

import re
from typing import Callable

ESCAPE = "{ESC}"  # closes the open dialog/menu (handled by the bridge, not by a command)
_TOKEN = re.compile(r"[\^+%]*(\{[^{}]+\}|\{\{\}|\{\}\}|.)", re.S)
_LITERAL_BRACES = {"{{}": "{", "{}}": "}", "{+}": "+", "{^}": "^", "{%}": "%", "{SPACE}": " "}

Commands = dict[str, tuple[str, dict]]
# Bound LibreOffice-wide, so the same in every app's table (spliced in where each table lists them).
EDIT_COMMANDS: Commands = {
    "^z": (".uno:Undo", {}),
    "^y": (".uno:Redo", {}),
    "^c": (".uno:Copy", {}),
    "^x": (".uno:Cut", {}),
    "^v": (".uno:Paste", {}),
    "^s": (".uno:Save", {}),
}


class KeyStringError(ValueError):
    """An unsupported or malformed key string."""


def key_parser(commands: Commands) -> Callable[[str], list[tuple[str, object]]]:
    def parse_keys(keys: str) -> list[tuple[str, object]]:
        """("text", str), ("command", (cmd, args)) and ("escape", None) steps; consecutive characters merge."""
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
                normal = normalise(token)
                if normal not in commands:
                    raise KeyStringError(f"unsupported key combo {token!r}; supported: {' '.join(commands)} {ESCAPE}")
                out.append(("command", commands[normal]))
        return out

    return parse_keys


def normalise(token: str) -> str:
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
