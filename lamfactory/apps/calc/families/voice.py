"""How a Calc request is worded, as people write them: a family's phrasing said in a voice.

A phrasing slot (0..4; the dataflow holds slot 4 out for test) holds the family's own phrasing plus its `more`
phrasings dealt round-robin; one is drawn, then said in a voice: straight, single or typographic quotes around
the values (a value that would not read back through core.request.quoted_spans keeps straight quotes), and a
plain, polite ("Could you please …?") or casual (lowercase, no full stop) register. The draw is seeded by the
family, the slot and the parameters, so a task's request is reproducible. (Writer's voice.py does more: British
spelling, unquoted document spans; a spreadsheet's values are short and named by address or header instead.)
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from lamfactory.core.request import QUOTES, quotable

QUOTE_WEIGHTS = (0.45, 0.25, 0.2, 0.1)  # QUOTES in order
REGISTERS = (("plain", "polite", "casual"), (0.4, 0.35, 0.25))
POLITE = ("Could you please {s}?", "Can you {s}?", "Please {s}.", "{S}, please.", "I'd like you to {s}.",
          "Would you {s}, please?", "Kindly {s}.", "Could you {s} for me?", "Please {s}, thanks.", "I need you to {s}.")
_NOT_IMPERATIVE = {"i", "the", "a", "an", "my", "this", "these", "it", "every", "all", "each", "there", "in", "on",
                   "at", "with", "we", "please", "could", "can", "would", "from", "using", "for", "as", "to", "row",
                   "column", "cells", "cell", "sheet", "no"}
_STRAIGHT = re.compile(r"\"([^\"]+)\"")


def seeded(*parts: Any) -> random.Random:
    return random.Random(json.dumps(parts, sort_keys=True, default=str))


def slot_pool(phrasings: tuple[str, ...], more: tuple[str, ...], slot: int) -> list[str]:
    n = len(phrasings)
    i = slot % n
    return [phrasings[i]] + [m for k, m in enumerate(more) if k % n == i]


def imperative(template: str) -> bool:
    first = template.split(maxsplit=1)[0] if template.strip() else ""
    return bool(first) and first[0].isupper() and first.lower().strip(",") not in _NOT_IMPERATIVE \
        and "?" not in template and not first.startswith("{")


def _clause(template: str, lower: bool = True) -> str:
    s = template.strip().rstrip(".")
    if lower and s[:1].isalpha() and not s[:2].isupper():
        s = s[0].lower() + s[1:]
    return s


def say(template: str, params: dict[str, Any], rng: random.Random) -> str:
    register = rng.choices(*REGISTERS)[0]
    style = rng.choices(QUOTES, QUOTE_WEIGHTS)[0]
    if register == "polite" and imperative(template):
        template = rng.choice(POLITE).format(s=_clause(template), S=_clause(template, lower=False))
    elif register == "casual":
        template = _clause(template)
    text = template.format(**params)
    text = _STRAIGHT.sub(lambda m: f"{style[0]}{m[1]}{style[1]}" if quotable(m[1], style) else m[0], text)
    return text[0].upper() + text[1:] if register != "casual" and text[:1].islower() else text
