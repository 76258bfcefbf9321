"""The dataflow runner: end to end on hand-made plans, resume after SIGINT, a killed soffice, bad input,
export format, and the LLM roles through the replay backend."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamfactory.dataflow.execute import replay
from lamfactory.agent.experts import OraclePolicy
from lamfactory.dataflow.export import trajectory_to_samples
from lamfactory.dataflow.instantiate import Instantiator, filter_messages
from lamfactory.agent.judge import judge_messages, judge_trajectory
from lamfactory.dataflow.runner import collect, load_plans, run_dataflow
from lamfactory.apps.writer.templates import build_templates
from lamfactory.llm.replay import request_key
from lamfactory.core.records import AgentOutput, Trajectory, read_jsonl

SAMPLE_PLANS = Path(__file__).parents[1] / "lamfactory" / "dataflow" / "sample_plans.jsonl"


@pytest.fixture(scope="module")
def templates_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tpl")
    build_templates(out, help_pages=8, ott=False)
    return out


@pytest.fixture(scope="module")
def plans_dir(tmp_path_factory):
    """Four plans (two single-family, one evolved, one vague)."""
    keep = {"t_bold", "t_heading", "t_evo1", "t_vague"}
    out = tmp_path_factory.mktemp("plans")
    lines = [l for l in SAMPLE_PLANS.read_text().splitlines() if json.loads(l)["task_id"] in keep]
    (out / "plans.jsonl").write_text("\n".join(lines) + "\n")
    return out


@pytest.fixture(scope="module")
def instances(templates_dir, plans_dir):
    from lamfactory.core.templates import load_templates

    inst = Instantiator(load_templates(templates_dir), seed=0, per_plan=1)
    return inst.instantiate(load_plans(plans_dir))


def test_instantiation_filters_and_composes(instances):
    tasks, rejected = instances
    assert {r.task_id: r.reason for r in rejected} == {"t_vague": "no-family-match"}
    evolved = [t for t in tasks if t.source_plan_id == "t_evo1"]
    assert evolved and len(evolved[0].families) >= 2 and "all" in evolved[0].check
    for t in tasks:
        from lamfactory.apps.writer.checks import check_docx

        assert not check_docx(t.doc_path, t.check).passed  # never already true on the untouched template
        assert t.expert_plan and t.doc_plan and t.split in ("train", "test")


def _uninterrupted(out: Path, plans_dir, templates_dir):
    return run_dataflow(plans_dir, out, templates_dir=str(templates_dir), per_plan=1, progress=False,
                        dataset=False)


def test_run_then_rerun_skips_finished(tmp_path, plans_dir, templates_dir):
    s1 = _uninterrupted(tmp_path, plans_dir, templates_dir)
    assert s1["tasks"] == 3 and s1["tasks_done"] == 3
    assert s1["buckets"]["pass"] >= 2
    passes = list(read_jsonl(tmp_path / "pass.jsonl", Trajectory))
    for t in passes:  # every pass: checker held after the replay; steps carry observation + seven-key output
        assert t.verdict.passed and t.steps and t.steps[0].observation.controls
    s2 = _uninterrupted(tmp_path, plans_dir, templates_dir)
    assert s2["executed_this_run"] == 0 and s2["buckets"] == s1["buckets"]
    steps = (tmp_path / "steps.jsonl").read_text().splitlines()
    assert len(steps) == s1["samples"]["samples"] > 0


def test_sigint_then_resume_equals_uninterrupted(tmp_path, plans_dir, templates_dir):
    ref = _uninterrupted(tmp_path / "ref", plans_dir, templates_dir)
    out = tmp_path / "run"
    code = ("import sys; from lamfactory.dataflow.runner import run_dataflow; "
            f"run_dataflow({str(plans_dir)!r}, {str(out)!r}, templates_dir={str(templates_dir)!r}, per_plan=1, "
            "progress=False, dataset=False)")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        done = out / "done.jsonl"
        if done.is_file() and done.read_text().count("\n") >= 1:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    partial = (out / "done.jsonl").read_text().count("\n")
    assert 1 <= partial <= 3
    resumed = _uninterrupted(out, plans_dir, templates_dir)
    assert resumed["tasks_done"] == ref["tasks_done"]
    assert resumed["buckets"] == ref["buckets"] and resumed["by_policy"] == ref["by_policy"]


class _KillOnce(OraclePolicy):
    """The oracle, but soffice is killed (SIGKILL) before its first action, once."""

    def __init__(self, env):
        super().__init__()
        self.env, self.killed = env, False

    def act(self, request, observation, history):
        if not self.killed:
            self.killed = True
            os.kill(self.env.pid, signal.SIGKILL)
        return super().act(request, observation, history)


def test_killed_soffice_costs_one_retry(writer_env, instances, monkeypatch):
    import lamfactory.dataflow.runner as runner

    task = instances[0][0]
    policy = _KillOnce(writer_env)
    monkeypatch.setattr(runner, "OraclePolicy", lambda: policy)
    trajs = collect(writer_env, task, "oracle")
    assert policy.killed and len(trajs) == 1 and trajs[0].bucket == "pass", trajs[-1].failure


def test_samples_keep_target_and_reward(writer_env, instances):
    task = instances[0][0]
    traj = replay(writer_env, task, OraclePolicy())
    samples = trajectory_to_samples(traj, top_k=5)
    assert len(samples) == len(traj.steps)
    for s, st in zip(samples, traj.steps):
        assert s.reward == 1.0 and s.split == task.split and len(s.controls) <= 5
        if st.output.control_label:
            assert any(c.label == st.output.control_label for c in s.controls)
    assert samples[-1].target.status == "FINISH" and samples[-1].target.plan == []
    failed = traj.model_copy(update={"bucket": "fail"})
    assert {s.reward for s in trajectory_to_samples(failed, 5)} == {-1.0}


def test_bad_plans_file_is_a_clear_error(tmp_path):
    from lamfactory.cli import app

    bad = tmp_path / "plans.jsonl"
    bad.write_text('{"task_id": "x", "task": "no plan field"}\n')
    result = CliRunner().invoke(app, ["dataflow", "run", "--plans", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "plans.jsonl:1: not a valid TaskPlan" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["dataflow", "run", "--plans", str(tmp_path / "missing"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "plans file not found" in result.output


def test_llm_roles_through_replay(tmp_path, templates_dir, plans_dir, writer_env, instances):
    from lamfactory.core.templates import load_templates
    from lamfactory.llm import make_llm

    plans = load_plans(plans_dir)
    recording = tmp_path / "calls.jsonl"
    from lamfactory.dataflow.instantiate import FILTER_SCHEMA
    from lamfactory.agent.judge import JUDGE_SCHEMA

    task = instances[0][0]
    traj = replay(writer_env, task, OraclePolicy())
    after = writer_env.observe()
    entries = []
    for p in plans:
        answer = {"keep": p.task_id != "t_heading", "reason": "test says so"}
        msgs = filter_messages(p)
        entries.append({"key": request_key(msgs, FILTER_SCHEMA), "messages": msgs, "schema": FILTER_SCHEMA,
                        "response": json.dumps(answer)})
    msgs = judge_messages(traj, after)
    entries.append({"key": request_key(msgs, JUDGE_SCHEMA), "messages": msgs, "schema": JUDGE_SCHEMA,
                    "response": json.dumps({"judge": "yes", "reason": "bold applied"})})
    recording.write_text("".join(json.dumps(e) + "\n" for e in entries))
    llm = make_llm(f"replay:{recording}")
    _, rejected = Instantiator(load_templates(templates_dir), per_plan=1, filter_llm=llm).instantiate(plans)
    assert {r.task_id: r.reason for r in rejected}["t_heading"] == "llm-filter"
    assert judge_trajectory(llm, traj, after) == ("yes", "bold applied")


class _Detour(OraclePolicy):
    """A doc-plan expert that wanders first: a harmless extra key stroke, then the task's own plan."""

    name = "expert"

    def reset(self, task):
        super().reset(task)
        self.wandered = False

    def act(self, request, observation, history):
        if not self.wandered:
            self.wandered = True
            return AgentOutput(thought="detour", function="keyboard_input", args={"keys": "{HOME}"})
        return super().act(request, observation, history[1:])


def test_a_detouring_pass_gives_way_to_the_shorter_demonstration(writer_env, instances, monkeypatch):
    import lamfactory.dataflow.runner as runner

    task = instances[0][0]
    monkeypatch.setattr(runner, "DocPlanExpertPolicy", _Detour)
    kept = collect(writer_env, task, "expert+oracle")
    assert [(t.policy, t.bucket) for t in kept] == [("oracle", "pass")], [t.failure for t in kept]
    assert len(kept[0].steps) == len(task.expert_plan)
    both = collect(writer_env, task, "expert+oracle", shortest=False)  # the detour's pass is kept as it was
    assert [(t.policy, t.bucket) for t in both] == [("expert", "pass")]
    assert len(both[0].steps) == len(task.expert_plan) + 1
