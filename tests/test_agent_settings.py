"""Decode settings per checkpoint (agent/settings.py), the retrieval-only policy (agent/retrieval/policy.py) and the eval
ablation rows: what the hand rules, the retrieval and the model each contribute. No soffice."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamfactory.agent.retrieval.memory import Memory, experiences
from lamfactory.agent.policies import HFPolicy, PolicySpecError, make_policy
from lamfactory.agent.retrieval.policy import RetrievalPolicy
from lamfactory.agent.settings import (MARKER, MODEL_ONLY, DecodeSettings, PromptSettings, overridden,
                                       parse_overrides, read_decode_settings, read_prompt_settings, split_spec,
                                       with_overrides, write_decode_settings)
from lamfactory.apps.writer.state import Canvas, Paragraph
from lamfactory.core.records import AgentOutput, Control, Observation, Step, TaskInstance, Trajectory
from test_agent_decode import save_tiny_model  # tests/ is on sys.path (pytest rootdir-less import)

SELECT_TEXT = AgentOutput(function="select_text", args={"text": "quick brown"})
BOLD = AgentOutput(function="click_input", control_label="9", control_name="Bold")
SELECT = AgentOutput(function="select_paragraph", args={"index": 5})
STYLE = AgentOutput(function="set_edit_text", control_label="3", control_name="Paragraph Style",
                    args={"text": "Heading 1"})


def _solved(task_id: str, request: str, outputs: list[AgentOutput]) -> Trajectory:
    task = TaskInstance(task_id=task_id, request=request, template_id="tpl", doc_path="x.docx", split="train")
    obs = Observation(controls=[], state={})
    return Trajectory(task=task, policy="oracle", bucket="pass",
                      steps=[Step(index=i, observation=obs, output=o, result_ok=True) for i, o in enumerate(outputs)])


def _memory_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    Memory(experiences([_solved("bold-1", 'Make "quick brown" bold.', [SELECT_TEXT, BOLD]),
                        _solved("head-1", "Apply Heading 1 to paragraph 5.", [SELECT, STYLE])])).save(path)
    return path


OBS = Observation(controls=[Control(label="1", name="Italic", type="TOGGLE_BUTTON"),
                            Control(label="2", name="Bold", type="TOGGLE_BUTTON"),
                            Control(label="3", name="Paragraph Style", type="COMBO_BOX",
                                    items=["Heading 1", "Heading 2", "Title"])],
                  state=Canvas(paragraphs=[Paragraph(index=i, text=f"Paragraph {i} text") for i in range(1, 10)])
                  .model_dump())


def _ok(output: AgentOutput, index: int) -> Step:
    return Step(index=index, observation=OBS, output=output, result_ok=True)


@pytest.fixture(scope="module")
def tiny_lam(tmp_path_factory) -> Path:
    """A tiny checkpoint trained (so its lamfactory.json says) with worked examples, its memory beside it."""
    path = save_tiny_model(tmp_path_factory.mktemp("lam"), seed=0)
    (path / MARKER).write_text(json.dumps({"phase": "imitate", "fingerprint": "f",
                                           "prompt": PromptSettings(examples=True, system=False).model_dump()}))
    return _memory_dir(path)


def test_settings_round_trip_through_a_checkpoint_folder(tmp_path):
    assert read_decode_settings(tmp_path) == DecodeSettings() and read_prompt_settings(tmp_path) == PromptSettings()
    (tmp_path / MARKER).write_text(json.dumps({"phase": "imitate", "fingerprint": "f",
                                               "prompt": {"examples": True}}))
    assert read_decode_settings(tmp_path) == DecodeSettings()  # a checkpoint saved before decode settings
    saved = DecodeSettings(rank_prior=2.5, retrieval=False, top_k=7)
    write_decode_settings(tmp_path, saved)
    assert read_decode_settings(tmp_path) == saved
    info = json.loads((tmp_path / MARKER).read_text())
    assert info["phase"] == "imitate" and read_prompt_settings(tmp_path).examples  # the other keys are kept
    assert [p.name for p in tmp_path.iterdir()] == [MARKER]  # no temp file left behind


def test_a_finished_phase_saves_the_default_decode_settings(tmp_path):
    from lamfactory.train.config import PromptSettings as TrainPromptSettings
    from lamfactory.train.phase import finish

    assert TrainPromptSettings is PromptSettings  # the train stage's name still imports
    finish(tmp_path, "imitate", "f", PromptSettings(), PromptSettings(examples=True), {}, [])
    assert read_decode_settings(tmp_path) == DecodeSettings()
    assert json.loads((tmp_path / MARKER).read_text())["decode"] == DecodeSettings().model_dump()


def test_overrides_set_only_the_fields_they_name():
    saved = DecodeSettings(rank_prior=3.0, arg_prior=4.0)
    assert overridden(saved, DecodeSettings(arg_prior=0)) == DecodeSettings(rank_prior=3.0, arg_prior=0)
    assert overridden(saved, None) == saved
    assert parse_overrides(["retrieval=false", "top_k = 5"]).model_dump(exclude_unset=True) == {
        "retrieval": False, "top_k": 5}
    spec = with_overrides("models/lam2", MODEL_ONLY)
    assert split_spec(spec) == ("models/lam2", MODEL_ONLY) and with_overrides("models/lam2", None) == "models/lam2"
    for bad in (["bogus=1"], ["rank_prior"], ["top_k=many"]):
        with pytest.raises(ValueError):
            parse_overrides(bad)


def test_decode_given_overrides_the_spec_which_overrides_the_saved_settings(tiny_lam):
    write_decode_settings(tiny_lam, DecodeSettings(rank_prior=3.0, arg_prior=4.0, top_k=9))
    try:
        policy = make_policy(f"{tiny_lam}?rank_prior=2,example_prior=1", decode=DecodeSettings(example_prior=0.5))
        assert isinstance(policy, HFPolicy) and policy.name == f"{tiny_lam}?rank_prior=2,example_prior=1"
        assert (policy.decoder.rank_prior, policy.decoder.arg_prior, policy.decoder.example_prior) == (2.0, 4.0, 0.5)
        assert policy.top_k == 9 and policy.memory is not None
        with pytest.raises(PolicySpecError):
            make_policy(f"{tiny_lam}?bogus=1")
    finally:
        write_decode_settings(tiny_lam, DecodeSettings())


def test_model_only_settings_make_the_checkpoint_ignore_its_memory_and_rules(tiny_lam):
    seen = []

    def record(policy):
        prompt_ids, decode = policy.prompt_ids, policy.decoder.decode
        policy.prompt_ids = lambda sample: seen.append(("example", sample.example)) or prompt_ids(sample)
        policy.decoder.decode = lambda *a, **k: seen.append(("hint", a[3], set(k["avoid"]))) or decode(*a, **k)

    failed = [Step(index=0, observation=OBS, output=BOLD, result_ok=False, error="disabled")]
    fused = make_policy(str(tiny_lam))
    record(fused)
    fused.act('Make "lazy dog" bold.', OBS, failed)
    assert seen[0][1] and seen[1][1] is not None and seen[1][2]  # example shown, hint fused, failure avoided
    seen.clear()
    alone = make_policy(str(tiny_lam), decode=MODEL_ONLY)
    assert alone.memory is None and (alone.decoder.rank_prior, alone.decoder.example_prior) == (0, 0)
    record(alone)
    out = alone.act('Make "lazy dog" bold.', OBS, failed)
    assert seen == [("example", ""), ("hint", None, set())] and alone.last_error is None and out.function


def test_retrieval_alone_carries_the_remembered_steps_over(tmp_path):
    policy = make_policy(f"memory:{_memory_dir(tmp_path / 'lam2')}")
    assert isinstance(policy, RetrievalPolicy) and policy.name == f"memory:{tmp_path / 'lam2'}"
    request = 'Make "lazy dog" bold.'
    first = policy.act(request, OBS, [])
    assert (first.function, first.control_name, first.args, first.status) == (
        "select_text", None, {"text": "lazy dog"}, "CONTINUE")  # its quote becomes this request's
    assert policy.last_error is None and policy.last_model_ms >= 0
    second = policy.act(request, OBS, [_ok(first, 0)])
    assert (second.function, second.control_label, second.control_name, second.status) == (
        "click_input", "2", "Bold", "FINISH")  # the Bold on this screen, and it was the last step
    done = policy.act(request, OBS, [_ok(first, 0), _ok(second, 1)])
    assert done.status == "FINISH" and "done after 2 steps" in done.thought

    request = "Apply Heading 2 to paragraph 7."
    select = policy.act(request, OBS, [])
    assert (select.function, select.args, select.status) == ("select_paragraph", {"index": 7}, "CONTINUE")
    style = policy.act(request, OBS, [_ok(select, 0)])
    assert (style.control_name, style.args, style.status) == ("Paragraph Style", {"text": "Heading 2"}, "FINISH")

    no_bold = OBS.model_copy(update={"controls": OBS.controls[:1]})
    missing = policy.act('Make "lazy dog" bold.', no_bold, [_ok(first, 0)])
    assert missing.status == "FINISH" and "not on screen" in missing.thought


def test_retrieval_alone_predicts_offline_and_needs_a_memory(tmp_path):
    from lamfactory.agent.sample import build_sample
    from lamfactory.evaluate.offline import evaluate_offline

    target = AgentOutput(function="select_text", args={"text": "lazy dog"})
    sample = build_sample('Make "lazy dog" bold.', OBS, [], task_id="t", target=target)
    m = evaluate_offline(make_policy(f"memory:{_memory_dir(tmp_path / 'lam')}"), [sample])
    assert m["steps"] == 1 and m["step_success_rate"] == 1.0
    with pytest.raises(PolicySpecError, match="experience.jsonl"):
        make_policy(f"memory:{tmp_path / 'empty'}")


def test_a_bad_decode_setting_is_one_error_line(tmp_path):
    from lamfactory.cli import app

    runner = CliRunner()
    commands = [["run", "--doc", str(tmp_path / "x.docx"), "--task", "x", "--model", "random"],
                ["eval", "offline", "--model", "random", "--data", str(tmp_path), "--out", str(tmp_path / "o")],
                ["eval", "online", "--model", "random", "--tasks", str(tmp_path), "--out", str(tmp_path / "o")]]
    for args in commands:
        result = runner.invoke(app, args + ["--decode", "bogus=1"])
        assert result.exit_code == 2, result.output
        assert result.output.strip().count("\n") == 0 and "bogus=1" in result.output


def test_eval_adds_the_ablation_variants_of_each_lam_with_a_memory(tmp_path, monkeypatch):
    """run_eval evaluates <lam>+model-only and <lam>+retrieval-only beside each LAM that has a memory, on the
    same tasks and seeds, into their own run folders; the report shows each as its own column."""
    import lamfactory.agent.policies as policies
    import lamfactory.evaluate.offline as offline
    import lamfactory.evaluate.online as online
    import lamfactory.stages as stages
    from lamfactory.config import PipelineConfig
    from lamfactory.evaluate.report import write_report

    _memory_dir(tmp_path / "models" / "lam2")
    (tmp_path / "models" / "lam1").mkdir()
    specs, online_calls = {}, []
    monkeypatch.setattr(offline, "load_test_samples", lambda d: [])
    monkeypatch.setattr(online, "load_test_tasks", lambda d: ["task"])
    monkeypatch.setattr(policies, "make_policy", lambda spec, seed: spec)
    monkeypatch.setattr(stages, "get_app", lambda name: type("A", (), {"make_env": lambda self: nullcontext()})())

    def fake_offline(policy, samples, out, name):
        specs[name] = policy
        raise offline.OfflineUnsupported(name)

    def fake_online(spec, tasks, env, n, seeds, out, max_steps, judge, name):
        online_calls.append((name, spec, tasks, seeds))
        metrics = {"kind": "online", "model": name, "task_success_rate": 0.5, "episodes": 2}
        (out / "metrics.json").write_text(json.dumps(metrics))
        return metrics

    monkeypatch.setattr(offline, "run_offline", fake_offline)
    monkeypatch.setattr(online, "evaluate_online", fake_online)
    cfg = PipelineConfig(eval={"models": ["lam1", "lam2", "random"], "seeds": 2})
    stages.run_eval(cfg, tmp_path, log=lambda line: None)
    lam2 = str(tmp_path / "models" / "lam2")
    assert [c[0] for c in online_calls] == ["lam1", "lam2", "lam2+model-only", "lam2+retrieval-only", "random"]
    assert specs["lam2+model-only"] == with_overrides(lam2, MODEL_ONLY) == online_calls[2][1]
    assert specs["lam2+retrieval-only"] == f"memory:{lam2}" == online_calls[3][1]
    assert all(c[2:] == (["task"], 2) for c in online_calls)

    runs = sorted(p.parent for p in (tmp_path / "eval").glob("*/*/metrics.json"))
    report = write_report(runs, tmp_path / "report")["md"].read_text()
    assert "| Metric | lam1 | lam2 | lam2+model-only | lam2+retrieval-only | random |" in report

    online_calls.clear()
    stages.run_eval(PipelineConfig(eval={"models": ["lam2"], "ablations": False}), tmp_path, log=lambda line: None)
    assert [c[0] for c in online_calls] == ["lam2"]

    online_calls.clear()
    cfg = PipelineConfig(eval={"models": ["lam2", "lam2?arg_prior=0"], "ablations": False, "decode": {"rank_prior": 0}})
    stages.run_eval(cfg, tmp_path, log=lambda line: None)
    assert [c[1] for c in online_calls] == [lam2 + "?rank_prior=0.0", lam2 + "?arg_prior=0"]


def test_config_decode_overrides_are_validated(tmp_path):
    from lamfactory.config import ConfigError, load_config

    bad = tmp_path / "bad.yaml"
    bad.write_text("eval: {decode: {rank_priorr: 0}}\n")
    with pytest.raises(ConfigError, match="rank_priorr"):
        load_config(bad)
