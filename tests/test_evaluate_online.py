"""Online evaluation in the real Writer: metrics, seeds, resumption, CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from typer.testing import CliRunner

from lamfactory.cli import app
from lamfactory.evaluate.online import evaluate_online, load_test_tasks
from lamfactory.core.records import TaskInstance, Trajectory, read_jsonl, write_jsonl


def _tasks(tmp_path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("Quarterly report")
    doc = tmp_path / "doc.docx"
    d.save(doc)
    tasks = [
        TaskInstance(task_id="bold", request='Make "Quarterly report" bold', template_id="t", doc_path=str(doc),
                     families=["char_format"], split="test",
                     check={"pred": "char_format", "text": "Quarterly report", "bold": True}),
        # already true of the document: any policy that does no harm passes (a known-answer case)
        TaskInstance(task_id="keep", request="Keep the title", template_id="t", doc_path=str(doc),
                     families=["noop"], split="test", check={"pred": "text_contains", "text": "Quarterly"}),
        TaskInstance(task_id="train-only", request="x", template_id="t", doc_path=str(doc), split="train"),
    ]
    write_jsonl(tmp_path / "tasks.jsonl", tasks)
    return tmp_path


def test_online_random_policy_metrics_and_resume(writer_env, tmp_path):
    folder = _tasks(tmp_path)
    tasks = load_test_tasks(folder)
    assert [t.task_id for t in tasks] == ["bold", "keep"]
    out = tmp_path / "run"
    out.mkdir()
    m = evaluate_online("random", tasks, writer_env, episodes=2, seeds=2, out=out, max_steps=3)
    assert m["episodes"] == 4 and m["tasks"] == 2 and m["seeds"] == [0, 1]
    assert 0.0 <= m["task_success_rate"] <= 1.0
    lo, hi = m["task_success_ci95_wilson"]
    assert lo <= m["task_success_rate"] <= hi
    assert set(m["task_success_by_family"]) == {"char_format", "noop"}
    assert 1 <= m["steps_mean"] <= 3 and m["step_latency_ms_p90"] >= m["step_latency_ms_median"] > 0
    trajs = list(read_jsonl(out / "trajectories.jsonl", Trajectory))
    assert len(trajs) == 4 and {t.policy for t in trajs} == {"random#seed=0", "random#seed=1"}
    again = evaluate_online("random", tasks, writer_env, episodes=2, seeds=2, out=out, max_steps=3)
    assert len((out / "trajectories.jsonl").read_text().splitlines()) == 4  # resumed: nothing re-run
    assert again["task_success_rate"] == m["task_success_rate"]


def test_online_cli_rejects_bad_input(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["eval", "online", "--model", "random", "--tasks", str(tmp_path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "tasks.jsonl" in r.output
    folder = _tasks(tmp_path)
    r = runner.invoke(app, ["eval", "online", "--model", "nonsense", "--tasks", str(folder), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "unknown policy" in r.output
    (tmp_path / "bad.jsonl").write_text(json.dumps({"task_id": 1}) + "\n")
    r = runner.invoke(app, ["eval", "online", "--model", "random", "--tasks", str(tmp_path / "bad.jsonl"),
                            "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "bad.jsonl:1" in r.output


class _YesJudge:
    name = "yes-judge"

    def chat(self, messages, schema=None, max_tokens=512, temperature=0.0):
        assert "Document after:" in messages[0]["content"]
        return '{"judge": "yes", "reason": "looks done"}'


def test_online_judge_agreement(writer_env, tmp_path):
    tasks = load_test_tasks(_tasks(tmp_path))
    m = evaluate_online("random", tasks, writer_env, seeds=1, max_steps=2, judge=_YesJudge(), out=tmp_path)
    trajs = list(read_jsonl(tmp_path / "trajectories.jsonl", Trajectory))
    assert all(t.verdict.judge == "yes" and t.verdict.judge_reason == "looks done" for t in trajs)
    assert m["judged_episodes"] == 2
    assert m["judge_agreement"] == sum(t.verdict.passed for t in trajs) / 2  # the judge always says yes
