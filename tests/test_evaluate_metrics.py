"""Offline metrics, intervals, plan matching, the offline CLI and the report, on hand-made cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lamfactory.cli import app
from lamfactory.evaluate.metrics import (bootstrap_ci, compare_step, normalise, plan_match, plan_metrics,
                                         step_metrics, wilson)
from lamfactory.evaluate.offline import evaluate_offline
from lamfactory.evaluate.report import write_report
from lamfactory.core.records import AgentOutput, ControlBrief, StepSample, write_jsonl

BOLD = AgentOutput(control_label="3", control_name="Bold", function="click_input", status="CONTINUE")
SIZE = AgentOutput(control_label="4", control_name="Font Size", function="set_edit_text", args={"text": "14"})
TYPE = AgentOutput(function="keyboard_input", args={"keys": "Hello"}, status="FINISH")


def _sample(task, step, target, split="test", family="fmt"):
    return StepSample(task_id=task, step=step, request="r", target=target, split=split, family=family,
                      controls=[ControlBrief(label="3", name="Bold", type="TOGGLE_BUTTON"),
                                ControlBrief(label="4", name="Font Size", type="COMBO_BOX")])


def test_normalisation_of_args():
    assert normalise(" Heading 1 ") == normalise("heading 1")
    assert normalise("14") == normalise(14) == normalise(14.0) == normalise("14.0")
    assert normalise("true") is True and normalise(False) is False
    assert normalise("14 pt") != normalise("14")


def test_compare_step_fields():
    assert compare_step(BOLD, BOLD) == {"object": True, "operation": True, "args": True, "status": True, "step": True}
    wrong_label_right_name = BOLD.model_copy(update={"control_label": "9", "control_name": "bold"})
    assert compare_step(wrong_label_right_name, BOLD)["object"]
    assert compare_step(SIZE.model_copy(update={"args": {"text": 14}}), SIZE)["args"]  # "14" == 14
    assert not compare_step(SIZE.model_copy(update={"args": {"text": "12"}}), SIZE)["args"]
    assert not compare_step(SIZE.model_copy(update={"args": {}}), SIZE)["args"]  # missing expected key
    extra = TYPE.model_copy(update={"args": {"keys": "hello", "extra": 1}})
    assert compare_step(extra, TYPE)["step"]  # case-folded, extra keys ignored
    assert not compare_step(TYPE.model_copy(update={"status": "CONTINUE"}), TYPE)["step"]
    # no-control target: a prediction naming a control-needing function is an object error
    assert not compare_step(BOLD, TYPE)["object"]


def test_step_metrics_known_answer():
    samples = [_sample("a", 0, BOLD), _sample("a", 1, SIZE), _sample("b", 0, TYPE), _sample("c", 0, BOLD, family="x")]
    preds = [BOLD,  # right
             SIZE.model_copy(update={"args": {"text": "12"}}),  # args wrong -> task a fails
             TYPE,  # right -> task b ok
             BOLD.model_copy(update={"function": "select_item"})]  # operation wrong -> task c fails
    m = step_metrics(zip(samples, preds))
    assert m["steps"] == 4 and m["tasks"] == 3
    assert m["object_accuracy"] == 1.0
    assert m["operation_accuracy"] == 0.75 and m["args_accuracy"] == 0.75 and m["status_accuracy"] == 1.0
    assert m["step_success_rate"] == 0.5
    assert m["task_success_rate"] == pytest.approx(1 / 3)
    assert m["step_success_by_family"] == {"fmt": 2 / 3, "x": 0.0}


def test_wilson_and_bootstrap():
    lo, hi = wilson(8, 10)  # reference values of the Wilson score interval
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert wilson(0, 0) == [0.0, 1.0] and wilson(5, 5)[1] == 1.0
    lo, hi = bootstrap_ci([1.0] * 7 + [0.0] * 3)
    assert lo < 0.7 < hi and 0.0 <= lo and hi <= 1.0
    assert bootstrap_ci([1.0, 1.0]) == [1.0, 1.0]


def test_plan_matching_with_fixed_vectors():
    table = {"open the table menu": [1, 0, 0], "open Table menu": [0.99, 0.14, 0], "choose insert table": [0, 1, 0],
             "type the title": [0, 0, 1], "save": [0.6, 0.0, 0.8]}

    def vectors(texts):
        v = np.array([table[t] for t in texts], dtype=float)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    pred = ["open Table menu", "type the title", "save"]
    ref = ["open the table menu", "choose insert table"]
    assert plan_match(pred, ref, 0.7, vectors) == (1, 3, 2)
    assert plan_match([], ref, 0.7, vectors) == (0, 0, 2)


def test_plan_metrics_with_the_embedding_model():
    m = plan_metrics([["Click the Bold button", "Save the document"]],
                     [["Press the Bold button", "Choose File > Print"]], judged=[True])
    assert m["step_precision"] == 0.5 and m["step_recall"] == 0.5 and m["task_success_rate"] == 1.0


def test_offline_cli_and_library_with_random_policy(tmp_path: Path):
    from lamfactory.agent.policies import make_policy

    samples = [_sample("a", 0, BOLD), _sample("a", 1, SIZE), _sample("b", 0, TYPE), _sample("z", 0, BOLD, "train")]
    failed = _sample("f", 0, BOLD).model_copy(update={"reward": -1.0})  # a failed trajectory: no reference
    write_jsonl(tmp_path / "steps.jsonl", samples + [failed])
    m = evaluate_offline(make_policy("random", seed=1), samples[:3])
    assert m["steps"] == 3 and 0.0 <= m["task_success_rate"] <= 1.0 and m["unparseable_rate"] == 0.0
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["eval", "offline", "--model", "random", "--data", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 3 and metrics["kind"] == "offline" and "task_success_rate" in metrics
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 3
    bad = CliRunner().invoke(app, ["eval", "offline", "--model", "random", "--data", str(tmp_path / "no"),
                                   "--out", str(out)])
    assert bad.exit_code == 2 and "no steps.jsonl" in bad.output


def _run(tmp_path, name, kind, tsr, **extra):
    run = tmp_path / name
    run.mkdir()
    metrics = {"kind": kind, "model": name.split("-")[0], "task_success_rate": tsr, **extra}
    (run / "metrics.json").write_text(json.dumps(metrics))
    return run


def test_report_tables_and_plots(tmp_path: Path):
    runs = []
    for model, off, on in [("lam2", 0.7, 0.6), ("lam3", 0.8, 0.65), ("random", 0.0, 0.05)]:
        runs.append(_run(tmp_path, f"{model}-off", "offline", off, step_success_rate=off + 0.1, object_accuracy=0.9))
        runs.append(_run(tmp_path, f"{model}-on", "online", on, task_success_by_family={"bold": on, "table": on / 2},
                         step_latencies_ms=[10.0, 20.0, 30.0 + 100 * on], task_success_ci95_wilson=[0.1, 0.9]))
    paths = write_report(runs, tmp_path / "report")
    md = paths["md"].read_text()
    assert "Table 3" in md and "Table 4" in md and "| Metric | lam2 | lam3 | random |" in md
    assert "| Task success rate | 70.0% | 80.0% | 0.0% |" in md and "[10.0, 90.0]" in md
    assert "<table>" in paths["html"].read_text()
    for plot in ("success_by_family", "latency", "offline_vs_online"):
        assert paths[plot].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = CliRunner().invoke(app, ["eval", "report", "--runs", str(tmp_path / "nope"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "metrics.json" in result.output


class _Answers:
    """A stand-in chat model for the planner/judge roles (answers in order)."""

    def __init__(self, answers):
        self.answers = list(answers)

    def chat(self, messages, schema=None, max_tokens=512, temperature=0.0):
        return self.answers.pop(0)


def test_plan_evaluation_with_planner_and_judge(tmp_path: Path):
    from lamfactory.evaluate.plans import evaluate_plans, plan_steps
    from lamfactory.core.records import Source, TaskPlan

    assert plan_steps("1. Click Bold\n2) Save\n\n- done") == ["Click Bold", "Save", "done"]
    plans = [TaskPlan(task_id="p1", task="Make text bold", plan=["1. Select the text", "2. Click the Bold button"],
                      source=Source(kind="docs")),
             TaskPlan(task_id="p2", task="Insert a table", plan=["1. Choose Table - Insert Table"],
                      source=Source(kind="docs"))]
    planner = _Answers(["1. Select the text\n2. Click Bold button", "1. Open the Help menu"]).chat
    judge = _Answers(['{"verdict": "yes"}', '{"verdict": "no"}'])
    m = evaluate_plans("scripted", plans, planner=lambda task: planner([{"role": "user", "content": task}]),
                       judge_llm=judge)
    assert m["step_precision"] == pytest.approx(2 / 3) and m["step_recall"] == pytest.approx(2 / 3)
    assert m["task_success_rate"] == 0.5 and m["kind"] == "plans"
