"""Sensitive actions: which ones need the user's yes, and how a run asks for it.

A rule matches on the grounded control's name (and its menu path) or on typed keys. A CONFIRM status from
the model is treated as sensitive too. Interactive runs ask on the terminal; non-interactive runs refuse,
and the loop records the refusal in the trajectory as an error step the model can replan from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from lamfactory.core.records import Action, Control, Step
from lamfactory.core.safety import Rule


SELECT_ALL = Rule("select all", control=r"^select all$", keys=r"\^a$")
DELETE = Rule("delete", control=r"^(delete|cut)$", keys=r"^\s*(\{del(ete)?\}|\{backspace\}|\{bs\}|\^x)\s*$")
_PATH = re.compile(r"^(~|/|[a-zA-Z]:[\\/]|\.\.)|[\\/]\.\.[\\/]")

Confirm = Callable[[str, Action], bool]  # (reason, action) -> the user's yes/no


@dataclass
class Safety:
    """The sensitive-action policy. `confirm` None = non-interactive: every sensitive action is refused."""

    rules: tuple[Rule, ...] = ()  # the app's rules (App.safety_rules)
    work_dir: Optional[Path] = None  # file paths outside it are sensitive (file dialogs)
    confirm: Optional[Confirm] = None
    allowed: set[str] = field(default_factory=set)  # reasons the user already accepted this run

    def sensitive(self, action: Action, control: Optional[Control], history: list[Step],
                  status: str = "CONTINUE") -> Optional[str]:
        """The reason this action needs a confirmation, or None."""
        for rule in self.rules:
            if _matches(rule, action, control):
                return rule.name
        path = _path_arg(action)
        if path is not None and not self._inside_work_dir(path):
            return f"file path outside the working folder ({path})"
        if _wipes_a_selection(action, control) and _whole_document_selected(history):
            return "delete the whole document"
        if _select_all_then_wipe(action):
            return "delete the whole document"
        if status == "CONFIRM":
            return "the model asked for confirmation"
        return None

    def allow(self, reason: str, action: Action) -> bool:
        """Ask (once per reason) or refuse when nobody can be asked."""
        if reason in self.allowed:
            return True
        if self.confirm is None:
            return False
        ok = bool(self.confirm(reason, action))
        if ok:
            self.allowed.add(reason)
        return ok

    def _inside_work_dir(self, path: str) -> bool:
        if self.work_dir is None:
            return False
        base = self.work_dir.resolve()
        target = (base / Path(path).expanduser()).resolve()
        return target == base or base in target.parents


def terminal_confirm(reason: str, action: Action) -> bool:
    """Ask on the terminal (interactive `lamfactory run`)."""
    import typer

    what = f"{action.function}({action.control_name or ''} {action.args or ''})".strip()
    return typer.confirm(f"The agent wants to {reason}: {what}. Allow?", default=False)


def _matches(rule: Rule, action: Action, control: Optional[Control]) -> bool:
    if rule.control and control is not None:
        where = " > ".join(p.strip() for p in [*control.path, control.name] if p.strip())
        if re.search(rule.control, where, re.I) or re.search(rule.control, control.name.strip(), re.I):
            return True
    if rule.keys and action.function == "keyboard_input":
        keys = str(action.args.get("keys", ""))
        return bool(re.search(rule.keys, keys, re.I))
    return False


def _is_select_all(step: Step) -> bool:
    out = step.output
    if out.function == "keyboard_input":
        return bool(re.search(SELECT_ALL.keys, str(out.args.get("keys", "")).strip(), re.I))
    return bool(out.control_name and re.search(SELECT_ALL.control, out.control_name.strip(), re.I))


# keys that keep a selection as it is: formatting shortcuts (Ctrl/Alt + a letter or digit, not cut/paste) and
# keys that change nothing (an F-key, Escape closes a menu, not the selection)
_KEEPS_SELECTION = re.compile(r"^(\s*([\^%](?![xv])[a-z0-9]|[\^%]\+[a-z0-9]|\{f\d+\}|\{esc\}))+\s*$", re.I)


def _whole_document_selected(history: list[Step]) -> bool:
    """A select-all is still in force: since the last one that ran, only steps that leave the selection as it
    is (clicks on buttons and menu items: Bold, a style; formatting shortcuts; failed or refused steps)."""
    for step in reversed(history):
        if not step.result_ok:
            continue  # a failed or refused step did nothing
        if _is_select_all(step):
            return True
        out = step.output
        if out.function == "click_input":
            continue  # a toolbar button or menu item formats the selection, it does not move it
        if out.function == "keyboard_input" and _KEEPS_SELECTION.match(str(out.args.get("keys", ""))):
            continue
        return False  # typing, moving the cursor, another selection: the select-all no longer holds
    return False


def _wipes_a_selection(action: Action, control: Optional[Control]) -> bool:
    """Deleting, cutting or typing over what is selected (typed text replaces a selection)."""
    if _matches(DELETE, action, control):
        return True
    if action.function != "keyboard_input":
        return False
    keys = str(action.args.get("keys", ""))
    return bool(keys.strip()) and not _KEEPS_SELECTION.match(keys) and not _only_moves(keys)


_MOVE = r"\{(left|right|up|down|home|end|pgup|pgdn|pageup|pagedown|tab|esc)( \d+)?\}"


def _only_moves(keys: str) -> bool:
    return bool(re.fullmatch(rf"(\s*([\^+]*{_MOVE}))+\s*", keys, re.I))


def _select_all_then_wipe(action: Action) -> bool:
    """One keyboard_input that selects everything and then deletes, cuts or types over it ('^a{DEL}', '^aX')."""
    if action.function != "keyboard_input":
        return False
    keys = str(action.args.get("keys", ""))
    found = list(re.finditer(r"\^a", keys, re.I))
    if not found:
        return False
    rest = keys[found[-1].end():]
    if not rest.strip() or _only_moves(rest) or _KEEPS_SELECTION.match(rest):
        return False
    first_move = re.match(rf"\s*[\^+]*{_MOVE}", rest, re.I)
    return first_move is None  # a move first collapses the selection; anything else wipes it


def _path_arg(action: Action) -> Optional[str]:
    """A file path typed into a field (a file dialog), if the action types one."""
    if action.function not in ("set_edit_text", "keyboard_input"):
        return None
    text = str(action.args.get("text", action.args.get("keys", ""))).strip()
    return text if text and _PATH.search(text) else None
