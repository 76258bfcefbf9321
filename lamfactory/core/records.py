"""Typed records shared by every stage. Stages talk only through these (as JSONL on disk).

Read this file first: it is the whole data model of lamfactory.

  TaskPlan        stage 1 output: an abstract task and its how-to plan (LAM1 data)
  Template        a document a task can be instantiated on
  TaskInstance    stage 2: a concrete request on a template + expert action plan + executable checker
  Control, Observation   what the environment shows the agent at one moment (controls + app-defined state)
  Action          what the environment executes (function + control + args)
  AgentOutput     the paper's seven-key model output (thought, control_label, control_name,
                  function, args, status, plan)
  StepResult      what the environment answers to one Action
  Step, Trajectory, Verdict      one recorded episode and its judgement
  StepSample      one step-wise training/evaluation sample (LAM2+ data)
  Experience      a verified training trajectory, retrieved as a worked example (agent/retrieval/memory.py)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Optional, Type, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

Status = Literal["CONTINUE", "FINISH", "CONFIRM"]
DEFAULT_APP = "writer"  # the app of records written before records carried one


class Record(BaseModel):
    """Base record: unknown keys are an error, so a typo never silently loses data."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- stage 1: task-plan data


class Source(Record):
    kind: str  # "libreoffice-help" | "docs" | "queries" | "evolved" | ...
    url_or_path: str = ""
    title: str = ""


class TaskPlan(Record):
    task_id: str
    app: str = DEFAULT_APP
    task: str
    plan: list[str]
    source: Source
    parents: list[str] = Field(default_factory=list)
    evolved: bool = False


# ---------------------------------------------------------------- environment observations


class Control(Record):
    """One actionable UI element. `label` is stable within one observation only (as in the paper)."""

    label: str
    name: str
    type: str  # accessibility role, e.g. PUSH_BUTTON, TOGGLE_BUTTON, MENU, MENU_ITEM, COMBO_BOX, SPIN_BOX
    states: list[str] = Field(default_factory=list)
    value: Optional[str] = None
    path: list[str] = Field(default_factory=list)  # names of the containers, outermost first
    items: list[str] = Field(default_factory=list)  # choices of a combo/list box, when it has some


class Observation(Record):
    """What the agent sees: the controls plus the app-defined `state` of the document (Writer: paragraphs,
    tables, selection, ...; see the app's StateView) and any open modal dialog."""

    app: str = DEFAULT_APP
    controls: list[Control] = Field(default_factory=list)
    state: dict[str, Any] = Field(default_factory=dict)
    dialog: Optional[str] = None  # title of the open modal dialog, if any
    window: str = ""

    @model_validator(mode="before")
    @classmethod
    def _legacy_canvas(cls, data: Any) -> Any:
        """Runs written before the application contract stored Writer's state as `canvas`: still load."""
        if isinstance(data, dict) and "canvas" in data:
            data = dict(data)
            data.setdefault("state", data.pop("canvas") or {})
            data.pop("canvas", None)
        return data


# ---------------------------------------------------------------- actions


class Action(Record):
    """What the environment executes. A control is addressed by label, else by name (exact, then fuzzy)."""

    function: str
    control_label: Optional[str] = None
    control_name: Optional[str] = None
    args: dict[str, Any] = Field(default_factory=dict)


class AgentOutput(Record):
    """The paper's model output: exactly these seven keys."""

    thought: str = ""
    control_label: Optional[str] = None
    control_name: Optional[str] = None
    function: str = ""
    args: dict[str, Any] = Field(default_factory=dict)
    status: Status = "CONTINUE"
    plan: list[str] = Field(default_factory=list)

    def action(self) -> Action:
        return Action(
            function=self.function,
            control_label=self.control_label,
            control_name=self.control_name,
            args=dict(self.args),
        )


class StepResult(Record):
    ok: bool
    error: Optional[str] = None
    observation: Optional[Observation] = None
    control: Optional[Control] = None  # the control the action was grounded on
    duration_ms: float = 0.0


# ---------------------------------------------------------------- stage 2: task-action data


class Template(Record):
    template_id: str
    path: str  # a file of one of the app's file types
    description: str
    kind: str = ""  # "libreoffice-template" | "help-page" | ...
    paragraphs: int = 0
    tables: int = 0


class ExpertStep(Record):
    """One step of an expert plan, as the paper's prefill emits it."""

    subtask: str
    control_name: Optional[str] = None
    function: str
    args: dict[str, Any] = Field(default_factory=dict)


class TaskInstance(Record):
    task_id: str
    app: str = DEFAULT_APP
    request: str
    template_id: str
    doc_path: str
    families: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    expert_plan: list[ExpertStep] = Field(default_factory=list)
    doc_plan: list[str] = Field(default_factory=list)  # the documentation's plan (TaskPlan.plan)
    check: dict[str, Any] = Field(default_factory=dict)  # checker spec in the app's checker language
    source_plan_id: Optional[str] = None
    phrasing: int = 0  # index of the request phrasing used (held-out phrasings go to test)
    split: str = "train"


class Verdict(Record):
    passed: bool
    details: list[str] = Field(default_factory=list)
    judge: Optional[Literal["yes", "no", "unsure"]] = None
    judge_reason: str = ""


class Step(Record):
    index: int
    observation: Observation
    output: AgentOutput
    result_ok: bool
    error: Optional[str] = None
    duration_ms: float = 0.0  # environment time for the action
    model_ms: float = 0.0  # policy time to produce the output


class Trajectory(Record):
    task: TaskInstance
    app: str = DEFAULT_APP  # its task's app unless given (a Calc episode's record said "writer")
    policy: str  # "oracle" | "expert" | "random" | a model path / backend spec
    steps: list[Step] = Field(default_factory=list)
    verdict: Optional[Verdict] = None
    bucket: Literal["pass", "fail", "unsure"] = "fail"
    failure: Optional[str] = None  # why it failed: first failing step's error, "checker", "step-limit", ...
    seconds: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _app_of_task(cls, data: Any) -> Any:
        if isinstance(data, dict) and "app" not in data and data.get("task") is not None:
            task = data["task"]
            app = task.get("app") if isinstance(task, dict) else getattr(task, "app", None)
            if app:
                data = {**data, "app": app}
        return data


class ControlBrief(Record):
    label: str
    name: str
    type: str
    items: list[str] = Field(default_factory=list)  # a combo/list box's first choices (not in the prompt)


class StepSample(Record):
    """One step-wise sample in the paper's format: input fields + the seven-key target."""

    task_id: str
    step: int
    request: str
    controls: list[ControlBrief]
    app: str = DEFAULT_APP
    previous_actions: list[str] = Field(default_factory=list)
    previous_plan: list[str] = Field(default_factory=list)
    canvas: str = ""
    # the observation's whole app state (the canvas line is its summary): what the live agent's argument
    # candidates are built from, so that training offers the same options; empty in records made before it
    state: dict[str, Any] = Field(default_factory=dict)
    target: AgentOutput
    family: str = ""
    template_id: str = ""
    split: str = "train"
    reward: Optional[float] = None  # +1 success trajectory, -1 failed one (reward-model data)
    paraphrased: bool = False  # the request re-worded in another training phrasing (dataflow/export.py)
    example: str = ""  # a solved similar task from the experience memory, shown in the prompt (agent/retrieval/memory.py)


class StepControl(Record):
    """Which control a remembered step used beyond its name: its role (the Table menu, not the Table button)
    and which of the controls with that name and role it was, in tree order (Sort's Descending of key 1)."""

    type: str
    nth: int = 0


class Experience(Record):
    """One verified training trajectory in the experience memory: its request and its actions in order."""

    task_id: str
    request: str
    steps: list[AgentOutput]
    app: str = DEFAULT_APP  # its successful actions, in order (thought and plan dropped)
    controls: list[Optional[StepControl]] = Field(default_factory=list)  # per step (None: no control)
    # the parts its request pointed at in its document (core.state.StateHints.referenced: paragraphs, addresses)
    referenced: list[int | str] = Field(default_factory=list)


# ---------------------------------------------------------------- JSONL helpers

R = TypeVar("R", bound=BaseModel)


def read_jsonl(path: str | Path, cls: Type[R]) -> Iterator[R]:
    """Yield records; a malformed line raises ValueError naming the file and line."""
    path = Path(path)
    with path.open("rb") as f:  # bytes: a line that is not UTF-8 is reported like any other bad line
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield cls.model_validate_json(line.rstrip(b"\r\n"))
            except Exception as e:  # pydantic ValidationError or JSON error
                raise ValueError(f"{path}:{n}: not a valid {cls.__name__}: {_first_problem(e)}") from e


def _first_problem(e: Exception) -> str:
    """One line: the first problem pydantic found (its full report spans many lines), and how many more."""
    errors = e.errors() if hasattr(e, "errors") else []
    if not errors:
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    err = errors[0]
    where = ".".join(str(p) for p in err["loc"])
    what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    if err["type"] == "json_invalid":
        what = f"{what} (a truncated or broken line)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where + ': ' if where else ''}{what}{more}"


def append_jsonl(path: str | Path, records: Iterable[BaseModel]) -> int:
    """Append records, one line each, flushed and fsynced per record so a crash loses at most one."""
    import os

    n = 0
    with Path(path).open("a", encoding="utf-8") as f:
        for r in records:
            f.write(r.model_dump_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
            n += 1
    return n


def write_jsonl(path: str | Path, records: Iterable[BaseModel]) -> int:
    """Write a whole file atomically (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(r.model_dump_json() + "\n")
            n += 1
    tmp.replace(path)
    return n


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str), encoding="utf-8")
    tmp.replace(path)
