"""Small, independent python-docx helpers for the natural-request suite.

Formatting is resolved the way Word does where python-docx leaves it None: direct run properties, then
the run's character-style chain, then the paragraph's style chain, then the document defaults.
Highlighting is accepted as w:highlight or as run shading (w:shd fill), the form LibreOffice often
writes. Nothing here imports lamfactory: these checks must stay independent of the training checkers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Optional

from docx.oxml.ns import qn

CHAR_PROPS = ("bold", "italic", "underline", "strike", "size", "highlight")
PARA_PROPS = ("align", "style", "list")

_CHAR_MAP = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2013": "-",
             "\u2014": "-", "\u2011": "-", "\t": " "}
_TRUE = {"true", "1", "on"}


def norm_char(c: str) -> str:
    return _CHAR_MAP.get(c, c)


def norm_chars(s: str) -> str:
    """Per-character normalisation (keeps offsets): typographic quotes/dashes, no-break spaces."""
    return "".join(norm_char(c) for c in s)


def norm_text(s: str) -> str:
    """Comparison form: per-character normalisation plus collapsed whitespace."""
    return re.sub(r"\s+", " ", norm_chars(s)).strip()


# ------------------------------------------------------------------ document text model

def _cell_text(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs if p.text.strip())


def text_model(doc) -> dict[str, Any]:
    """Body paragraphs (non-empty) and every table's rows of cell texts."""
    body = [p.text for p in doc.paragraphs if p.text.strip()]
    tables = [[[_cell_text(c) for c in row.cells] for row in t.rows] for t in doc.tables]
    return {"body": body, "tables": tables}


def normalised_model(model: dict[str, Any]) -> dict[str, Any]:
    return {"body": [norm_text(t) for t in model["body"]],
            "tables": [[[norm_text(c) for c in row] for row in t] for t in model["tables"]]}


def full_text(doc) -> str:
    """The concatenated paragraph + table-cell text, normalised."""
    m = normalised_model(text_model(doc))
    parts = list(m["body"]) + [c for t in m["tables"] for row in t for c in row]
    return "\n".join(parts)


def text_changed(original, result) -> bool:
    return full_text(original) != full_text(result)


def model_diff(expected: dict[str, Any], got: dict[str, Any]) -> str:
    """A short reason saying where two normalised text models first differ."""
    e, g = normalised_model(expected), normalised_model(got)
    if e["body"] != g["body"]:
        sm = difflib.SequenceMatcher(a=e["body"], b=g["body"], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != "equal":
                want = e["body"][i1:i2][:1]
                have = g["body"][j1:j2][:1]
                return f"text differs: expected {want[0][:80]!r} got {have[0][:80]!r}" if want and have else \
                    (f"paragraph missing: {want[0][:80]!r}" if want else f"unexpected paragraph: {have[0][:80]!r}")
    if len(e["tables"]) != len(g["tables"]):
        return f"expected {len(e['tables'])} tables, found {len(g['tables'])}"
    for ti, (te, tg) in enumerate(zip(e["tables"], g["tables"])):
        if te != tg:
            if len(te) != len(tg):
                return f"table {ti + 1}: expected {len(te)} rows, found {len(tg)}"
            for ri, (re_, rg) in enumerate(zip(te, tg)):
                if re_ != rg:
                    return f"table {ti + 1} row {ri + 1}: expected {re_} got {rg}"
    return ""


# ------------------------------------------------------------------ styles

class Styles:
    """Style lookup for one document: id -> element, chains, defaults, numbering formats."""

    def __init__(self, doc):
        self.doc = doc
        root = doc.styles.element
        self.by_id = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
        self.default_para = None
        for s in root.findall(qn("w:style")):
            if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in _TRUE:
                self.default_para = s.get(qn("w:styleId"))
        dd = root.find(qn("w:docDefaults"))
        self.rpr_default = dd.find(qn("w:rPrDefault") + "/" + qn("w:rPr")) if dd is not None else None
        self.ppr_default = dd.find(qn("w:pPrDefault") + "/" + qn("w:pPr")) if dd is not None else None
        try:
            self.numbering = doc.part.numbering_part.element
        except Exception:  # no numbering part
            self.numbering = None

    def chain(self, style_id: Optional[str]) -> list:
        out, seen = [], set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            el = self.by_id[style_id]
            out.append(el)
            based = el.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
        return out

    def name(self, style_id: Optional[str]) -> str:
        el = self.by_id.get(style_id or "")
        if el is None:
            return ""
        n = el.find(qn("w:name"))
        return (n.get(qn("w:val")) if n is not None else style_id) or ""

    def num_format(self, num_id: str, ilvl: str) -> Optional[str]:
        if self.numbering is None or num_id in ("", "0"):
            return None
        for num in self.numbering.findall(qn("w:num")):
            if num.get(qn("w:numId")) == num_id:
                a = num.find(qn("w:abstractNumId"))
                abstract_id = a.get(qn("w:val")) if a is not None else None
                break
        else:
            return None
        for an in self.numbering.findall(qn("w:abstractNum")):
            if an.get(qn("w:abstractNumId")) == abstract_id:
                for lvl in an.findall(qn("w:lvl")):
                    if lvl.get(qn("w:ilvl")) == (ilvl or "0"):
                        fmt = lvl.find(qn("w:numFmt"))
                        return fmt.get(qn("w:val")) if fmt is not None else "decimal"
                return "decimal"
        return None


def _para_style_id(p_el, styles: Styles) -> Optional[str]:
    ppr = p_el.find(qn("w:pPr"))
    ps = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return ps.get(qn("w:val")) if ps is not None else styles.default_para


def _onoff(el) -> Optional[bool]:
    if el is None:
        return None
    v = el.get(qn("w:val"))
    return True if v is None else v.lower() in _TRUE


def _rpr_value(rpr, prop: str):
    """The value `prop` has in this w:rPr, or None when the element says nothing about it."""
    if rpr is None:
        return None
    if prop in ("bold", "italic"):
        return _onoff(rpr.find(qn("w:b" if prop == "bold" else "w:i")))
    if prop == "underline":
        u = rpr.find(qn("w:u"))
        if u is None:
            return None
        return (u.get(qn("w:val")) or "single") != "none"
    if prop == "strike":
        vals = [_onoff(rpr.find(qn(t))) for t in ("w:strike", "w:dstrike")]
        if any(v is True for v in vals):
            return True
        return False if any(v is False for v in vals) else None
    if prop == "size":
        sz = rpr.find(qn("w:sz"))
        if sz is None or sz.get(qn("w:val")) is None:
            return None
        return int(sz.get(qn("w:val"))) / 2.0
    if prop == "highlight":
        h = rpr.find(qn("w:highlight"))
        shd = rpr.find(qn("w:shd"))
        if h is not None and (h.get(qn("w:val")) or "none") != "none":
            return True
        if shd is not None:
            fill = (shd.get(qn("w:fill")) or "auto").lower()
            if fill not in ("auto", "ffffff", "none", ""):
                return True
        return False if (h is not None or shd is not None) else None
    raise ValueError(prop)


_DEFAULTS = {"bold": False, "italic": False, "underline": False, "strike": False, "size": 10.0,
             "highlight": False}


# ------------------------------------------------------------------ text units with properties

@dataclass
class Unit:
    """One non-empty paragraph (body or table cell) with its characters' resolved formatting."""
    where: str  # "body" or "cell"
    p_el: Any
    text: str  # raw text, one entry per character
    chars: list[dict]  # resolved character properties, aligned with text
    para: dict  # resolved paragraph properties

    @property
    def ntext(self) -> str:
        return norm_chars(self.text)


def _run_text(r_el) -> str:
    out = []
    for child in r_el:
        tag = child.tag
        if tag == qn("w:t"):
            out.append(child.text or "")
        elif tag == qn("w:tab"):
            out.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            out.append("\n")
        elif tag == qn("w:noBreakHyphen"):
            out.append("-")
    return "".join(out)


def _para_runs(p_el):
    skip = {qn("w:del"), qn("w:moveFrom")}
    for r in p_el.iter(qn("w:r")):
        anc, ok = r.getparent(), True
        while anc is not None and anc is not p_el:
            if anc.tag in skip or anc.tag == qn("w:p") or anc.tag == qn("w:txbxContent"):
                ok = False
                break
            anc = anc.getparent()
        if ok:
            yield r


def _resolve_para(p_el, styles: Styles) -> dict:
    ppr = p_el.find(qn("w:pPr"))
    sid = _para_style_id(p_el, styles)
    chain_pprs = [s.find(qn("w:pPr")) for s in styles.chain(sid)]
    sources = [ppr] + chain_pprs + [styles.ppr_default]
    align = None
    for src in sources:
        if src is not None and src.find(qn("w:jc")) is not None:
            align = src.find(qn("w:jc")).get(qn("w:val"))
            break
    align = {"start": "left", "left": "left", "end": "right", "right": "right", "center": "center",
             "both": "justify", "distribute": "justify", "justify": "justify"}.get(align or "left", align)
    lst = None
    for src in [ppr] + chain_pprs:
        numpr = src.find(qn("w:numPr")) if src is not None else None
        if numpr is not None:
            nid = numpr.find(qn("w:numId"))
            il = numpr.find(qn("w:ilvl"))
            num_id = nid.get(qn("w:val")) if nid is not None else ""
            ilvl = (il.get(qn("w:val")) if il is not None else None) or "0"
            if num_id in ("", "0"):
                lst = None
            else:
                fmt = styles.num_format(num_id, ilvl)
                if fmt is None:
                    fmt = "bullet" if "bullet" in styles.name(sid).lower() else "decimal"
                lst = None if fmt == "none" else ("bullet" if fmt == "bullet" else "number")
            break
    return {"align": align, "style": style_key(styles.name(sid)), "list": lst}


def style_key(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip().lower())


def _resolve_unit(p_el, where: str, styles: Styles) -> Unit:
    sid = _para_style_id(p_el, styles)
    para_rprs = [s.find(qn("w:rPr")) for s in styles.chain(sid)]
    text, chars = [], []
    for r in _para_runs(p_el):
        t = _run_text(r)
        if not t:
            continue
        rpr = r.find(qn("w:rPr"))
        rs = rpr.find(qn("w:rStyle")) if rpr is not None else None
        char_rprs = [s.find(qn("w:rPr")) for s in styles.chain(rs.get(qn("w:val")) if rs is not None else None)]
        sources = [rpr] + char_rprs + para_rprs + [styles.rpr_default]
        props = {}
        for prop in CHAR_PROPS:
            val = None
            for src in sources:
                val = _rpr_value(src, prop)
                if val is not None:
                    break
            props[prop] = _DEFAULTS[prop] if val is None else val
        text.append(t)
        chars.extend([props] * len(t))
    return Unit(where, p_el, "".join(text), chars, _resolve_para(p_el, styles))


def units(doc) -> list[Unit]:
    """Non-empty body paragraphs, then non-empty table-cell paragraphs, formatting resolved."""
    styles = Styles(doc)
    out = [_resolve_unit(p._p, "body", styles) for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                out.extend(_resolve_unit(p._p, "cell", styles) for p in cell.paragraphs)
    return [u for u in out if u.text.strip()]


def pair_units(orig: list[Unit], result: list[Unit]) -> list[tuple[Unit, Unit]]:
    """Pairs of (original, result) units whose text is identical (character-normalised)."""
    a = [u.ntext for u in orig]
    b = [u.ntext for u in result]
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    pairs = []
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            pairs.append((orig[blk.a + k], result[blk.b + k]))
    return pairs


def find_span(us: list[Unit], span: str, within: Optional[str] = None) -> tuple[Optional[Unit], int, str]:
    """The unique (unit, start) where `span` occurs (optionally only in the unit containing `within`).
    Returns (None, 0, reason) when it is missing or ambiguous."""
    span_n = norm_chars(span)
    cands = us
    if within is not None:
        w = norm_chars(within)
        cands = [u for u in us if w in u.ntext]
        if len(cands) != 1:
            return None, 0, f"paragraph containing {within!r} found {len(cands)} times"
    hits = [(u, m.start()) for u in cands for m in re.finditer(re.escape(span_n), u.ntext)]
    if len(hits) != 1:
        return None, 0, f"{span!r} found {len(hits)} times"
    return hits[0][0], hits[0][1], ""


def same_value(prop: str, a, b) -> bool:
    if prop == "size":
        return a is not None and b is not None and abs(float(a) - float(b)) < 0.26
    return a == b
