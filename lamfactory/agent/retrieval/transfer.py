"""How a remembered step's values carry over to a new request (agent/retrieval/memory.Hint): by the role they played in
the remembered request, never by copying its literal text. A number plays the role of the word beside it ("2.5 cm"
in "a 2.5 cm indent" becomes "2.0 cm" for "a 2.0 cm first-line indent"); a font or style the request named
without quotes becomes "whatever this request names"; a control the request named ("ascending") becomes the one
this request names ("descending"); a part of the document it pointed at (a paragraph, a cell range) becomes the one
this request points at in the same place, also inside a text ("=SUM(B2:B9)" -> "=SUM(C3:C12)")."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Sequence

from lamfactory.core.request import DIMENSIONS, NUMBER, mentioned

NAMED = "\x00named"  # a carried value meaning "the text this request names", resolved by the decoder


class NumberContext(NamedTuple):
    number: str  # as written
    before: str  # the word before it, lower case ("paragraph")
    after: str  # the word after it ("cm", "rows")


def names(request: str, name: Optional[str]) -> bool:
    """Whether the request names a control or value (three characters or more: "OK" is in "book")."""
    return bool(name) and bool(mentioned([name], request, min_chars=3))


def number_contexts(text: str) -> list[NumberContext]:
    out = []
    text = DIMENSIONS.sub(" x ", text)
    for m in NUMBER.finditer(text):
        before = re.findall(r"[A-Za-z]+", text[: m.start()])
        after = re.match(r"\s*([A-Za-z]+)", text[m.end():])
        out.append(NumberContext(m.group(0), before[-1].lower() if before else "",
                                 after.group(1).lower() if after else ""))
    return out


def carry_number(value: str, theirs: str, ours: str, where: str = "") -> Optional[str]:
    """The number of request `ours` that plays the role `value` played in request `theirs`: the one followed by
    the same word ("3 rows" -> "6 rows"), else preceded by the same word ("paragraph 20" -> "paragraph 17"), else
    the one at the same place when both state as many. None when nothing fits. `where` (the control or argument
    it goes to) picks among equal numbers ("3 rows and 3 columns": the Columns: box takes the second)."""
    t, o = number_contexts(theirs), number_contexts(ours)
    equal = [i for i, c in enumerate(t) if float(c.number) == float(value)]
    if not equal:
        return None
    k = next((i for i in equal if t[i].after and t[i].after in where.casefold()), equal[0])
    for side in ("after", "before"):
        word = getattr(t[k], side)
        found = [c.number for c in o if word and getattr(c, side) == word]
        if found:
            return found[0]
    return o[k].number if len(o) == len(t) else None


def carry_numbers(value: str, theirs: str, ours: str, where: str = "") -> Optional[str]:
    """`value` (a text) with each number request `theirs` stated replaced by the one playing that role in `ours`;
    None when none of its numbers carries."""
    carried_any = False

    def swap(m: re.Match) -> str:
        nonlocal carried_any
        carried = carry_number(m.group(0), theirs, ours, where)
        carried_any = carried_any or carried is not None
        return m.group(0) if carried is None else carried
    out = NUMBER.sub(swap, value)
    return out if carried_any else None


def form(part: int | str) -> str:
    """A part's written form, letters and digits aside: "B4" and "C13" are one form ("a9"), "B2:B9" another,
    a sheet's name ("a") a third; every paragraph number is one form."""
    return "int" if isinstance(part, int) else re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", part))


def carry_reference(value: int | str, theirs: Sequence[int | str], ours: Sequence[int | str]) -> Optional[int | str]:
    """The part this request points at (`ours`, core.state.StateHints.referenced) in the place `value` had among
    the parts the remembered request pointed at (`theirs`): its k-th of a form becomes our k-th of that form (its
    target cell after a range, "Sum B2:B9 into B10", is our cell in "Clear B4"); where we point at none of that
    form, its k-th overall becomes our k-th ("Bold B4" -> "Bold C3:C9"). A value that opens one of its parts
    ("B4" of "B4:B9", which a sort selects) becomes the opening of ours. None when it was none of its parts or
    ours has none in its place."""
    if any(type(r) is type(value) and r == value for r in theirs):
        mine, alike = [r for r in theirs if form(r) == form(value)], [r for r in ours if form(r) == form(value)]
        k, places = (mine.index(value), alike) if alike else (theirs.index(value), ours)
        return places[k] if k < len(places) else None
    if not isinstance(value, str) or not value:
        return None
    opened = next((r for r in theirs if isinstance(r, str) and re.match(re.escape(value) + r"\W", r)), None)
    carried = carry_reference(opened, theirs, ours) if opened is not None else None
    opening = re.match(r"\w+", carried) if isinstance(carried, str) else None
    return opening[0] if opening and form(opening[0]) == form(value) else None


def carry_references(value: str, theirs: Sequence[int | str], ours: Sequence[int | str]) -> Optional[str]:
    """`value` (a text) with each text part the remembered request pointed at, written in it as a word of its own,
    replaced by the one in its place here (carry_reference); None when none carries."""
    carried = {r: c for r in dict.fromkeys(theirs) if isinstance(r, str)
               and (c := carry_reference(r, theirs, ours)) is not None}  # each text carried once
    if not carried:
        return None
    texts = sorted(carried, key=len, reverse=True)  # the longest first: "B2:B9" before "B2"
    # a word of its own: not a piece of a longer reference ("A1" of "A1:E1", "B2" of "Notes.B2")
    pattern = re.compile(r"(?<![\w:.])(?:" + "|".join(map(re.escape, texts)) + r")(?![\w:]|\.\w)")
    out, swapped = pattern.subn(lambda m: str(carried[m.group(0)]), value)
    return out if swapped else None
