"""What a Calc task acts on, sampled from the template's table, and the words a request names it with: by
address, by header, label, role or row number (each form is one refs.pointed resolves back to the address).

Every sampler returns params with `address` (what select_cell takes), `what` (the request's words for it) and
`sheet`, or None when the template has no such part."""

from __future__ import annotations

import random
from typing import Any, Optional

from lamfactory.apps.calc import refs
from lamfactory.apps.calc.templates import CalcContent

Params = dict[str, Any]


def _pick(rng: random.Random, forms: list[str]) -> str:
    return rng.choice(forms)


def _base(content: CalcContent, address: str, what: str, **more) -> Params:
    return {"sheet": content.table.sheet, "address": address, "what": what, **more}


def numeric_columns(t: refs.Table) -> list[refs.Column]:
    return [c for c in t.columns if c.numeric and c.index > 1]


def text_columns(t: refs.Table) -> list[refs.Column]:
    return [c for c in t.columns if all(isinstance(v, str) for v in c.values)]


def column_words(t: refs.Table, c: refs.Column, rng: random.Random) -> str:
    a = t.data(c)
    first, last = a.split(":")
    return _pick(rng, [a, a, f"cells {first} to {last}", f'the "{c.header}" column', f"the {c.header} column",
                       f"the {c.header} values", f'the values under "{c.header}"', f"the {c.header.lower()} figures"
                       if c.numeric else f"the {c.header.lower()} entries", f"column {c.letter}"])


def column(content: CalcContent, rng: random.Random, kind: str = "numeric") -> Optional[Params]:
    t = content.table
    cols = numeric_columns(t) if kind == "numeric" else text_columns(t) if kind == "text" else t.columns
    if not cols:
        return None
    c = rng.choice(cols)
    return _base(content, t.data(c), column_words(t, c, rng), col=c.letter, header=c.header,
                 first=refs.cell(t.first_row, c.index))


def header(content: CalcContent, rng: random.Random) -> Params:
    t = content.table
    a = t.header_range()
    return _base(content, a, _pick(rng, [a, a, "the header row", "the column headings", f"the headings in row {t.header_row}",
                                          "the column titles", f"row {t.header_row}, the header row"]))


def title(content: CalcContent, rng: random.Random, across: bool = False) -> Optional[Params]:
    t = content.table
    if not t.title_row:
        return None
    a = t.title_range() if across else refs.cell(t.title_row, 1)
    words = [a, "the title", f'the title "{t.title}"', "the sheet title", f"the title in {refs.cell(t.title_row, 1)}"]
    if across:
        words += [f"the title cells {a}", f"the title row ({a})"]
    return _base(content, a, _pick(rng, words), title=t.title)


def row(content: CalcContent, rng: random.Random) -> Optional[Params]:
    t = content.table
    labels = t.labels()
    if not labels:
        return None
    label = rng.choice(labels)
    r = t.row_of(label)
    a = t.row_range(r)
    return _base(content, a, _pick(rng, [a, f'the "{label}" row', f"the row for {label}", f"row {r}",
                                          f"the {label} row"]), row=r, label=label, cell=refs.cell(r, 1))


def one_cell(content: CalcContent, rng: random.Random, kind: str = "numeric") -> Optional[Params]:
    t = content.table
    cols = numeric_columns(t) if kind == "numeric" else [c for c in text_columns(t) if c.index > 1]
    labels = t.labels()
    if not cols or not labels:
        return None
    c, label = rng.choice(cols), rng.choice(labels)
    r = t.row_of(label)
    a = refs.cell(r, c.index)
    value = t.cells.get(a)
    return _base(content, a, _pick(rng, [a, a, f'the {c.header} of "{label}"', f"the {c.header} for {label}",
                                          f"{label}'s {c.header}", f"cell {a}"]),
                 col=c.letter, header=c.header, label=label, row=r, value=value)


def whole(content: CalcContent, rng: random.Random) -> Params:
    t = content.table
    a = t.whole()
    return _base(content, a, _pick(rng, [a, "the whole table", "the entire table including its headings",
                                          "all the data", f"the table {a}"]))


def total_cell(content: CalcContent, rng: random.Random) -> Optional[Params]:
    """The cell under a numeric column where its total goes: the Total row's, or the first one below the data."""
    t = content.table
    cols = numeric_columns(t)
    if not cols:
        return None
    c = rng.choice(cols)
    r = t.total_row or t.last_row + 1
    a = refs.cell(r, c.index)
    where = [a, f"cell {a}", f"{a} (the Total row)" if t.total_row else f"{a}, under the {c.header} column"]
    if t.total_row:
        where += [f"the Total row under {c.header}", f"the {c.header} cell of the Total row"]
    data = t.data(c)
    return _base(content, a, _pick(rng, where), data=data, col=c.letter, header=c.header,
                 values=[v for v in c.values])


def free_header(content: CalcContent, rng: random.Random) -> Params:
    """The header cell of the first empty column right of the table."""
    t = content.table
    a = refs.cell(t.header_row, content.free_col)
    return _base(content, a, _pick(rng, [a, f"cell {a}", f"{a}, next to the last heading"]))


def sheet_tab(content: CalcContent, rng: random.Random, second: bool = False) -> Optional[Params]:
    if second and len(content.sheets) < 2:
        return None
    name = content.sheets[1 if second else 0]
    return {"sheet": content.table.sheet, "name": name,
            "what": _pick(rng, [f'the "{name}" sheet', f'the sheet "{name}"', f"the {name} sheet",
                                f'the sheet called "{name}"'])}
