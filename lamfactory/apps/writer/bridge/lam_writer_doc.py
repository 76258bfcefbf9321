"""Runs INSIDE soffice (installed beside the lam_* bridge modules of lamfactory/apps/libreoffice/bridge, which
reach it as lam_ctx.APP: WriterEnv's requests name it). Writer's document part of the bridge: `canvas()` (the
document model the observation shows), the document ops (`OPS`, `DOCUMENT_OPS`) and the Writer constants the
generic reset needs (`MODULE`, `WINDOW_STATES`, `GLOBAL_SETTINGS`)."""

import lam_ctx as C
from lam_a11y import _doc
from lam_ops import dispatch, font_name, font_size

MODULE = "com.sun.star.text.TextDocument"
WINDOW_STATES = "/org.openoffice.Office.UI.WriterWindowState/UIElements/States"  # where MODULE's are stored
GLOBAL_SETTINGS = "com.sun.star.text.GlobalSettings"  # its ViewSettings: the module's view options
ALIGN = {0: "left", 1: "right", 2: "justify", 3: "center", 4: "justify"}

# Ops that act on the document; while a modal dialog is open a user cannot reach the document.
DOCUMENT_OPS = {"insert_text", "select_text", "select_paragraph", "select_table", "wheel", "para_style",
                "font_name", "font_size", "dispatch"}


def _color(v):
    return None if v is None or v < 0 else "%06X" % (v & 0xFFFFFF)


CHAR_PROPS = ("CharWeight", "CharPosture", "CharUnderline", "CharStrikeout", "CharFontName", "CharHeight",
              "CharColor", "CharHighlight", "CharBackColor")


def _char_props(obj):
    # one getPropertyValues through C.call: attribute reads on a UNO proxy leak (lam_ctx.call)
    weight, posture, underline, strike, font, height, color, highlight, back = C.call(obj, "getPropertyValues", CHAR_PROPS)
    return {
        "bold": weight > 100,
        "italic": posture.value != "NONE",
        "underline": underline != 0,
        "strike": strike not in (0, 5),  # NONE, DONTKNOW
        "font": font,
        "size": round(height, 1),
        "color": _color(color),
        "highlight": _color(highlight) or _color(back),
    }


def _runs(para, plain):
    """Text portions whose character formatting differs from the paragraph style's (`plain`)."""
    runs = []
    for portion in C.iter_elements(para):
        if C.prop(portion, "TextPortionType") != "Text":
            continue
        text = C.call(portion, "getString")
        if not text:
            continue
        props = _char_props(portion)
        r = {"text": text}
        for key, value in props.items():
            if value != plain[key]:
                r[key] = value
        if len(r) > 1:
            runs.append(r)
    return runs


def _is_list(para):
    try:
        if not C.prop(para, "NumberingIsNumber"):
            return False
        rules = C.prop(para, "NumberingRules")
        if rules is None:
            return False
        level = max(C.prop(para, "NumberingLevel"), 0)
        props = {p.Name: p.Value for p in rules.getByIndex(level)}
        return props.get("NumberingType", 5) != 5  # 5 = NUMBER_NONE (e.g. plain outline headings)
    except Exception:
        return False


def _cell_name(r, c):
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return "%s%d" % (letters, r + 1)


def _table(index, t):
    rows, cols = t.getRows().getCount(), t.getColumns().getCount()
    cells = []
    for r in range(rows):
        row = []
        for c in range(cols):
            cell = C.call(t, "getCellByName", _cell_name(r, c))
            row.append(C.call(cell, "getString") if cell is not None else "")
        cells.append(row)
    return {"index": index, "rows": rows, "cols": cols, "cells": cells}


def canvas(max_paragraphs=80, max_chars=300):
    doc = _doc()
    styles = doc.getStyleFamilies().getByName("ParagraphStyles")
    style_cache = {}
    paragraphs, tables = [], []
    for el in C.iter_elements(doc.getText()):
        if C.call(el, "supportsService", "com.sun.star.text.TextTable"):
            tables.append(_table(len(tables) + 1, el))
            continue
        if len(paragraphs) >= max_paragraphs:
            continue
        style, adjust = C.call(el, "getPropertyValues", ("ParaStyleName", "ParaAdjust"))
        if style not in style_cache:
            s = styles.getByName(style)
            style_cache[style] = (_char_props(s), s.getPropertyValue("DisplayName"))
        plain, display = style_cache[style]
        paragraphs.append({
            "index": len(paragraphs) + 1, "text": C.call(el, "getString")[:max_chars], "style": display,
            "alignment": ALIGN.get(adjust, "left"), "is_list": _is_list(el),
            "runs": _runs(el, plain),
        })
    out = {"paragraphs": paragraphs, "tables": tables, "header": "", "footer": "", "selection": "", "page": {}}
    page_style = doc.getStyleFamilies().getByName("PageStyles").getByName(
        doc.getText().createTextCursor().PageStyleName)
    if page_style.HeaderIsOn:
        out["header"] = page_style.HeaderText.getString()
    if page_style.FooterIsOn:
        out["footer"] = page_style.FooterText.getString()
    out["page"] = {
        "orientation": "landscape" if page_style.IsLandscape else "portrait",
        "margins_cm": {side: round(getattr(page_style, side.capitalize() + "Margin") / 1000.0, 2)
                       for side in ("left", "right", "top", "bottom")},
        "columns": page_style.TextColumns.getColumnCount() or 1,
    }
    try:
        sel = doc.getCurrentController().getSelection()
        if sel is not None and hasattr(sel, "getCount") and sel.getCount() > 0:
            out["selection"] = sel.getByIndex(0).getString()[:max_chars]
    except Exception:
        pass
    return out


def _body_paragraphs(doc):
    return [el for el in C.iter_elements(doc.getText()) if el.supportsService("com.sun.star.text.Paragraph")]


def _body_tables(doc):
    return [el for el in C.iter_elements(doc.getText()) if el.supportsService("com.sun.star.text.TextTable")]


def select_text(text, occurrence):
    doc = _doc()
    desc = doc.createSearchDescriptor()
    desc.SearchString = text
    desc.SearchCaseSensitive = True
    found = doc.findAll(desc)
    if found.getCount() < occurrence:
        raise ValueError("text %r occurs %d time(s), not %d" % (text, found.getCount(), occurrence))
    doc.getCurrentController().select(found.getByIndex(occurrence - 1))


def _nth(items, number, what):
    if not 1 <= number <= len(items):
        raise ValueError("%s %d does not exist (the document has %d)" % (what, number, len(items)))
    return items[number - 1]


def select_paragraph(index):
    doc = _doc()
    para = _nth(_body_paragraphs(doc), index, "paragraph")
    cursor = doc.getText().createTextCursorByRange(para.getStart())
    cursor.gotoRange(para.getEnd(), True)
    doc.getCurrentController().select(cursor)


def select_table(number):
    doc = _doc()
    table = _nth(_body_tables(doc), number, "table")
    ctrl = doc.getCurrentController()
    ctrl.select(table.getCellByName("A1"))
    ctrl.getViewCursor().gotoRange(table.getCellByName("A1").getStart(), False)
    dispatch(".uno:SelectTable")


def insert_text(text):
    dispatch(".uno:InsertText", {"Text": text})


def wheel(dist):
    vc = _doc().getCurrentController().getViewCursor()
    lines = 3 * abs(dist)
    if dist > 0:  # positive = away from the user = up, as with a mouse wheel
        vc.goUp(lines, False)
    else:
        vc.goDown(lines, False)


def apply_para_style(value):
    styles = _doc().getStyleFamilies().getByName("ParagraphStyles")
    wanted = value.strip().lower()
    for name in styles.getElementNames():
        s = styles.getByName(name)
        if wanted in (name.lower(), s.getPropertyValue("DisplayName").lower()):
            dispatch(".uno:StyleApply", {"Style": name, "FamilyName": "ParagraphStyles"})
            return
    raise ValueError("no paragraph style named %r" % value)


# The document ops lam_ops.run_op hands over: op kind -> handler(op).
OPS = {
    "insert_text": lambda op: insert_text(op["text"]),
    "select_text": lambda op: select_text(op["text"], op.get("occurrence", 1)),
    "select_paragraph": lambda op: select_paragraph(op["index"]),
    "select_table": lambda op: select_table(op["number"]),
    "wheel": lambda op: wheel(op["dist"]),
    "para_style": lambda op: apply_para_style(op["value"]),
    "font_name": font_name,
    "font_size": font_size,
}
