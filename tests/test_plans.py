"""Stage 1 on the real, installed LibreOffice help: extraction, cleaning, dedup, evolving, outputs, CLI."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lamfactory.plans.build import build_plans, query_to_task
from lamfactory.plans.clean import clean, dedup, embed, near_duplicates, plan_text
from lamfactory.plans.evolve import MAX_EXTRA_WORDS, evolve_offline, extra_words, plan_id
from lamfactory.plans.extract import EXTRACT_PROMPT, extract_procedures, page_plain_text, parse_page
from lamfactory.apps.libreoffice import HELP_ROOT
from lamfactory.core.app import get_app

WRITER = get_app("writer")
from lamfactory.core.records import Source, TaskPlan, read_jsonl

pytestmark = pytest.mark.skipif(not HELP_ROOT.is_dir(), reason="libreoffice-help-en-us is not installed")

PAGES = ["swriter/guide/text_capital.html", "swriter/guide/section_insert.html", "swriter/guide/keyboard.html",
         "swriter/guide/table_insert.html", "swriter/guide/pagenumbers.html", "swriter/guide/captions.html",
         "swriter/guide/footnote_usage.html", "swriter/guide/indices_toc.html", "shared/guide/insert_bitmap.html",
         "swriter/01/05030200.html", "swriter/04/01020000.html"]


def page(rel: str):
    return parse_page((HELP_ROOT / rel).read_text(encoding="utf-8"), WRITER.help)


def tp(task: str, plan: list[str], kind: str = "docs") -> TaskPlan:
    return TaskPlan(task_id="", task=task, plan=plan, source=Source(kind=kind))


@pytest.fixture(scope="module")
def small_help(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("help")
    for rel in PAGES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HELP_ROOT / rel, root / rel)
    return root


def test_procedure_page_yields_its_steps():
    ex = extract_procedures(page("swriter/guide/text_capital.html"), source_kind="libreoffice-help",
                            path="swriter/guide/text_capital.html")
    by_task = {p.task: p.plan for p in ex.plans}
    assert by_task["Capitalize text"] == ["Select the text that you want to capitalize.",
                                          "Choose Format - Text - Uppercase."]  # first of the alternatives
    assert by_task["Change text to lowercase"] == ["Select the text that you want to change to lowercase.",
                                                   "Choose Format - Text - Lowercase."]
    assert ex.plans[0].source.url_or_path.startswith("swriter/guide/text_capital.html#hd_id")


def test_several_procedures_per_page_and_menu_paths_kept():
    ex = extract_procedures(page("swriter/guide/section_insert.html"), source_kind="x", path="p")
    tasks = [p.task for p in ex.plans]
    assert "Insert a new section" in tasks and "Insert a section as a link" in tasks
    link = next(p for p in ex.plans if p.task == "Insert a section as a link")
    assert link.plan[1] == "Choose Insert - Section." and link.plan[-1] == "Click Insert." and len(link.plan) == 8


def test_reference_pages_yield_nothing_with_a_reason():
    for rel in ("swriter/04/01020000.html", "shared/00/00000005.html"):  # shortcut table, glossary
        ex = extract_procedures(page(rel), source_kind="x", path=rel)
        assert ex.plans == [] and ex.reason == "reference page (no procedure)"


def test_dialog_options_become_setting_procedures():
    ex = extract_procedures(page("swriter/01/05030200.html"), source_kind="x", path="p")
    setting = {p.task: p.plan for p in ex.plans}
    plan = setting["Set the minimum number of characters to leave at the end of the line before a hyphen is "
                   "inserted"]
    assert plan == ["Choose Format - Paragraph - Text Flow tab.", "Set the Characters at line end option.",
                    "Click OK."]
    assert ex.methods["setting"] == 10 and sum(ex.methods.values()) == len(ex.plans)


def test_cleaning_counts_every_drop():
    drops: Counter = Counter()
    kept = clean([tp("Insert a table", ["Choose Table - Insert Table.", "Click Insert."]),
                  tp("Insert a Table", ["Choose Table - Insert Table.", "Click Insert."]),  # same task
                  tp("Insert a sheet", ["Choose Sheet - Insert Sheet.", "Click OK."]),  # Calc
                  tp("Make text bold", ["Press Ctrl+B."]),  # one step
                  tp("Fügen Sie eine Tabelle ein", ["Wählen Sie Tabelle - Tabelle einfügen.",
                                                    "Klicken Sie auf Einfügen und dann auf Schließen."]),
                  tp("Columns", ["Choose Format - Columns.", "Click OK."])], drops, WRITER)
    assert [p.task for p in kept] == ["Insert a table"]
    assert drops == Counter({"duplicate task": 1, "irrelevant (other module)": 1, "plan too short": 1,
                             "not English": 1, "task not an instruction": 1})


def test_near_duplicates_by_embedding():
    plans = [tp("Insert a table", ["Choose Table - Insert Table.", "Enter the number of rows and columns."]),
             tp("Add a table", ["Choose Table - Insert Table.", "Enter the number of rows and columns."]),
             tp("Print a brochure", ["Choose File - Print.", "Click Properties and select Brochure."])]
    vectors = embed([plan_text(p) for p in plans])
    assert near_duplicates(vectors) == [1]
    drops: Counter = Counter()
    kept, kept_vectors = dedup(plans, vectors, drops)
    assert [p.task for p in kept] == ["Insert a table", "Print a brochure"] and drops["near duplicate"] == 1
    assert kept_vectors.shape == (2, 384)
    assert near_duplicates(np.eye(3, dtype=np.float32)) == []


def _base():
    plans = [p for rel in PAGES for p in extract_procedures(page(rel), source_kind="x", path=rel).plans]
    plans = [p.model_copy(update={"task_id": plan_id("writer", p.task, p.plan)}) for p in clean(plans, Counter(), WRITER)]
    return plans, embed([plan_text(p) for p in plans])


def test_evolving_is_deterministic_and_keeps_the_rules():
    base, vectors = _base()
    splits = {p.task_id: ("test" if i % 5 == 0 else "train") for i, p in enumerate(base)}
    first = evolve_offline(base, vectors, splits, 30, seed=7, drops=Counter())
    again = evolve_offline(base, vectors, splits, 30, seed=7, drops=Counter())
    other = evolve_offline(base, vectors, splits, 30, seed=8, drops=Counter())
    assert len(first) == 30 and first == again and first != other
    by_id = {p.task_id: p for p in base}
    for e in first:
        parents = [by_id[i] for i in e.parents]
        assert e.evolved and e.source.kind == "evolved" and parents
        assert extra_words(parents[0].task, e.task) <= MAX_EXTRA_WORDS
        assert len({splits[p.task_id] for p in parents}) == 1  # combined within one split only
        for parent in parents:  # the parents' steps are all still in the plan, in order
            it = iter(e.plan)
            assert all(step in it for step in parent.plan[1:])


def test_build_outputs_and_reuse(small_help, tmp_path):
    out = tmp_path / "plans"
    stats = build_plans([f"libreoffice-help:{small_help}"], out, evolve=20, llm_roles={}, seed=3)
    assert not stats["reused"] and stats["cleaned"] >= 20 and stats["evolved"] == 20
    assert stats["dropped"]["reference page (no procedure)"] == 1
    records = list(read_jsonl(out / "plans.jsonl", TaskPlan))
    assert len(records) == stats["records"] and all(len(r.plan) >= 2 for r in records)
    assert len({r.task_id for r in records}) == len(records)
    from datasets import load_from_disk

    ds = load_from_disk(str(out / "dataset"))
    assert set(ds) == {"train", "test"} and ds["train"].num_rows + ds["test"].num_rows == len(records)
    assert json.loads((out / "stats.json").read_text())["fingerprint"] == stats["fingerprint"]
    assert build_plans([f"libreoffice-help:{small_help}"], out, evolve=20, llm_roles={}, seed=3)["reused"]
    assert not build_plans([f"libreoffice-help:{small_help}"], out, evolve=5, llm_roles={}, seed=3)["reused"]
    assert [p.name for p in tmp_path.iterdir()] == ["plans"]  # no staging leftovers


def test_llm_extract_role_via_replay(small_help, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(small_help / "swriter/guide/text_capital.html", docs / "caps.html")
    title, text = page_plain_text(page("swriter/guide/text_capital.html"))
    prompt = EXTRACT_PROMPT.format(app_name="LibreOffice Writer", title=title, text=text)
    from lamfactory.plans.extract import EXTRACT_SCHEMA

    answer = {"procedures": [{"task": "Make the selected text upper case",
                              "plan": ["Select the text.", "Choose Format - Text - Uppercase."]}]}
    recording = tmp_path / "calls.jsonl"
    recording.write_text(json.dumps({"messages": [{"role": "user", "content": prompt}], "schema": EXTRACT_SCHEMA,
                                     "response": json.dumps(answer)}) + "\n")
    stats = build_plans([f"docs:{docs}"], tmp_path / "out", evolve=0, llm_roles={"extract": f"replay:{recording}"})
    records = list(read_jsonl(tmp_path / "out" / "plans.jsonl", TaskPlan))
    assert [r.task for r in records] == ["Make the selected text upper case"] and stats["evolved"] == 0


def test_queries_offline_keep_tasks_grounded_in_docs(small_help, tmp_path):
    assert query_to_task("how to insert a section in libreoffice writer?", "LibreOffice Writer") == "Insert a section"
    assert query_to_task("libreoffice writer crashes on startup", "LibreOffice Writer") is None
    q = tmp_path / "q.txt"
    q.write_text("how do I insert a section as a link\nwriter vs word comparison\n")
    stats = build_plans([f"libreoffice-help:{small_help}", f"queries:{q}"], tmp_path / "out", evolve=0,
                        llm_roles={})
    assert stats["dropped"]["query: not a task"] == 1 and stats["extracted_per_source"]["queries"] == 1


runner = CliRunner()


@pytest.mark.parametrize("make_source, message", [
    (lambda d: f"docs:{d / 'missing'}", "folder not found"),
    (lambda d: (d / "empty").mkdir() or f"docs:{d / 'empty'}", "no HTML or Markdown files"),
    (lambda d: (d / "q.txt").write_text("\n# only a comment\n") and f"queries:{d / 'q.txt'}", "holds no queries"),
    (lambda d: (d / "bin.txt").write_bytes(b"\xff\xfe\x00bad") and f"queries:{d / 'bin.txt'}", "not UTF-8"),
    (lambda d: (d / "docs").mkdir() or (d / "docs" / "p.html").write_bytes(b"\xff\xfe") and f"docs:{d / 'docs'}",
     "cannot read"),
    (lambda d: "wiki:foo", "unknown kind 'wiki'"),
])
def test_cli_bad_input_is_one_line_and_leaves_nothing(tmp_path, make_source, message):
    from lamfactory.cli import app

    out = tmp_path / "out"
    result = runner.invoke(app, ["plans", "build", "--source", make_source(tmp_path), "--out", str(out),
                                 "--no-progress"])
    assert result.exit_code == 2  # bad input, as every command (core/exits.py)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not out.exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_cli_bad_llm_option(tmp_path):
    from lamfactory.cli import app

    result = runner.invoke(app, ["plans", "build", "--source", "libreoffice-help", "--out", str(tmp_path / "o"),
                                 "--llm", "writer=openai:x"])
    assert result.exit_code == 2 and "unknown role 'writer'" in result.output
