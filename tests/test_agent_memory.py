"""The experience memory (agent/retrieval/memory.py): solved training tasks retrieved as worked examples."""

import pytest

from lamfactory.agent.retrieval.memory import MEMORY_FILE, Hint, Memory, experiences, mask, steps_done
from lamfactory.agent.retrieval.transfer import NAMED
from lamfactory.agent.prompt import render_user
from lamfactory.core.records import (AgentOutput, Control, ControlBrief, Experience, Observation, Step, StepControl,
                                     StepSample, TaskInstance, Trajectory)

OBS = Observation(controls=[], state={})


def _trajectory(task_id: str, request: str, outputs: list[AgentOutput], bucket: str = "pass",
                split: str = "train", ok: tuple[bool, ...] = ()) -> Trajectory:
    task = TaskInstance(task_id=task_id, request=request, template_id="tpl", doc_path="x.docx", split=split)
    steps = [Step(index=i, observation=OBS, output=o, result_ok=ok[i] if ok else True) for i, o in enumerate(outputs)]
    return Trajectory(task=task, policy="oracle", steps=steps, bucket=bucket)


SELECT = AgentOutput(function="select_paragraph", args={"index": 5})
BOLD = AgentOutput(function="click_input", control_label="9", control_name="Bold")
STYLE = AgentOutput(function="set_edit_text", control_label="3", control_name="Paragraph Style",
                    args={"text": "Heading 1"})


def _memory() -> Memory:
    return Memory(experiences([
        _trajectory("bold-1", 'Make "quick brown" bold.', [AgentOutput(function="select_text",
                                                                       args={"text": "quick brown"}), BOLD]),
        _trajectory("head-1", "Apply Heading 1 to paragraph 5.", [SELECT, STYLE]),
        _trajectory("fail-1", "Make paragraph 2 bold.", [BOLD], bucket="fail"),
        _trajectory("test-1", "Apply Heading 1 to paragraph 9.", [SELECT, STYLE], split="test"),
    ]))


def _sample(request: str, previous: list[str] = (), task_id: str = "new-1") -> StepSample:
    controls = [ControlBrief(label=str(i), name=n, type="PUSH_BUTTON")
                for i, n in enumerate(["Italic", "Paragraph Style", "Bold"], 1)]
    return StepSample(task_id=task_id, step=len(previous), request=request, controls=controls,
                      previous_actions=list(previous), target=AgentOutput())


def test_only_passing_training_trajectories_are_remembered_with_their_successful_steps():
    memory = _memory()
    assert sorted(e.task_id for e in memory.items) == ["bold-1", "head-1"]
    [e] = experiences([_trajectory("t", "Make it bold.", [BOLD, SELECT, BOLD], ok=(False, True, True))])
    assert [(o.function, o.control_name) for o in e.steps] == [("select_paragraph", None), ("click_input", "Bold")]


def test_a_task_solved_twice_is_remembered_by_its_shortest_trajectory():
    detour = AgentOutput(function="click_input", control_label="4", control_name="Format")
    [e] = experiences([_trajectory("head-1", "Apply Heading 1 to paragraph 5.", [SELECT, STYLE, detour]),
                       _trajectory("head-1", "Apply Heading 1 to paragraph 5.", [SELECT, STYLE])])
    assert [o.function for o in e.steps] == ["select_paragraph", "set_edit_text"]


def test_other_wordings_of_a_remembered_task_are_remembered_too():
    wording = _sample("Set paragraph 5 in the Heading 1 style.", task_id="head-1~p1")
    memory = Memory(experiences([_trajectory("head-1", "Apply Heading 1 to paragraph 5.", [SELECT, STYLE])],
                                [wording, wording]))
    assert [(e.task_id, e.request) for e in memory.items] == [
        ("head-1", "Apply Heading 1 to paragraph 5."), ("head-1~p1", "Set paragraph 5 in the Heading 1 style.")]


def test_retrieval_matches_what_a_request_does_not_what_it_quotes():
    assert mask('Make "Heading 1" bold in paragraph 12.') == 'Make "…" bold in paragraph #.'
    memory = _memory()
    assert memory.nearest("Apply Heading 1 to paragraph 27.").task_id == "head-1"
    assert memory.nearest('Make "lazy dog" bold.').task_id == "bold-1"
    assert memory.nearest('Make "lazy dog" bold.', exclude_task="bold-1").task_id == "head-1"


def test_the_example_shows_the_next_step_and_its_control_comes_first():
    memory = _memory()
    first = memory.attach(_sample('Make "lazy dog" bold.'))
    assert first.example == 'Solved similar task: Make "quick brown" bold.\nIts step 1 of 2: select_text(text=quick brown)'
    assert [c.name for c in first.controls] == ["Italic", "Paragraph Style", "Bold"]  # no control: order kept
    second = memory.attach(_sample('Make "lazy dog" bold.', ["select_text(text=lazy dog) -> ok"]))
    assert second.example.endswith("Its step 2 of 2: click_input(Bold)")
    assert [c.name for c in second.controls] == ["Bold", "Italic", "Paragraph Style"]
    failed = memory.attach(_sample('Make "lazy dog" bold.', ["click_input(Bold) -> error: disabled"]))
    assert failed.example.endswith("Its step 1 of 2: select_text(text=quick brown)")  # only ok steps count
    done = memory.attach(_sample('Make "lazy dog" bold.', ["a -> ok", "b -> ok"]))
    assert done.example.endswith("It was done after 2 steps.")
    assert "Solved similar task" in render_user(second)


def test_training_samples_never_see_their_own_task():
    memory = _memory()
    own = memory.attach(_sample('Make "quick brown" bold.', task_id="bold-1~p2"), exclude_own=True)
    assert "quick brown" not in own.example


def test_memory_round_trips_and_a_missing_file_is_a_clear_error(tmp_path):
    memory = _memory()
    memory.save(tmp_path)
    assert Memory.load(tmp_path).items == memory.items
    (tmp_path / MEMORY_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="experience memory"):
        Memory.load(tmp_path)


def test_argument_values_carry_over_by_their_role_in_the_request():
    find = AgentOutput(function="set_edit_text", control_label="2", control_name="Find:", args={"text": "cat"})
    replace = AgentOutput(function="set_edit_text", control_label="3", control_name="Replace:", args={"text": "dog"})
    end = AgentOutput(function="keyboard_input", args={"keys": "^{END}"})
    para = AgentOutput(function="select_paragraph", args={"index": 5})
    table = AgentOutput(function="select_table", args={"number": 2})
    task = Experience(task_id="t", request='Change "cat" to "dog" in paragraph 5.',
                      steps=[find, replace, end, para, table])
    request = 'Change "old" to "new" in paragraph 12.'
    assert Hint(task, 0, request).transfer_args() == {"text": "old"}
    assert Hint(task, 1, request).transfer_args() == {"text": "new"}  # the second quote, not the first
    assert Hint(task, 2, request).transfer_args() == {"keys": "^{END}"}  # not from its request: a constant
    assert Hint(task, 3, request).transfer_args() == {"index": 12}  # its request's first number -> ours
    assert Hint(task, 3, 'Change "old" to "new".').transfer_args() == {}  # no number here to carry it to
    assert Hint(task, 4, request).transfer_args() == {}  # a number its request did not state does not carry
    assert Hint(task, 5, request).transfer_args() == {}  # finished
    indent = AgentOutput(function="set_edit_text", control_label="5", control_name="First line:",
                         args={"text": "2.5 cm"})
    first_line = Experience(task_id="i", request='Give the first line of the paragraph starting "A" a 2.5 cm indent.',
                            steps=[indent])
    assert Hint(first_line, 0, "Start paragraph 19 with a 2.0 cm first-line indent.").transfer_args() == {
        "text": "2.0 cm"}  # the number before "cm", not the paragraph's
    font = AgentOutput(function="set_edit_text", control_label="6", control_name="Font Name",
                       args={"text": "Liberation Mono"})
    named = Experience(task_id="f", request='Change "x" to the Liberation Mono font.', steps=[font])
    assert Hint(named, 0, 'Set "y" in DejaVu Sans.').transfer_args() == {"text": NAMED}
    columns = AgentOutput(function="set_edit_text", control_label="7", control_name="Columns:", args={"text": "3"})
    table = Experience(task_id="d", request="Use Table > Insert Table to add 3 rows and 3 columns.", steps=[columns])
    assert Hint(table, 0, "Use Table > Insert Table to add 6 rows and 5 columns.").transfer_args() == {"text": "5"}
    api = Experience(task_id="a", request="Put a 5x2 table at the end.",
                     steps=[AgentOutput(function="insert_table", args={"rows": 5, "columns": 2})])
    assert Hint(api, 0, "Put a 3x4 table at the end.").transfer_args() == {"rows": 3, "columns": 4}
    by_quote = Experience(task_id="q", request='Make the paragraph starting "Intro" a list.', steps=[para],
                          referenced=[5])
    assert Hint(by_quote, 0, 'Make the paragraph starting "Usage" a list.').transfer_args([22]) == {"index": 22}


def test_the_wanted_control_has_the_same_role_or_is_the_one_this_request_names():
    menu = ControlBrief(label="1", name="Table", type="MENU")
    button = ControlBrief(label="2", name="Table", type="PUSH_BUTTON")
    up1, down1 = ControlBrief(label="4", name="Ascending", type="RADIO_BUTTON"), ControlBrief(
        label="5", name="Descending", type="RADIO_BUTTON")
    up2, down2 = ControlBrief(label="9", name="Ascending", type="RADIO_BUTTON"), ControlBrief(
        label="10", name="Descending", type="RADIO_BUTTON")
    dialog = [down2, up2, down1, up1]  # shown in ranked order, not tree order
    steps = [AgentOutput(function="click_input", control_label="7", control_name="Table"),
             AgentOutput(function="click_input", control_label="4", control_name="Ascending")]
    task = Experience(task_id="t", request="Sort table 1 in ascending order.", steps=steps,
                      controls=[StepControl(type="MENU"), StepControl(type="RADIO_BUTTON", nth=0)])
    assert Hint(task, 0, "Sort table 2.").wanted([button, menu]) == [menu]
    assert Hint(task, 1, "Sort table 2 ascending.").wanted(dialog) == [up1]  # key 1's, not key 2's
    assert Hint(task, 1, "Order table 2 descending.").wanted(dialog) == [down1]
    assert Hint(task, 2, "Sort table 2.").wanted(dialog) == []  # finished: it wants nothing more
    styles_menu, format_menu = ControlBrief(label="3", name="Styles", type="MENU"), ControlBrief(
        label="4", name="Format", type="MENU")
    styles = Experience(task_id="s", request="Use the Styles menu to make it a Heading 2.",
                        steps=[AgentOutput(function="click_input", control_label="3", control_name="Styles")],
                        controls=[StepControl(type="MENU")])
    # this request names no other menu: the same one (it names Format: that one)
    assert Hint(styles, 0, "Make it a heading.").wanted([format_menu, styles_menu]) == [styles_menu]
    assert Hint(styles, 0, "Make it a heading from Format.").wanted([format_menu, styles_menu]) == [format_menu]


def test_an_immediately_repeated_action_is_no_new_step():
    assert steps_done(["click_input(Format) -> ok", "click_input(Format) -> ok", "click_input(Spacing) -> ok",
                       "click_input(Bold) -> error: disabled"]) == 2


def test_the_remembered_control_role_is_read_from_the_observation():
    up1, up2 = Control(label="4", name="Ascending", type="RADIO_BUTTON"), Control(
        label="9", name="Ascending", type="RADIO_BUTTON")
    step = Step(index=0, observation=Observation(controls=[up1, up2], state={}), result_ok=True,
                output=AgentOutput(function="click_input", control_label="9", control_name="Ascending"))
    traj = Trajectory(task=TaskInstance(task_id="s", request="Sort.", template_id="t", doc_path="x.docx"),
                      policy="oracle", steps=[step], bucket="pass")
    [e] = experiences([traj])
    assert e.controls == [StepControl(type="RADIO_BUTTON", nth=1)]


def test_a_named_item_of_a_box_comes_before_quoted_text():
    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.apps.writer.actions import ACTIONS

    box = Control(label="1", name="Font Name", type="COMBO_BOX", items=["Cambria", "DejaVu Sans", "Liberation Serif"])
    obs = Observation(controls=[box], state={})
    cands = arg_candidates('Change "searching text" to the DejaVu Sans font.', obs, [box])
    text = next(a for a in ACTIONS.functions["set_edit_text"].args if a.name == "text")
    values = cands.for_arg("set_edit_text", text, box)
    assert values[:2] == ["DejaVu Sans", "searching text"] and "Font Name" not in values


def test_thoughts_without_numbers_for_a_small_model():
    from lamfactory.train.config import PromptSettings
    from lamfactory.train.data import shorten

    out = AgentOutput(thought="Select paragraph 22 of the text now", function="select_paragraph")
    assert shorten(out, PromptSettings(thought_numbers=False, thought_max_words=3)).thought == "Select paragraph of"
    assert shorten(out, PromptSettings()).thought == out.thought
