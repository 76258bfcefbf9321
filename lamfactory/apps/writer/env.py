"""WriterEnv: LibreOffice Writer driven through its real UNO accessibility tree (shared machinery:
libreoffice/env.py, whose OfficeEnv it subclasses as CalcEnv does).

    env = WriterEnv()                      # starts a private soffice (svp, no X server)
    obs = env.reset(task)                  # opens a COPY of task.doc_path; a new document when task is None
    res = env.step(Action(function="click_input", control_name="Bold"))
    env.check({"pred": "char_format", "text": "Hello", "bold": True})
    env.close()

Design choices:
- Every call is one round trip into a script running inside soffice (libreoffice/inprocess.py with its
  bridge helpers, and bridge/lam_writer_doc.py for the canvas and document ops): the action, the
  idle-wait (`processEventsToIdle`) and the next observation happen there. Actions and idle-waits run on
  soffice's main thread, so one that opens a modal dialog returns as soon as the dialog is up; so do
  showing the new window and the observation's reads (faster there: no contention for soffice's lock).
- `reset` opens the copy in a new window and closes all others; application-wide UI state an episode
  changed (toolbars, view options, side windows, dialogs' last tab, the clipboard) is put back as it was
  after the first start, so one soffice serves any number of episodes and policies. Its observation
  waits until the new window's toolbars show their buttons' real states (50 ms after they appear).
- `step` returns the new observation (controls + canvas) when `observe_on_step` is True (the default);
  with False it returns only ok/error (about twice as fast) and labels keep referring to the last
  observation, as in the paper. Grounding by name always uses controls fresh after the last action.
- Grounding: control_label from the last observation first; else control_name exact (SHOWING+ENABLED
  first); else fuzzy (rapidfuzz ratio >= core.ground.MIN_NAME_SCORE).
- If soffice dies or hangs (watchdog), the next call restarts it and reopens a fresh copy of the task's
  document; the step that met the crash returns ok=False with an error saying the episode was reset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lamfactory.apps.libreoffice.env import OfficeEnv
from lamfactory.apps.writer import FILE_TYPES, checks
from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.apps.writer.keys import parse_keys
from lamfactory.apps.writer.state import Canvas
from lamfactory.core.actions import ActionError
from lamfactory.core.records import Control, Verdict


class WriterEnv(OfficeEnv):
    name = "writer"
    # Writer's document part of the in-process bridge (canvas, document ops), installed into soffice's profile.
    bridge_module = Path(__file__).with_name("bridge") / "lam_writer_doc.py"
    actions = ACTIONS
    file_types = FILE_TYPES
    filters = {".docx": "MS Word 2007 XML", ".odt": "writer8", ".doc": "MS Word 97", ".rtf": "Rich Text Format",
               ".pdf": "writer_pdf_Export"}
    default_filter = "writer8"  # a suffix filters lacks is stored as ODF text
    native_suffix = ".docx"
    new_document_url = "private:factory/swriter"
    parse_keys = staticmethod(parse_keys)
    apply_combos = {"Paragraph Style": "para_style", "Font Name": "font_name", "Font Size": "font_size"}

    def state_of(self, canvas: dict) -> dict:
        return Canvas(**canvas).model_dump()

    def load_check(self, spec: dict) -> dict:
        return checks.load_check(spec)

    def check_saved(self, path: Path, spec: dict) -> Verdict:
        return checks.check_docx(path, spec)

    def app_ops(self, function: str, args: dict, control: Optional[Control]) -> Optional[list[dict]]:
        if function == "select_text":
            if not args["text"]:
                raise ActionError("select_text: text must not be empty")
            if args["occurrence"] < 1:
                raise ActionError("select_text: occurrence must be >= 1")
            return [{"op": "select_text", "text": args["text"], "occurrence": args["occurrence"]}]
        if function == "select_paragraph":
            return [{"op": "select_paragraph", "index": args["index"]}]
        if function == "select_table":
            return [{"op": "select_table", "number": args["number"]}]
        if function == "insert_table":
            if not (1 <= args["rows"] <= 200 and 1 <= args["columns"] <= 64):
                raise ActionError("insert_table: rows must be 1..200 and columns 1..64")
            return [{"op": "dispatch", "cmd": ".uno:InsertTable",
                     "args": {"Rows": args["rows"], "Columns": args["columns"]}}]
        return None
