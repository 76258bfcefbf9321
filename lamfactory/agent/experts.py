"""The two experts that collect trajectories, as Policies (agent.make_policy("oracle"/"expert") imports them).

- OraclePolicy: privileged; replays the family's GUI plan (TaskInstance.expert_plan) step by step,
  grounding each step's control name on the live controls.
- DocPlanExpertPolicy: honestly imperfect, like the paper's GPT-4o expert; it follows the documentation's
  own plan (TaskInstance.doc_plan, e.g. "Choose Format - Paragraph - Indents & Spacing tab", "Click Bold"),
  grounding the UI names those lines mention on the live controls. It knows the instance's parameters
  (what to select, which value to type) — the request states them — but not the family's GUI route, so it
  fails wherever the documentation's route does not exist in this UI or skips a needed step.

Grounding: rapidfuzz ratio on normalised names, minimum GROUND_MIN_SCORE; ties go to menus (a user reads
"Table" in a plan as the menu, not the toolbar's Table dropdown), then to the most recently opened
submenu (longest path), then to showing+enabled controls.
"""

from __future__ import annotations

import re
from typing import Optional

from rapidfuzz import fuzz, utils

from lamfactory.agent.policy import Policy
from lamfactory.core.ground import match_control
from lamfactory.core.records import AgentOutput, Control, ExpertStep, Observation, Step, TaskInstance

GROUND_MIN_SCORE = 85  # oracle: a plan's control name must match a live control at least this well
DOC_MIN_SCORE = 80  # doc-plan expert: a phrase from the documentation grounds on a control at least this well
NAVIGATION = ("click_input",)  # what the doc-plan expert takes from the documentation instead of the oracle


def ground(name: str, controls: list[Control], min_score: float = GROUND_MIN_SCORE) -> Optional[Control]:
    """The live control best matching `name`, or None below min_score."""
    return match_control(name, controls, min_score=min_score, prefer=_reads_as_meant)


def _reads_as_meant(c: Control) -> tuple:
    return "MENU" in c.type, len(c.path), "SHOWING" in c.states, "ENABLED" in c.states


def output_for(st: ExpertStep, observation: Observation, remaining: list[str], min_score: float) -> AgentOutput:
    """The seven-key output for one plan step, grounded on the live controls when it names one."""
    control = ground(st.control_name or "", observation.controls, min_score) if st.control_name else None
    return AgentOutput(
        thought=st.subtask,
        control_label=control.label if control else None,
        control_name=control.name if control else st.control_name,
        function=st.function,
        args=dict(st.args),
        status="FINISH" if not remaining else "CONTINUE",
        plan=list(remaining),
    )


class OraclePolicy(Policy):
    """Replays the family's expert plan; privileged (reads task.expert_plan)."""

    name = "oracle"

    def __init__(self, min_score: float = GROUND_MIN_SCORE):
        self.min_score = min_score
        self.plan: list[ExpertStep] = []

    def reset(self, task: Optional[TaskInstance]) -> None:
        self.plan = list(task.expert_plan) if task else []

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        i = len(history)
        if i >= len(self.plan):
            return AgentOutput(thought="nothing left to do", status="FINISH")
        return output_for(self.plan[i], observation, [s.subtask for s in self.plan[i + 1:]], self.min_score)


# ---------------------------------------------------------------- the documentation-following expert

_SPLIT = re.compile(r"\s*(?:-|>|›|→|\bthen\b|,)\s*")
_QUOTED = re.compile(r"[\"“']([^\"”']{2,40})[\"”']")
_LEAD = re.compile(r"^(?:\d+[.)]\s*)?(?:choose|select|click(?: on)?|open|go to|press|on the|in the|enable|"
                   r"mark|check|tick)\s+", re.I)
_TAIL = re.compile(r"\s+(?:tab|tab page|menu|button|icon|box|dialog|command|check box|area)\b.*$", re.I)


def doc_phrases(line: str) -> list[str]:
    """UI names a documentation step mentions, in order: menu paths, quoted names, 'Click X' objects."""
    quoted = _QUOTED.findall(line)
    text = _LEAD.sub("", line.strip().rstrip("."))
    parts = [_TAIL.sub("", _LEAD.sub("", p)).strip() for p in _SPLIT.split(text)]
    out = [p for p in quoted + parts if 2 <= len(p) <= 40]
    seen: set[str] = set()
    return [p for p in out if not (p.lower() in seen or seen.add(p.lower()))]


class DocPlanExpertPolicy(Policy):
    """Follows the documentation's plan, filling parameters (selection, values, typed text) from the instance.

    Per step it takes, in order: the instance's selection/typing steps that come before the first GUI step,
    then for each documentation line the UI names it mentions that exist now (menus, items, buttons, tabs;
    a name that matches a value field of the instance gets that value), then the instance's remaining
    value-entry steps whose control is on screen, and a confirming button if a dialog is still open.
    """

    name = "expert"

    def __init__(self, min_score: float = DOC_MIN_SCORE):
        self.min_score = min_score
        self.setup: list[ExpertStep] = []
        self.values: list[ExpertStep] = []
        self.phrases: list[str] = []
        self.after: list[ExpertStep] = []
        self.used_values: set[int] = set()
        self.confirmed = False

    def reset(self, task: Optional[TaskInstance]) -> None:
        plan = list(task.expert_plan) if task else []
        first_gui = next((i for i, s in enumerate(plan) if s.function in NAVIGATION), len(plan))
        self.setup = plan[:first_gui]
        rest = plan[first_gui:]
        self.values = [s for s in rest if s.function in ("set_edit_text", "select_item")]
        # typed text after the GUI route (header text, a comment) still comes from the instance
        self.after = [s for s in rest if s.function not in NAVIGATION and s not in self.values]
        self.phrases = [p for line in (task.doc_plan if task else []) for p in doc_phrases(line)]
        self.used_values = set()
        self.confirmed = False

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        if self.setup:
            st = self.setup.pop(0)
            return output_for(st, observation, self._remaining(), self.min_score)
        controls = observation.controls
        while self.phrases:
            phrase = self.phrases.pop(0)
            value = self._value_for(phrase)
            if value is not None:
                return output_for(value, observation, self._remaining(), self.min_score)
            control = ground(phrase, controls, self.min_score)
            if control is not None and control.type not in ("PARAGRAPH", "TEXT", "LABEL", "STATIC"):
                return AgentOutput(thought=f"Click {control.name}", control_label=control.label,
                                   control_name=control.name, function="click_input", args={},
                                   status="CONTINUE", plan=self._remaining())
        for i, st in enumerate(self.values):
            if i not in self.used_values and ground(st.control_name or "", controls, self.min_score):
                self.used_values.add(i)
                return output_for(st, observation, self._remaining(), self.min_score)
        if self.after:
            return output_for(self.after.pop(0), observation, self._remaining(), self.min_score)
        if observation.dialog and not self.confirmed:
            self.confirmed = True
            for name in ("OK", "Insert", "Replace All", "Close"):
                c = ground(name, controls, 100)
                if c is not None:
                    return AgentOutput(thought=f"Confirm with {c.name}", control_label=c.label, control_name=c.name,
                                       function="click_input", status="CONTINUE", plan=[])
        return AgentOutput(thought="The documentation's steps are done", status="FINISH", plan=[])

    def _value_for(self, phrase: str) -> Optional[ExpertStep]:
        for i, st in enumerate(self.values):
            if i not in self.used_values and fuzz.ratio(utils.default_process(phrase),
                                                        utils.default_process(st.control_name or "")) >= self.min_score:
                self.used_values.add(i)
                return st
        return None

    def _remaining(self) -> list[str]:
        return [s.subtask for s in self.setup] + self.phrases[:5] + [s.subtask for s in self.after]
