import pytest

from lamfactory.envs.actions import ActionError, FUNCTIONS, describe, validate
from lamfactory.records import Action


def test_validate_fills_defaults_and_coerces():
    assert validate(Action(function="click_input", control_name="Bold")) == {"button": "left", "double": False}
    assert validate(Action(function="insert_table", args={"rows": "3", "columns": 2.0})) == {"rows": 3, "columns": 2}


@pytest.mark.parametrize("action, message", [
    (Action(function="fly"), "unknown function"),
    (Action(function="click_input"), "needs a control"),
    (Action(function="insert_table", args={"rows": 2}), "missing argument 'columns'"),
    (Action(function="insert_table", args={"rows": "two", "columns": 2}), "must be int"),
    (Action(function="save", args={"x": 1}), "unexpected argument"),
])
def test_bad_actions_are_clear_errors(action, message):
    with pytest.raises(ActionError, match=message):
        validate(action)


def test_every_function_is_described():
    text = describe()
    assert all(name in text for name in FUNCTIONS)
