"""Scripted multi-step episodes on the real Writer: reliability and latency figures for the environment.

One episode: open a copy of a template, select text, a toolbar action (Bold), a dialog action (Table menu ->
Insert Table... -> Columns spin -> Insert), save, check the result with a spec. Used by
`lamfactory env bench` and benchmarks/env_bench.py.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

from docx import Document

from lamfactory.apps.libreoffice.bench import run_episodes
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
    with (nullcontext(env) if env else WriterEnv(observe_on_step=observe_on_step)) as env, \
            tempfile.TemporaryDirectory(prefix="lam-bench-") as tmp:
        template = make_template(Path(tmp) / "template.docx")
        task = TaskInstance(task_id="bench", request="Make 'quarterly results' bold and add a 4-column table",
                            template_id="bench", doc_path=str(template), check=EPISODE_CHECK)
        return run_episodes(env, task, episode_actions(), episodes, "Bold", observe_on_step=env.observe_on_step)
