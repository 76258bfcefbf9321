import pytest

from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.core.actions import GUI_PRIMITIVES, ActionError
from lamfactory.core.records import Action


def test_validate_fills_defaults_and_coerces():
    assert ACTIONS.validate(Action(function="click_input", control_name="Bold")) == {"button": "left", "double": False}
    assert ACTIONS.validate(Action(function="insert_table", args={"rows": "3", "columns": 2.0})) == {"rows": 3,
                                                                                                     "columns": 2}


@pytest.mark.parametrize("action, message", [
    (Action(function="fly"), "unknown function"),
    (Action(function="click_input"), "needs a control"),
    (Action(function="insert_table", args={"rows": 2}), "missing argument 'columns'"),
    (Action(function="insert_table", args={"rows": "two", "columns": 2}), "must be int"),
    (Action(function="save", args={"x": 1}), "unexpected argument"),
])
def test_bad_actions_are_clear_errors(action, message):
    with pytest.raises(ActionError, match=message):
        ACTIONS.validate(action)


def test_every_function_is_described():
    text = ACTIONS.describe()
    assert all(name in text for name in ACTIONS.functions)


def test_an_app_composes_its_set_from_the_shared_primitives():
    assert set(GUI_PRIMITIVES) < set(ACTIONS)  # Writer adds its own API functions
    assert "insert_table" not in GUI_PRIMITIVES and "insert_table" in ACTIONS
    with pytest.raises(ActionError, match="unknown function"):
        GUI_PRIMITIVES.validate(Action(function="insert_table", args={"rows": 2, "columns": 2}))
