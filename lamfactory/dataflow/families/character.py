"""Character formatting families: select a quoted phrase, then a toolbar button, combo box or menu."""

from __future__ import annotations

from lamfactory.dataflow.families import (FONTS, SIZES, Family, click, menu, pick_span, register, select_text,
                                          step)


FONT_COLOR_DEFAULT = "C9211E"  # the Font Color button's colour until the user picks another (Dark Red 2)


def _span(content, rng):
    span = pick_span(content, rng)
    return {"span": span} if span else None


def _toolbar(name: str, button: str, prop: str, verb: str, adjective: str, noun: str) -> Family:
    return Family(
        name=name, category="character",
        description=f"Make selected text {adjective}: apply {noun} character formatting to words",
        phrasings=(f'Make "{{span}}" {adjective}.', f'Apply {noun} to the text "{{span}}".',
                   f'{verb} the words "{{span}}".', f'Format "{{span}}" as {adjective} text.',
                   f'Select "{{span}}" and make it {adjective}.'),
        sample=_span,
        plan=lambda p: [select_text(p["span"]), click(button, f"Click {button} to make the text {adjective}")],
        check=lambda p: {"pred": "char_format", "text": p["span"], prop: True},
        target='"{span}"',
    )


def _menu_text(name: str, item: str, prop: str, adjective: str, noun: str) -> Family:
    return Family(
        name=name, category="character",
        description=f"Apply {noun} to text through the Format menu, Text submenu",
        phrasings=(f'Give "{{span}}" a {noun}.', f'Use Format > Text to apply {noun} to "{{span}}".',
                   f'Apply {noun} to "{{span}}".', f'Set the text "{{span}}" to {adjective}.',
                   f'Format the phrase "{{span}}" with {noun}.'),
        sample=_span,
        plan=lambda p: [select_text(p["span"]), *menu("Format", "Text", item)],
        check=lambda p: {"pred": "char_format", "text": p["span"], prop: True},
        target='"{span}"',
    )


def _case(name: str, item: str, convert, desc: str, word: str) -> Family:
    def sample(content, rng):
        for _ in range(6):
            span = pick_span(content, rng)
            if span and convert(span) != span and content.count(convert(span)) == 0:
                return {"span": span, "converted": convert(span)}
        return None

    return Family(
        name=name, category="character", description=desc, composable=False,
        phrasings=(f'Change "{{span}}" to {word}.', f'Convert the text "{{span}}" to {word}.',
                   f'Make "{{span}}" {word}.', f'Use Format > Text to turn "{{span}}" into {word}.',
                   f'Rewrite "{{span}}" in {word} using the case options.'),
        sample=sample,
        plan=lambda p: [select_text(p["span"]), *menu("Format", "Text", item)],
        check=lambda p: {"all": [{"pred": "text_contains", "text": p["converted"]},
                                 {"pred": "text_count", "text": p["span"], "value": 0}]},
        target='"{span}"',
    )


def _font(content, rng):
    span = pick_span(content, rng)
    return {"span": span, "font": rng.choice(FONTS)} if span else None


def _size(content, rng):
    span = pick_span(content, rng)
    return {"span": span, "size": rng.choice(SIZES)} if span else None


register(
    _toolbar("bold", "Bold", "bold", "Bold", "bold", "bold"),
    _toolbar("italic", "Italic", "italic", "Italicize", "italic", "italics"),
    _toolbar("underline", "Underline", "underline", "Underline", "underlined", "an underline"),
    _toolbar("strikethrough", "Strikethrough", "strike", "Strike through", "struck through", "strikethrough"),
    _menu_text("double_underline", "Double Underline", "underline", "double underlined", "double underline"),
    _menu_text("bold_menu", "Bold", "bold", "bold", "bold weight"),
    _menu_text("italic_menu", "Italic", "italic", "italic", "italic style"),
    _case("uppercase", "UPPERCASE", str.upper, "Change the case of text to uppercase capital letters", "UPPERCASE"),
    _case("lowercase", "lowercase", str.lower, "Change the case of text to lowercase small letters", "lowercase"),
    Family(
        name="font_name", category="character",
        description="Change the font of selected text to another typeface in the Font Name box",
        phrasings=('Set the font of "{span}" to {font}.', 'Change "{span}" to the {font} font.',
                   'Use {font} for the words "{span}".', 'Apply the typeface {font} to "{span}".',
                   'Select "{span}" and pick {font} in the font list.'),
        sample=_font,
        plan=lambda p: [select_text(p["span"]), step(f"Type {p['font']} into the Font Name box", "set_edit_text",
                                                      "Font Name", text=p["font"])],
        check=lambda p: {"pred": "char_format", "text": p["span"], "font": p["font"]},
        target='"{span}" ({font})',
    ),
    Family(
        name="font_size", category="character",
        description="Change the font size of selected text in points with the Font Size box",
        phrasings=('Set "{span}" to {size} pt.', 'Change the font size of "{span}" to {size} points.',
                   'Make the text "{span}" {size} pt.', 'Resize "{span}" to {size} pt.',
                   'Select "{span}" and choose size {size}.'),
        sample=_size,
        plan=lambda p: [select_text(p["span"]), step(f"Set the Font Size box to {p['size']}", "set_edit_text",
                                                      "Font Size", text=str(p["size"]))],
        check=lambda p: {"pred": "char_format", "text": p["span"], "size_pt": float(p["size"])},
        target='"{span}" ({size} pt)',
    ),
    Family(
        name="highlight", category="character",
        description="Highlight text with the character highlighting color, mark text with a background colour",
        phrasings=('Highlight "{span}".', 'Mark the words "{span}" with the highlighter.',
                   'Apply highlighting to "{span}".', 'Give "{span}" a highlight colour.',
                   'Select "{span}" and highlight it.'),
        sample=_span,
        plan=lambda p: [select_text(p["span"]), click("Character Highlighting Color", "Click Character Highlighting Color")],
        check=lambda p: {"pred": "char_format", "text": p["span"], "highlight": True},
        target='"{span}"',
    ),
    Family(
        name="font_color", category="character",
        description="Change the font color of text, colour the characters with the Font Color button",
        phrasings=('Colour the text "{span}".', 'Change the font color of "{span}".',
                   'Apply the font colour to "{span}".', 'Make "{span}" coloured text.',
                   'Select "{span}" and click Font Color.'),
        sample=_span,
        plan=lambda p: [select_text(p["span"]), click("Font Color", "Click Font Color")],
        check=lambda p: {"pred": "char_format", "text": p["span"], "color": FONT_COLOR_DEFAULT},
        target='"{span}"',
    ),
)
