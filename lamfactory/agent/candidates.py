"""Closed candidate sets for action arguments, so a model *chooses* an argument instead of copying it.

Used by the constrained decoder (agent/decode.py) and the random baseline (agent/policies.py).
Candidates: quoted spans and numbers of the request, paragraph texts and indices (those the request refers to
first), table numbers, names and items of the shown controls, and common key strokes. Each list is ordered
most likely first: the constrained decoder may weigh that order (agent/decode.py, RANK_PRIOR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lamfactory.envs import actions
from lamfactory.records import Canvas, Control, Observation, Paragraph, StepSample, Table

KEYS = ("{ENTER}", "{TAB}", "{DEL}", "{BACKSPACE}", "^a", "^b", "^i", "^u", "^e", "^l", "^r", "^j", "^z", "^y",
        "^c", "^v", "^x", "^s", "^{HOME}", "^{END}", "{HOME}", "{END}", "{ESC}", "^{ENTER}", "+{END}", "+{HOME}")
MAX_ITEMS_PER_CONTROL = 40  # font lists run to hundreds: the shown ones are enough to choose from
MAX_SMALL_INT = 10
_QUOTED = re.compile(r"\"([^\"]{1,200})\"|“([^”]{1,200})”|'([^']{1,200})'")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")  # "paragraph 5." states 5
DIMENSIONS = re.compile(r"(?<=\d)[x×](?=\d)")  # "a 3x4 table" states 3 and 4
_PARAGRAPH_NUMBER = re.compile(r"\bparagraphs?\s+(?:number\s+)?(\d+)", re.I)


@dataclass
class ArgCandidates:
    texts: list[str] = field(default_factory=list)  # values for free-text args (text, item)
    keys: list[str] = field(default_factory=list)  # values for keyboard_input.keys
    ints: list[int] = field(default_factory=list)  # values for int args
    quoted: list[str] = field(default_factory=list)  # the request's quoted spans, in order
    referenced: list[int] = field(default_factory=list)  # the paragraphs the request points at
    said: set[str] = field(default_factory=set)  # texts the request contains

    def for_arg(self, function: str, arg: actions.Arg, control: Control | None = None) -> list:
        if arg.type is bool:
            return [False, True]
        if arg.type is int:
            return list(self.ints)
        if arg.name == "button":
            return ["left", "right"]
        if arg.name == "keys":
            return list(self.keys)
        if arg.name == "item" and control is not None and control.items:
            return _unique(control.items[:MAX_ITEMS_PER_CONTROL] + self.texts)
        # a box's own name is never what is typed into it ("Paragraph Style" into the Paragraph Style box)
        texts = [t for t in self.texts if control is None or t != control.name]
        if control is not None and control.items:  # a named item of the box ("DejaVu Sans") before a quote
            named = [t for t in texts if t in self.said and t in control.items]
            texts = named + [t for t in texts if t not in named]
        return texts


def quoted_spans(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]


def numbers_in(text: str) -> list[str]:
    """The numbers a text states, in order, as written (paragraph 17, 2.0 cm)."""
    return NUMBER.findall(DIMENSIONS.sub(" x ", text))


def referenced_first(paragraphs: list[Paragraph], request: str) -> list[Paragraph]:
    """The paragraphs the request points at (by number, or by a quoted span they start with or contain)
    first, then the rest in document order: a long document's paragraph 22 must reach the prompt."""
    pointed = set(referenced(paragraphs, request))
    return [p for p in paragraphs if p.index in pointed] + [p for p in paragraphs if p.index not in pointed]


def referenced(paragraphs: list[Paragraph], request: str) -> list[int]:
    """The indices of the paragraphs the request points at, in document order."""
    numbers = {int(n) for n in _PARAGRAPH_NUMBER.findall(request)}
    spans = [q.casefold() for q in quoted_spans(request) if len(q) >= 3]
    return [p.index for p in paragraphs if p.index in numbers or any(q in p.text.casefold() for q in spans)]


def arg_candidates(request: str, observation: Observation, shown: list[Control]) -> ArgCandidates:
    quoted = quoted_spans(request)
    numbers = numbers_in(request)
    canvas = observation.canvas
    paragraphs = referenced_first(canvas.paragraphs, request)
    texts = quoted + numbers
    texts += [p.text for p in paragraphs if p.text.strip() and len(p.text) <= 200]
    texts += [c.name for c in shown if c.name]
    for c in shown:
        texts += c.items[:MAX_ITEMS_PER_CONTROL]
    ints = [int(float(n)) for n in numbers if float(n).is_integer()]
    ints += [p.index for p in paragraphs] + [t.index for t in canvas.tables]
    ints += list(range(1, MAX_SMALL_INT + 1))
    texts = mentioned_first(_unique(texts), request)
    return ArgCandidates(texts=texts, keys=_unique(quoted + list(KEYS)), ints=_unique(ints), quoted=quoted,
                         referenced=referenced(canvas.paragraphs, request),
                         said=set(mentioned(texts, request)))


def mentioned_first(texts: list[str], request: str) -> list[str]:
    """Texts the request contains (a style or font it names, a quoted span) first, longest first
    ("Heading 3" before "Heading"); the rest keep their order."""
    said = sorted(mentioned(texts, request), key=len, reverse=True)
    return said + [t for t in texts if t not in said]


def mentioned(texts: list[str], request: str, min_chars: int = 2) -> list[str]:
    """The texts the request contains (at least `min_chars` characters, ignoring case)."""
    low = request.casefold()
    return [t for t in texts if len(t) >= min_chars and t.casefold() in low]


def _unique(values: list) -> list:
    seen, out = set(), []
    for v in values:
        key = (type(v), v)
        if key not in seen and v != "":
            seen.add(key)
            out.append(v)
    return out


def sample_candidates(sample: StepSample) -> tuple[list[Control], ArgCandidates]:
    """Shown controls and candidates from a StepSample alone (offline evaluation: no live observation).
    Paragraph and table numbers are read back from the sample's canvas line (agent/sample.canvas_text)."""
    shown = [Control(label=c.label, name=c.name, type=c.type) for c in sample.controls]
    canvas = Canvas()
    for part in sample.canvas.split(" | "):
        m = _CANVAS_PART.match(part)
        if m and m["kind"] == "P":
            canvas.paragraphs.append(Paragraph(index=int(m["n"]), text=m["rest"]))
        elif m:
            rows, _, cols = m["rest"].partition("x")
            if rows.isdigit() and cols.isdigit():
                canvas.tables.append(Table(index=int(m["n"]), rows=int(rows), cols=int(cols)))
    return shown, arg_candidates(sample.request, Observation(controls=shown, canvas=canvas), shown)


_CANVAS_PART = re.compile(r"^(?P<kind>[PT])(?P<n>\d+): (?P<rest>.*)$", re.S)
