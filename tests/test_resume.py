"""The pipeline interrupted while its dataflow is working — SIGINT once, SIGTERM once — then resumed: every task
executed exactly once, no trajectory lost or written twice, one line on the way out, no soffice left running.

Real CLI (`python -m lamfactory.cli pipeline --only dataflow`) in a subprocess, real soffice. Its TMPDIR is the
test's own folder, so the soffice profiles it starts (tempfile.mkdtemp) name that folder and `pgrep -f` finds
exactly this run's processes. The heavier variants (an uninterrupted reference run to compare with, the train
stage interrupted): benchmarks/resume_probe.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PLANS = ROOT / "lamfactory" / "dataflow" / "sample_plans.jsonl"
PLANS = {"t_bold", "t_heading", "t_bullets", "t_center"}  # short single-family plans: a quick stage
CONFIG = """name: resume-probe
seed: 0
dataflow: {limit: 4, per_plan: 1, expert: expert+oracle, paraphrases: false}
"""


def _workdir(tmp_path: Path) -> tuple[Path, Path]:
    """Plans written as the plans stage would, and a small template library where the dataflow keeps its own
    (it reuses one it finds there): the stage then spends its time on the tasks, not on building 41 templates."""
    from lamfactory.apps.writer.templates import build_templates

    work = tmp_path / "work"
    (work / "plans").mkdir(parents=True)
    build_templates(work / "dataflow" / "templates", help_pages=8, ott=False)
    lines = [line for line in SAMPLE_PLANS.read_text().splitlines() if json.loads(line)["task_id"] in PLANS]
    (work / "plans" / "plans.jsonl").write_text("\n".join(lines) + "\n")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    return work, config


def _pipeline(config: Path, work: Path, tmp: Path, stage: str = "dataflow") -> subprocess.Popen:
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return subprocess.Popen([sys.executable, "-m", "lamfactory.cli", "pipeline", "--config", str(config),
                             "--workdir", str(work), "--only", stage], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(work: Path) -> int:
    done = work / "dataflow" / "done.jsonl"
    return done.read_text().count("\n") if done.is_file() else 0


def _interrupt_after(proc: subprocess.Popen, work: Path, done: int, sig: int) -> tuple[int, str]:
    return _interrupt_when(proc, lambda: _done(work) >= done, sig)


def _soffice_under(folder: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-f", f"soffice.*{folder}"], capture_output=True, text=True)
    return found.stdout.split()


def test_dataflow_interrupted_by_sigint_then_sigterm_resumes_with_nothing_lost(tmp_path):
    work, config = _workdir(tmp_path)
    tmp = tmp_path / "tmp"
    for sig, after in ((signal.SIGINT, 1), (signal.SIGTERM, 2)):
        code, output = _interrupt_after(_pipeline(config, work, tmp), work, after, sig)
        assert code == 130 and "interrupted — rerun the same command" in output, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
        assert not _soffice_under(tmp), f"soffice left running after {sig.name}"
        assert not list(tmp.glob("lam-soffice-*")), "soffice profile folders left behind"
    interrupted = _done(work)
    final = _pipeline(config, work, tmp)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, (out + err)[-3000:]

    flow = work / "dataflow"
    tasks = [json.loads(line)["task_id"] for line in (flow / "tasks.jsonl").read_text().splitlines()]
    done = [json.loads(line)["task_id"] for line in (flow / "done.jsonl").read_text().splitlines()]
    assert 2 <= interrupted < len(tasks) == 4
    assert sorted(done) == sorted(tasks), "every task executed exactly once across the three runs"
    trajectories = [json.loads(line) for bucket in ("pass", "fail", "unsure") if (flow / f"{bucket}.jsonl").is_file()
                    for line in (flow / f"{bucket}.jsonl").read_text().splitlines()]
    per_run = Counter((t["task"]["task_id"], t["policy"]) for t in trajectories)
    assert max(per_run.values()) == 1, "a trajectory written twice"
    assert {task for task, _ in per_run} == set(tasks), "a task without its trajectory"
    summary = json.loads((flow / "summary.json").read_text())
    assert summary["tasks_done"] == 4 and sum(summary["buckets"].values()) == len(trajectories)
    manifest = json.loads((work / "manifest.json").read_text())
    assert manifest["stages"]["dataflow"]["status"] == "done"
    assert not _soffice_under(tmp)


EVAL_CONFIG = """name: resume-probe-eval
seed: 0
eval: {models: [oracle, expert], online_tasks: 5, seeds: 1, max_steps: 10, ablations: false}
"""


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.is_file() else 0


def _interrupt_when(proc: subprocess.Popen, ready, sig: int) -> tuple[int, str]:
    deadline = time.monotonic() + 240
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the stage ended before it could be interrupted"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=90)
    return proc.returncode, out + err


def test_eval_interrupted_by_sigint_then_sigterm_resumes_every_episode_once(tmp_path):
    """The evaluation stage (two policies live on held-out tasks) interrupted by SIGINT during the first policy's
    episodes and by SIGTERM during the second's, then resumed: each policy has one episode per task, none twice,
    the oracle passes all five as an uninterrupted run does, no soffice or profile left."""
    from lamfactory.apps.writer.templates import build_templates
    from lamfactory.core.app import get_app
    from lamfactory.core.records import write_jsonl
    from lamfactory.dataflow.instantiate import Instantiator
    from lamfactory.dataflow.runner import load_plans

    work, tmp = tmp_path / "work", tmp_path / "tmp"
    templates = build_templates(tmp_path / "tpl", help_pages=8, ott=False)
    found, _ = Instantiator(templates, get_app("writer"), seed=0, per_plan=1).instantiate(load_plans(SAMPLE_PLANS))
    chosen = [t.model_copy(update={"split": "test"}) for t in found if len(t.expert_plan) >= 2][:5]
    (work / "dataflow").mkdir(parents=True)
    write_jsonl(work / "dataflow" / "tasks.jsonl", chosen)
    (work / "dataflow" / "steps.jsonl").write_text("")  # no step samples: oracle and expert act only live
    config = tmp_path / "config.yaml"
    config.write_text(EVAL_CONFIG)
    logs = {name: work / "eval" / name / "online" / "trajectories.jsonl" for name in ("oracle", "expert")}
    for sig, name, after in ((signal.SIGINT, "oracle", 2), (signal.SIGTERM, "expert", 1)):
        code, output = _interrupt_when(_pipeline(config, work, tmp, "eval"), lambda: _lines(logs[name]) >= after, sig)
        assert code == 130 and "interrupted — rerun the same command" in output, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
        assert not _soffice_under(tmp), f"soffice left running after {sig.name}"
        assert not list(tmp.glob("lam-soffice-*")), "soffice profile folders left behind"
    assert _lines(logs["oracle"]) == 5 and 1 <= _lines(logs["expert"]) < 5
    final = _pipeline(config, work, tmp, "eval")
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, (out + err)[-3000:]
    for name, log in logs.items():
        episodes = Counter(json.loads(line)["task"]["task_id"] for line in log.read_text().splitlines())
        assert sorted(episodes) == sorted(t.task_id for t in chosen) and max(episodes.values()) == 1, (name, episodes)
    summary = json.loads((work / "eval" / "summary.json").read_text())
    assert summary["oracle"]["online"]["episodes"] == 5 and summary["oracle"]["online"]["task_success_rate"] == 1.0
    assert summary["expert"]["online"]["episodes"] == 5
    assert not _soffice_under(tmp)


GUIDE = Path("/usr/share/libreoffice/help/en-US/text/swriter/guide")
PLANS_CONFIG = """name: resume-probe-plans
seed: 0
plans: {{sources: ["docs:{docs}"], evolve: 4}}
"""


def test_plans_interrupted_by_sigint_then_sigterm_resumes_to_the_same_records(tmp_path):
    """The plans stage interrupted while it works (once it has started the stage), then run to its end: the
    same plans.jsonl, byte for byte, as an uninterrupted run of the same config; no half-written file after
    an interrupt."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for page in sorted(GUIDE.glob("*.html"))[:12]:
        (docs / page.name).write_bytes(page.read_bytes())
    config = tmp_path / "config.yaml"
    config.write_text(PLANS_CONFIG.format(docs=docs))
    ref, cut, tmp = tmp_path / "ref", tmp_path / "cut", tmp_path / "tmp"
    out, err = _pipeline(config, ref, tmp, "plans").communicate(timeout=300)
    assert (ref / "plans" / "plans.jsonl").is_file(), (out + err)[-2000:]
    mark = cut / "manifest.json"

    def started_since(before: int):  # this run marked the stage running (the last interrupted one left it so)
        def ready() -> bool:
            if not mark.is_file() or mark.stat().st_mtime_ns == before:
                return False
            return json.loads(mark.read_text() or "{}").get("stages", {}).get("plans", {}).get("status") == "running"
        return ready

    for sig in (signal.SIGINT, signal.SIGTERM):
        before = mark.stat().st_mtime_ns if mark.is_file() else 0
        code, output = _interrupt_when(_pipeline(config, cut, tmp, "plans"), started_since(before), sig)
        assert code == 130 and "interrupted — rerun the same command" in output, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
        assert not (cut / "plans" / "plans.jsonl").exists(), "a plans file written by an interrupted stage"
    out, err = _pipeline(config, cut, tmp, "plans").communicate(timeout=300)
    assert (cut / "plans" / "plans.jsonl").read_bytes() == (ref / "plans" / "plans.jsonl").read_bytes()
