"""The step loop and `lamfactory run` on the real LibreOffice Writer, with recorded model outputs.

A scripted backend stands in for a model once, wrapped in the llm layer's RecordingLLM; the episode is then
replayed through make_policy("replay:FILE") — the path a recorded real model takes in CI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from lamfactory.agent.loop import run_episode
from lamfactory.apps.libreoffice.safety import RULES
from lamfactory.agent.policies import LLMPolicy, make_policy
from lamfactory.agent.safety import Safety
from lamfactory.cli import app
from lamfactory.llm.base import ChatBackend
from lamfactory.llm.replay import RecordingLLM
from lamfactory.core.records import TaskInstance

REQUEST = 'Make "Quarterly report" bold'
ANSWERS = [
    # good, wrapped in a code fence (repaired)
    '```json\n{"thought":"select the title","control_label":null,"control_name":null,"function":"select_text",'
    '"args":{"text":"Quarterly report"},"status":"CONTINUE","plan":["click Bold"]}\n```',
    # malformed: prose, no object
    "I think the next step is to press the bold button.",
    # dangerous: print
    '{"thought":"print it","control_name":"Print","function":"click_input","args":{},"status":"CONTINUE","plan":[]}',
    # grounding failure: no such control
    '{"thought":"zoom","control_label":"777","control_name":"Zoom Slider Widget","function":"click_input",'
    '"args":{},"status":"CONTINUE","plan":["click Bold"]}',
    # good, single quotes and a trailing comma (repaired); finishes
    "{'thought': 'bold', 'control_name': 'Bold', 'function': 'click_input', 'args': {}, 'status': 'FINISH', "
    "'plan': [],}",
]
CHECK = {"pred": "char_format", "text": "Quarterly report", "bold": True}


class Scripted(ChatBackend):
    """Answers in order, whatever it is asked (stands in for a model while recording)."""

    name = "scripted"
    retries = 0

    def __init__(self, answers):
        self.answers = list(answers)

    def _complete(self, messages, schema, max_tokens, temperature):
        return self.answers.pop(0)


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("Quarterly report")
    d.add_paragraph("Sales grew in the north.")
    path = tmp_path / "in.docx"
    d.save(path)
    return path


def _record(writer_env, task, path: Path):
    policy = LLMPolicy("scripted", llm=RecordingLLM(Scripted(ANSWERS), path))
    return run_episode(writer_env, task, policy, max_steps=10)


def test_loop_with_good_malformed_and_dangerous_outputs(writer_env, doc, tmp_path):
    task = TaskInstance(task_id="t1", request=REQUEST, template_id="t", doc_path=str(doc), check=CHECK,
                        families=["char_format"])
    recording = tmp_path / "calls.jsonl"
    recorded = _record(writer_env, task, recording)
    replayed = run_episode(writer_env, task, make_policy(f"replay:{recording}"), max_steps=10)
    for traj in (recorded, replayed):
        errors = [s.error for s in traj.steps]
        assert [s.result_ok for s in traj.steps] == [True, False, False, False, True]
        assert errors[1].startswith("unparseable output: no JSON object")
        assert errors[2] == "refused: sensitive action (print) needs the user's confirmation"
        assert errors[3].startswith("grounding failed: no control labelled '777'")
        assert traj.bucket == "pass" and traj.verdict.passed and traj.failure is None
        assert all(s.model_ms >= 0 for s in traj.steps) and traj.steps[0].duration_ms > 0
        # the model saw its errors: the previous-actions memory carries them into the next prompt
    assert [s.output for s in replayed.steps] == [s.output for s in recorded.steps]


def test_unrecoverable_policy_is_stopped_and_checked(writer_env, doc, tmp_path):
    task = TaskInstance(task_id="t2", request=REQUEST, template_id="t", doc_path=str(doc), check=CHECK)
    policy = LLMPolicy("scripted", llm=Scripted(["no json here"] * 20))
    traj = run_episode(writer_env, task, policy, max_steps=20)
    assert len(traj.steps) == 5 and traj.failure.startswith("5 errors in a row")
    assert traj.bucket == "fail" and traj.verdict is not None and not traj.verdict.passed


def test_confirmed_sensitive_action_runs(writer_env, doc):
    task = TaskInstance(task_id="t3", request="Type a word", template_id="t", doc_path=str(doc),
                        check={"pred": "text_contains", "text": "Hello"})
    answer = ('{"thought":"t","control_label":null,"control_name":null,"function":"keyboard_input",'
              '"args":{"keys":"Hello"},"status":"CONFIRM","plan":[]}')
    finish = '{"function":"keyboard_input","args":{"keys":" "},"status":"FINISH"}'
    asked = []
    safety = Safety(rules=RULES, confirm=lambda reason, action: asked.append(reason) or True)
    traj = run_episode(writer_env, task, LLMPolicy("s", llm=Scripted([answer, finish])), 5, confirm=safety)
    assert asked == ["the model asked for confirmation"]
    assert traj.steps[0].result_ok and traj.bucket == "pass"


def test_lamfactory_run_on_a_real_docx(writer_env, doc, tmp_path):
    """`lamfactory run` leaves the input untouched; the output has the change; a step log is written."""
    recording = tmp_path / "calls.jsonl"
    _record(writer_env, TaskInstance(task_id="user", request=REQUEST, template_id="user",
                                     doc_path=str(doc.resolve())), recording)
    before = hashlib.sha256(doc.read_bytes()).hexdigest()
    out = tmp_path / "out" / "result.docx"
    result = CliRunner().invoke(app, ["run", "--doc", str(doc), "--task", REQUEST, "--llm", f"replay:{recording}",
                                      "--out", str(out), "--max-steps", "10"])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(doc.read_bytes()).hexdigest() == before
    runs = [r for p in docx.Document(str(out)).paragraphs for r in p.runs if "Quarterly" in r.text]
    assert runs and all(r.bold for r in runs)
    log = out.with_name("result.docx.steps.jsonl").read_text().splitlines()
    assert len(log) == 5 and "refused" in log[2]


def test_lamfactory_run_rejects_bad_input(tmp_path, doc):
    runner = CliRunner()
    missing = runner.invoke(app, ["run", "--doc", str(tmp_path / "nope.docx"), "--task", "x", "--model", "random"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    both = runner.invoke(app, ["run", "--doc", str(doc), "--task", "x", "--model", "random", "--llm", "replay:x"])
    assert both.exit_code == 2 and "exactly one" in both.output
    same = runner.invoke(app, ["run", "--doc", str(doc), "--task", "x", "--model", "random", "--out", str(doc)])
    assert same.exit_code == 2 and "--in-place" in same.output
    bad = runner.invoke(app, ["run", "--doc", str(doc), "--task", "x", "--model", "no/such/model"])
    assert bad.exit_code == 2 and "unknown policy" in bad.output
