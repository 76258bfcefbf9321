"""Task families: the offline prefill role's library of concrete Writer tasks.

A Family knows how to (1) sample parameters from a template's real content, (2) phrase a request
(>= 5 phrasings; arguments the model must produce are quoted in the request so they can be chosen, not
invented), (3) give the expert action plan through the GUI as a user would, and (4) give the checker spec.

    from lamfactory.dataflow.families import FAMILIES, get_family
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from lamfactory.dataflow.templates import ParaInfo, TemplateContent
from lamfactory.records import ExpertStep

Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    category: str  # character | paragraph | list | table | page | field | edit
    description: str  # what the embedding match compares a TaskPlan's task to
    phrasings: tuple[str, ...]  # str.format templates over the params
    sample: Callable[[TemplateContent, random.Random], Optional[Params]]
    plan: Callable[[Params], list[ExpertStep]]
    check: Callable[[Params], dict]
    composable: bool = True  # False when it changes text/structure other families' params refer to
    target: str = "the text"  # how a record-worded request names the object ("{span}" etc.)

    def request(self, params: Params, phrasing: int) -> str:
        return self.phrasings[phrasing % len(self.phrasings)].format(**params)


FAMILIES: dict[str, Family] = {}


def register(*families: Family) -> None:
    for f in families:
        if f.name in FAMILIES:
            raise ValueError(f"duplicate family {f.name}")
        if len(f.phrasings) < 5:
            raise ValueError(f"family {f.name}: needs >= 5 phrasings")
        FAMILIES[f.name] = f


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown task family {name!r}") from None


# ---------------------------------------------------------------- plan-step helpers


def step(subtask: str, function: str, control: Optional[str] = None, **args) -> ExpertStep:
    return ExpertStep(subtask=subtask, control_name=control, function=function, args=args)


def click(control: str, subtask: Optional[str] = None) -> ExpertStep:
    return step(subtask or f"Click {control}", "click_input", control)


def menu(*path: str) -> list[ExpertStep]:
    """Open a menu path: Format > Text > Bold is three clicks."""
    return [click(p, f"Open the {p} menu" if i < len(path) - 1 else f"Choose {p}") for i, p in enumerate(path)]


def select_text(text: str) -> ExpertStep:
    return step(f'Select "{text}"', "select_text", text=text)


def select_paragraph(index: int) -> ExpertStep:
    return step(f"Select paragraph {index}", "select_paragraph", index=index)


def keys(keys_: str, subtask: str) -> ExpertStep:
    return step(subtask, "keyboard_input", keys=keys_)


# ---------------------------------------------------------------- sampling helpers

MIN_SPAN_CHARS = 6


def text_paragraphs(content: TemplateContent, min_words: int = 4, plain: bool = True) -> list[ParaInfo]:
    """Body paragraphs with enough words; `plain` keeps ordinary text (no titles/headings/lists)."""
    out = []
    for p in content.paragraphs:
        if len(p.text.split()) < min_words:
            continue
        if plain and (p.is_list or p.style.startswith(("Heading", "Title", "Subtitle"))):
            continue
        out.append(p)
    return out


def pick_span(content: TemplateContent, rng: random.Random, words: tuple[int, int] = (2, 4)) -> Optional[str]:
    """A phrase of 2-4 consecutive words from a real paragraph that occurs exactly once in the body."""
    paras = text_paragraphs(content, plain=False)
    for _ in range(12):
        if not paras:
            return None
        p = rng.choice(paras)
        toks = p.text.split()
        n = rng.randint(*words)
        if len(toks) < n:
            continue
        start = rng.randrange(0, len(toks) - n + 1)
        span = " ".join(toks[start:start + n]).strip(".,;:!?()\"'")
        if len(span) >= MIN_SPAN_CHARS and '"' not in span and content.count(span) == 1:
            return span
    return None


def pick_word(content: TemplateContent, rng: random.Random, min_len: int = 5) -> Optional[str]:
    words = sorted({w for w in re.findall(r"[A-Za-z]+", content.body_text) if len(w) >= min_len})
    return rng.choice(words) if words else None


def quote_of(p: ParaInfo, content: TemplateContent, max_words: int = 5) -> Optional[str]:
    """The shortest opening of the paragraph (>= 3 words) that occurs once in the body: a selector quote."""
    toks = p.text.split()
    for n in range(3, min(max_words, len(toks)) + 1):
        q = " ".join(toks[:n]).rstrip(".,;:!?")
        if '"' not in q and content.count(q) == 1:
            return q
    return None


def pick_paragraph(content: TemplateContent, rng: random.Random, pred: Callable[[ParaInfo], bool] = lambda p: True,
                   plain: bool = True, min_words: int = 4) -> Optional[Params]:
    """{index, quote, para} for a paragraph the request can name by number or by its quoted opening."""
    cands = [p for p in text_paragraphs(content, min_words, plain) if pred(p)]
    rng.shuffle(cands)
    for p in cands:
        q = quote_of(p, content)
        if q:
            ref = f"paragraph {p.index}" if rng.random() < 0.5 else f'the paragraph starting "{q}"'
            return {"index": p.index, "quote": q, "para": ref}
    return None


def para_selector(params: Params) -> dict:
    return {"contains": params["quote"]}


SENTENCES = (
    "Please review this section before the meeting.", "All figures were checked by the editor.",
    "Contact the office for further details.", "This document is for internal use only.",
    "The next revision is planned for spring.", "Send your comments to the author.",
    "Thank you for reading this guide.", "Draft prepared by the documentation team.",
)
HEADER_TEXTS = ("Internal draft", "Documentation team", "Quarterly report", "Confidential", "Writer guide",
                "Version 2.1", "Project notes", "Reviewed copy")
COMMENT_TEXTS = ("Check this wording", "Needs a source", "Please verify", "Rephrase this", "Is this correct?",
                 "Add an example here")
FONTS = ("Liberation Sans", "Liberation Serif", "Liberation Mono", "DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif")
SIZES = (9, 10, 11, 14, 16, 18, 20, 24)
NEW_WORDS = ("option", "feature", "element", "setting", "module", "record", "segment", "entry")


def all_families() -> dict[str, Family]:
    """Import the family modules (they register themselves) and return the registry."""
    from lamfactory.dataflow.families import character, paragraph, structure  # noqa: F401

    return FAMILIES
