"""The step input the model sees (agent/sample.py) and the paraphrase augmentation of training data."""

from lamfactory.agent.sample import build_sample, canvas_text, describe_step
from lamfactory.dataflow.export import paraphrased_samples
from lamfactory.dataflow.instantiate import TEST_PHRASING, rephrasings
from lamfactory.apps.writer.families import all_families
from lamfactory.apps.writer.state import Canvas, Paragraph
from lamfactory.core.request import quoted_spans
from lamfactory.core.records import AgentOutput, Control, Observation, Step, TaskInstance, Trajectory, Verdict


def _observation(n_paragraphs: int = 30) -> Observation:
    paragraphs = [Paragraph(index=i, text=f"Sentence number {i} of the body.") for i in range(1, n_paragraphs)]
    paragraphs.append(Paragraph(index=n_paragraphs, text="End of the summary."))
    controls = [Control(label=str(i), name=name, type="PUSH_BUTTON")
                for i, name in enumerate(["Undo", "Redo", "Italic", "Bold", "Paragraph Style", "Heading 1"], 1)]
    return Observation(controls=controls, state=Canvas(paragraphs=paragraphs).model_dump())


def test_the_paragraph_a_request_names_reaches_the_prompt_of_a_long_document():
    obs = _observation(30)
    by_quote = canvas_text(obs, request='Make the paragraph starting "End of the" a Heading 1.')
    assert by_quote.startswith("P30: End of the summary.")
    by_number = canvas_text(obs, request="Format paragraph 17 with the paragraph style Heading 3.")
    assert by_number.startswith("P17: ")
    assert "P30" not in canvas_text(obs, request="Make it bold.")  # unreferenced: document order, first 8 only


def test_controls_are_shown_most_relevant_first():
    sample = build_sample("Make the selected words bold.", _observation(3), [], top_k=3)
    assert sample.controls[0].name == "Bold"
    assert len(sample.controls) == 3


def test_previous_actions_read_as_calls():
    step = Step(index=0, observation=_observation(2), result_ok=True,
                output=AgentOutput(function="select_paragraph", args={"index": 2}))
    assert describe_step(step) == "select_paragraph(index=2) -> ok"
    click = Step(index=1, observation=_observation(2), result_ok=False, error="disabled",
                 output=AgentOutput(function="click_input", control_label="4", control_name="Bold"))
    assert describe_step(click) == "click_input(Bold) -> error: disabled"


def _task(phrasing: int, split: str = "train") -> TaskInstance:
    fam = all_families()["heading1"]
    params = {"index": 30, "quote": "End of the", "para": 'the paragraph starting "End of the"'}
    return TaskInstance(task_id="t1", request=fam.request(params, phrasing), template_id="tpl", doc_path="x.docx",
                        families=["heading1"], params={"families": {"heading1": params}}, phrasing=phrasing,
                        split=split)


def test_rephrasings_use_every_other_training_phrasing_and_never_the_held_out_one():
    fam = all_families()["heading1"]
    task = _task(0)
    texts = rephrasings(task)
    held_out = fam.request(task.params["families"]["heading1"], TEST_PHRASING)
    assert task.request not in texts and held_out not in texts
    # the quote reads back in whatever quote style the voice drew (families/voice.py)
    assert len(texts) == 3 and all(quoted_spans(t) == ["End of the"] for t in texts)


def test_paraphrased_samples_come_only_from_passing_training_trajectories():
    obs = _observation(30)
    steps = [Step(index=0, observation=obs, output=AgentOutput(function="select_paragraph", args={"index": 30}),
                  result_ok=True)]
    passed = Trajectory(task=_task(1), policy="oracle", steps=steps, verdict=Verdict(passed=True), bucket="pass")
    samples = paraphrased_samples(passed)
    assert len(samples) == 3 and all(s.paraphrased and s.reward == 1.0 for s in samples)
    assert {s.task_id for s in samples} == {"t1~p1", "t1~p2", "t1~p3"}
    assert all(s.canvas.startswith("P30: End of the summary.") for s in samples)
    assert paraphrased_samples(passed.model_copy(update={"bucket": "fail"})) == []
    assert paraphrased_samples(passed.model_copy(update={"task": _task(1, split="test")})) == []
