"""LibreOffice Writer on the application contract (registered as "writer" in pyproject's entry points).

Everything Writer-specific lives in this folder: the environment (env.py, over apps/libreoffice), its
actions and keys, the observation state (state.py), the checker predicates (checks.py), task families and
templates, help sources and the relevance filter, safety rules, the `env` CLI and the benchmark.
"""

from __future__ import annotations

import re

from lamfactory.apps.libreoffice import HELP_ROOT, HELP_VARIANTS, module_filter
from lamfactory.apps.libreoffice.safety import RULES
from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.apps.writer.state import WriterState
from lamfactory.core.app import App, HelpSource, lazy

FILE_TYPES = (".docx", ".odt", ".ott", ".doc", ".rtf", ".dotx")
KEYS = ("{ENTER}", "{TAB}", "{DEL}", "{BACKSPACE}", "^a", "^b", "^i", "^u", "^e", "^l", "^r", "^j", "^z", "^y",
        "^c", "^v", "^x", "^s", "^{HOME}", "^{END}", "{HOME}", "{END}", "{ESC}", "^{ENTER}", "+{END}", "+{HOME}")
# Writer's pages first (guides before dialog references), then the shared pages that apply to Writer.
# The "00" folders are "To access this command" indexes and other modules' folders are left out.
HELP_FOLDERS = ("swriter/guide", "shared/guide", "swriter", "swriter/01", "swriter/02", "swriter/04",
                "swriter/librelogo", "shared/01", "shared/02", "shared/optionen", "shared/autopi",
                "shared/autokorr", "shared/04", "shared/05", "shared/06", "shared/07")
# Words that place a task in another LibreOffice module; Writer's menus have none of these top-level menus.
OTHER_MODULES = re.compile(r"\b(calc|impress|draw|base|math|spreadsheets?|sheets?|slides?|presentations?|"
                           r"databases?|quer(y|ies)|sql|pivot|formula editor|basic ide|dialog editor|"
                           r"slide show)\b", re.I)
OTHER_APP_MENUS = re.compile(r"\bChoose (Sheet|Data|Slide|Slide Show|Shape|Page) - ")
OWN = re.compile(r"\b(writer|text documents?)\b", re.I)

drop_reason = module_filter(OTHER_MODULES, OTHER_APP_MENUS, OWN)


def _template_content(path):
    from lamfactory.apps.libreoffice.documents import check_document
    from lamfactory.apps.writer.templates import read_content

    check_document(path)  # corrupt, empty, mis-named or protected: its one-line reason, not python-docx's
    return read_content(path)


def _example_task(folder):
    import docx

    from lamfactory.core.records import TaskInstance

    path = folder / "example.docx"
    d = docx.Document()
    d.add_paragraph("Project plan")
    d.add_paragraph("The kickoff is on Monday.")
    d.save(str(path))
    return TaskInstance(task_id="example", app="writer", request="Make 'kickoff' bold.", template_id="example",
                        doc_path=str(path), check={"pred": "text_contains", "text": "kickoff"})


def _cli():
    from lamfactory.apps.writer.cli import app

    return app


APP = App(
    name="writer",
    display_name="LibreOffice Writer",
    make_env=lazy("lamfactory.apps.writer.env:WriterEnv"),
    actions=ACTIONS,
    file_types=FILE_TYPES,
    state=WriterState(),
    keys=KEYS,
    check_file=lazy("lamfactory.apps.writer.checks:check_file_cached"),
    families=lazy("lamfactory.apps.writer.families:all_families"),
    build_templates=lazy("lamfactory.apps.writer.templates:build_templates"),
    template_content=_template_content,
    help=HelpSource(root=HELP_ROOT, folders=HELP_FOLDERS, variant="WRITER", other_variants=HELP_VARIANTS - {"WRITER"}),
    drop_reason=drop_reason,
    safety_rules=RULES,
    example_task=_example_task,
    cli=_cli,
)
