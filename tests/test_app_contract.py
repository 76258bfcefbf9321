"""The application contract, checked over every registered app (as Gymnasium runs check_env over its envs)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lamfactory.core.app import AppError, app_names, get_app
from lamfactory.core.env import check_env
from lamfactory.core.records import Action, Observation, TaskPlan

APPS = app_names()
LIBRARY = Path(__file__).resolve().parent.parent / "lamfactory"


def test_at_least_one_app_is_registered_through_entry_points():
    assert "writer" in APPS
    with pytest.raises(AppError, match="unknown application 'nope'"):
        get_app("nope")


@pytest.mark.parametrize("name", APPS)
def test_app_describes_itself(name):
    app = get_app(name)
    assert app.name == name and app.display_name and app.file_types
    assert set(app.actions) >= {"click_input", "set_edit_text", "keyboard_input"}  # the shared GUI primitives
    assert app.families() and app.help is not None
    with pytest.raises(AppError, match="does not open .txt"):
        app.check_suffix("notes.txt")


@pytest.mark.parametrize("name", APPS)
def test_environment_conforms(name, tmp_path):
    app = get_app(name)
    task = app.example_task(tmp_path)
    with app.make_env() as env:
        checked = check_env(env, task, Action(function="wheel_mouse_input", args={"wheel_dist": -1}), task.check,
                            app_name=name)
        assert env.check(task.check).passed  # the example's check holds on its untouched document
    assert checked == ["reset", "observe", "step", "bad actions", "check", "save", "copy never the original"]


def test_records_carry_their_app_and_old_runs_still_load():
    plan = TaskPlan(task_id="t", task="Do it", plan=["a", "b"], source={"kind": "docs"})
    assert plan.app == "writer"
    legacy = Observation.model_validate({"controls": [], "canvas": {"paragraphs": [{"index": 1, "text": "Hi"}]}})
    assert legacy.app == "writer" and legacy.state["paragraphs"][0]["text"] == "Hi"


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def test_nothing_outside_apps_names_an_application_in_code():
    """Only docs and the default app name may name one: code takes everything from the App."""
    offenders = []
    for path in LIBRARY.rglob("*.py"):
        if "apps" in path.relative_to(LIBRARY).parts:
            continue
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                    and re.search(r"\b(writer|calc)\b", node.value, re.I)):
                offenders.append(f"{path.relative_to(LIBRARY)}:{node.lineno}: {node.value[:60]!r}")
    allowed = {"core/records.py"}  # DEFAULT_APP
    assert [o for o in offenders if o.split(":")[0] not in allowed] == [], offenders


def test_run_refuses_a_file_the_app_does_not_open(tmp_path):
    from typer.testing import CliRunner

    from lamfactory.cli import app

    notes = tmp_path / "notes.txt"
    notes.write_text("just text")
    r = CliRunner().invoke(app, ["run", "--doc", str(notes), "--task", "Make it bold", "--model", "random"])
    assert r.exit_code == 2 and "does not open .txt" in r.output and "Traceback" not in r.output
    assert not list(tmp_path.glob("notes.lam*"))  # no output file
    r = CliRunner().invoke(app, ["run", "--doc", str(notes), "--task", "x", "--model", "random", "--app", "nope"])
    assert r.exit_code == 2 and "unknown application 'nope'" in r.output


def test_a_trajectory_carries_its_tasks_app():
    """Records of a Calc episode said "writer" (Trajectory.app's default), so its memory entries did too."""
    from lamfactory.core.records import TaskInstance, Trajectory

    task = TaskInstance(task_id="t", app="calc", request="Bold B2", template_id="budget", doc_path="/tmp/b.xlsx")
    assert Trajectory(task=task, policy="oracle").app == "calc"
    assert Trajectory.model_validate_json(Trajectory(task=task, policy="oracle").model_dump_json(exclude={"app"})).app == "calc"
    assert Trajectory(task=task.model_copy(update={"app": "writer"}), policy="oracle").app == "writer"
