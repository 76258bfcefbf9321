"""Executable checkers for Writer documents: Writer's predicates in the checker language (lamfactory/core/checks.py),
evaluated on the saved .docx. (One module of ~650 lines on purpose: 22 short predicates share one document view
and its Word-style property resolution; split by area, each part would need all of it.)

spec := {"all": [spec, ...]} | {"any": [spec, ...]} | {"not": spec} | predicate
predicate := {"pred": NAME, ...params}      (unknown pred or unknown/missing param -> CheckSpecError at load)

Paragraph selector (for para_* predicates): exactly one of
   "para": int            1-based index among body paragraphs (document order, tables excluded)
   "contains": str        the first body paragraph whose text contains this string

Predicates (evaluated on the document saved as .docx, read with python-docx):
  text_contains   {text}                          body text contains `text`
  text_count      {text, value}                   number of occurrences of `text` in the body == value
  paragraph_count {min?, max?}                    number of non-empty body paragraphs within bounds
  para_text       {selector, equals}              paragraph text (stripped) == equals
  para_style      {selector, style}               paragraph style name, e.g. "Heading 1"
  para_alignment  {selector, value}               left|center|right|justify
  para_indent     {selector, left_cm?, first_line_cm?, right_cm?, tol_cm=0.05}
  para_spacing    {selector, before_pt?, after_pt?, line?: "single"|"1.5"|"double"|float, tol_pt=0.5}
  para_list       {selector, value: bool}         paragraph is in a bulleted/numbered list
  para_page_break_before {selector}               a page break precedes the paragraph
  char_format     {text, occurrence=1, bold?, italic?, underline?, strike?, font?, size_pt?, color?, highlight?}
                  every character of that occurrence of `text` has each given property; highlight: true
                  means any highlight/shading (LibreOffice exports CharBackColor as w:shd), or a colour name/hex;
                  color: hex "RRGGBB"
  table_count     {value}
  table_shape     {table=1, rows?, cols?}
  table_cell      {table=1, row, col, text}       1-based row/col; cell text (stripped) == text
  header_text     {contains}                      default header of the first section contains
  footer_text     {contains}
  page_number_field {where: "header"|"footer"}    a PAGE field in the header/footer
  field_present   {kind}                          a field of that kind in the body (PAGE, NUMPAGES, DATE, TIME, AUTHOR, TITLE ...)
  comment_present {contains?}                     a comment (annotation) exists (whose text contains ...)
  page_orientation {value: portrait|landscape}
  page_margin     {side: left|right|top|bottom, cm, tol_cm=0.1}
  page_columns    {value}                          number of text columns of the page style/section
Verdict.passed = spec holds; Verdict.details = one line per failing predicate, human-readable.

Interpretation notes (where docx needs one):
- "body" = top-level paragraphs plus the text of top-level tables' cells (text_contains/text_count/char_format);
  paragraph selectors and paragraph_count use body paragraphs only.
- Properties resolve like Word does: direct run/paragraph formatting, then character style, then the
  paragraph style chain, then document defaults.
- para_style compares case-insensitively and knows LibreOffice's UI aliases ("Default Paragraph Style" is
  exported as "Normal", "Text Body" as "Body Text").
- page_columns: value 1 holds when every section has one column; value n > 1 when some section has n.

`check_docx(path, spec)` needs no soffice (the dataflow uses it on saved files); WriterEnv.check saves the
live document to a temporary .docx and calls it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_UNDERLINE
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from lamfactory.core.checks import CheckLanguage, CheckSpecError, Param, Selector, is_a
from lamfactory.core.records import Verdict


NUM = (int, float)
P = Param  # short, as the predicate tables below use it
CHECKS = CheckLanguage()  # Writer's predicates, registered where each is defined (below)
LINE_NAMES = {"single": 1.0, "1.5": 1.5, "double": 2.0}
_HEX = re.compile(r"#?[0-9A-Fa-f]{6}")


def check_docx(path: str | Path, spec: dict) -> Verdict:
    """Evaluate a spec on a .docx file (no soffice needed)."""
    return CHECKS.verdict(DocView(Document(str(path))), spec)


def check_file_cached(path: str | Path, spec: dict) -> Verdict:
    """check_docx with the parsed document cached per file version: the dataflow's filter evaluates thousands
    of specs on the same few dozen templates, and parsing each time dominated instantiation."""
    st = Path(path).stat()
    return CHECKS.verdict(_view(str(path), st.st_mtime_ns, st.st_size), spec)


def load_check(spec: Any) -> dict:
    """Validate a spec in Writer's checker language (CheckSpecError names the problem)."""
    return CHECKS.load(spec)


@lru_cache(maxsize=128)
def _view(path: str, mtime_ns: int, size: int) -> "DocView":
    return DocView(Document(path))


def _check_selector(pred: str, key: str, value: Any) -> None:
    if key == "para" and (not is_a(value, (int,)) or value < 1):
        raise CheckSpecError(f"{pred}: 'para' must be an int >= 1, got {value!r}")
    if key == "contains" and (not isinstance(value, str) or not value):
        raise CheckSpecError(f"{pred}: 'contains' must be a non-empty string")


def _select_paragraph(doc: "DocView", spec: dict):
    i, where = doc.select(spec)
    return (None if i is None else (doc.paragraphs[i], i)), where


# a paragraph: 1-based "para" among body paragraphs, or the first one that "contains" a text
PARAGRAPH = Selector(("para", "contains"), _check_selector, _select_paragraph, what="paragraph selector")


def _line_name(spec: dict) -> Optional[str]:
    line = spec.get("line")
    if isinstance(line, str) and line not in LINE_NAMES:
        return f"line must be single|1.5|double or a number, got {line!r}"
    return None


def _hex_color(spec: dict) -> Optional[str]:
    color = spec.get("color")
    if isinstance(color, str) and not _HEX.fullmatch(color):
        return f"color must be hex RRGGBB, got {color!r}"
    return None


# ------------------------------------------------------------------ the document view


class DocView:
    """The parsed document plus the lookups predicates share."""

    def __init__(self, document):
        self.doc = document
        self.paragraphs: list[Paragraph] = list(document.paragraphs)
        self.tables = list(document.tables)

    def body_blocks(self) -> list[Paragraph]:
        """Top-level paragraphs, then every paragraph in top-level table cells."""
        cells = [p for t in self.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
        return self.paragraphs + cells

    def select(self, spec: dict) -> tuple[Optional[int], str]:
        """(0-based paragraph index or None, description)."""
        if "para" in spec:
            i = spec["para"]
            if i > len(self.paragraphs):
                return None, f"paragraph {i} does not exist (the body has {len(self.paragraphs)})"
            return i - 1, f"paragraph {i}"
        for i, p in enumerate(self.paragraphs):
            if spec["contains"] in p.text:
                return i, f"paragraph containing {spec['contains']!r}"
        return None, f"no body paragraph contains {spec['contains']!r}"


# ---- property resolution (direct -> style chain -> defaults)


def _style_chain(style):
    seen = 0
    while style is not None and seen < 20:
        yield style
        style = style.base_style
        seen += 1


def _first_set(attr: str, *formats):
    """The first format (direct formatting first, then the style chain) that sets `attr`: Word's inheritance."""
    for f in formats:
        value = getattr(f, attr)
        if value is not None:
            return value
    return None


def _para_format(p: Paragraph, attr: str):
    return _first_set(attr, p.paragraph_format, *(s.paragraph_format for s in _style_chain(p.style)))


def _font_value(doc: DocView, run: Run, p: Paragraph, attr: str):
    own_style = run.style is not None and run.style.name != "Default Paragraph Font"
    run_styles = _style_chain(run.style) if own_style else ()
    value = _first_set(attr, run.font, *(s.font for s in run_styles), *(s.font for s in _style_chain(p.style)))
    return value if value is not None else _doc_default(doc, attr)


def _doc_default(doc: DocView, attr: str):
    rpr = doc.doc.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return None
    if attr == "size":
        sz = rpr.find(qn("w:sz"))
        return int(sz.get(qn("w:val"))) / 2 if sz is not None else None
    if attr == "name":
        fonts = rpr.find(qn("w:rFonts"))
        return fonts.get(qn("w:ascii")) if fonts is not None else None
    return None


def _shading(run: Run) -> Optional[str]:
    rpr = run._r.rPr
    shd = rpr.find(qn("w:shd")) if rpr is not None else None
    if shd is None:
        return None
    fill = (shd.get(qn("w:fill")) or "auto").upper()
    return None if fill in ("AUTO", "") else fill


HIGHLIGHT_HEX = {"yellow": "FFFF00", "green": "00FF00", "bright_green": "00FF00", "cyan": "00FFFF",
                 "turquoise": "00FFFF", "magenta": "FF00FF", "pink": "FF00FF", "blue": "0000FF", "red": "FF0000",
                 "dark_blue": "000080", "teal": "008080", "dark_green": "008000", "violet": "800080",
                 "dark_red": "800000", "dark_yellow": "808000", "gray_50": "808080", "gray_25": "C0C0C0",
                 "black": "000000", "white": "FFFFFF", "lightgray": "C0C0C0", "darkgray": "808080"}


def _highlight(run: Run) -> Optional[str]:
    """The highlight as hex: w:highlight (a colour name) or w:shd fill (LibreOffice's CharBackColor)."""
    hl = run.font.highlight_color
    if hl is not None and hl.name not in ("NONE", "AUTO"):
        return HIGHLIGHT_HEX.get(hl.name.lower(), hl.name.upper())
    return _shading(run)


# ---- run mapping for char_format


def _runs_with_offsets(p: Paragraph) -> list[tuple[int, int, Run]]:
    out, pos = [], 0
    for r in p._p.xpath(".//w:r[not(ancestor::w:del)]"):
        run = Run(r, p)
        text = run.text
        out.append((pos, pos + len(text), run))
        pos += len(text)
    return out


def _occurrence(doc: DocView, text: str, occurrence: int):
    seen = 0
    for p in doc.body_blocks():
        runs = _runs_with_offsets(p)
        full = "".join(r.text for _, _, r in runs)
        start = full.find(text)
        while start >= 0:
            seen += 1
            if seen == occurrence:
                end = start + len(text)
                return p, [r for s, e, r in runs if s < end and e > start and e > s], seen
            start = full.find(text, start + 1)
    return None, [], seen


def _underlined(value) -> bool:
    return value not in (None, False, WD_UNDERLINE.NONE)


@CHECKS.predicate("char_format",
                  {"text": P((str,)),
                   "occurrence": P((int,), False, 1),
                   "bold": P((bool,), False),
                   "italic": P((bool,), False),
                   "underline": P((bool,), False),
                   "strike": P((bool,), False),
                   "font": P((str,), False),
                   "size_pt": P(NUM, False),
                   "color": P((str,), False),
                   "highlight": P((bool, str), False)},
                  validate=_hex_color)
def char_format(doc: DocView, s: dict) -> Optional[str]:
    p, runs, seen = _occurrence(doc, s["text"], s["occurrence"])
    where = f"{s['text']!r} (occurrence {s['occurrence']})"
    if p is None:
        return f"{where} not found (the body has {seen} occurrence(s))"
    problems = []
    for key in ("bold", "italic", "underline", "strike"):
        if key in s:
            attr = {"bold": "bold", "italic": "italic", "underline": "underline", "strike": "strike"}[key]
            values = [_font_value(doc, r, p, attr) for r in runs]
            actual = [_underlined(v) if key == "underline" else bool(v) for v in values]
            if any(a != s[key] for a in actual):
                problems.append(f"{key} is {_summary(actual)}, expected {s[key]}")
    if "font" in s:
        names = [(_font_value(doc, r, p, "name") or "") for r in runs]
        if any(n.lower() != s["font"].lower() for n in names):
            problems.append(f"font is {_summary(names)}, expected {s['font']!r}")
    if "size_pt" in s:
        sizes = []
        for r in runs:
            v = _font_value(doc, r, p, "size")
            sizes.append(v.pt if hasattr(v, "pt") else v)
        if any(v is None or abs(v - s["size_pt"]) > 0.01 for v in sizes):
            problems.append(f"size is {_summary(sizes)} pt, expected {s['size_pt']}")
    if "color" in s:
        want = s["color"].lstrip("#").upper()
        colors = []
        for r in runs:
            c = r.font.color
            colors.append(str(c.rgb).upper() if c is not None and c.type is not None and c.rgb is not None else "auto")
        if any(c != want for c in colors):
            problems.append(f"color is {_summary(colors)}, expected {want}")
    if "highlight" in s:
        marks = [_highlight(r) for r in runs]
        want = s["highlight"]
        if want is True:
            bad = any(m is None for m in marks)
        elif want is False:
            bad = any(m is not None for m in marks)
        else:
            hexed = HIGHLIGHT_HEX.get(want.lower().replace(" ", "_"), want.lstrip("#").upper())
            bad = any(m != hexed for m in marks)
        if bad:
            problems.append(f"highlight is {_summary(marks)}, expected {want}")
    return f"{where}: " + "; ".join(problems) if problems else None


def _summary(values: list) -> str:
    distinct = list(dict.fromkeys(values))
    return repr(distinct[0]) if len(distinct) == 1 else "mixed " + repr(distinct)


# ---- paragraph predicates


STYLE_ALIASES = {"default paragraph style": "normal", "default style": "normal", "standard": "normal",
                 "text body": "body text", "text_body": "body text"}


def _style_key(name: str) -> str:
    n = name.strip().lower()
    return STYLE_ALIASES.get(n, n)


@CHECKS.predicate("para_style", {"style": P((str,))}, selector=PARAGRAPH)
def para_style(doc, target, s, where):
    p, _ = target
    actual = p.style.name if p.style is not None else "Normal"
    return None if _style_key(actual) == _style_key(s["style"]) else f"{where} has style {actual!r}, expected {s['style']!r}"


ALIGN_NAMES = {WD_ALIGN_PARAGRAPH.LEFT: "left", WD_ALIGN_PARAGRAPH.CENTER: "center",
               WD_ALIGN_PARAGRAPH.RIGHT: "right", WD_ALIGN_PARAGRAPH.JUSTIFY: "justify",
               WD_ALIGN_PARAGRAPH.DISTRIBUTE: "justify", WD_ALIGN_PARAGRAPH.JUSTIFY_LOW: "justify",
               WD_ALIGN_PARAGRAPH.JUSTIFY_MED: "justify", WD_ALIGN_PARAGRAPH.JUSTIFY_HI: "justify",
               WD_ALIGN_PARAGRAPH.THAI_JUSTIFY: "justify"}


@CHECKS.predicate("para_alignment",
                  {"value": P((str,), choices=("left", "center", "right", "justify"))},
                  selector=PARAGRAPH)
def para_alignment(doc, target, s, where):
    p, _ = target
    value = _para_format(p, "alignment")
    actual = ALIGN_NAMES.get(value, "left") if value is not None else "left"
    return None if actual == s["value"] else f"{where} is aligned {actual}, expected {s['value']}"


@CHECKS.predicate("para_indent",
                  {"left_cm": P(NUM, False),
                   "first_line_cm": P(NUM, False),
                   "right_cm": P(NUM, False),
                   "tol_cm": P(NUM, False, 0.05)},
                  selector=PARAGRAPH)
def para_indent(doc, target, s, where):
    p, _ = target
    problems = []
    for key, attr in (("left_cm", "left_indent"), ("first_line_cm", "first_line_indent"),
                      ("right_cm", "right_indent")):
        if key in s:
            v = _para_format(p, attr)
            actual = v.cm if v is not None else 0.0
            if abs(actual - s[key]) > s["tol_cm"]:
                problems.append(f"{key.replace('_cm', '')} indent {actual:.2f} cm, expected {s[key]}")
    return f"{where}: " + "; ".join(problems) if problems else None


@CHECKS.predicate("para_spacing",
                  {"before_pt": P(NUM, False),
                   "after_pt": P(NUM, False),
                   "line": P((str, int, float), False),
                   "tol_pt": P(NUM, False, 0.5)},
                  selector=PARAGRAPH,
                  validate=_line_name)
def para_spacing(doc, target, s, where):
    p, _ = target
    problems = []
    for key, attr in (("before_pt", "space_before"), ("after_pt", "space_after")):
        if key in s:
            v = _para_format(p, attr)
            actual = v.pt if v is not None else 0.0
            if abs(actual - s[key]) > s["tol_pt"]:
                problems.append(f"space {key[:-3]} {actual:.1f} pt, expected {s[key]}")
    if "line" in s:
        want = LINE_NAMES.get(s["line"], s["line"]) if isinstance(s["line"], str) else float(s["line"])
        rule = _para_format(p, "line_spacing_rule")
        v = _para_format(p, "line_spacing")
        if v is None:
            actual: Any = 1.0
        elif isinstance(v, float):
            actual = v
        elif rule in (WD_LINE_SPACING.SINGLE, WD_LINE_SPACING.ONE_POINT_FIVE, WD_LINE_SPACING.DOUBLE):
            actual = {WD_LINE_SPACING.SINGLE: 1.0, WD_LINE_SPACING.ONE_POINT_FIVE: 1.5,
                      WD_LINE_SPACING.DOUBLE: 2.0}[rule]
        else:
            actual = f"{v.pt:.1f} pt ({rule.name.lower() if rule is not None else 'fixed'})"
        if not isinstance(actual, float) or abs(actual - float(want)) > 0.01:
            problems.append(f"line spacing {actual}, expected {s['line']}")
    return f"{where}: " + "; ".join(problems) if problems else None


def _num_pr(p: Paragraph):
    ppr = p._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return ppr.numPr
    for style in _style_chain(p.style):
        sppr = style.element.pPr
        if sppr is not None and sppr.numPr is not None:
            return sppr.numPr
    return None


def _is_list(doc: DocView, p: Paragraph) -> bool:
    num_pr = _num_pr(p)
    if num_pr is None or num_pr.numId is None:
        return False
    num_id = num_pr.numId.val
    if num_id == 0:
        return False
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    try:
        numbering = doc.doc.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return True
    num = numbering.xpath(f"./w:num[@w:numId='{num_id}']")
    if not num:
        return False
    abstract = num[0].xpath("./w:abstractNumId/@w:val")
    fmts = numbering.xpath(f"./w:abstractNum[@w:abstractNumId='{abstract[0]}']/w:lvl[@w:ilvl='{level}']"
                           "/w:numFmt/@w:val") if abstract else []
    return not fmts or fmts[0] != "none"


@CHECKS.predicate("para_list", {"value": P((bool,))}, selector=PARAGRAPH)
def para_list(doc, target, s, where):
    p, _ = target
    actual = _is_list(doc, p)
    return None if actual == s["value"] else f"{where} is {'' if actual else 'not '}in a list, expected {s['value']}"


def _page_breaks(el) -> list:
    return el.xpath(".//w:br[@w:type='page']")


@CHECKS.predicate("para_page_break_before", {}, selector=PARAGRAPH)
def para_page_break_before(doc, target, s, where):
    p, i = target
    if _para_format(p, "page_break_before"):
        return None
    # a break run at the start of this paragraph (LibreOffice exports .uno:InsertPagebreak so)
    for r in p._p.xpath("./w:r"):
        if _page_breaks(r):
            return None
        if Run(r, p).text.strip():
            break
    if i > 0:
        prev = doc.paragraphs[i - 1]._p
        if prev.xpath("./w:pPr/w:sectPr"):  # a section break ends the previous paragraph
            return None
        runs = prev.xpath("./w:r")
        for r in reversed(runs):
            if _page_breaks(r):
                return None
            if Run(r, doc.paragraphs[i - 1]).text.strip():
                break
    return f"no page break before {where}"


@CHECKS.predicate("para_text", {"equals": P((str,))}, selector=PARAGRAPH)
def para_text(doc, target, s, where):
    p, _ = target
    actual = p.text.strip()
    return None if actual == s["equals"] else f"{where} reads {actual[:80]!r}, expected {s['equals']!r}"


# ---- document-level predicates


def _body_text(doc: DocView) -> str:
    return "\n".join(p.text for p in doc.body_blocks())


@CHECKS.predicate("text_contains", {"text": P((str,))})
def text_contains(doc, s):
    return None if s["text"] in _body_text(doc) else f"the body does not contain {s['text']!r}"


@CHECKS.predicate("text_count", {"text": P((str,)), "value": P((int,))})
def text_count(doc, s):
    n = _body_text(doc).count(s["text"])
    return None if n == s["value"] else f"{s['text']!r} occurs {n} time(s), expected {s['value']}"


@CHECKS.predicate("paragraph_count", {"min": P((int,), False), "max": P((int,), False)})
def paragraph_count(doc, s):
    n = sum(1 for p in doc.paragraphs if p.text.strip())
    if "min" in s and n < s["min"]:
        return f"{n} non-empty paragraphs, expected at least {s['min']}"
    if "max" in s and n > s["max"]:
        return f"{n} non-empty paragraphs, expected at most {s['max']}"
    return None


def _table(doc: DocView, number: int):
    if number < 1 or number > len(doc.tables):
        return None, f"table {number} does not exist (the document has {len(doc.tables)})"
    return doc.tables[number - 1], ""


@CHECKS.predicate("table_count", {"value": P((int,))})
def table_count(doc, s):
    n = len(doc.tables)
    return None if n == s["value"] else f"{n} table(s), expected {s['value']}"


@CHECKS.predicate("table_shape",
                  {"table": P((int,), False, 1), "rows": P((int,), False), "cols": P((int,), False)})
def table_shape(doc, s):
    t, problem = _table(doc, s["table"])
    if t is None:
        return problem
    rows, cols = len(t.rows), len(t.columns)
    problems = []
    if "rows" in s and rows != s["rows"]:
        problems.append(f"{rows} rows, expected {s['rows']}")
    if "cols" in s and cols != s["cols"]:
        problems.append(f"{cols} columns, expected {s['cols']}")
    return f"table {s['table']}: " + "; ".join(problems) if problems else None


@CHECKS.predicate("table_cell",
                  {"table": P((int,), False, 1), "row": P((int,)), "col": P((int,)), "text": P((str,))})
def table_cell(doc, s):
    t, problem = _table(doc, s["table"])
    if t is None:
        return problem
    if not (1 <= s["row"] <= len(t.rows) and 1 <= s["col"] <= len(t.columns)):
        return f"table {s['table']} has no cell ({s['row']}, {s['col']}) (it is {len(t.rows)}x{len(t.columns)})"
    actual = t.cell(s["row"] - 1, s["col"] - 1).text.strip()
    return None if actual == s["text"] else \
        f"table {s['table']} cell ({s['row']}, {s['col']}) reads {actual!r}, expected {s['text']!r}"


def _part(doc: DocView, where: str):
    section = doc.doc.sections[0]
    return section.header if where == "header" else section.footer


def _part_text(doc: DocView, where: str) -> str:
    part = _part(doc, where)
    if part.is_linked_to_previous:  # first section: no header/footer defined at all
        return ""
    return "\n".join(t for t in part._element.xpath(".//w:t/text()"))


@CHECKS.predicate("header_text", {"contains": P((str,))})
def header_text(doc, s):
    text = _part_text(doc, "header")
    return None if s["contains"] in text else f"the header ({text[:60]!r}) does not contain {s['contains']!r}"


@CHECKS.predicate("footer_text", {"contains": P((str,))})
def footer_text(doc, s):
    text = _part_text(doc, "footer")
    return None if s["contains"] in text else f"the footer ({text[:60]!r}) does not contain {s['contains']!r}"


def _field_kinds(element) -> list[str]:
    instr = element.xpath(".//w:fldSimple/@w:instr") + element.xpath(".//w:instrText/text()")
    return [i.split()[0].upper() for i in instr if i.split()]


@CHECKS.predicate("page_number_field", {"where": P((str,), choices=("header", "footer"))})
def page_number_field(doc, s):
    part = _part(doc, s["where"])
    if not part.is_linked_to_previous and "PAGE" in _field_kinds(part._element):
        return None
    return f"no PAGE field in the {s['where']}"


@CHECKS.predicate("field_present", {"kind": P((str,))})
def field_present(doc, s):
    kinds = _field_kinds(doc.doc.element.body)
    return None if s["kind"].upper() in kinds else f"no {s['kind'].upper()} field in the body (found {kinds or 'none'})"


def _comments(doc: DocView) -> list[str]:
    from lxml import etree

    texts = []
    for rel in doc.doc.part.rels.values():
        if rel.reltype.endswith("/comments") and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob)
            for c in root.iter(qn("w:comment")):
                texts.append("".join(c.itertext()))
    return texts


@CHECKS.predicate("comment_present", {"contains": P((str,), False)})
def comment_present(doc, s):
    comments = _comments(doc)
    if not comments:
        return "the document has no comments"
    if "contains" in s and not any(s["contains"] in c for c in comments):
        return f"no comment contains {s['contains']!r} (comments: {[c[:40] for c in comments]})"
    return None


@CHECKS.predicate("page_orientation", {"value": P((str,), choices=("portrait", "landscape"))})
def page_orientation(doc, s):
    section = doc.doc.sections[0]
    if section.orientation == WD_ORIENT.LANDSCAPE or (
            section.page_width and section.page_height and section.page_width > section.page_height):
        actual = "landscape"
    else:
        actual = "portrait"
    return None if actual == s["value"] else f"the page is {actual}, expected {s['value']}"


@CHECKS.predicate("page_margin",
                  {"side": P((str,), choices=("left", "right", "top", "bottom")), "cm": P(NUM),
                   "tol_cm": P(NUM, False, 0.1)})
def page_margin(doc, s):
    section = doc.doc.sections[0]
    v = getattr(section, f"{s['side']}_margin")
    actual = v.cm if v is not None else 0.0
    return None if abs(actual - s["cm"]) <= s["tol_cm"] else \
        f"{s['side']} margin {actual:.2f} cm, expected {s['cm']}"


@CHECKS.predicate("page_columns", {"value": P((int,))})
def page_columns(doc, s):
    counts = []
    for sect in doc.doc.element.body.xpath(".//w:sectPr"):
        cols = sect.find(qn("w:cols"))
        num = cols.get(qn("w:num")) if cols is not None else None
        counts.append(int(num) if num else 1)
    counts = counts or [1]
    ok = all(c == 1 for c in counts) if s["value"] == 1 else s["value"] in counts
    return None if ok else f"column counts of the sections are {counts}, expected {s['value']}"
