"""CalcEnv on real Calc: the Name Box is listed under its name and typing into it selects, select_cell/enter,
keys, the sheet state, and the scripted bench episodes all succeed."""

from __future__ import annotations

import pytest

from lamfactory.apps.calc.bench import run_bench
from lamfactory.apps.calc.keys import parse_keys
from lamfactory.apps.libreoffice.keys import KeyStringError
from lamfactory.core.app import get_app
from lamfactory.core.records import Action, TaskInstance


@pytest.fixture(scope="module")
def env():
    with get_app("calc").make_env() as e:
        yield e


def test_keys_parse_and_refuse_unknown_combos():
    assert parse_keys("Total{TAB}") == [("text", "Total"), ("command", (".uno:GoRight", {}))]
    with pytest.raises(KeyStringError, match="unsupported key combo"):
        parse_keys("^{F9}")


def test_cells_by_name_box_and_enter(env, tmp_path):
    task = get_app("calc").example_task(tmp_path)
    obs = env.reset(task)
    assert obs.state["sheet"] == "Budget" and any(c.name == "Name Box" for c in obs.controls)
    r = env.step(Action(function="set_edit_text", control_name="Name Box", args={"text": "B4"}))
    assert r.ok and r.observation.state["selection"] == "B4"
    assert env.step(Action(function="enter", args={"text": "=SUM(B2:B3)"})).ok
    assert env.step(Action(function="select_cell", args={"address": "A1:B1"})).ok
    assert env.step(Action(function="keyboard_input", args={"keys": "^b"})).ok
    assert env.check({"all": [{"pred": "cell_formula", "cell": "B4", "equals": "=SUM(B2:B3)"},
                              {"pred": "cell_value", "cell": "B4", "equals": 1050},
                              {"pred": "font", "range": "A1:B1", "bold": True}]}).passed
    bad = env.step(Action(function="select_cell", args={"address": "not a cell"}))
    assert not bad.ok and "address" in bad.error


def test_bench_episodes_all_ok(env):
    result = run_bench(3, env=env)
    assert result["episodes_ok"] == 3, result["failures"]
    assert result["observe_ms_median"] < 1000


def test_reset_after_soffice_died_loads_the_workbook_once(env, tmp_path, reset_after_soffice_died):
    obs = reset_after_soffice_died(env, get_app("calc").example_task(tmp_path))
    assert obs.state["sheet"] == "Budget"
