"""WriterEnv on the real LibreOffice: every action function, grounding, dialogs, bad actions, crash and hang
recovery, no orphan processes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from docx import Document

from lamfactory.core.app import get_app
from lamfactory.apps.writer.state import canvas_of
from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.apps.libreoffice.env import ground_by_name
from lamfactory.apps.writer.env import WriterEnv
from lamfactory.core.records import Action, Control, TaskInstance

A = Action


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    d = Document()
    d.add_heading("Project plan", level=1)
    d.add_paragraph("The kickoff is on Monday. The kickoff room is 4B.")
    d.add_paragraph("Budget details follow.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "Item"
    t.cell(0, 1).text = "Cost"
    d.add_paragraph("Closing remarks.")
    path = tmp_path_factory.mktemp("tpl") / "plan.docx"
    d.save(path)
    return path


@pytest.fixture
def env(writer_env, template):
    writer_env.reset(TaskInstance(task_id="t", request="r", template_id="plan", doc_path=str(template)))
    return writer_env


def ok(env, action):
    r = env.step(action)
    assert r.ok, f"{action}: {r.error}"
    return r


def control(obs, name):
    return next(c for c in obs.controls if c.name == name)


# ------------------------------------------------------------------ reset / observe


def test_registered_and_reset_opens_a_copy(writer_env, template):
    assert isinstance(writer_env, WriterEnv) and get_app("writer").name == "writer"
    digest = hashlib.sha256(template.read_bytes()).hexdigest()
    obs = writer_env.reset(TaskInstance(task_id="t", request="r", template_id="plan", doc_path=str(template)))
    paras = canvas_of(obs).paragraphs
    assert [p.text for p in paras[:2]] == ["Project plan", "The kickoff is on Monday. The kickoff room is 4B."]
    assert paras[0].style == "Heading 1"
    assert canvas_of(obs).tables[0].rows == 2 and canvas_of(obs).tables[0].cells[0] == ["Item", "Cost"]
    ok(writer_env, A(function="keyboard_input", args={"keys": "^{HOME}Changed "}))
    ok(writer_env, A(function="save"))
    assert hashlib.sha256(template.read_bytes()).hexdigest() == digest  # the template is never modified
    assert writer_env.doc_path != template and "Changed" in Document(str(writer_env.doc_path)).paragraphs[0].text
    empty = writer_env.reset(None)
    assert [p.text for p in canvas_of(empty).paragraphs] == [""]
    with pytest.raises(FileNotFoundError):
        writer_env.reset(TaskInstance(task_id="t", request="r", template_id="x", doc_path="/nonexistent.docx"))


def test_reset_opens_odt(writer_env, tmp_path):
    writer_env.reset(None)
    ok(writer_env, A(function="keyboard_input", args={"keys": "Native ODF text"}))
    odt = writer_env.save(tmp_path / "native.odt")
    obs = writer_env.reset(TaskInstance(task_id="t", request="r", template_id="odt", doc_path=str(odt)))
    assert canvas_of(obs).paragraphs[0].text == "Native ODF text"


def test_observation_controls(env):
    obs = env.observe()
    names = {c.name for c in obs.controls}
    assert {"Bold", "Italic", "Underline", "Center", "Right", "Justified", "Format", "Insert", "Table"} <= names
    labels = [c.label for c in obs.controls]
    assert labels == [str(i) for i in range(1, len(labels) + 1)]
    bold = control(obs, "Bold")
    assert bold.type == "TOGGLE_BUTTON" and "SHOWING" in bold.states and bold.path == ["Formatting"]
    size = control(obs, "Font Size")
    assert size.type == "COMBO_BOX" and size.value and "12 pt" in size.items
    style = control(obs, "Paragraph Style")
    assert "Heading 1" in style.items
    assert all(not c.path or c.path[0] != "Properties" for c in obs.controls)  # sidebar closed
    assert obs.dialog is None


# ------------------------------------------------------------------ every action function


def test_click_input_toolbar_and_label_grounding(env):
    ok(env, A(function="select_text", args={"text": "kickoff", "occurrence": 2}))
    obs = env.observe()
    assert canvas_of(obs).selection == "kickoff"
    r = ok(env, A(function="click_input", control_label=control(obs, "Bold").label))
    assert r.control.name == "Bold"
    assert "CHECKED" in control(r.observation, "Bold").states
    runs = canvas_of(r.observation).paragraphs[1].runs
    assert [(x.text, x.bold) for x in runs] == [("kickoff", True)]
    assert env.check({"pred": "char_format", "text": "kickoff", "occurrence": 2, "bold": True}).passed
    assert not env.check({"pred": "char_format", "text": "kickoff", "occurrence": 1, "bold": True}).passed


def test_click_input_double_and_alignment(env):
    ok(env, A(function="select_paragraph", args={"index": 3}))
    ok(env, A(function="click_input", control_name="Center"))
    r = ok(env, A(function="click_input", control_name="Italic", args={"double": True}))  # on, then off
    para = canvas_of(r.observation).paragraphs[2]
    assert para.alignment == "center" and not any(x.italic for x in para.runs)


def test_set_edit_text_and_select_item_on_combo_boxes(env):
    ok(env, A(function="select_paragraph", args={"index": 2}))
    ok(env, A(function="set_edit_text", control_name="Paragraph Style", args={"text": "Heading 2"}))
    ok(env, A(function="select_text", args={"text": "Budget"}))
    ok(env, A(function="set_edit_text", control_name="Font Size", args={"text": "18"}))
    r = ok(env, A(function="select_item", control_name="Font Name", args={"item": "DejaVu Sans"}))
    assert canvas_of(r.observation).paragraphs[1].style == "Heading 2"
    assert control(r.observation, "Font Size").value == "18 pt"
    assert env.check({"all": [{"pred": "para_style", "para": 2, "style": "Heading 2"},
                              {"pred": "char_format", "text": "Budget", "size_pt": 18, "font": "DejaVu Sans"}]}).passed
    bad = env.step(A(function="set_edit_text", control_name="Paragraph Style", args={"text": "No Such Style"}))
    assert not bad.ok and "No Such Style" in bad.error


def test_keyboard_input_text_and_combos(env):
    ok(env, A(function="keyboard_input", args={"keys": "^{END}Last line{ENTER}Next^a"}))
    obs = env.observe()
    assert canvas_of(obs).paragraphs[-1].text == "Next" and canvas_of(obs).paragraphs[-2].text.endswith("Last line")
    assert canvas_of(obs).selection  # ^a selected
    ok(env, A(function="select_paragraph", args={"index": 3}))
    ok(env, A(function="keyboard_input", args={"keys": "{HOME}^b{TAB}x{DEL}"}))
    text = canvas_of(env.observe()).paragraphs[2].text
    assert text == "\tx" + "Budget details follow."[1:]  # tab and x typed at the start, the 'B' deleted
    ok(env, A(function="keyboard_input", args={"keys": "^{END}^{ENTER}After break^i^u"}))
    assert env.check({"all": [{"pred": "para_page_break_before", "contains": "After break"},
                              {"pred": "char_format", "text": "\tx", "bold": True}]}).passed
    bad = env.step(A(function="keyboard_input", args={"keys": "^q"}))
    assert not bad.ok and "unsupported key combo" in bad.error


def test_select_paragraph_table_and_insert_table(env):
    ok(env, A(function="select_paragraph", args={"index": 1}))
    assert canvas_of(env.observe()).selection == "Project plan"
    ok(env, A(function="select_table", args={"number": 1}))
    ok(env, A(function="keyboard_input", args={"keys": "^{END}"}))
    r = ok(env, A(function="insert_table", args={"rows": 3, "columns": 4}))
    assert [(t.rows, t.cols) for t in canvas_of(r.observation).tables] == [(2, 2), (3, 4)]
    assert not env.step(A(function="select_table", args={"number": 9})).ok
    assert not env.step(A(function="select_paragraph", args={"index": 99})).ok
    assert not env.step(A(function="select_text", args={"text": "kickoff", "occurrence": 3})).ok


def test_save_and_wheel(env, tmp_path):
    ok(env, A(function="wheel_mouse_input", args={"wheel_dist": -3}))
    ok(env, A(function="wheel_mouse_input", args={"wheel_dist": 2}))
    ok(env, A(function="keyboard_input", args={"keys": "^{HOME}Saved "}))
    ok(env, A(function="save"))
    assert Document(str(env.doc_path)).paragraphs[0].text.startswith("Saved ")
    out = env.save(tmp_path / "copy.odt")
    assert out.read_bytes()[:2] == b"PK" and out.stat().st_size > 1000
    env.reset(None)  # a new document: the save action names it (a .docx in the episode's work folder)
    ok(env, A(function="keyboard_input", args={"keys": "Fresh"}))
    ok(env, A(function="save"))
    ok(env, A(function="keyboard_input", args={"keys": " again"}))
    ok(env, A(function="save"))
    assert Document(str(env.doc_path)).paragraphs[0].text == "Fresh again"


def test_every_function_is_exercised():
    tested = {"click_input", "set_edit_text", "keyboard_input", "select_text", "select_paragraph", "select_table",
              "insert_table", "select_item", "save", "wheel_mouse_input"}
    assert tested == set(ACTIONS.functions)


# ------------------------------------------------------------------ menus and dialogs


def test_insert_table_dialog_through_the_menu(env):
    ok(env, A(function="keyboard_input", args={"keys": "^{END}"}))
    r = ok(env, A(function="click_input", control_name="Table"))
    items = {c.name for c in r.observation.controls if c.path == ["Table"]}
    assert "Insert Table..." in items
    r = ok(env, A(function="click_input", control_name="Insert Table"))  # fuzzy: 'Insert Table...'
    assert r.observation.dialog == "Insert Table"
    dialog = {c.name: c for c in r.observation.controls}
    assert {"Columns:", "Rows:", "Insert", "Cancel", "Heading"} <= set(dialog)
    assert dialog["Columns:"].type == "SPIN_BOX"
    clicked = env.step(A(function="click_input", control_name="Columns:"))  # a spin field has nothing to press
    assert not clicked.ok and "type into it with set_edit_text" in clicked.error
    ok(env, A(function="set_edit_text", control_name="Columns:", args={"text": "5"}))
    ok(env, A(function="set_edit_text", control_name="Rows:", args={"text": "3"}))
    r = ok(env, A(function="click_input", control_name="Insert"))
    assert r.observation.dialog is None
    assert (canvas_of(r.observation).tables[-1].rows, canvas_of(r.observation).tables[-1].cols) == (3, 5)
    assert env.check({"pred": "table_shape", "table": 2, "rows": 3, "cols": 5}).passed


def test_paragraph_dialog_tabs_units_and_lists(env):
    ok(env, A(function="select_paragraph", args={"index": 3}))
    r = ok(env, A(function="click_input", control_name="Format"))
    names = {c.name for c in r.observation.controls if c.path == ["Format"]}
    assert {"Paragraph...", "Character...", "Columns..."} <= names
    r = ok(env, A(function="click_input", control_name="Paragraph..."))
    assert r.observation.dialog == "Paragraph"
    tabs = [c.name for c in r.observation.controls if c.type == "PAGE_TAB"]
    assert tabs[:2] == ["Indents & Spacing", "Alignment"]
    before = control(r.observation, "Before text:")
    assert before.type == "SPIN_BOX" and before.path[1] == "Indents & Spacing" and before.value.endswith("cm")
    ok(env, A(function="set_edit_text", control_name="Before text:", args={"text": "1.5"}))
    ok(env, A(function="set_edit_text", control_name="Above paragraph:", args={"text": "12 pt"}))  # unit converted
    ok(env, A(function="select_item", control_name="Line Spacing", args={"item": "Double"}))
    r = ok(env, A(function="click_input", control_name="Alignment"))  # switch tab: its widgets appear
    assert control(r.observation, "Justified").type == "RADIO_BUTTON"
    ok(env, A(function="click_input", control_name="Justified"))
    r = ok(env, A(function="click_input", control_name="OK"))
    assert r.observation.dialog is None
    assert env.check({"all": [
        {"pred": "para_indent", "para": 3, "left_cm": 1.5},
        {"pred": "para_spacing", "para": 3, "before_pt": 12, "line": "double"},
        {"pred": "para_alignment", "para": 3, "value": "justify"}]}).details == []


def test_escape_closes_menus_and_dialogs(env):
    ok(env, A(function="click_input", control_name="Table"))
    r = ok(env, A(function="click_input", control_name="Insert"))  # the open menu's submenu wins over the menu bar's
    assert r.control.path == ["Table"]
    assert "Rows Above" in {c.name for c in r.observation.controls if c.path == ["Table", "Insert"]}
    r = ok(env, A(function="keyboard_input", args={"keys": "{ESC}"}))
    assert not any(c.path[:1] == ["Table"] for c in r.observation.controls)
    ok(env, A(function="click_input", control_name="Table"))
    r = ok(env, A(function="click_input", control_name="Insert Table..."))
    assert r.observation.dialog == "Insert Table"
    r = ok(env, A(function="keyboard_input", args={"keys": "{ESC}"}))
    assert r.observation.dialog is None and len(canvas_of(r.observation).tables) == 1
    # while a dialog is open the document is out of reach; Enter presses the default button (Insert)
    ok(env, A(function="click_input", control_name="Table"))
    ok(env, A(function="click_input", control_name="Insert Table..."))
    blocked = env.step(A(function="keyboard_input", args={"keys": "typed"}))
    assert not blocked.ok and "dialog 'Insert Table' is open" in blocked.error
    r = ok(env, A(function="keyboard_input", args={"keys": "{ENTER}"}))
    assert r.observation.dialog is None and len(canvas_of(r.observation).tables) == 2


def clicks(env, *names):
    """Click controls by name in turn (a menu path); the last step's result."""
    for name in names:
        r = ok(env, A(function="click_input", control_name=name))
    return r


def test_modal_dialogs_do_not_block_the_step(env):
    """Find and Replace > Format... runs its modal dialog inside the button's click: the step used to hang
    until the watchdog killed soffice. Now it returns at once and the next step operates the dialog."""
    restarts = env.restarts
    clicks(env, "Edit", "Find and Replace...")
    r = clicks(env, "Format")  # the dialog's button: the open dialog's controls are the only ones listed
    assert r.observation.dialog == "Search for formatting" and r.duration_ms < 3000
    r = clicks(env, "Cancel")
    assert r.observation.dialog == "Find and Replace"
    assert clicks(env, "Close").observation.dialog is None
    r = ok(env, A(function="keyboard_input", args={"keys": "^{END}^{F12}"}))  # a shortcut opening a dialog
    assert r.observation.dialog == "Insert Table"
    ok(env, A(function="set_edit_text", control_name="Columns:", args={"text": "3"}))
    r = clicks(env, "Insert")
    tables = canvas_of(r.observation).tables
    assert r.observation.dialog is None and (len(tables), tables[-1].cols) == (2, 3)
    assert clicks(env, "Edit", "Go to Page...").observation.dialog == "Go to Page"
    assert clicks(env, "OK").observation.dialog is None
    assert env.restarts == restarts


@pytest.mark.parametrize("item", ["Character...", "Paragraph...", "Page Style...", "Bullets and Numbering..."])
def test_every_tab_of_tabbed_dialogs_can_be_selected(env, item):
    controls = clicks(env, "Format", item).observation.controls
    tabs = [c.name for c in controls if c.type == "PAGE_TAB" and len(c.path) == 1]  # not the nested ones
    assert len(tabs) >= 4
    for tab in reversed(tabs):
        r = clicks(env, tab)
        assert [c.name for c in r.observation.controls
                if c.type == "PAGE_TAB" and len(c.path) == 1 and "SELECTED" in c.states] == [tab]
    ok(env, A(function="keyboard_input", args={"keys": "{ESC}"}))


def test_page_style_dialog_landscape_and_margins(env):
    """Format > Page Style... > Page tab: the widgets the page-setup task families use."""
    r = clicks(env, "Format", "Page Style...")
    assert r.observation.dialog == "Page Style: Default Page Style"
    r = clicks(env, "Page")
    page = {c.name: c for c in r.observation.controls if c.path[1:2] == ["Page"]}
    assert page["Landscape"].type == "RADIO_BUTTON" and page["Left:"].type == "SPIN_BOX"
    assert page["Left:"].path[2] == "Margins" and page["Left:"].value.endswith("cm")
    clicks(env, "Landscape")
    ok(env, A(function="set_edit_text", control_name="Left:", args={"text": "2.5 cm"}))
    ok(env, A(function="set_edit_text", control_name="Top:", args={"text": "1 inch"}))  # unit converted
    r = clicks(env, "OK")
    assert r.observation.dialog is None and canvas_of(r.observation).page["orientation"] == "landscape"
    assert env.check({"all": [{"pred": "page_orientation", "value": "landscape"},
                              {"pred": "page_margin", "side": "left", "cm": 2.5},
                              {"pred": "page_margin", "side": "top", "cm": 2.54}]}).details == []
    assert not env.check({"pred": "page_orientation", "value": "portrait"}).passed
    assert not env.check({"pred": "page_margin", "side": "left", "cm": 3.18}).passed


def _seen(obs):
    """All the agent sees of the UI: each control's name, type, place, states and value."""
    return [(c.name, c.type, c.path, c.states, c.value) for c in obs.controls]


def test_reset_restores_the_global_ui_state(writer_env, template):
    """Toolbars, view options, side windows, dialogs' last tab and the clipboard belong to the application,
    not the document: after an episode that changed them, the next episode in the same soffice sees exactly
    what a freshly started soffice shows."""
    task = TaskInstance(task_id="t", request="r", template_id="plan", doc_path=str(template))
    writer_env.reset(task)
    ok(writer_env, A(function="select_text", args={"text": "Budget"}))
    ok(writer_env, A(function="keyboard_input", args={"keys": "^c"}))  # enables Paste
    r = clicks(writer_env, "View", "Toolbars", "Formatting")
    assert not any(c.name == "Bold" for c in r.observation.controls)  # the Formatting toolbar is gone
    clicks(writer_env, "View", "Formatting Marks")
    clicks(writer_env, "View", "Field Shadings")
    clicks(writer_env, "View", "Web")
    clicks(writer_env, "View", "Navigator")
    clicks(writer_env, "Edit", "Track Changes", "Record")
    clicks(writer_env, "Tools", "Automatic Spell Checking")
    assert clicks(writer_env, "Format", "Paragraph...", "Alignment").observation.dialog == "Paragraph"  # left open
    reused = writer_env.reset(task)
    with WriterEnv() as fresh:
        expected = fresh.reset(task)
        assert _seen(reused) == _seen(expected)
        assert reused.state == expected.state
        # the Paragraph dialog reopens on its first tab, not on the one it was left on
        assert _seen(clicks(writer_env, "Format", "Paragraph...").observation) == \
            _seen(clicks(fresh, "Format", "Paragraph...").observation)
    ok(writer_env, A(function="keyboard_input", args={"keys": "{ESC}"}))


# ------------------------------------------------------------------ bad actions


@pytest.mark.parametrize("action, message", [
    (A(function="fly"), "unknown function"),
    (A(function="click_input", control_name="Frobnicate the Widget"), "no control named"),
    (A(function="click_input", control_label="9999"), "no control with label"),
    (A(function="insert_table", args={"rows": "many", "columns": 2}), "must be int"),
    (A(function="insert_table", args={"rows": 0, "columns": 2}), "rows must be"),
    (A(function="click_input", control_name="Cut"), "disabled"),  # nothing selected
    (A(function="click_input", control_name="Bold", args={"button": "right"}), "right click"),
    (A(function="set_edit_text", control_name="Bold", args={"text": "x"}), "no editable text"),
])
def test_bad_actions_are_error_results(env, action, message):
    env.observe()
    r = env.step(action)
    assert not r.ok and message in r.error


def test_fuzzy_grounding_has_a_minimum_score():
    controls = [Control(label="1", name="Insert Table...", type="MENU_ITEM", states=["ENABLED", "SHOWING"]),
                Control(label="2", name="Bold", type="TOGGLE_BUTTON", states=["SHOWING"]),
                Control(label="3", name="Bold", type="TOGGLE_BUTTON", states=["ENABLED", "SHOWING"])]
    assert ground_by_name("insert table", controls).label == "1"
    assert ground_by_name("Bold", controls).label == "3"  # showing+enabled preferred
    with pytest.raises(ValueError, match="closest"):
        ground_by_name("Italic", controls)


# ------------------------------------------------------------------ robustness


def test_killed_soffice_is_recovered_mid_episode(env):
    ok(env, A(function="keyboard_input", args={"keys": "^{HOME}Doomed "}))
    old = env.pid
    os.kill(old, signal.SIGKILL)
    r = env.step(A(function="click_input", control_name="Bold"))
    assert not r.ok and "restarted" in r.error
    assert env.pid != old and env.office.alive()
    # the episode was reset to a fresh copy and can be retried
    assert canvas_of(env.observe()).paragraphs[0].text == "Project plan"
    ok(env, A(function="select_text", args={"text": "Budget"}))
    ok(env, A(function="click_input", control_name="Bold"))
    assert env.check({"pred": "char_format", "text": "Budget", "bold": True}).passed


def test_reset_after_soffice_died_loads_the_document_once(writer_env, template, reset_after_soffice_died):
    task = TaskInstance(task_id="t", request="r", template_id="plan", doc_path=str(template))
    obs = reset_after_soffice_died(writer_env, task)
    assert canvas_of(obs).paragraphs[0].text == "Project plan"


def test_hung_soffice_is_killed_by_the_watchdog(env):
    env.office.call_timeout_s = 2.0
    try:
        old = env.pid
        os.kill(old, signal.SIGSTOP)
        t0 = time.monotonic()
        r = env.step(A(function="click_input", control_name="Bold"))
        assert not r.ok and "did not answer" in r.error
        assert time.monotonic() - t0 < 15 and env.pid != old
    finally:
        env.office.call_timeout_s = 20.0
    assert env.step(A(function="keyboard_input", args={"keys": "alive"})).ok


def test_soffice_dies_with_its_parent(tmp_path):
    """Even when the Python process is SIGKILLed (no atexit), PR_SET_PDEATHSIG takes soffice down."""
    script = textwrap.dedent("""
        import sys, time
        from lamfactory.apps.writer.env import WriterEnv
        env = WriterEnv(); env.reset(None)
        print(env.pid, flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    pid = int(proc.stdout.readline())
    os.kill(pid, 0)  # running
    proc.kill()
    proc.wait()
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("soffice outlived its SIGKILLed parent")


def test_close_leaves_no_process():
    env = WriterEnv()
    env.reset(None)
    pid = env.pid
    env.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# ------------------------------------------------------------------ CLI


def test_cli_inspect_and_bench(template, tmp_path):
    import json as _json

    from typer.testing import CliRunner

    from lamfactory.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["env", "writer", "inspect", str(template), "--json"])
    assert r.exit_code == 0, r.output
    obs = _json.loads(r.stdout)
    assert any(c["name"] == "Bold" for c in obs["controls"]) and obs["state"]["tables"][0]["rows"] == 2
    missing = runner.invoke(app, ["env", "writer", "inspect", str(tmp_path / "nope.docx")])
    assert missing.exit_code == 2 and "no such document" in missing.output
    r = runner.invoke(app, ["env", "writer", "bench", "--episodes", "2", "--json"])
    assert r.exit_code == 0, r.output
    figures = _json.loads(r.stdout)
    assert figures["episodes"] == 2 and figures["episodes_ok"] == 2 and figures["reset_ms_median"] > 0
