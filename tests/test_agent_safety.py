"""The sensitive-action rules on hand-made controls and actions (pure code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamfactory.agent.safety import Safety
from lamfactory.apps.libreoffice.safety import RULES
from lamfactory.core.records import Action, AgentOutput, Control, Observation, Step


def _c(name, path=(), type_="MENU_ITEM"):
    return Control(label="1", name=name, type=type_, path=list(path))


def _click(control):
    return Action(function="click_input", control_label="1", control_name=control.name)


@pytest.mark.parametrize("control, reason", [
    (_c("Close", ["File"]), "close without saving"),
    (_c("Exit LibreOffice", ["File"]), "close without saving"),
    (_c("Don't Save", [], "PUSH_BUTTON"), "close without saving"),
    (_c("Print...", ["File"]), "print"),
    (_c("Print", ["Standard"], "PUSH_BUTTON"), "print"),
    (_c("Email Document...", ["File", "Send"]), "send or e-mail"),
    (_c("Run Macro...", ["Tools", "Macros"]), "macros"),
])
def test_sensitive_controls(control, reason):
    assert Safety(rules=RULES).sensitive(_click(control), control, []) == reason


@pytest.mark.parametrize("control", [
    _c("Close", ["Find and Replace"], "PUSH_BUTTON"),  # a dialog's own Close button
    _c("Print Preview", ["Standard"], "PUSH_BUTTON"),
    _c("Bold", ["Formatting"], "TOGGLE_BUTTON"),
    _c("Send to Back", ["Format", "Arrange"]),
    _c("Basic Shapes", ["Insert", "Shape"]),
])
def test_harmless_controls(control):
    assert Safety(rules=RULES).sensitive(_click(control), control, []) is None


def test_keys_and_select_all_then_delete():
    safety = Safety(rules=RULES)
    assert safety.sensitive(Action(function="keyboard_input", args={"keys": "^p"}), None, []) == "print"
    assert safety.sensitive(Action(function="keyboard_input", args={"keys": "^b"}), None, []) is None
    select_all = Step(index=0, observation=Observation(), result_ok=True,
                      output=AgentOutput(function="keyboard_input", args={"keys": "^a"}))
    delete = Action(function="keyboard_input", args={"keys": "{DEL}"})
    assert safety.sensitive(delete, None, []) is None  # deleting a selection is ordinary editing
    assert safety.sensitive(delete, None, [select_all]) == "delete the whole document"


def test_paths_outside_the_working_folder(tmp_path: Path):
    safety = Safety(rules=RULES, work_dir=tmp_path)
    field = _c("File name:", ["Save As"], "TEXT")
    inside = Action(function="set_edit_text", control_label="1", args={"text": str(tmp_path / "a.docx")})
    outside = Action(function="set_edit_text", control_label="1", args={"text": "/etc/passwd"})
    escape = Action(function="set_edit_text", control_label="1", args={"text": "../../secret.docx"})
    assert safety.sensitive(inside, field, []) is None
    assert safety.sensitive(outside, field, []).startswith("file path outside")
    assert safety.sensitive(escape, field, []).startswith("file path outside")


def test_confirm_status_and_asking():
    action = Action(function="save")
    assert Safety(rules=RULES).sensitive(action, None, [], status="CONFIRM") == "the model asked for confirmation"
    assert Safety(rules=RULES).allow("print", action) is False  # non-interactive: refused
    asked = []
    safety = Safety(rules=RULES, confirm=lambda reason, a: asked.append(reason) or True)
    assert safety.allow("print", action) and safety.allow("print", action)
    assert asked == ["print"]  # asked once per reason per run
