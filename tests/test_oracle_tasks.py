"""Every instantiated task is one the oracle can solve: each requested edit changes the untouched document.

The flake issue 16 names (the oracle failing ~1 of 40 online tasks) was a two-edit task whose second edit
already held: "center the third paragraph, and apply bold to 'To Create a'", where 'To Create a' opens a
Heading 2 that is bold by its style. The whole check failed on the untouched template (the alignment), so the
task was kept; the oracle's Bold click then *cleared* the bold and the task could never pass. Real templates,
real instantiation, the oracle live in real Writer through online evaluation's runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PLANS = ROOT / "lamfactory" / "dataflow" / "sample_plans.jsonl"


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    from lamfactory.apps.writer.templates import build_templates
    from lamfactory.core.app import get_app
    from lamfactory.dataflow.instantiate import Instantiator
    from lamfactory.dataflow.runner import load_plans

    templates = build_templates(tmp_path_factory.mktemp("tpl"), help_pages=8, ott=False)
    found, rejected = Instantiator(templates, get_app("writer"), seed=0, per_plan=2).instantiate(load_plans(SAMPLE_PLANS))
    return found, rejected


def test_every_part_of_a_composed_check_fails_on_the_untouched_template(tasks):
    from lamfactory.apps.writer.checks import check_docx

    found, _ = tasks
    composed = [t for t in found if "all" in t.check]
    assert composed, "no two-edit task to look at"
    held = [(t.task_id, part) for t in composed for part in t.check["all"] if check_docx(t.doc_path, part).passed]
    assert not held, held  # before the fix: t_evo1-1, bold on 'To Create a' (a Heading 2, bold by its style)


def test_the_oracle_passes_every_composed_task_live(tasks, writer_env):
    from lamfactory.agent.policies import make_policy
    from lamfactory.evaluate.online import run_surviving_crash

    composed = [t for t in tasks[0] if "all" in t.check]
    results = [run_surviving_crash(writer_env, t, make_policy("oracle"), 10) for t in composed]
    failed = [(t.task.task_id, t.failure) for t in results if t.bucket != "pass"]
    assert not failed, json.dumps(failed)[:2000]


def test_every_text_families_may_name_is_found_by_writer(tmp_path, writer_env):
    """read_content is what families sample targets from (a cell to select, a quoted span): each of its
    table cells and each paragraph's opening words must be found by select_text in the live document. Before:
    the report template's header cells ('Column1'..'Column4', DOCVARIABLE field results) were offered and
    found 0 times (the demo's table_rows_dialog / table_cell_text oracle misses)."""
    from lamfactory.apps.writer.templates import build_templates, read_content
    from lamfactory.core.records import Action, TaskInstance

    templates = [t for t in build_templates(tmp_path, help_pages=1, ott=True) if t.kind == "libreoffice-template"]
    assert any(t.template_id == "lo_cnt_default" for t in templates), [t.template_id for t in templates]
    missed, tried = [], 0
    for t in templates:
        content = read_content(t.path)
        texts = {c for table in content.tables for row in table for c in row if c and "\n" not in c}
        texts |= {" ".join(p.text.split()[:3]) for p in content.paragraphs if p.text}
        writer_env.reset(TaskInstance(task_id=t.template_id, request="-", template_id=t.template_id, doc_path=t.path))
        for text in sorted(texts):
            tried += 1
            result = writer_env.step(Action(function="select_text", args={"text": text}))
            if not result.ok and "occurs 0 time" in (result.error or ""):
                missed.append((t.template_id, text))
    assert tried > 20 and not missed, missed
