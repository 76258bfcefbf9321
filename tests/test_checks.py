"""The checker language: every predicate passes on a document that has the property and fails on one that
does not. Documents are built two ways: python-docx (pure, fast) and by driving real Writer (what
LibreOffice really exports: shading for highlights, page-break runs, PAGE fields, annotations...)."""

from __future__ import annotations

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from lamfactory.apps.writer.checks import CHECKS, CheckSpecError, check_docx, load_check
from lamfactory.core.records import Action


def _field(paragraph, instr: str) -> None:
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} "><w:r><w:t>1</w:t></w:r>'
                                  "</w:fldSimple>"))


@pytest.fixture(scope="module")
def pydocx(tmp_path_factory):
    d = Document()
    d.add_heading("Quarterly report", level=1)  # para 1
    p = d.add_paragraph("Revenue grew strongly this year. Revenue is up.")  # para 2
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.left_indent = Cm(1.5)
    p.paragraph_format.first_line_indent = Cm(0.5)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(12)
    p.paragraph_format.line_spacing = 1.5
    r = d.add_paragraph("Plain start ").add_run("important words")  # para 3
    r.bold = r.italic = r.underline = True
    r.font.strike = True
    r.font.name = "Liberation Sans"
    r.font.size = Pt(14)
    r.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    r.font.highlight_color = WD_COLOR_INDEX.YELLOW
    d.add_paragraph("First bullet", style="List Bullet")  # para 4
    d.add_paragraph("")  # para 5 (empty)
    brk = d.add_paragraph()  # para 6: starts with a page break
    brk.add_run().add_break(WD_BREAK.PAGE)
    brk.add_run("After the break")
    _field(d.add_paragraph("Today: "), "DATE")  # para 7
    d.add_comment(d.paragraphs[1].runs, text="Check this figure", author="QA")
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).text = "Name"
    t.cell(1, 2).text = "42"
    s = d.sections[0]
    s.orientation = WD_ORIENT.LANDSCAPE
    s.page_width, s.page_height = s.page_height, s.page_width
    s.left_margin = Cm(3)
    s.header.paragraphs[0].text = "ACME Confidential"
    _field(s.footer.paragraphs[0], "PAGE")
    cols = s._sectPr.find(qn("w:cols"))
    if cols is None:
        cols = s._sectPr.makeelement(qn("w:cols"), {})
        s._sectPr.append(cols)
    cols.set(qn("w:num"), "2")
    path = tmp_path_factory.mktemp("checks") / "pydocx.docx"
    d.save(path)
    return path


# (spec that holds, spec that does not) on the python-docx document
PYDOCX_CASES = {
    "text_contains": ({"text": "grew strongly"}, {"text": "shrank"}),
    "text_count": ({"text": "Revenue", "value": 2}, {"text": "Revenue", "value": 3}),
    "paragraph_count": ({"min": 5, "max": 6}, {"min": 7}),
    "para_text": ({"para": 1, "equals": "Quarterly report"}, {"para": 1, "equals": "Quarterly"}),
    "para_style": ({"para": 1, "style": "Heading 1"}, {"contains": "Revenue", "style": "Heading 1"}),
    "para_alignment": ({"contains": "Revenue", "value": "center"}, {"para": 1, "value": "center"}),
    "para_indent": ({"para": 2, "left_cm": 1.5, "first_line_cm": 0.5}, {"para": 2, "left_cm": 2.5}),
    "para_spacing": ({"para": 2, "before_pt": 6, "after_pt": 12, "line": "1.5"}, {"para": 2, "line": "double"}),
    "para_list": ({"contains": "First bullet", "value": True}, {"para": 2, "value": True}),
    "para_page_break_before": ({"contains": "After the break"}, {"para": 2}),
    "char_format": ({"text": "important words", "bold": True, "italic": True, "underline": True, "strike": True,
                     "font": "Liberation Sans", "size_pt": 14, "color": "FF0000", "highlight": "yellow"},
                    {"text": "Plain start", "bold": True}),
    "table_count": ({"value": 1}, {"value": 2}),
    "table_shape": ({"rows": 2, "cols": 3}, {"table": 1, "rows": 3}),
    "table_cell": ({"row": 2, "col": 3, "text": "42"}, {"row": 1, "col": 1, "text": "Age"}),
    "header_text": ({"contains": "ACME"}, {"contains": "Draft"}),
    "footer_text": ({"contains": "1"}, {"contains": "ACME"}),
    "page_number_field": ({"where": "footer"}, {"where": "header"}),
    "field_present": ({"kind": "DATE"}, {"kind": "AUTHOR"}),
    "comment_present": ({"contains": "figure"}, {"contains": "typo"}),
    "page_orientation": ({"value": "landscape"}, {"value": "portrait"}),
    "page_margin": ({"side": "left", "cm": 3.0}, {"side": "left", "cm": 2.0}),
    "page_columns": ({"value": 2}, {"value": 1}),
}


def test_every_predicate_has_cases():
    assert set(PYDOCX_CASES) == set(CHECKS.predicates)


@pytest.mark.parametrize("pred", sorted(PYDOCX_CASES))
def test_predicate_pass_and_fail_on_python_docx(pydocx, pred):
    holds, fails = PYDOCX_CASES[pred]
    good = check_docx(pydocx, {"pred": pred, **holds})
    assert good.passed, good.details
    bad = check_docx(pydocx, {"pred": pred, **fails})
    assert not bad.passed
    assert len(bad.details) == 1 and bad.details[0].startswith(pred)


def test_combinators(pydocx):
    yes, no = {"pred": "table_count", "value": 1}, {"pred": "table_count", "value": 5}
    assert check_docx(pydocx, {"all": [yes, yes]}).passed
    v = check_docx(pydocx, {"all": [yes, no, no]})
    assert not v.passed and len(v.details) == 2
    assert check_docx(pydocx, {"any": [no, yes]}).passed
    assert not check_docx(pydocx, {"any": [no, no]}).passed
    assert check_docx(pydocx, {"not": no}).passed
    v = check_docx(pydocx, {"not": yes})
    assert not v.passed and "expected not to hold" in v.details[0]


@pytest.mark.parametrize("spec, message", [
    ({"pred": "nope"}, "unknown predicate"),
    ({"pred": "text_contains"}, "missing parameter 'text'"),
    ({"pred": "text_contains", "text": "a", "colour": 1}, "unknown parameter 'colour'"),
    ({"pred": "para_style", "style": "Heading 1"}, "paragraph selector"),
    ({"pred": "para_style", "para": 1, "contains": "x", "style": "Heading 1"}, "paragraph selector"),
    ({"pred": "para_style", "para": 0, "style": "Heading 1"}, "'para' must be an int >= 1"),
    ({"pred": "table_count", "value": "2"}, "must be int"),
    ({"pred": "para_alignment", "para": 1, "value": "middle"}, "must be one of"),
    ({"pred": "char_format", "text": "a", "color": "red"}, "hex RRGGBB"),
    ({"all": []}, "non-empty list"),
    ({"not": {"pred": "text_contains", "text": "a"}, "extra": 1}, "only key"),
    ("text", "must be an object"),
])
def test_bad_specs_fail_at_load(spec, message):
    with pytest.raises(CheckSpecError, match=message):
        load_check(spec)


def test_load_fills_defaults():
    assert load_check({"pred": "table_cell", "row": 1, "col": 1, "text": "x"})["table"] == 1
    assert load_check({"pred": "char_format", "text": "x"})["occurrence"] == 1


# ------------------------------------------------------------------ documents made by driving Writer


def _uno(env, fn):
    """Run fn(document) over the bridge: test set-up for what no toolbar button does (page style edits)."""
    return env.office.call(lambda o: fn(o.desktop.getCurrentComponent()))


@pytest.fixture(scope="module")
def writer_doc(writer_env, tmp_path_factory):
    env = writer_env
    env.reset(None)
    steps = [
        Action(function="keyboard_input", args={"keys": "Annual summary{ENTER}Sales rose in spring.{ENTER}"
                                                        "Bullet item{ENTER}Closing words"}),
        Action(function="select_paragraph", args={"index": 1}),
        Action(function="set_edit_text", control_name="Paragraph Style", args={"text": "Heading 1"}),
        Action(function="select_text", args={"text": "rose"}),
        Action(function="click_input", control_name="Character Highlighting Color"),
        Action(function="select_paragraph", args={"index": 3}),
        Action(function="click_input", control_name="Unordered List"),
        Action(function="select_text", args={"text": "Closing"}),
        Action(function="keyboard_input", args={"keys": "{HOME}^{ENTER}"}),
        Action(function="click_input", control_name="Comment"),
        Action(function="keyboard_input", args={"keys": "{ESC}"}),
    ]
    for a in steps:
        r = env.step(a)
        assert r.ok, (a, r.error)

    def page_setup(doc):
        style = doc.getStyleFamilies().getByName("PageStyles").getByName("Standard")
        w, h = style.Width, style.Height
        style.IsLandscape = True
        style.Width, style.Height = h, w
        style.LeftMargin = 3000
        style.FooterIsOn = True
        field = doc.createInstance("com.sun.star.text.TextField.PageNumber")
        field.NumberingType = 4  # ARABIC
        field.SubType = 1  # CURRENT
        footer = style.FooterText
        footer.insertTextContent(footer.getEnd(), field, False)
        style.HeaderIsOn = True
        style.HeaderText.setString("Internal memo")
        cols = style.TextColumns
        cols.setColumnCount(2)
        style.TextColumns = cols

    _uno(env, page_setup)
    path = tmp_path_factory.mktemp("writer") / "writer.docx"
    env.save(path)
    return path


WRITER_CASES = [
    ({"pred": "para_style", "para": 1, "style": "Heading 1"}, {"pred": "para_style", "para": 2, "style": "Heading 1"}),
    ({"pred": "char_format", "text": "rose", "highlight": True}, {"pred": "char_format", "text": "Sales", "highlight": True}),
    ({"pred": "para_list", "contains": "Bullet item", "value": True}, {"pred": "para_list", "para": 1, "value": True}),
    ({"pred": "para_list", "para": 1, "value": False}, {"pred": "para_list", "para": 1, "value": True}),
    ({"pred": "para_page_break_before", "contains": "Closing"}, {"pred": "para_page_break_before", "para": 2}),
    ({"pred": "comment_present"}, {"pred": "comment_present", "contains": "no such comment"}),
    ({"pred": "page_orientation", "value": "landscape"}, {"pred": "page_orientation", "value": "portrait"}),
    ({"pred": "page_margin", "side": "left", "cm": 3.0}, {"pred": "page_margin", "side": "right", "cm": 3.0}),
    ({"pred": "page_number_field", "where": "footer"}, {"pred": "page_number_field", "where": "header"}),
    ({"pred": "header_text", "contains": "Internal memo"}, {"pred": "footer_text", "contains": "Internal memo"}),
    ({"pred": "page_columns", "value": 2}, {"pred": "page_columns", "value": 3}),
]


@pytest.mark.parametrize("holds, fails", WRITER_CASES, ids=[h["pred"] for h, _ in WRITER_CASES])
def test_predicates_on_a_document_made_in_writer(writer_doc, holds, fails):
    assert check_docx(writer_doc, holds).passed, check_docx(writer_doc, holds).details
    assert not check_docx(writer_doc, fails).passed
