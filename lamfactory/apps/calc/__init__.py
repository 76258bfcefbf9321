"""LibreOffice Calc on the application contract (registered as "calc" in pyproject's entry points).

Everything Calc-specific lives in this folder, in Writer's shape: the environment (env.py, over
apps/libreoffice), its actions and keys, the observation state (state.py, refs.py), the checker predicates on
saved .xlsx files (checks.py), task families and templates, help sources and the relevance filter, the `env`
CLI and the benchmark.
"""

from __future__ import annotations

import re

from lamfactory.apps.calc.actions import ACTIONS
from lamfactory.apps.calc.keys import KEYS
from lamfactory.apps.calc.state import CalcState
from lamfactory.apps.libreoffice import HELP_ROOT, HELP_VARIANTS, module_filter
from lamfactory.apps.libreoffice.safety import RULES
from lamfactory.core.app import App, HelpSource, lazy

FILE_TYPES = (".xlsx", ".ods", ".ots", ".xls", ".xltx", ".csv")
# Calc's pages first (guides before the menu and dialog references), then the shared pages.
HELP_FOLDERS = ("scalc/guide", "shared/guide", "scalc", "scalc/01", "scalc/02", "scalc/04", "scalc/05",
                "shared/01", "shared/02", "shared/optionen", "shared/autopi", "shared/04", "shared/05")
# Words that place a task in another LibreOffice module.
OTHER_MODULES = re.compile(r"\b(writer|impress|draw|base|math|text documents?|slides?|presentations?|"
                           r"mail merge|formula editor|basic ide|dialog editor|slide show|master pages?|"
                           r"page styles? of (the )?text|headings? numbering|footnotes?|endnotes?|"
                           r"table of contents|bibliograph\w*|text frames?)\b", re.I)
OTHER_APP_MENUS = re.compile(r"\bChoose (Table|Slide|Slide Show|Shape|Page) - ")
OWN = re.compile(r"\b(calc|spreadsheets?|sheets?|cells?|workbooks?)\b", re.I)

drop_reason = module_filter(OTHER_MODULES, OTHER_APP_MENUS, OWN)


def _example_task(folder):
    import openpyxl

    from lamfactory.core.records import TaskInstance

    path = folder / "example.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    for row in (("Item", "Cost"), ("Rent", 800), ("Food", 250)):
        ws.append(row)
    wb.save(path)
    return TaskInstance(task_id="example", app="calc", request="Make the header row bold.", template_id="example",
                        doc_path=str(path), check={"pred": "cell_value", "cell": "A2", "equals": "Rent"})


def _cli():
    from lamfactory.apps.calc.cli import app

    return app


APP = App(
    name="calc",
    display_name="LibreOffice Calc",
    make_env=lazy("lamfactory.apps.calc.env:CalcEnv"),
    actions=ACTIONS,
    file_types=FILE_TYPES,
    state=CalcState(),
    keys=KEYS,
    check_file=lazy("lamfactory.apps.calc.checks:check_file_cached"),
    families=lazy("lamfactory.apps.calc.families:all_families"),
    build_templates=lazy("lamfactory.apps.calc.templates:build_templates"),
    template_content=lazy("lamfactory.apps.calc.templates:read_content"),
    help=HelpSource(root=HELP_ROOT, folders=HELP_FOLDERS, variant="CALC", other_variants=HELP_VARIANTS - {"CALC"}),
    drop_reason=drop_reason,
    safety_rules=RULES,
    example_task=_example_task,
    cli=_cli,
)
