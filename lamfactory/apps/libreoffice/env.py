"""OfficeEnv: the part of a LibreOffice application's environment that knows no application.

A LibreOffice app (apps/writer, apps/calc) subclasses OfficeEnv and names its bridge module, file filters and
new-document URL, turns the bridge's canvas into its observation state, maps its own functions to in-process
ops and checks a saved file:

    class CalcEnv(OfficeEnv):
        name = "calc"; bridge_module = ...; filters = {".xlsx": "Calc MS Excel 2007 XML"}; ...

What is shared (as WriterEnv's docstring describes it): every call is one round trip into the in-process
bridge (libreoffice/inprocess.py); reset opens a *copy* of the task's document and puts the UI state back;
a dead or hung soffice is restarted and the episode's document reopened; grounding by label, then exact
name, then fuzzy name (core/ground.py); a bad action is a StepResult(ok=False), never an exception.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Optional

from lamfactory.apps.libreoffice.documents import check_document, load_refused
from lamfactory.apps.libreoffice.keys import KeyStringError
from lamfactory.apps.libreoffice.soffice import CALL_TIMEOUT_S, WINDOW_SIZE, Office, OfficeDied
from lamfactory.core.actions import ActionError, ActionSet
from lamfactory.core.env import Environment
from lamfactory.core.ground import closest_names, match_control
from lamfactory.core.records import Action, Control, Observation, StepResult, TaskInstance, Verdict

log = logging.getLogger(__name__)

LOAD_TIMEOUT_S = 60.0  # opening a large document legitimately takes longer than one action
LOAD_FAILED = "LibreOffice could not open"  # the bridge's load error (libreoffice/bridge/lam_uistate.py)
MENU_TYPES = {"MENU", "MENU_ITEM", "CHECK_MENU_ITEM", "RADIO_MENU_ITEM"}


class InProcessError(RuntimeError):
    """The in-process script reported an error (a bad target, a refused value): an action error."""


class OfficeEnv(Environment):
    """Subclasses set the class attributes and implement `state_of`, `app_ops`, `check_saved`."""

    name = "libreoffice"
    bridge_module: Path  # the app's document module of the in-process bridge
    actions: ActionSet
    file_types: tuple[str, ...]
    filters: dict[str, str]  # suffix -> LibreOffice export filter
    default_filter: str  # the export filter for a suffix not in filters
    native_suffix: str  # what save() gives a new document and check() saves to
    new_document_url: str  # e.g. "private:factory/scalc"
    parse_keys: Callable[[str], list]  # the app's key table (libreoffice/keys.py)
    apply_combos: dict[str, str] = {}  # toolbar combo box -> the in-process op that applies a typed value

    def __init__(self, observe_on_step: bool = True, call_timeout_s: float = CALL_TIMEOUT_S):
        self.observe_on_step = observe_on_step
        self.office = Office(call_timeout_s, app_module=self.bridge_module)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"lam-{self.name}-"))
        weakref.finalize(self, shutil.rmtree, self.workdir, True)  # also at exit when close() is never called
        self.task: Optional[TaskInstance] = None
        self.doc_path: Optional[Path] = None  # the working copy of the current episode
        self.last_observation: Optional[Observation] = None
        self._fresh = False  # last_observation reflects the UI after the last action
        self._episode = 0
        self.restarts = 0

    # ------------------------------------------------------------------ what a subclass gives

    def state_of(self, canvas: dict) -> dict:
        """The observation's app-defined state from the bridge's canvas."""
        raise NotImplementedError

    def app_ops(self, function: str, args: dict, control: Optional[Control]) -> Optional[list[dict]]:
        """In-process ops for the app's own functions (and its handling of a primitive), or None."""
        return None

    def check_saved(self, path: Path, spec: dict) -> Verdict:
        raise NotImplementedError

    def load_check(self, spec: dict) -> dict:
        """Validate a spec before saving (a malformed one raises at once)."""
        return spec

    # ------------------------------------------------------------------ contract

    def reset(self, task: Optional[TaskInstance] = None) -> Observation:
        if task is not None:
            source = Path(task.doc_path)
            if not source.is_file():
                raise FileNotFoundError(f"task {task.task_id}: document not found: {source}")
            if source.suffix.lower() not in self.file_types:
                raise ValueError(f"task {task.task_id}: unsupported document type {source.suffix!r}")
            check_document(source)  # corrupt, mis-named or protected: one line, before soffice starts
        self.task = task
        try:
            return self._with_restart(self._open_episode, opens=True)
        except InProcessError as e:
            if task is not None and LOAD_FAILED in str(e):
                raise load_refused(Path(task.doc_path).name, str(e)) from None
            if "DisposedException" not in str(e):  # rare (once in 650 episodes): a closing popup's context
                raise  # vanished mid-walk
            log.warning("reset met a disposed accessible context (%s); opening the document again", e)
            return self._with_restart(self._open_episode, opens=True)

    def observe(self) -> Observation:
        return self._with_restart(lambda: self._remember(self._call({"observe": True})["observation"]))

    def step(self, action: Action) -> StepResult:
        t0 = time.perf_counter()
        try:
            if not self.office.alive() and self.office.starts:
                raise OfficeDied(f"soffice (pid {self.office.pid}) is not running")
            result = self._step(action)
        except OfficeDied as e:
            result = self._recover(e)
        except (ActionError, KeyStringError, LookupError, ValueError) as e:
            result = StepResult(ok=False, error=str(e))
        except Exception as e:  # never let a bad action escape step()
            log.exception("unexpected error in step")
            result = StepResult(ok=False, error=f"{type(e).__name__}: {e}")
        result.duration_ms = (time.perf_counter() - t0) * 1000
        return result

    def check(self, spec: dict[str, Any]) -> Verdict:
        spec = self.load_check(spec)
        saved = self.workdir / f"check-{self._episode}{self.native_suffix}"
        try:
            self._with_restart(lambda: self._save(saved))
        except InProcessError as e:  # e.g. a dialog left open blocks storing: the task is not done
            return Verdict(passed=False, details=[f"the document could not be saved for checking: {e}"])
        try:
            return self.check_saved(saved, spec)
        finally:
            saved.unlink(missing_ok=True)

    def save(self, path: str | Path) -> Path:
        return self._with_restart(lambda: self._save(path))

    def _save(self, path: str | Path) -> Path:
        path = Path(path).resolve()
        filter_name = self.filters.get(path.suffix.lower(), self.default_filter)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._call({"ops": [{"op": "save", "url": path.as_uri(), "filter": filter_name}]})
        return path

    def close(self) -> None:
        self.office.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def pid(self) -> Optional[int]:
        return self.office.pid

    # ------------------------------------------------------------------ episodes and recovery

    def _with_restart(self, fn, opens: bool = False):
        """Run fn; if soffice is dead or dies/hangs meanwhile, restart it, reopen the episode's document
        (its unsaved changes are lost) and run fn once more. `opens`: fn is the episode's opening itself (reset),
        which the restart has just done: its observation is fn's, with no second load."""
        if not self.office.starts:  # first use; killed while starting, it gets the restarts below
            try:
                self.office.start()
            except OfficeDied as e:
                log.warning("soffice died while starting (%s); starting it again", e)
        if self.office.alive():
            try:
                return fn()
            except OfficeDied as e:
                log.warning("soffice died (%s); restarting and reopening the document", e)
        reopened = self._restart_episode()
        return reopened if opens else fn()

    def _restart_episode(self) -> Observation:
        """A fresh soffice with the episode's document reopened from the template (twice, then give up)."""
        for attempt in (1, 2):
            self.office.kill()
            if self.office.starts:
                self.restarts += 1
            try:
                self.office.start()
                return self._open_episode()
            except OfficeDied as e:
                if attempt == 2:
                    raise
                log.warning("restart failed (%s); trying once more", e)

    def _open_episode(self) -> Observation:
        if not self.office.alive():
            self.office.start()
        self._episode += 1
        old = self.doc_path
        if self.task is None:
            url = self.new_document_url
            self.doc_path = None
        else:
            source = Path(self.task.doc_path)
            self.doc_path = self.workdir / f"episode-{self._episode}{source.suffix.lower()}"
            shutil.copyfile(source, self.doc_path)
            url = self.doc_path.as_uri()
        resp = self._call({"ops": [{"op": "load", "url": url, "size": list(WINDOW_SIZE)}], "observe": True},
                          timeout_s=LOAD_TIMEOUT_S)
        if old is not None and old != self.doc_path:
            old.unlink(missing_ok=True)
        return self._remember(resp["observation"])

    def _recover(self, error: OfficeDied) -> StepResult:
        log.warning("soffice died during a step (%s); restarting", error)
        try:
            self._restart_episode()
        except OfficeDied as e:
            return StepResult(ok=False, error=f"soffice died ({error}) and could not restart: {e}")
        return StepResult(ok=False, error=f"soffice died ({error}); restarted and reopened the document "
                                          "(the episode was reset; retry it)",
                          observation=self.last_observation)

    def _call(self, request: dict, timeout_s: Optional[float] = None) -> dict:
        """One in-process call; raises OfficeDied (crash/hang) or InProcessError (the action failed)."""
        if not self.office.alive():
            raise OfficeDied("soffice is not running")
        resp = self.office.inprocess(request, timeout_s)
        if not resp.get("ok"):
            raise InProcessError(resp.get("error", "unknown in-process error"))
        return resp

    def _remember(self, raw: dict) -> Observation:
        obs = Observation(controls=[Control(**c) for c in raw["controls"]], app=self.name,
                          state=self.state_of(raw["canvas"]) if raw.get("canvas") else {},
                          dialog=raw.get("dialog"), window=raw.get("window", ""))
        self.last_observation = obs
        self._fresh = True
        return obs

    # ------------------------------------------------------------------ actions

    def _step(self, action: Action) -> StepResult:
        args = self.actions.validate(action)
        control = None
        if self.actions[action.function].needs_control:
            control = self._ground(action)
            if "ENABLED" not in control.states:
                raise ActionError(f"control {control.name!r} ({control.type}) is disabled")
        ops = self._ops(action.function, args, control)
        try:
            resp = self._call({"ops": ops, "observe": self.observe_on_step})
        except InProcessError as e:
            self._fresh = False
            return StepResult(ok=False, error=f"{action.function} failed: {e}", control=control)
        self._fresh = False
        observation = self._remember(resp["observation"]) if self.observe_on_step else None
        return StepResult(ok=True, observation=observation, control=control)

    def _ground(self, action: Action) -> Control:
        if action.control_label:
            if self.last_observation is None:
                raise ActionError("no observation yet: call reset() or observe() before using control_label")
            for c in self.last_observation.controls:
                if c.label == str(action.control_label):
                    return c
            if not action.control_name:
                raise ActionError(f"no control with label {action.control_label!r} in the last observation")
        if not self._fresh:
            self.observe_controls()
        return ground_by_name(action.control_name or "", self.last_observation.controls)

    def observe_controls(self) -> Observation:
        """Controls only (no canvas): the cheap refresh used for grounding by name."""
        return self._remember(self._call({"observe": True, "canvas": False})["observation"])

    def _ops(self, function: str, args: dict, control: Optional[Control]) -> list[dict]:
        own = self.app_ops(function, args, control)
        if own is not None:
            return own
        if function == "click_input":
            if args["button"] not in ("left", "right"):
                raise ActionError(f"click_input: button must be 'left' or 'right', got {args['button']!r}")
            if args["button"] == "right":
                raise ActionError("click_input: right click (context menus) is not supported; use the menus")
            return [{"op": "click", "label": control.label, "double": args["double"]}]
        if function in ("set_edit_text", "select_item"):
            value = args["text"] if function == "set_edit_text" else args["item"]
            how = self.apply_combos.get(control.name) if control.type == "COMBO_BOX" else None
            if how:
                return [{"op": how, "value": value, "label": control.label}]
            if function == "select_item":
                return [{"op": "select_item", "label": control.label, "item": value}]
            return [{"op": "set_text", "label": control.label, "text": value}]
        if function == "keyboard_input":
            return self.key_ops(args["keys"])
        if function == "save":
            if self.doc_path is None:  # a new document: its first save names it (as Save As would)
                self.doc_path = self.workdir / f"episode-{self._episode}{self.native_suffix}"
                return [{"op": "save", "url": self.doc_path.as_uri(), "filter": self.filters[self.native_suffix],
                         "store_as": True}]
            return [{"op": "save"}]
        if function == "wheel_mouse_input":
            return [{"op": "wheel", "dist": args["wheel_dist"]}]
        raise ActionError(f"function {function!r} is not implemented by the {self.name} environment")

    def key_ops(self, keys: str) -> list[dict]:
        ops = []
        for kind, payload in type(self).parse_keys(keys):
            if kind == "text":
                ops.append({"op": "insert_text", "text": payload})
            elif kind == "escape":
                ops.append({"op": "escape"})
            else:
                cmd, cmd_args = payload
                ops.append({"op": "dispatch", "cmd": cmd, "args": cmd_args})
        return ops


def ground_by_name(name: str, controls: list[Control]) -> Control:
    """Exact, case-insensitive, then fuzzy (core/ground.py); of equals, SHOWING+ENABLED first."""
    if not name:
        raise ActionError("the action names no control")
    control = match_control(name, controls, prefer=_usability)
    if control is None:
        hint = ", ".join(repr(n) for n in closest_names(name, controls))
        raise ActionError(f"no control named {name!r} in the current window (closest: {hint})")
    return control


def _usability(c: Control) -> tuple[int, bool]:
    """Higher is better: showing+enabled first, then items of the open menu (Writer's Table > 'Insert' over the
    menu bar's 'Insert' while the Table menu is open)."""
    return ("SHOWING" in c.states) + ("ENABLED" in c.states), c.type in MENU_TYPES and bool(c.path)
