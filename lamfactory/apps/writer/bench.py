"""Scripted multi-step episodes on the real Writer: reliability and latency figures for the environment.

One episode: open a copy of a template, select text, a toolbar action (Bold), a dialog action (Table menu ->
Insert Table... -> Columns spin -> Insert), save, check the result with a spec. Used by
`lamfactory env bench` and benchmarks/env_bench.py.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Optional

from docx import Document

from lamfactory.apps.writer.env import WriterEnv
from lamfactory.core.records import Action, TaskInstance

EPISODE_CHECK = {"all": [
    {"pred": "char_format", "text": "quarterly results", "bold": True},
    {"pred": "char_format", "text": "Welcome", "bold": False},
    {"pred": "table_count", "value": 1},
    {"pred": "table_shape", "table": 1, "cols": 4},
]}


def make_template(path: Path) -> Path:
    d = Document()
    d.add_heading("Team update", level=1)
    d.add_paragraph("Welcome to the quarterly results meeting.")
    d.add_paragraph("Please read the figures below.")
    d.save(path)
    return path


def episode_actions() -> list[Action]:
    return [
        Action(function="select_text", args={"text": "quarterly results"}),
        Action(function="click_input", control_name="Bold"),
        Action(function="keyboard_input", args={"keys": "^{END}"}),
        Action(function="click_input", control_name="Table"),
        Action(function="click_input", control_name="Insert Table..."),
        Action(function="set_edit_text", control_name="Columns:", args={"text": "4"}),
        Action(function="click_input", control_name="Insert"),
        Action(function="save"),
    ]


def run_bench(episodes: int, env: Optional[WriterEnv] = None, observe_on_step: bool = True) -> dict:
    """Run `episodes` scripted episodes; return counts and latency medians (ms). Without `env`, a private
    WriterEnv is started and closed."""
    own = env is None
    env = env or WriterEnv(observe_on_step=observe_on_step)
    resets, observes, steps, toolbar_steps, episode_s, failures = [], [], [], [], [], []
    ok = 0
    with tempfile.TemporaryDirectory(prefix="lam-bench-") as tmp:
        template = make_template(Path(tmp) / "template.docx")
        task = TaskInstance(task_id="bench", request="Make 'quarterly results' bold and add a 4-column table",
                            template_id="bench", doc_path=str(template), check=EPISODE_CHECK)
        try:
            for n in range(episodes):
                t0 = time.perf_counter()
                env.reset(task)
                resets.append((time.perf_counter() - t0) * 1000)
                t1 = time.perf_counter()
                env.observe()
                observes.append((time.perf_counter() - t1) * 1000)
                error = None
                for action in episode_actions():
                    r = env.step(action)
                    steps.append(r.duration_ms)
                    if action.control_name == "Bold":
                        toolbar_steps.append(r.duration_ms)
                    if not r.ok:
                        error = f"{action.function}({action.control_name or ''}): {r.error}"
                        break
                if error is None:
                    verdict = env.check(task.check)
                    error = None if verdict.passed else "check: " + "; ".join(verdict.details)
                if error is None:
                    ok += 1
                else:
                    failures.append(f"episode {n}: {error}")
                episode_s.append(time.perf_counter() - t0)
        finally:
            if own:
                env.close()
    return {
        "episodes": episodes,
        "episodes_ok": ok,
        "reset_ms_median": _median(resets),
        "observe_ms_median": _median(observes),
        "step_ms_median": _median(steps),
        "toolbar_step_ms_median": _median(toolbar_steps),
        "episode_s_median": round(statistics.median(episode_s), 3) if episode_s else None,
        "observe_on_step": env.observe_on_step,
        "restarts": env.restarts,
        "failures": failures[:10],
    }


def _median(values: list[float]) -> Optional[float]:
    return round(statistics.median(values), 1) if values else None
