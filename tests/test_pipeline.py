"""The main job end to end (the quick config), plus config validation and stage selection."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lamfactory.config import ConfigError, builtin_config, load_config
from lamfactory.pipeline import select_stages

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["demo", "quick", "endpoint", "train_7b_lora", "ray"])
def test_shipped_configs_validate(name):
    load_config(builtin_config(name))


@pytest.mark.parametrize("text, message", [
    ("plans: {evolv: 3}\n", "plans.evolv: unknown key"),
    ("dataflow: {limit: many}\n", "dataflow.limit"),
    ("train: {imitate: {learnin_rate: 0.1}}\n", "imitate.learnin_rate"),
    ("plans: {sources: ['docs:/no/such/dir']}\n", "/no/such/dir does not exist"),
    ("plans: {llm: {summarise: 'openai:gpt-4o'}}\n", "unknown LLM role"),
    ("- a list\n", "top level must be a mapping"),
])
def test_bad_config_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(path)


def test_stage_selection():
    assert select_stages(start="train") == ["train", "eval", "report"]
    assert select_stages(only="plans") == ["plans"]
    with pytest.raises(ValueError, match="unknown stage"):
        select_stages(only="deploy")


def test_bad_config_from_the_cli_names_the_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("eval: {modles: [oracle]}\n")
    r = subprocess.run([sys.executable, "-m", "lamfactory.cli", "pipeline", "--config", str(path), "--workdir",
                        str(tmp_path / "w")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert "eval.modles: unknown key" in r.stderr
    assert not (tmp_path / "w").exists()  # nothing started


def test_quick_demo_end_to_end(tmp_path):
    """`lamfactory demo --quick`: every stage runs for real; a rerun skips every stage."""
    work = tmp_path / "quick"
    cmd = [sys.executable, "-m", "lamfactory.cli", "demo", "--quick", "--workdir", str(work)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    summary = json.loads((work / "eval" / "summary.json").read_text())
    assert {"lam1", "lam2", "lam3", "lam4", "oracle", "random"} <= set(summary)
    for name in ("lam1", "lam2", "lam3", "lam4"):
        assert 0.0 <= summary[name]["offline"]["task_success_rate"] <= 1.0
        assert 0.0 <= summary[name]["online"]["task_success_rate"] <= 1.0
    # the harness tells good from bad: the oracle beats the random policy on the same tasks
    assert summary["oracle"]["online"]["task_success_rate"] > summary["random"]["online"]["task_success_rate"]
    manifest = json.loads((work / "manifest.json").read_text())
    assert all(manifest["stages"][s]["status"] == "done" for s in ("plans", "dataflow", "train", "eval", "report"))
    assert manifest["versions"]["transformers"] == "5.24.0"
    assert (work / "report" / "report.html").read_text().count("<img") >= 2
    for name in ("lam1", "lam2", "lam3", "lam4"):
        assert (work / "models" / name / "config.json").exists()
    rerun = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert rerun.returncode == 0
    assert rerun.stdout.count("up to date") == 5
    # a re-evaluation (here: eval/summary.json rewritten) makes the report stale: only the report reruns
    summary_path = work / "eval" / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=1))
    third = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert third.returncode == 0
    assert third.stdout.count("up to date") == 4 and "[report] running" in third.stdout
