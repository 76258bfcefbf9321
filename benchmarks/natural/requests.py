"""Natural user requests over the suite's documents, each with an independent python-docx check.

For measuring only, never training data. Every request is written as a user would type it; its check is
built from a small spec: text operations (what the document's text must become) and formatting targets
(what must hold on exactly the named span or paragraph, all other paragraphs keeping their value).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.shared import Pt

# Package-relative only: never put benchmarks/natural itself on sys.path (this module would shadow the
# `requests` HTTP library).
from . import docx_checks as dc
from .documents import DOCUMENTS, load_document


# ------------------------------------------------------------------ spec


@dataclass(frozen=True)
class Replace:
    """Text edit: the (unique) occurrence of `old` becomes `new`."""
    old: str
    new: str


@dataclass(frozen=True)
class InsertPara:
    """A new body paragraph with `text` right after the paragraph containing `after`."""
    after: str
    text: str


@dataclass(frozen=True)
class AddRow:
    """A new last row in table `table` (0-based)."""
    table: int
    cells: tuple


@dataclass(frozen=True)
class Char:
    """Character property `prop` == `value` on exactly `span` (in the paragraph containing `within`)."""
    span: str
    prop: str
    value: object = True
    within: Optional[str] = None


@dataclass(frozen=True)
class Para:
    """Paragraph property (align/style/list) == `value` on the paragraph containing `snippet`."""
    snippet: str
    prop: str
    value: object


Op = Union[Replace, InsertPara, AddRow]
Fmt = Union[Char, Para]


@dataclass
class NaturalRequest:
    id: str
    doc: str
    request: str
    check: Callable  # check(docx.Document) -> Optional[str]: None when carried out, else a reason
    solve: Callable  # solve(docx.Document) -> None: the intended edit, by hand
    kind: str  # "format" | "edit"
    edits: int = 1  # how many separate edits the request asks for
    ops: tuple = field(default=(), repr=False)
    fmt: tuple = field(default=(), repr=False)


@functools.lru_cache(maxsize=None)
def _original_bytes(doc_id: str):
    import io
    buf = io.BytesIO()
    load_document(doc_id).save(buf)
    return buf.getvalue()


def original(doc_id: str):
    """A fresh copy of the untouched document (as read back by python-docx)."""
    import io
    import docx
    return docx.Document(io.BytesIO(_original_bytes(doc_id)))


# ------------------------------------------------------------------ expected text


def _unique_replace(texts: list[str], old: str, new: str) -> Optional[int]:
    hits = [i for i, t in enumerate(texts) if old in t]
    if len(hits) != 1 or texts[hits[0]].count(old) != 1:
        raise ValueError(f"{old!r} is not unique in the document")
    texts[hits[0]] = texts[hits[0]].replace(old, new)
    return hits[0]


def expected_model(doc_id: str, ops) -> dict:
    m = dc.text_model(original(doc_id))
    body = list(m["body"])
    tables = [[list(r) for r in t] for t in m["tables"]]
    for op in ops:
        if isinstance(op, Replace):
            flat = body + [c for t in tables for r in t for c in r]
            where = [("b", i) for i in range(len(body))] + \
                    [("t", ti, ri, ci) for ti, t in enumerate(tables) for ri, r in enumerate(t) for ci in range(len(r))]
            i = _unique_replace(flat, op.old, op.new)
            w = where[i]
            if w[0] == "b":
                body[w[1]] = flat[i]
            else:
                tables[w[1]][w[2]][w[3]] = flat[i]
        elif isinstance(op, InsertPara):
            hits = [i for i, t in enumerate(body) if op.after in t]
            assert len(hits) == 1, op
            body.insert(hits[0] + 1, op.text)
        elif isinstance(op, AddRow):
            tables[op.table].append(list(op.cells))
    return {"body": body, "tables": tables}


# ------------------------------------------------------------------ check


def run_check(doc_id: str, ops, fmt, result) -> Optional[str]:
    orig = original(doc_id)
    want = expected_model(doc_id, ops)
    got = dc.text_model(result)
    if dc.normalised_model(want) != dc.normalised_model(got):
        reason = dc.model_diff(want, got)
        return ("document text changed (formatting only was asked): " if not ops else "") + reason
    ou, ru = dc.units(orig), dc.units(result)
    pairs = dc.pair_units(ou, ru)
    # character targets: (unit id, offset set) per prop
    targets: dict[str, dict[int, set]] = {}
    for f in fmt:
        if isinstance(f, Char):
            unit, start, why = dc.find_span(ru, f.span, f.within)
            if unit is None:
                return why
            bad = [c for c, props in zip(unit.text[start:start + len(f.span)],
                                         unit.chars[start:start + len(f.span)])
                   if not c.isspace() and not dc.same_value(f.prop, props[f.prop], f.value)]
            if bad:
                return f"{f.prop} is not {f.value!r} on all of {f.span[:60]!r}"
            targets.setdefault(f.prop, {}).setdefault(id(unit), set()).update(range(start, start + len(f.span)))
        else:
            hits = [u for u in ru if dc.norm_text(u.text) == dc.norm_text(f.snippet)] or \
                [u for u in ru if dc.norm_chars(f.snippet) in u.ntext]
            if len(hits) != 1:
                return f"paragraph containing {f.snippet!r} found {len(hits)} times"
            have = hits[0].para[f.prop]
            want_v = dc.style_key(f.value) if f.prop == "style" else f.value
            if have != want_v:
                return f"paragraph {f.snippet[:40]!r}: {f.prop} is {have!r}, wanted {want_v!r}"
            targets.setdefault("para:" + f.prop, {})[id(hits[0])] = {-1}
    # nothing else changed in the properties the request is about
    for key, by_unit in targets.items():
        for o, r in pairs:
            if key.startswith("para:"):
                prop = key[5:]
                if id(r) not in by_unit and o.para[prop] != r.para[prop]:
                    return f"paragraph {r.text[:40]!r} also changed {prop} ({o.para[prop]!r} -> {r.para[prop]!r})"
                continue
            skip = by_unit.get(id(r), set())
            for k, (c, po, pr) in enumerate(zip(r.text, o.chars, r.chars)):
                if k in skip or c.isspace():
                    continue
                if not dc.same_value(key, po[key], pr[key]):
                    return f"{key} also changed outside the target, in {r.text[max(0, k - 15):k + 25]!r}"
    return None


# ------------------------------------------------------------------ solve (by hand, python-docx)


def _body_and_cell_paragraphs(doc):
    out = [p for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                out.extend(cell.paragraphs)
    return out


def _find_paragraph(doc, snippet: str):
    paras = _body_and_cell_paragraphs(doc)
    hits = [p for p in paras if dc.norm_text(p.text) == dc.norm_text(snippet)] or \
        [p for p in paras if dc.norm_chars(snippet) in dc.norm_chars(p.text)]
    assert len(hits) == 1, (snippet, len(hits))
    return hits[0]


def _set_text(p, new: str) -> None:
    old = "".join(r.text for r in p.runs)
    pre = 0
    while pre < min(len(old), len(new)) and old[pre] == new[pre]:
        pre += 1
    suf = 0
    while suf < min(len(old), len(new)) - pre and old[-1 - suf] == new[-1 - suf]:
        suf += 1
    end = len(old) - suf
    pos = 0
    for r in p.runs:
        t = r.text
        if pos <= pre and end <= pos + len(t):
            r.text = t[:pre - pos] + new[pre:len(new) - suf] + t[end - pos:]
            return
        pos += len(t)
    runs = p.runs
    runs[0].text = new
    for r in runs[1:]:
        r._r.getparent().remove(r._r)


def _isolate(p, start: int, end: int):
    """Split runs so that [start, end) is covered by whole runs; return those runs."""
    pos = 0
    for r in list(p.runs):
        t = r.text
        a, b = pos, pos + len(t)
        pos = b
        if b <= start or a >= end:
            continue
        cut_l, cut_r = max(start, a) - a, min(end, b) - a
        if cut_r < len(t):
            tail = copy.deepcopy(r._r)
            r._r.addnext(tail)
            r.text = t[:cut_r]
            type(r)(tail, p).text = t[cut_r:]
        if cut_l > 0:
            head = copy.deepcopy(r._r)
            r._r.addprevious(head)
            type(r)(head, p).text = t[:cut_l]
            r.text = t[cut_l:cut_r]
    out, pos = [], 0
    for r in p.runs:
        if pos >= start and pos + len(r.text) <= end and r.text:
            out.append(r)
        pos += len(r.text)
    return out


_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def run_solve(ops, fmt, doc) -> None:
    for op in ops:
        if isinstance(op, Replace):
            p = _find_paragraph(doc, op.old)
            _set_text(p, p.text.replace(op.old, op.new))
        elif isinstance(op, InsertPara):
            p = _find_paragraph(doc, op.after)
            new = OxmlElement("w:p")
            if p._p.pPr is not None:
                new.append(copy.deepcopy(p._p.pPr))
            p._p.addnext(new)
            from docx.text.paragraph import Paragraph
            Paragraph(new, p._parent).add_run(op.text)
        elif isinstance(op, AddRow):
            t = doc.tables[op.table]
            row = t.add_row()
            for cell, text in zip(row.cells, op.cells):
                cell.paragraphs[0].add_run(text)
    for f in fmt:
        if isinstance(f, Char):
            p = _find_paragraph(doc, f.within or f.span)
            start = dc.norm_chars(p.text).index(dc.norm_chars(f.span))
            for r in _isolate(p, start, start + len(f.span)):
                if f.prop == "highlight":
                    r.font.highlight_color = WD_COLOR_INDEX.YELLOW if f.value else None
                elif f.prop == "size":
                    r.font.size = Pt(f.value)
                else:
                    setattr(r.font, f.prop, f.value)
        else:
            p = _find_paragraph(doc, f.snippet)
            if f.prop == "align":
                p.alignment = _ALIGN[f.value]
            elif f.prop == "style":
                p.style = doc.styles[f.value]
            elif f.prop == "list":
                p.style = doc.styles[{"bullet": "List Bullet", "number": "List Number", None: "Normal"}[f.value]]


def R(id: str, doc: str, request: str, *items, edits: int = 1) -> NaturalRequest:
    assert doc in DOCUMENTS, doc
    ops = tuple(i for i in items if isinstance(i, (Replace, InsertPara, AddRow)))
    fmt = tuple(i for i in items if isinstance(i, (Char, Para)))
    return NaturalRequest(id=id, doc=doc, request=request,
                          check=functools.partial(run_check, doc, ops, fmt),
                          solve=functools.partial(run_solve, ops, fmt),
                          kind="edit" if ops else "format", edits=edits, ops=ops, fmt=fmt)


# ------------------------------------------------------------------ the requests

_NL_PARKING = ("Cars must be parked in the lower car park and not along the track, which the council has "
               "asked us to keep clear.")
_MI_NEXT = "The next meeting will be held on Tuesday 1 April at 7.30 pm."
_RE_INTRO = ("This is the roast we make most Sundays. It needs very little attention once it is in the oven, "
             "and the lemon keeps the meat moist. Allow about an hour and a half from start to finish.")
_ST_NEXT = ("Leo will finish migrating the news archive. Marta will run the first search tests as soon as the "
            "server is back. The next report is due on 21 June.")
_PR_PARKING = ("Parking is available behind the house, but spaces are limited, so please share lifts where you "
               "can. Bedrooms must be vacated by 10 am on Sunday.")

REQUESTS: list[NaturalRequest] = [
    # ---------------- newsletter
    R("nl-01", "newsletter", "Could you please centre the title?",
      Para("Riverside Allotments Spring Newsletter", "align", "center")),
    R("nl-02", "newsletter", "bold 'labelled envelopes'", Char("labelled envelopes", "bold")),
    R("nl-03", "newsletter", "The third bullet point is the important one, make it stand out in bold.",
      Char("Please do not bring potato tubers this year.", "bold")),
    R("nl-04", "newsletter", "Italicise \u201cdrainage ditch\u201d in the chair's note.",
      Char("drainage ditch", "italic")),
    R("nl-05", "newsletter", "The seed swap has moved, change 13 April to 27 April.",
      Replace("13 April", "27 April")),
    R("nl-06", "newsletter", "Please delete the sentence about the Thursday group providing tea and biscuits.",
      Replace(" Tea and biscuits will be provided by the Thursday group.", "")),
    R("nl-07", "newsletter", 'Make "Reminders" a Heading 2 instead of a Heading 1.',
      Para("Reminders", "style", "Heading 2")),
    R("nl-08", "newsletter", "Underline the sentence about parking and highlight 'end of March'.",
      Char(_NL_PARKING, "underline"), Char("end of March", "highlight"), edits=2),
    R("nl-09", "newsletter", "swap mid-April for late April", Replace("mid-April", "late April")),
    R("nl-10", "newsletter", "Right-align the sign-off at the bottom of the newsletter.",
      Para("Happy digging", "align", "right")),
    R("nl-11", "newsletter", 'Add another bullet after the potato one saying "Label seedlings with the variety '
      'name." and then centre the \u201cSeed swap\u201d heading.',
      InsertPara("potato tubers", "Label seedlings with the variety name."),
      Para("Label seedlings with the variety name.", "list", "bullet"),
      Para("Seed swap", "align", "center"), edits=2),
    # ---------------- minutes
    R("mi-01", "minutes", "Center the heading at the top of the minutes.",
      Para("Minutes of the Village Hall Committee Meeting", "align", "center")),
    R("mi-02", "minutes", "Could you make the \u00a34,820 balance bold?", Char("\u00a34,820", "bold")),
    R("mi-03", "minutes", "The kettle sentence doesn't belong in the minutes, get rid of it.",
      Replace(" The kettle in the kitchen is broken again and will be replaced.", "")),
    R("mi-04", "minutes", 'Replace "Hartley Builders" with "Hartley and Sons Ltd".',
      Replace("Hartley Builders", "Hartley and Sons Ltd")),
    R("mi-05", "minutes", "Ravi sent his apologies after all, so strike through his name in the list of who "
      "was present.", Char("Ravi Shah", "strike")),
    R("mi-06", "minutes", "Add a row to the actions table: Replace kitchen kettle, Joan, 14 March.",
      AddRow(0, ("Replace kitchen kettle", "Joan", "14 March"))),
    R("mi-07", "minutes", "Remove the bold from \u201cDate:\u201d and from \u201cPresent:\u201d.",
      Char("Date:", "bold", False), Char("Present:", "bold", False), edits=2),
    R("mi-08", "minutes", "In the action table Tom's due date should be 15 April, not 31 March.",
      Replace("31 March", "15 April")),
    R("mi-09", "minutes", "make '3. Any other business' a level 2 heading",
      Para("3. Any other business", "style", "Heading 2")),
    R("mi-10", "minutes", "Please italicise the last line, the one about the next meeting, and make it right "
      "aligned.", Char(_MI_NEXT, "italic"), Para(_MI_NEXT, "align", "right"), edits=2),
    R("mi-11", "minutes", 'Insert "Minutes taken by Joan Ellis." as a new paragraph straight after the line '
      "listing who was present.", InsertPara("Present:", "Minutes taken by Joan Ellis.")),
    # ---------------- recipe
    R("re-01", "recipe", "embolden the title", Char("Lemon and Thyme Roast Chicken", "bold")),
    R("re-02", "recipe", "Turn the tip at the end into italics.",
      Char("Tip: squeeze the second lemon over the potatoes just before serving.", "italic")),
    R("re-03", "recipe", "Change 200\u00b0C to 190\u00b0C, my oven runs hot.", Replace("200\u00b0C", "190\u00b0C")),
    R("re-04", "recipe", "Highlight the resting time (15 minutes) so nobody skips it.",
      Char("15 minutes", "highlight")),
    R("re-05", "recipe", "Add \u2018A pinch of sea salt\u2019 as a new ingredient at the end of the list.",
      InsertPara("3 tablespoons of olive oil", "A pinch of sea salt"),
      Para("A pinch of sea salt", "list", "bullet")),
    R("re-06", "recipe", "Could you put the Ingredients heading in the centre, and the Method heading too?",
      Para("Ingredients", "align", "center"), Para("Method", "align", "center"), edits=2),
    R("re-07", "recipe", "the second ingredient should say 3 unwaxed lemons",
      Replace("2 unwaxed lemons", "3 unwaxed lemons")),
    R("re-08", "recipe", "Make 'olive oil' bold in the second step only, not in the ingredients.",
      Char("olive oil", "bold", within="Rub the skin")),
    R("re-09", "recipe", 'Delete the sentence "Allow about an hour and a half from start to finish."',
      Replace(" Allow about an hour and a half from start to finish.", "")),
    R("re-10", "recipe", "Set the introduction paragraph in 14 pt.", Char(_RE_INTRO, "size", 14.0)),
    R("re-11", "recipe", "I've run out of thyme, strikethrough that ingredient.",
      Char("A small bunch of fresh thyme", "strike")),
    # ---------------- letter
    R("le-01", "letter", "Please underline the subject line and put it in italics.",
      Char("Renewal of cleaning contract", "underline"), Char("Renewal of cleaning contract", "italic"),
      edits=2),
    R("le-02", "letter", "right-align the date", Para("3 October 2024", "align", "right")),
    R("le-03", "letter", 'In the second paragraph change "Friday" to "Thursday".', Replace("Friday", "Thursday")),
    R("le-04", "letter", "The reply deadline is what matters here, put 18 October in bold.",
      Char("18 October", "bold")),
    R("le-05", "letter", 'Add the sentence \u201cA copy of the current contract is enclosed for reference.\u201d '
      "at the end of the first paragraph of the letter.",
      Replace("for a further twelve months.",
              "for a further twelve months. A copy of the current contract is enclosed for reference.")),
    R("le-06", "letter", "Italicize the signature line.", Char("Helen Marsh, Practice Manager", "italic")),
    R("le-07", "letter", "get rid of 'very' in the first paragraph", Replace("very happy", "happy")),
    R("le-08", "letter", "highlight \u201copen on Saturday mornings\u201d",
      Char("open on Saturday mornings", "highlight")),
    R("le-09", "letter", "Could you justify the paragraph that starts 'We would, however' and make the date "
      "12 point?", Para("We would, however", "align", "justify"), Char("3 October 2024", "size", 12.0),
      edits=2),
    R("le-10", "letter", "Swap 'twelve months' for 'two years'.", Replace("twelve months", "two years")),
    R("le-11", "letter", "The sender's address at the top should be centered.",
      Para("Brightwater Dental Practice", "align", "center")),
    # ---------------- status report
    R("st-01", "status", "Centre the report title.", Para("Website Redesign: Project Status Report", "align",
                                                          "center")),
    R("st-02", "status", "Put \u201cDelayed\u201d in bold in the milestones table.", Char("Delayed", "bold")),
    R("st-03", "status", "Launch is now planned for 2 August, please update the table.",
      Replace("Planned for 26 July", "Planned for 2 August")),
    R("st-04", "status", "Add a row to the milestones table for User testing, owner Leo, status Planned.",
      AddRow(0, ("User testing", "Leo", "Planned"))),
    R("st-05", "status", "italicise 'on track overall'", Char("on track overall", "italic")),
    R("st-06", "status", 'Please make the "Risks" heading a Heading 2.', Para("Risks", "style", "Heading 2")),
    R("st-07", "status", "In the summary, the templates were signed off on Monday, not Tuesday.",
      Replace("Tuesday", "Monday")),
    R("st-08", "status", 'Replace "Priya Nair" with "Priya Nair, Project Manager" and make the reporting '
      "period line italic.", Replace("Priya Nair.", "Priya Nair, Project Manager."),
      Char("Reporting period: week ending Friday 14 June 2024. Prepared by Priya Nair, Project Manager.",
           "italic"), edits=2),
    R("st-09", "status", "underline the sentence saying Marta is in daily contact with them",
      Char("Marta is in daily contact with them.", "underline")),
    R("st-10", "status", "Remove the last sentence of the report.",
      Replace(" The next report is due on 21 June.", "")),
    R("st-11", "status", "Highlight the whole Next steps paragraph, please.", Char(_ST_NEXT, "highlight")),
    # ---------------- programme
    R("pr-01", "programme", "make the title 20pt", Char("Summer Choir Weekend Programme", "size", 20.0)),
    R("pr-02", "programme", "Bold the time of the closing performance (3 pm).", Char("3 pm", "bold")),
    R("pr-03", "programme", "The informal concert now starts at 8.00 pm, could you change the timetable?",
      Replace("7.30 pm", "8.00 pm")),
    R("pr-04", "programme", "Put \u2018Faur\u00e9 Requiem\u2019 in italics.", Char("Faur\u00e9 Requiem", "italic")),
    R("pr-05", "programme", "Delete the sentence about vacating the bedrooms.",
      Replace(" Bedrooms must be vacated by 10 am on Sunday.", "")),
    R("pr-06", "programme", "Add a row at the bottom of the timetable: 9.30 pm, Quiz night, Garden Room.",
      AddRow(0, ("9.30 pm", "Quiz night", "Garden Room"))),
    R("pr-07", "programme", "People always miss the parking paragraph, could you make it bold?",
      Char(_PR_PARKING, "bold")),
    R("pr-08", "programme", "centre the Saturday and Sunday headings",
      Para("Saturday", "align", "center"), Para("Sunday", "align", "center"), edits=2),
    R("pr-09", "programme", "Carol won't be there this year; replace her name with Dennis.",
      Replace("Carol", "Dennis")),
    R("pr-10", "programme", 'strike through "free of charge"', Char("free of charge", "strike")),
    R("pr-11", "programme", "Change \u201cLinden House\u201d to \u201cLinden Hall\u201d and highlight the word "
      "Registration.", Replace("Linden House", "Linden Hall"), Char("Registration", "highlight"), edits=2),
]

BY_ID = {r.id: r for r in REQUESTS}
