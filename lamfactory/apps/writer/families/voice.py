"""How a request is worded, as people write them: a family's phrasing said in a voice.

A family's phrasing slot (0..4; instantiate.py holds slot 4 out for test) holds its own phrasing plus the
family's `more` phrasings dealt to it round-robin; one is drawn, then a voice says it:
- quotes: "x", 'x', “x”, ‘x’, or none where the value is several words of the document (unambiguous and
  recoverable from the document, so the model can still choose it); a value that would not read back through
  core.request.quoted_spans in a style keeps straight double quotes;
- register: plain, polite ("Could you please …?", "…, please."), or casual (lowercase start, no full stop);
- spelling: American or British (centre, colour, italicise) in the family's own words, never in a value.
The draw is seeded by the family, slot and parameters, so a task's request is reproducible.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from lamfactory.apps.writer.families.refs import unambiguous
from lamfactory.core.request import QUOTES, quotable

# parameters whose values are text of the document: these may go unquoted
DOC_VALUES = ("span", "quote", "cell", "top", "first", "old")
QUOTE_WEIGHTS = (0.35, 0.2, 0.15, 0.1, 0.2)  # QUOTES in order, then unquoted
_PLACEHOLDER = re.compile(r"(\{[a-z_][a-z0-9_]*\})")
_STRAIGHT = re.compile(r"\"([^\"]+)\"")

POLITE = ("Could you please {s}?", "Can you {s}?", "Please {s}.", "{S}, please.", "I'd like you to {s}.",
          "Would you {s}, please?", "Kindly {s}.", "Could you {s} for me?", "Please {s}, thanks.",
          "I need you to {s}.")
# words that open a sentence that is not a bare command ("I need a table …", "The heading should …")
_NOT_IMPERATIVE = {"i", "the", "a", "an", "my", "this", "these", "it", "every", "all", "each", "there", "in",
                   "on", "at", "with", "we", "please", "could", "can", "would", "kindly", "from", "using", "via",
                   "through", "if", "when", "for", "as", "to", "size", "font", "no"}
_REFERENCE_START = ("the ", "paragraph ", "table ")  # a sampled reference opening the sentence gets a capital

_SPELLINGS = [("center", "centre"), ("centered", "centred"), ("color", "colour"), ("colored", "coloured"),
              ("italicize", "italicise"), ("italicized", "italicised"), ("capitalize", "capitalise"),
              ("capitalization", "capitalisation"), ("gray", "grey"), ("emphasize", "emphasise")]


def slot_pool(phrasings: tuple[str, ...], more: tuple[str, ...], slot: int) -> list[str]:
    """The phrasings of one slot: the family's own, then its `more` phrasings dealt round-robin."""
    n = len(phrasings)
    i = slot % n
    return [phrasings[i]] + [m for k, m in enumerate(more) if k % n == i]


def seeded(*parts: Any) -> random.Random:
    return random.Random(json.dumps(parts, sort_keys=True, default=str))


def say(template: str, params: dict[str, Any], rng: random.Random) -> str:
    """One phrasing template said in a voice drawn from rng; the values stay exactly as sampled."""
    spelling = rng.randrange(2)
    register = rng.choices(("plain", "polite", "casual"), (0.4, 0.35, 0.25))[0]
    style = rng.choices((*QUOTES, None), QUOTE_WEIGHTS)[0]
    template = respell(template, spelling)
    if register == "polite" and imperative(template):
        template = rng.choice(POLITE).format(s=_clause(template), S=_clause(template, lower=False))
    elif register == "casual":
        template = _clause(template)
    text = requote(template.format(**params), params, style)
    if register != "casual" and text.startswith(_REFERENCE_START):
        text = text[0].upper() + text[1:]
    return text


def imperative(template: str) -> bool:
    """A bare command in sentence case ("Make {what} bold."); a lowercase one is terse already."""
    first = template.split(maxsplit=1)[0] if template.strip() else ""
    return bool(first) and first[0].isupper() and first.lower().strip(",") not in _NOT_IMPERATIVE \
        and "?" not in template


def _clause(template: str, lower: bool = True) -> str:
    """The sentence as a clause: no final full stop, its first letter lowered (not a placeholder's value)."""
    s = template.strip().rstrip(".")
    if lower and s[:1].isalpha() and not s[:2].isupper():  # "UPPERCASE" or "I" would read oddly lowered
        s = s[0].lower() + s[1:]
    return s


def respell(template: str, british: int) -> str:
    """The family's own words (outside placeholders) in one spelling; lowercase words and the first word only,
    since a capitalised word inside is a control's name ("Font Color")."""
    pairs = {(a if british else b): (b if british else a) for a, b in _SPELLINGS}
    pieces = _PLACEHOLDER.split(template)
    for i in range(0, len(pieces), 2):
        pieces[i] = re.sub(r"[A-Za-z]+", lambda m: _swap(m, pairs, first=(i == 0 and m.start() == 0)), pieces[i])
    return "".join(pieces)


def _swap(m: re.Match, pairs: dict[str, str], first: bool) -> str:
    word = m.group(0)
    if word.islower() and word in pairs:
        return pairs[word]
    if first and word[:1].isupper() and word[1:].islower() and word.lower() in pairs:
        return pairs[word.lower()].capitalize()
    return word


def requote(text: str, params: dict[str, Any], style: tuple[str, str] | None) -> str:
    """Every straight-quoted value re-quoted in `style` (None: unquoted where that is unambiguous)."""
    doc_values = {str(params[k]) for k in DOC_VALUES if k in params}

    def one(m: re.Match) -> str:
        value = m.group(1)
        if style is None:
            return value if value in doc_values and unambiguous(value) else m.group(0)
        return f"{style[0]}{value}{style[1]}" if quotable(value, style) else m.group(0)

    return _STRAIGHT.sub(one, text)


# ---------------------------------------------------------------- two edits in one request

JOINERS = (" and ", ", then ", " and then ", ", and ", "; also ", ". Also ")


def compose(families: dict, named: list[tuple[str, dict[str, Any]]], phrasing: int) -> str:
    """Several families' edits as one request ("Underline “x” and make 'y' italic"): each family's command
    from its phrasing slot (commands only, so they chain), one quote style and register for the whole."""
    rng = seeded("compose", named, phrasing % len(families[named[0][0]].phrasings))
    spelling = rng.randrange(2)
    register = rng.choices(("plain", "polite", "casual"), (0.4, 0.35, 0.25))[0]
    style = rng.choices((*QUOTES, None), QUOTE_WEIGHTS)[0]
    clauses = []
    for name, params in named:
        family = families[name]
        params = family.fixed | legacy_refs(params)
        pool = slot_pool(family.phrasings, family.more, phrasing)
        commands = [t for t in pool if imperative(t)] or pool
        template = _clause(respell(rng.choice(commands), spelling))
        clauses.append(requote(template.format(**params), params, style))
    text = clauses[0]
    for clause in clauses[1:]:
        joiner = rng.choice(JOINERS)
        text += joiner + (clause[0].upper() + clause[1:] if joiner.startswith(".") else clause)
    if register == "polite":
        return rng.choice(POLITE).format(s=text, S=text[0].upper() + text[1:])
    return text if register == "casual" else text[0].upper() + text[1:] + "."


def legacy_refs(params: dict[str, Any]) -> dict[str, Any]:
    """Reference params of tasks recorded before the samplers gave them (their requests still render)."""
    out = dict(params)
    if "span" in out and "what" not in out:
        out["what"] = f'"{out["span"]}"'
    if "index" in out and "para" not in out:
        out["para"] = f"paragraph {out['index']}"
    if "table" in out and "tname" not in out:
        out["tname"] = f"table {out['table']}"
    return out
