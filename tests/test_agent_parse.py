"""Parsing, repair and grounding of model outputs (pure code, no application)."""

from __future__ import annotations

import json
import random
import string

import pytest

from lamfactory.agent.ground import GroundingError, find_control, ground
from lamfactory.core.ground import MIN_NAME_SCORE
from lamfactory.agent.parse import ParseError, parse_output
from lamfactory.agent.prompt import TARGET_KEYS, render_target
from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.core.records import AgentOutput, Control, Observation

GOOD = AgentOutput(thought="bold it", control_label="3", control_name="Bold", function="click_input",
                   args={}, status="CONTINUE", plan=["center it"])
OBS = Observation(controls=[
    Control(label="1", name="File", type="MENU"),
    Control(label="2", name="Insert Table...", type="MENU_ITEM", path=["Table"]),
    Control(label="3", name="Bold", type="TOGGLE_BUTTON", path=["Formatting"]),
    Control(label="4", name="Font Size", type="COMBO_BOX", items=["10 pt", "12 pt", "14 pt"]),
    Control(label="5", name="Print", type="PUSH_BUTTON", path=["Standard"]),
])


def test_round_trip_of_a_rendered_target():
    assert parse_output(render_target(GOOD)) == GOOD


@pytest.mark.parametrize("text", [
    "```json\n" + render_target(GOOD) + "\n```",
    "Sure! Here is the action:\n" + render_target(GOOD) + "\nHope this helps.",
    render_target(GOOD)[:-1] + ",}",  # trailing comma
    "{'thought': 'bold it', 'control_label': '3', 'control_name': 'Bold', 'function': 'click_input', "
    "'args': {}, 'status': 'CONTINUE', 'plan': ['center it']}",  # python-style quotes
    '{"thought":"bold it","control_label":3,"control_name":"Bold","function":"click_input","plan":"center it"}',
])
def test_unambiguous_damage_is_repaired(text):
    out = parse_output(text)
    assert (out.control_label, out.control_name, out.function, out.status) == ("3", "Bold", "click_input", "CONTINUE")
    assert out.plan == ["center it"]


def test_missing_keys_get_safe_defaults():
    out = parse_output('{"function": "keyboard_input", "args": {"keys": "Hello"}}')
    assert out.control_label is None and out.status == "CONTINUE" and out.plan == [] and out.thought == ""
    done = parse_output('{"thought": "all done", "function": "", "status": "FINISH"}')
    assert done.function == "" and done.status == "FINISH"


def test_python_literals_and_truncated_closing_brace():
    out = parse_output("{'function': 'click_input', 'control_name': 'Bold', 'args': {'double': True}")
    assert out.args == {"double": True}


@pytest.mark.parametrize("text, reason", [
    ("I would click Bold.", "no JSON object"),
    ('{"function": "click_input"} {"function": "save"}', "different JSON objects"),
    ('{"thought": "x"}', "missing 'function'"),
    ('{"function": "save", "status": "DONE"}', "status must be"),
    ('{"function": "save", "args": [1, 2]}', "'args' must be an object"),
    ('{"function": "save", "colour": "red"}', "unexpected key"),
    (12, "must be text"),
])
def test_ambiguous_outputs_are_rejected_with_a_reason(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_output(text)


def test_grounding_label_first_then_name():
    action, control = ground(AgentOutput(control_label="3", control_name="Italic", function="click_input"), OBS)
    assert control.name == "Bold" and action.control_label == "3"
    action, control = ground(AgentOutput(control_label="99", control_name="insert table", function="click_input"), OBS)
    assert control.label == "2"  # stale label, name matched case-insensitively / fuzzily
    assert find_control(None, "Insert Tabel", OBS.controls).label == "2"  # typo, fuzzy above MIN_NAME_SCORE


def test_grounding_failures_are_clear_errors():
    with pytest.raises(GroundingError, match="no control labelled '42' or named 'Zoom Slider'"):
        ground(AgentOutput(control_label="42", control_name="Zoom Slider", function="click_input"), OBS)
    with pytest.raises(GroundingError, match="unknown function 'drag'"):
        ground(AgentOutput(function="drag"), OBS)
    with pytest.raises(GroundingError, match="needs a control"):
        ground(AgentOutput(function="set_edit_text", args={"text": "14"}), OBS)
    with pytest.raises(GroundingError, match="missing argument 'rows'"):
        ground(AgentOutput(function="insert_table", args={"columns": 2}), OBS)
    assert MIN_NAME_SCORE >= 80  # a named, strict threshold: "Print" must not match "Paint"
    assert find_control(None, "Paint", OBS.controls) is None


def test_no_control_function_ignores_a_missing_control():
    action, control = ground(AgentOutput(function="insert_table", args={"rows": "3", "columns": 2.0}), OBS)
    assert control is None and action.args == {"rows": 3, "columns": 2}


def _random_value(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "bool", "none", "list", "dict"] if depth < 3 else ["str", "int", "none"]
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(rng.choice(string.printable + "é中\\\"'{}[]") for _ in range(rng.randint(0, 12)))
    if kind == "int":
        return rng.choice([0, 1, -1, 3, 10 ** 30, rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice([0.5, 2.0, float("1e308"), -3.25])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(list(TARGET_KEYS) + ["text", "keys", "x"]): _random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def _random_output(rng: random.Random) -> str:
    """Plausible-to-garbage model outputs: valid objects with random values, then text damage."""
    plausible = {"thought": "ok", "control_label": "3", "control_name": "Bold", "function": "click_input",
                 "args": {}, "status": rng.choice(["CONTINUE", "FINISH", "CONFIRM", "finish"]), "plan": ["next"]}
    obj = {k: (plausible[k] if rng.random() < 0.75 else _random_value(rng)) for k in TARGET_KEYS
           if rng.random() < 0.9}
    if rng.random() < 0.7:
        obj["function"] = rng.choice(list(ACTIONS.functions) + ["", "click", None])
    if rng.random() < 0.5:
        obj["control_label"] = rng.choice(["1", "2", "3", "4", "5", "99", 3, None])
    if rng.random() < 0.5 and isinstance(obj.get("function"), str) and obj["function"] in ACTIONS.functions:
        fn = ACTIONS.functions[obj["function"]]
        obj["args"] = {a.name: _random_value(rng, 2) for a in fn.args if rng.random() < 0.7}
    text = json.dumps(obj) if rng.random() < 0.8 else repr(obj)
    damage = rng.random()
    if damage < 0.15:
        cut = rng.randint(0, len(text))
        text = text[:cut]
    elif damage < 0.3:
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice(["{", "}", ",", "'", '"', "```", "\\", "\n"]) + text[i:]
    elif damage < 0.4:
        text = "```json\n" + text + "\n```" + rng.choice(["", " trailing words {"])
    elif damage < 0.45:
        text = "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 80)))
    return text


def test_fuzz_parse_and_ground_never_crash():
    """10,000 random/malformed outputs: each ends as an AgentOutput+Action or a ParseError/GroundingError."""
    rng = random.Random(1234)
    outcomes = {"grounded": 0, "parse_error": 0, "grounding_error": 0}
    for _ in range(10_000):
        text = _random_output(rng)
        try:
            out = parse_output(text)
        except ParseError as e:
            assert str(e) and "\n" not in str(e)
            outcomes["parse_error"] += 1
            continue
        try:
            action, _ = ground(out, OBS)
            ACTIONS.validate(action)
            outcomes["grounded"] += 1
        except GroundingError as e:
            assert str(e)
            outcomes["grounding_error"] += 1
    assert all(v > 100 for v in outcomes.values()), outcomes  # the fuzzer reaches every outcome
