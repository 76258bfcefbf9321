"""Parameter samplers: what a family's task refers to, taken from the template's real content.

Each sampler is `fn(content, rng, pools, **options) -> Params | None` (None: impossible on this template);
families.yaml names a sampler and its options. A request names text by a phrase that occurs exactly once
(quoted, `what`), or by a sentence's distinctive word, or by its role ("the title"); a paragraph by number,
by its quoted opening, by a distinctive word, by position or by role (`para`; refs.py) — each reference names
one target of the template, so a selector in the checker is unambiguous.
"""

from __future__ import annotations

import random
import re
from typing import Any, Callable, Optional

from lamfactory.apps.writer.families import refs
from lamfactory.apps.writer.templates import ParaInfo, TemplateContent

Params = dict[str, Any]
Pools = dict[str, list]

MIN_SPAN_CHARS = 6
HEADING_STYLES = refs.HEADING_STYLES
MAX_SENTENCE_CHARS = 200  # longer texts are no argument candidates in the state view (state.MAX_TEXT_CHARS)
# how often each way of naming the target is drawn (the quoted form stays the most common)
SPAN_REFS = {"quote": 0.6, "sentence": 0.25, "role": 0.15}
PARA_REFS = {"number": 0.2, "opening": 0.25, "content": 0.25, "position": 0.2, "role": 0.1}
QUOTE_NOUNS = ("", "", "the words ", "the phrase ", "the text ")
CONTENT_PHRASES = ("the {noun} about {word}", "the {noun} that mentions {word}", "the {noun} mentioning {word}",
                   "the {noun} containing the word {word}", "the {noun} that talks about {word}")
OPENING_PHRASES = ('the paragraph starting "{q}"', 'the paragraph that begins "{q}"',
                   'the paragraph beginning with "{q}"', 'the paragraph that starts with "{q}"')


def text_paragraphs(content: TemplateContent, min_words: int = 4, plain: bool = True) -> list[ParaInfo]:
    """Body paragraphs with enough words; `plain` keeps ordinary text (no titles/headings/lists)."""
    return [p for p in content.paragraphs if len(p.text.split()) >= min_words
            and not (plain and (p.is_list or p.style.startswith(HEADING_STYLES)))]


def pick_span(content: TemplateContent, rng: random.Random, words: tuple[int, int] = (2, 4)) -> Optional[str]:
    """A phrase of 2-4 consecutive words from a real paragraph that occurs exactly once in the body."""
    paras = text_paragraphs(content, plain=False)
    for _ in range(12):
        if not paras:
            return None
        toks = rng.choice(paras).text.split()
        n = rng.randint(*words)
        if len(toks) < n:
            continue
        start = rng.randrange(0, len(toks) - n + 1)
        span = " ".join(toks[start:start + n]).strip(".,;:!?()\"'")
        if len(span) >= MIN_SPAN_CHARS and '"' not in span and content.count(span) == 1:
            return span
    return None


def quote_of(p: ParaInfo, content: TemplateContent, max_words: int = 5) -> Optional[str]:
    """The shortest opening of the paragraph (>= 3 words) that occurs once in the body: a selector quote."""
    toks = p.text.split()
    for n in range(3, min(max_words, len(toks)) + 1):
        q = " ".join(toks[:n]).rstrip(".,;:!?")
        if '"' not in q and content.count(q) == 1:
            return q
    return None


# ---------------------------------------------------------------- samplers named in families.yaml


def nothing(content, rng, pools) -> Params:
    """No parameter from the document (a header text or a field kind comes from the family itself)."""
    return {}


def _others(content: TemplateContent, p: ParaInfo) -> list[str]:
    """Every text of the body but this paragraph's (other paragraphs and the table cells)."""
    return [q.text for q in content.paragraphs if q is not p] + [c for t in content.tables for r in t for c in r]


def sentence_ref(content: TemplateContent, rng: random.Random) -> Optional[Params]:
    """A sentence that occurs once, named by a word no other sentence of the body contains: {span, what, word}."""
    cands = []
    for p in text_paragraphs(content, plain=False):
        parts = refs.sentences(p.text)
        for k, sent in enumerate(parts):
            if (len(sent.split()) >= 4 and len(sent) <= MAX_SENTENCE_CHARS and '"' not in sent
                    and content.count(sent) == 1):
                others = _others(content, p) + parts[:k] + parts[k + 1:]
                cands += [(sent, w) for w in refs.distinctive_words(sent, others)[:3]]
    if not cands:
        return None
    sent, word = rng.choice(cands)
    return {"span": sent, "word": word, "what": rng.choice(CONTENT_PHRASES).format(noun="sentence", word=word)}


def role_ref(content: TemplateContent, rng: random.Random) -> Optional[Params]:
    """A paragraph's whole text named by its role ("the title", "the second heading"): {span, what}."""
    cands = [(p, phrase) for p in content.paragraphs if p.text.strip() and '"' not in p.text
             and len(p.text) <= MAX_SENTENCE_CHARS and content.count(p.text) == 1
             for phrase in refs.role_phrases(p, content.paragraphs)
             + [ph for ph in refs.position_phrases(p, content.paragraphs) if ph.endswith("heading")]]
    if not cands:
        return None
    p, phrase = rng.choice(cands)
    return {"span": p.text, "what": phrase}


def span(content, rng, pools, fresh: Optional[str] = None) -> Optional[Params]:
    """Text to act on (`span`) and how the request names it (`what`): a unique quoted phrase, a sentence by a
    distinctive word, or a paragraph by its role. With `fresh`, also a `new` word from that pool that the
    document does not contain (so a checker can tell the typed word from the template's text)."""
    params = None
    kind = rng.choices(list(SPAN_REFS), list(SPAN_REFS.values()))[0]
    if kind == "sentence":
        params = sentence_ref(content, rng)
    elif kind == "role":
        params = role_ref(content, rng)
    if params is None:
        s = pick_span(content, rng)
        params = {"span": s, "what": f'{rng.choice(QUOTE_NOUNS)}"{s}"'} if s else None
    if params is None or fresh is None:
        return params
    new = [w for w in pools[fresh] if w not in content.body_text]
    return params | {"new": rng.choice(new)} if new else None


CASES: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    # Format > Text > Capitalize Every Word: each word's first letter up, the rest kept
    "title": lambda s: " ".join(w[:1].upper() + w[1:] for w in s.split(" ")),
    # Format > Text > Sentence case: the first letter up, the rest lowered
    "sentence": lambda s: s[:1].upper() + s[1:].lower(),
    "toggle": str.swapcase,
}


def case(content, rng, pools, to: str) -> Optional[Params]:
    """A span whose converted form differs and does not already occur (else the checker could not tell);
    no word with inner capitals ("LibreOffice"), where the case commands and CASES may disagree."""
    convert = CASES[to]
    for _ in range(6):
        s = pick_span(content, rng)
        if s and convert(s) != s and content.count(convert(s)) == 0 and all(w[1:] == w[1:].lower() for w in s.split()):
            return {"span": s, "converted": convert(s), "what": f'{rng.choice(QUOTE_NOUNS)}"{s}"'}
    return None


def paragraph(content, rng, pools, plain: bool = True, min_words: int = 4, alignment_not: Optional[str] = None,
              style_not: Optional[str] = None, is_list: Optional[bool] = None, min_index: int = 1,
              unique_text: bool = False) -> Optional[Params]:
    """{index, quote, para} for a paragraph the request names by number or by its quoted opening
    (`para`); the options say which paragraphs fit (not aligned so already, not in that style, ...)."""
    def fits(p: ParaInfo) -> bool:
        return (p.index >= min_index and p.alignment != alignment_not
                and (style_not is None or p.style.lower() != style_not.lower())
                and (is_list is None or p.is_list == is_list)
                and (not unique_text or content.count(p.text) == 1))

    cands = [p for p in text_paragraphs(content, min_words, plain) if fits(p)]
    rng.shuffle(cands)
    for p in cands:
        q = quote_of(p, content)
        if q:
            return {"index": p.index, "quote": q, "para": para_ref(content, p, q, rng), "text": p.text}
    return None


def para_ref(content: TemplateContent, p: ParaInfo, q: str, rng: random.Random) -> str:
    """How the request names paragraph p: by number, quoted opening, distinctive word, position or role,
    drawn by PARA_REFS among the ways that name p alone."""
    ways = {"number": [f"paragraph {p.index}"],
            "opening": [ph.format(q=q) for ph in OPENING_PHRASES],
            "content": [ph.format(noun="paragraph", word=w) for w in refs.distinctive_words(p.text, _others(content, p))[:3]
                        for ph in CONTENT_PHRASES],
            "position": refs.position_phrases(p, content.paragraphs),
            "role": refs.role_phrases(p, content.paragraphs)}
    kinds = [k for k in PARA_REFS if ways[k]]
    kind = rng.choices(kinds, [PARA_REFS[k] for k in kinds])[0]
    return rng.choice(ways[kind])


def table_name(number: int, count: int, rng: random.Random) -> str:
    """How a request names table `number` of `count`: "table 2", "the second table", "the table" (the only one)."""
    ways = [f"table {number}", f"the {refs.ordinal(number, count)} table" if refs.ordinal(number, count) else ""]
    if count == 1:
        ways += ["the table", "the table"]
    return rng.choice([w for w in ways if w])


def regular_tables(content: TemplateContent, min_rows: int = 1, min_cols: int = 1) -> list[tuple[int, list]]:
    """(1-based number, rows) of the tables with a rectangular grid of at least that size."""
    return [(ti, t) for ti, t in enumerate(content.tables, 1)
            if len(t) >= min_rows and len(t[0]) >= min_cols and all(len(r) == len(t[0]) for r in t)]


def cell(content, rng, pools, min_rows: int = 2, min_cols: int = 1, d_rows: int | list = 0,
         d_cols: int | list = 0) -> Optional[Params]:
    """A table cell whose text is unique in the body (the request names it by its text), with the table's
    shape before and after the family's edit (d_rows/d_cols: a number, or a list to draw it from)."""
    cands = []
    for ti, t in regular_tables(content, min_rows, min_cols):
        for ri, row in enumerate(t, 1):
            for ci, text in enumerate(row, 1):
                if len(text) >= 3 and '"' not in text and content.count(text) == 1:
                    cands.append({"table": ti, "row": ri, "col": ci, "cell": text, "rows": len(t), "cols": len(t[0]),
                                  "n": len(content.tables), "tables_after": len(content.tables) - 1})
    if not cands:
        return None
    params = rng.choice(cands)
    params["tname"] = table_name(params["table"], params["n"], rng)
    dr, dc = (rng.choice(d) if isinstance(d, list) else d for d in (d_rows, d_cols))
    return params | {"d_rows": dr, "d_cols": dc, "rows_after": params["rows"] + dr, "cols_after": params["cols"] + dc}


def table(content, rng, pools, min_rows: int = 2) -> Optional[Params]:
    """A table with text in its first and last cell; the request names it by number and first cell."""
    cands = [{"table": ti, "rows": len(t), "cols": len(t[0]), "first": t[0][0], "last": t[-1][-1]}
             for ti, t in regular_tables(content, min_rows) if t[0][0] and t[-1][-1] and '"' not in t[0][0]]
    if not cands:
        return None
    params = rng.choice(cands)
    return params | {"tname": table_name(params["table"], len(content.tables), rng)}


def split_table(content, rng, pools) -> Optional[Params]:
    """A unique cell of a table's first row and the row (>= 2) where the new table starts: the user
    selects the cell's text and moves down to that row."""
    params = cell(content, rng, pools, min_rows=3)
    if params is None or params["row"] != 1:
        return None
    at = rng.randint(2, params["rows"])
    return params | {"at": at, "down": "{DOWN}" * (at - 1), "rows_before": at - 1,
                     "rows_rest": params["rows"] - at + 1, "tables_after": params["n"] + 1}


def sortable_table(content, rng, pools, descending: bool = False) -> Optional[Params]:
    """A table whose first column is not in that order yet: after Table > Sort (column 1, alphanumeric,
    ascending or descending; Writer sorts the header row too) its first cell holds the first entry. Only
    columns of plain words whose first word decides the order (no word a prefix of another), where
    Writer's collator and casefold() agree."""
    cands = []
    for ti, t in regular_tables(content, min_rows=3):
        column = [r[0] for r in t]
        if not all(c.replace(" ", "").isalpha() for c in column):
            continue
        heads = [c.split()[0].casefold() for c in column]
        key = max(heads) if descending else min(heads)
        first = column[heads.index(key)]
        decisive = all(h == key or not (h.startswith(key) or key.startswith(h)) for h in heads) \
            and heads.count(key) == 1
        if decisive and column[0] != first:
            cands.append({"table": ti, "first": first, "top": column[0], "rows": len(t),
                          "tname": table_name(ti, len(content.tables), rng)})
    return rng.choice(cands) if cands else None


def page_margin(content, rng, pools) -> Params:
    side = rng.choice(["left", "right", "top", "bottom"])
    return {"side": side, "label": side.capitalize() + ":", "cm": rng.choice(pools["margins_cm"])}


def new_table(content, rng, pools) -> Params:
    return {"rows": rng.randint(2, 6), "cols": rng.randint(2, 5), "n": len(content.tables) + 1}


def replace_word(content, rng, pools) -> Optional[Params]:
    """A word of the document (>= 6 letters) and a new word from the pool that does not occur yet."""
    words = sorted({w for w in re.findall(r"[A-Za-z]+", content.body_text) if len(w) >= 6})
    for _ in range(8):
        if not words:
            return None
        old, new = rng.choice(words), rng.choice(pools["new_words"])
        if old.lower() not in new and new not in content.body_text and old not in new:
            return {"old": old, "new": new, "count": content.count(old)}
    return None


def new_sentence(content, rng, pools) -> Optional[Params]:
    fresh = [s for s in pools["sentences"] if s not in content.body_text]
    return {"text": rng.choice(fresh)} if fresh else None


SAMPLERS: dict[str, Callable[..., Optional[Params]]] = {
    f.__name__: f for f in (nothing, span, case, paragraph, cell, table, split_table, sortable_table, page_margin,
                            new_table, replace_word, new_sentence)
}
