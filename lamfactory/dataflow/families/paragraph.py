"""Paragraph families: alignment, paragraph styles, lists, line spacing, indents, page breaks."""

from __future__ import annotations

from lamfactory.dataflow.families import (Family, click, keys, menu, para_selector, pick_paragraph, register,
                                          select_paragraph, select_text, step)


def _align(name: str, button: str, value: str, word: str) -> Family:
    return Family(
        name=name, category="paragraph",
        description=f"Align a paragraph {word}: change the paragraph alignment to {value}",
        phrasings=(f"Align {{para}} {word}.", f"Make {{para}} {value} aligned.",
                   f"Set the alignment of {{para}} to {value}.", f"{word.capitalize()} {{para}}.",
                   f"Change {{para}} so that it is {value} aligned."),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: p.alignment != value),
        plan=lambda p: [select_paragraph(p["index"]), click(button, f"Click {button}")],
        check=lambda p: {"pred": "para_alignment", **para_selector(p), "value": value},
        target="{para}",
    )


def _style(name: str, style: str, desc: str, plain: bool = True) -> Family:
    return Family(
        name=name, category="paragraph", description=desc,
        phrasings=(f"Apply the {style} style to {{para}}.", f"Make {{para}} a {style}.",
                   f"Format {{para}} with the paragraph style {style}.", f"Change the style of {{para}} to {style}.",
                   f"Turn {{para}} into {style}."),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: p.style.lower() != style.lower(), plain=plain),
        plan=lambda p: [select_paragraph(p["index"]),
                        step(f"Set the Paragraph Style box to {style}", "set_edit_text", "Paragraph Style", text=style)],
        check=lambda p: {"pred": "para_style", **para_selector(p), "style": style},
        target="{para}",
    )


def _list(name: str, button: str, desc: str, kind: str) -> Family:
    return Family(
        name=name, category="list", description=desc,
        phrasings=(f"Turn {{para}} into a {kind} list.", f"Add {kind} to {{para}}.",
                   f"Make {{para}} a {kind} list item.", f"Format {{para}} as a {kind} list.",
                   f"Start a {kind} list with {{para}}."),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: not p.is_list),
        plan=lambda p: [select_paragraph(p["index"]), click(button, f"Click {button}")],
        check=lambda p: {"pred": "para_list", **para_selector(p), "value": True},
        target="{para}",
    )


def _spacing(name: str, item: str, line: str, word: str) -> Family:
    return Family(
        name=name, category="paragraph",
        description=f"Set the line spacing of a paragraph to {word} through Format, Spacing",
        phrasings=(f"Set the line spacing of {{para}} to {word}.", f"Make {{para}} {word} spaced.",
                   f"Use {word} line spacing for {{para}}.", f"Change {{para}} to {word} line spacing.",
                   f"Space the lines of {{para}} at {word}."),
        sample=lambda c, r: pick_paragraph(c, r),
        plan=lambda p: [select_paragraph(p["index"]), *menu("Format", "Spacing", item)],
        check=lambda p: {"pred": "para_spacing", **para_selector(p), "line": line},
        target="{para}",
    )


def _page_break(name: str, via_menu: bool) -> Family:
    def plan(p):
        where = [select_text(p["quote"]), keys("{HOME}", "Move the cursor to the start of the paragraph")]
        return where + (menu("Insert", "Page Break") if via_menu else [click("Page Break", "Click Page Break")])

    return Family(
        name=name, category="page",
        description="Insert a manual page break so a paragraph starts on a new page"
                    + (" from the Insert menu" if via_menu else " with the toolbar button"),
        phrasings=('Start a new page before the paragraph beginning "{quote}".',
                   'Insert a page break before "{quote}".',
                   'Make the paragraph starting "{quote}" begin on a new page.',
                   'Put "{quote}" on the next page with a manual page break.',
                   'Add a page break in front of the paragraph "{quote}".'),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: p.index > 2),
        plan=plan,
        check=lambda p: {"pred": "para_page_break_before", **para_selector(p)},
        target='"{quote}"',
    )


register(
    _align("align_center", "Center", "center", "centered"),
    _align("align_right", "Right", "right", "to the right"),
    _align("align_justify", "Justified", "justify", "justified"),
    Family(
        name="align_center_menu", category="paragraph",
        description="Center a paragraph through the Format menu, Align Text submenu",
        phrasings=("Center {para} using Format > Align Text.", "Use the Align Text menu to center {para}.",
                   "Centre {para} from the Format menu.", "Align {para} to the centre via the menu.",
                   "Choose Format, Align Text, Centered for {para}."),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: p.alignment != "center"),
        plan=lambda p: [select_paragraph(p["index"]), *menu("Format", "Align Text", "Centered")],
        check=lambda p: {"pred": "para_alignment", **para_selector(p), "value": "center"},
        target="{para}",
    ),
    _style("heading1", "Heading 1", "Make a paragraph a main heading: apply the Heading 1 paragraph style"),
    _style("heading2", "Heading 2", "Make a paragraph a subheading: apply the Heading 2 paragraph style"),
    _style("heading3", "Heading 3", "Apply the Heading 3 paragraph style to a paragraph, third-level heading"),
    _style("title_style", "Title", "Apply the Title paragraph style to make a paragraph the document title"),
    _style("subtitle_style", "Subtitle", "Apply the Subtitle paragraph style to a paragraph"),
    _style("quotations_style", "Quotations", "Format a paragraph as a quotation with the Quotations style"),
    _style("body_text_style", "Text Body", "Apply the Text Body (body text) paragraph style to a heading or line",
           plain=False),
    _list("bulleted_list", "Unordered List", "Create a bulleted list: add bullets to paragraphs", "bulleted"),
    _list("numbered_list", "Ordered List", "Create a numbered list: add numbering to paragraphs", "numbered"),
    Family(
        name="remove_list", category="list",
        description="Remove bullets or numbering from a list item, turn a list paragraph into plain text",
        phrasings=("Remove the bullet from {para}.", "Take {para} out of the list.",
                   "Turn off list formatting for {para}.", "Make {para} a normal paragraph without numbering.",
                   "Switch {para} to No List."),
        sample=lambda c, r: pick_paragraph(c, r, lambda p: p.is_list, plain=False, min_words=3),
        plan=lambda p: [select_paragraph(p["index"]), click("No List", "Click No List")],
        check=lambda p: {"pred": "para_list", **para_selector(p), "value": False},
        target="{para}",
    ),
    _spacing("line_spacing_15", "Line Spacing: 1.5", "1.5", "1.5 lines"),
    _spacing("line_spacing_double", "Line Spacing: 2", "double", "double"),
    Family(
        name="increase_indent", category="paragraph",
        description="Indent a paragraph: increase the left indent of a paragraph",
        phrasings=("Indent {para}.", "Increase the indent of {para}.", "Move {para} to the right with an indent.",
                   "Give {para} a left indent.", "Use Format > Spacing > Increase Indent on {para}."),
        sample=lambda c, r: pick_paragraph(c, r),
        plan=lambda p: [select_paragraph(p["index"]), *menu("Format", "Spacing", "Increase Indent")],
        check=lambda p: {"not": {"pred": "para_indent", **para_selector(p), "left_cm": 0.0, "tol_cm": 0.2}},
        target="{para}",
    ),
    _page_break("page_break_menu", True),
    _page_break("page_break_button", False),
)
