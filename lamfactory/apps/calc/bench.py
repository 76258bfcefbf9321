"""Scripted multi-step episodes on the real Calc: reliability and latency figures for the environment.

One episode: open a copy of the budget template, select a range by address, a toolbar action (Bold), a formula
typed into a cell, a dialog action (Format > Columns > Width... -> Width -> OK), save, check the saved file.
Used by `lamfactory env calc bench` and benchmarks/calc_env_bench.py.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Optional

from lamfactory.apps.calc.env import CalcEnv
from lamfactory.apps.calc.templates import WORKBOOKS, write_workbook
from lamfactory.core.records import Action, TaskInstance

EPISODE_CHECK = {"all": [
    {"pred": "font", "range": "B4:B10", "bold": True},
    {"pred": "font", "range": "A4", "bold": False},
    {"pred": "cell_formula", "cell": "B11", "equals": "=SUM(B4:B10)"},
    {"pred": "cell_value", "cell": "B11", "equals": 2205},
    {"pred": "col_width", "col": "B", "cm": 3.0},
]}
TOOLBAR = "Bold"


def episode_actions() -> list[Action]:
    return [
        Action(function="select_cell", args={"address": "B4:B10"}),
        Action(function="click_input", control_name=TOOLBAR),
        Action(function="select_cell", args={"address": "B11"}),
        Action(function="enter", args={"text": "=SUM(B4:B10)"}),
        Action(function="click_input", control_name="Format"),
        Action(function="click_input", control_name="Columns"),
        Action(function="click_input", control_name="Width..."),
        Action(function="set_edit_text", control_name="Width", args={"text": "3 cm"}),
        Action(function="click_input", control_name="OK"),
        Action(function="save"),
    ]


def run_bench(episodes: int, env: Optional[CalcEnv] = None) -> dict:
    """Run `episodes` scripted episodes; counts and latency medians (ms). Without `env`, a private CalcEnv."""
    own = env is None
    env = env or CalcEnv()
    resets, observes, steps, toolbar_steps, episode_s, failures = [], [], [], [], [], []
    ok = 0
    with tempfile.TemporaryDirectory(prefix="lam-calc-bench-") as tmp:
        template = Path(tmp) / "budget.xlsx"
        write_workbook(next(w for w in WORKBOOKS if w.id == "budget"), template)
        task = TaskInstance(task_id="bench", app="calc", request="Bold the planned figures, total them, widen B",
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
                    if action.control_name == TOOLBAR:
                        toolbar_steps.append(r.duration_ms)
                    if not r.ok:
                        error = f"{action.function}({action.control_name or ''}): {r.error}"
                        break
                if error is None:
                    verdict = env.check(task.check)
                    error = None if verdict.passed else "check: " + "; ".join(verdict.details)
                ok += error is None
                if error:
                    failures.append(f"episode {n}: {error}")
                episode_s.append(time.perf_counter() - t0)
        finally:
            if own:
                env.close()
    return {"app": "calc", "episodes": episodes, "episodes_ok": ok, "reset_ms_median": _median(resets),
            "observe_ms_median": _median(observes), "step_ms_median": _median(steps),
            "toolbar_step_ms_median": _median(toolbar_steps),
            "episode_s_median": round(statistics.median(episode_s), 3) if episode_s else None,
            "restarts": env.restarts, "failures": failures[:10]}


def _median(values: list[float]) -> Optional[float]:
    return round(statistics.median(values), 1) if values else None
