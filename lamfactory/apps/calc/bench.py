"""Scripted multi-step episodes on the real Calc: reliability and latency figures for the environment.

One episode: open a copy of the budget template, select a range by address, a toolbar action (Bold), a formula
typed into a cell, a dialog action (Format > Columns > Width... -> Width -> OK), save, check the saved file.
Used by `lamfactory env calc bench` and benchmarks/calc_env_bench.py.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

from lamfactory.apps.calc.env import CalcEnv
from lamfactory.apps.calc.templates import WORKBOOKS, write_workbook
from lamfactory.apps.libreoffice.bench import run_episodes
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
    with (nullcontext(env) if env else CalcEnv()) as env, tempfile.TemporaryDirectory(prefix="lam-calc-bench-") as tmp:
        template = Path(tmp) / "budget.xlsx"
        write_workbook(next(w for w in WORKBOOKS if w.id == "budget"), template)
        task = TaskInstance(task_id="bench", app="calc", request="Bold the planned figures, total them, widen B",
                            template_id="bench", doc_path=str(template), check=EPISODE_CHECK)
        return {"app": "calc", **run_episodes(env, task, episode_actions(), episodes, TOOLBAR)}
