"""The Calc task families: for each, what it acts on (targets.py), how users ask for it (phrasings, said in a
voice by voice.py), the GUI plan a user follows and the exact check (checks.py's language).

Plans select by address (select_cell, which the Name Box does), then use the toolbars, the menus and their
dialogs as a user would; typed values go in with enter (the cell or the Input line)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Optional

from lamfactory.apps.calc import refs
from lamfactory.apps.calc.families import targets as T
from lamfactory.apps.calc.families.voice import say, seeded, slot_pool
from lamfactory.core.families import Family
from lamfactory.core.records import ExpertStep

Params = dict[str, Any]
VOICES = 1000  # distinct wording draws per phrasing slot and params
FONTS = ("Liberation Sans", "Liberation Serif", "DejaVu Sans", "Liberation Mono", "DejaVu Serif")
SIZES = (10, 12, 14, 16, 18, 20)
WIDTHS_CM = (2.5, 3.0, 3.5, 4.0, 5.0)
HEIGHTS_PT = (20, 24, 28, 30, 36)
NEW_SHEETS = ("Summary", "Archive", "Review", "Charts", "Draft", "Forecast")
RENAMES = ("Overview", "Data", "Main", "Current", "Report", "Figures")
NEW_HEADERS = ("Comments", "Checked", "Remarks", "Approved", "Source")
RANGE_NAMES = ("Totals", "DataRange", "Amounts", "Values", "Figures")
REPLACEMENTS = ("Other", "General", "Misc", "Pending", "Archived")
YELLOW, DARK_RED = "FFFF00", "C9211E"  # what the Background Color and Font Color buttons apply by default


@dataclass(frozen=True)
class CalcFamily(Family):
    """A family whose requests are worded as people write them (voice.py)."""

    more: tuple[str, ...] = ()

    def request(self, params: Params, phrasing: int) -> str:
        params = self.fixed | params
        rng = seeded(self.name, phrasing % len(self.phrasings), params)
        return say(rng.choice(slot_pool(self.phrasings, self.more, phrasing)), params, rng)


# ---------------------------------------------------------------- plan steps


def step(subtask: str, function: str, control: Optional[str] = None, **args) -> ExpertStep:
    return ExpertStep(subtask=subtask, control_name=control, function=function, args=args)


def sel(address: str) -> list[ExpertStep]:
    return [step(f"Select {address}", "select_cell", address=address)]


def click(name: str, subtask: str = "") -> list[ExpertStep]:
    return [step(subtask or f"Click {name}", "click_input", name)]


def menu(path: str) -> list[ExpertStep]:
    names = path.split(" > ")
    return [step(f"Open the {n} menu" if i < len(names) - 1 else f"Choose {n}", "click_input", n)
            for i, n in enumerate(names)]


def put(control: str, value: Any) -> list[ExpertStep]:
    return [step(f"Set {control.rstrip(':')} to {value}", "set_edit_text", control, text=str(value))]


def enter(text: str) -> list[ExpertStep]:
    return [step(f"Type {text}", "enter", text=text)]


def keys(k: str, subtask: str) -> list[ExpertStep]:
    return [step(subtask, "keyboard_input", keys=k)]


# ---------------------------------------------------------------- building families

FAMILIES: list[Family] = []


def family(name: str, category: str, description: str, phrasings: tuple[str, ...], sample: Callable,
           plan: Callable[[Params], list[ExpertStep]], check: Callable[[Params], dict], more: tuple[str, ...] = (),
           aliases: tuple[str, ...] = (), composable: bool = True, target: str = "{what}") -> None:
    assert len(phrasings) >= 5, name

    def sampled(content, rng: random.Random) -> Optional[Params]:
        if content.table is None:
            return None
        params = sample(content, rng)
        return None if params is None else params | {"voice": rng.randrange(VOICES)}

    FAMILIES.append(CalcFamily(name=name, category=category, description=description, phrasings=phrasings,
                               sample=sampled, plan=plan, check=check, composable=composable, target=target,
                               aliases=aliases, more=more))


def with_choice(sampler: Callable, key: str, pool: tuple) -> Callable:
    def sample(content, rng):
        params = sampler(content, rng)
        return None if params is None else params | {key: rng.choice(pool)}
    return sample


def any_target(*samplers: Callable) -> Callable:
    """One of several kinds of target (a column's data, the header row, a row ...), drawn per task."""
    def sample(content, rng):
        for s in rng.sample(samplers, len(samplers)):
            params = s(content, rng)
            if params is not None:
                return params
        return None
    return sample


def on(p: Params, pred: str, **spec) -> dict:
    return {"pred": pred, "sheet": p["sheet"], **spec}


FORMAT_TARGETS = any_target(T.column, T.header, T.row, lambda c, r: T.column(c, r, "text"))


# ---------------------------------------------------------------- font


def toolbar_font(name: str, button: str, flag: str, description: str, phrasings, more, aliases=()):
    family(name, "font", description, phrasings, FORMAT_TARGETS,
           lambda p: sel(p["address"]) + click(button, f"Click {button}"),
           lambda p: on(p, "font", range=p["address"], **{flag: True}), more=more, aliases=aliases)


toolbar_font("bold_cells", "Bold", "bold", "Make cells bold: apply bold to the text of a cell range",
             ("Make {what} bold.", "Bold {what}.", "Apply bold formatting to {what}.", "Format {what} in bold.",
              "Select {what} and make it bold."),
             ("{what} should be bold.", "bold {what} pls", "Put {what} in bold type.", "Embolden {what}.",
              "I want {what} in bold.", "Can {what} be bold?", "Change {what} to bold."),
             ("Making text bold in cells",))
toolbar_font("italic_cells", "Italic", "italic", "Make cells italic: apply italics to the text of a cell range",
             ("Make {what} italic.", "Italicize {what}.", "Apply italics to {what}.", "Format {what} in italics.",
              "Select {what} and make it italic."),
             ("{what} should be in italics.", "italic {what}", "Put {what} in italics.", "I want {what} italicized.",
              "Slant {what} with italics.", "Change {what} to italic."))
toolbar_font("underline_cells", "Underline", "underline", "Underline the text of a cell range",
             ("Underline {what}.", "Put an underline under {what}.", "Apply an underline to {what}.",
              "Format {what} as underlined.", "Select {what} and underline it."),
             ("{what} should be underlined.", "underline {what}", "Give {what} an underline.",
              "I want {what} underlined.", "Draw a line under {what}."))
family("strike_cells", "font", "Strike through the text of cells with Format > Text > Strikethrough",
       ("Strike through {what}.", "Cross out {what}.", "Apply strikethrough to {what}.",
        "Use Format > Text to strike through {what}.", "Format {what} as struck through."),
       FORMAT_TARGETS, lambda p: sel(p["address"]) + menu("Format > Text > Strikethrough"),
       lambda p: on(p, "font", range=p["address"], strike=True),
       more=("{what} is obsolete, cross it out.", "strikethrough {what}", "Put a line through {what}.",
             "I want {what} crossed out."))
family("font_size", "font", "Change the font size of cells: set the size in the Font Size box",
       ("Set the font size of {what} to {size} pt.", "Make {what} {size} point.", "Change {what} to size {size}.",
        "Use a {size} pt font for {what}.", "Resize the text of {what} to {size} points."),
       with_choice(FORMAT_TARGETS, "size", SIZES),
       lambda p: sel(p["address"]) + put("Font Size", p["size"]),
       lambda p: on(p, "font", range=p["address"], size_pt=float(p["size"])),
       more=("{what} in {size} pt please", "I want {what} at {size} points.", "Font size {size} for {what}.",
             "{what} should be {size} pt."), aliases=("Changing the font size of cells",))
family("font_name", "font", "Change the font of cells: choose a typeface in the Font Name box",
       ("Change the font of {what} to \"{font}\".", "Use the font \"{font}\" for {what}.",
        "Set {what} in \"{font}\".", "Apply the \"{font}\" typeface to {what}.",
        "Switch {what} to the font \"{font}\"."),
       with_choice(FORMAT_TARGETS, "font", FONTS),
       lambda p: sel(p["address"]) + put("Font Name", p["font"]),
       lambda p: on(p, "font", range=p["address"], name=p["font"]),
       more=("{what} should use \"{font}\".", "font \"{font}\" for {what}", "I'd like {what} in \"{font}\"."))
family("font_color", "font", "Colour the text of cells with the Font Color button (dark red)",
       ("Make the text of {what} red.", "Color the font of {what} red.", "Give {what} a red font color.",
        "Use the Font Color button on {what}.", "Change the text color of {what} to dark red."),
       FORMAT_TARGETS, lambda p: sel(p["address"]) + click("Font Color", "Apply the font colour"),
       lambda p: on(p, "font", range=p["address"], color=DARK_RED),
       more=("{what} should be in red text.", "red text for {what}", "Turn {what} red.",
             "I want the text of {what} in red."))

# ---------------------------------------------------------------- fill, alignment

family("background_yellow", "fill", "Highlight cells with a yellow background colour (Background Color button)",
       ("Give {what} a yellow background.", "Highlight {what} in yellow.", "Fill {what} with yellow.",
        "Color the background of {what} yellow.", "Shade {what} yellow."),
       FORMAT_TARGETS, lambda p: sel(p["address"]) + click("Background Color", "Apply the background colour"),
       lambda p: on(p, "fill", range=p["address"], color=YELLOW),
       more=("{what} should have a yellow fill.", "yellow background on {what}", "Mark {what} in yellow.",
             "I want {what} highlighted yellow."), aliases=("Applying a background color to cells",))


def align(name: str, button: str, spec: dict, description: str, phrasings, more):
    family(name, "alignment", description, phrasings, FORMAT_TARGETS,
           lambda p: sel(p["address"]) + click(button, f"Click {button}"),
           lambda p: on(p, "alignment", range=p["address"], **spec), more=more)


align("align_center", "Align Center", {"horizontal": "center"}, "Center the contents of cells horizontally",
      ("Center {what}.", "Align {what} to the center.", "Center the contents of {what}.",
       "Make {what} centered.", "Put {what} in the middle of the cells."),
      ("{what} should be centered.", "center {what}", "Center-align {what}.", "I want {what} centered."))
align("align_right", "Align Right", {"horizontal": "right"}, "Right-align the contents of cells",
      ("Right-align {what}.", "Align {what} to the right.", "Move the contents of {what} to the right edge.",
       "Make {what} right aligned.", "Align the text of {what} right."),
      ("{what} should be aligned right.", "right align {what}", "Push {what} to the right."))
align("align_left", "Align Left", {"horizontal": "left"}, "Left-align the contents of cells",
      ("Left-align {what}.", "Align {what} to the left.", "Move the contents of {what} to the left edge.",
       "Make {what} left aligned.", "Align the text of {what} left."),
      ("{what} should be aligned left.", "left align {what}", "Push {what} to the left."))
align("align_top", "Align Top", {"vertical": "top"}, "Align the contents of cells to the top of the cell",
      ("Align {what} to the top.", "Top-align {what}.", "Put the contents of {what} at the top of the cells.",
       "Make {what} vertically aligned to the top.", "Move {what} up to the top edge of their cells."),
      ("{what} should sit at the top of the cell.", "top align {what}"))
align("align_middle", "Center Vertically", {"vertical": "center"}, "Center the contents of cells vertically",
      ("Center {what} vertically.", "Vertically center {what}.", "Put {what} in the vertical middle of the cells.",
       "Align {what} to the middle vertically.", "Make {what} centered from top to bottom."),
      ("{what} should be vertically centered.", "vertical center for {what}"))
align("wrap_text", "Wrap Text", {"wrap": True}, "Wrap text automatically in cells so long text shows on several lines",
      ("Wrap the text in {what}.", "Turn on text wrapping for {what}.", "Make the text of {what} wrap.",
       "Let {what} wrap onto several lines.", "Enable wrap text on {what}."),
      ("{what} should wrap.", "wrap {what}", "Long text in {what} should break onto new lines."))
align("indent_cells", "Increase", {"indent": 1}, "Increase the indent of cell contents",
      ("Indent {what}.", "Increase the indent of {what}.", "Add an indent to {what}.",
       "Move {what} in by one indent.", "Give {what} an indent."),
      ("{what} should be indented.", "indent {what} a bit"))

# ---------------------------------------------------------------- number formats

NUMERIC = T.column


def number_format(name: str, route: list, spec: dict, description: str, phrasings, more, aliases=()):
    family(name, "number", description, phrasings, NUMERIC, lambda p: sel(p["address"]) + route,
           lambda p: on(p, "number_format", range=p["address"], **spec), more=more, aliases=aliases)


number_format("format_currency", click("Currency", "Apply the currency format"), {"kind": "currency"},
              "Format numbers as currency (money amounts with a currency symbol)",
              ("Format {what} as currency.", "Show {what} as money.", "Apply the currency format to {what}.",
               "Make {what} display as dollar amounts.", "Turn {what} into currency values."),
              ("{what} should be currency.", "currency format for {what}", "Put a currency symbol on {what}."),
              ("Formatting numbers as currency",))
number_format("format_percent", click("Percent", "Apply the percent format"), {"kind": "percent"},
              "Format numbers as percentages",
              ("Format {what} as percentages.", "Show {what} as percent.", "Apply the percent format to {what}.",
               "Make {what} display with a % sign.", "Turn {what} into percentages."),
              ("{what} should be percentages.", "percent format for {what}"))
number_format("format_thousands", menu("Format > Number Format > Thousands Separator"), {"kind": "thousands"},
              "Show numbers with a thousands separator",
              ("Add a thousands separator to {what}.", "Show {what} with thousands separators.",
               "Format {what} with a comma every three digits.", "Use the thousands separator on {what}.",
               "Group the digits of {what} in thousands."),
              ("{what} should have thousands separators.", "thousands separator on {what}"))
number_format("format_number", click("Number", "Apply the number format"), {"kind": "fixed", "decimals": 2},
              "Format numbers with two decimal places (Number format)",
              ("Format {what} as numbers with two decimals.", "Show {what} with 2 decimal places.",
               "Apply the Number format to {what}.", "Give {what} two decimal places.",
               "Display {what} to two decimals."),
              ("{what} should show two decimals.", "2 decimals for {what}"))
def _whole_numbers(content, rng):
    """A numeric column of whole numbers (General shows no decimals: one more is exactly one)."""
    cols = [c for c in T.numeric_columns(content.table) if all(float(v).is_integer() for v in c.values)]
    if not cols:
        return None
    t, c = content.table, rng.choice(cols)
    return {"sheet": t.sheet, "address": t.data(c), "what": T.column_words(t, c, rng), "col": c.letter,
            "header": c.header}


family("add_decimal", "number", "Show one more decimal place for numbers",
       ("Add a decimal place to {what}.", "Show one decimal place in {what}.", "Increase the decimals of {what}.",
        "Make {what} show one digit after the point.", "Give {what} one more decimal place."),
       _whole_numbers,
       lambda p: sel(p["address"]) + click("Add Decimal Place", "Add a decimal place"),
       lambda p: on(p, "number_format", range=p["address"], decimals=1),
       more=("{what} needs a decimal place.", "one decimal for {what}"))

# ---------------------------------------------------------------- merging

family("merge_center_title", "merge", "Merge cells and center the text across them (Merge and Center Cells)",
       ("Merge and center {what}.", "Center the title across {address}.", "Merge {what} and center it.",
        "Combine {what} into one centered cell.", "Make {what} one merged, centered cell."),
       lambda c, r: T.title(c, r, across=True),
       lambda p: sel(p["address"]) + menu("Format > Merge and Unmerge Cells > Merge and Center Cells"),
       lambda p: {"all": [on(p, "merged", range=p["address"]),
                          on(p, "alignment", range=p["address"].split(":")[0], horizontal="center")]},
       more=("merge and center {what}", "{what} should be merged and centered."),
       aliases=("Merging and centering cells",))
family("merge_cells", "merge", "Merge a range of cells into one cell",
       ("Merge {what}.", "Merge the cells {address}.", "Combine {what} into one cell.",
        "Join {what} into a single cell.", "Make {what} one merged cell."),
       lambda c, r: T.title(c, r, across=True),
       lambda p: sel(p["address"]) + menu("Format > Merge and Unmerge Cells > Merge Cells"),
       lambda p: on(p, "merged", range=p["address"]),
       more=("merge {what}", "{what} should be one cell."), aliases=("Merging cells",))

# ---------------------------------------------------------------- content and formulas


def _changed(value: Any) -> Any:
    new = round(value * 1.2 + 5) if isinstance(value, (int, float)) else value
    return new if new != value else value + 1


family("change_value", "content", "Change the value in a cell: type a new number into it",
       ("Change {what} to {new}.", "Set {what} to {new}.", "Replace the value in {what} with {new}.",
        "Update {what}: it should be {new}.", "Type {new} into {what}."),
       lambda c, r: (lambda p: p and p | {"new": _changed(p["value"])})(T.one_cell(c, r)),
       lambda p: sel(p["address"]) + enter(str(p["new"])),
       lambda p: on(p, "cell_value", cell=p["address"], equals=p["new"]),
       more=("{what} is wrong, it should be {new}.", "make {what} {new}", "Correct {what} to {new}."),
       aliases=("Entering numbers in a cell",))
family("add_header", "content", "Add a new column heading: type a heading into the cell next to the last header",
       ("Add the heading \"{text}\" in {what}.", "Type \"{text}\" into {what}.", "Put a new column header \"{text}\" in {what}.",
        "Label the next column \"{text}\" ({address}).", "Enter \"{text}\" as a heading in {what}."),
       with_choice(T.free_header, "text", NEW_HEADERS),
       lambda p: sel(p["address"]) + enter(p["text"]),
       lambda p: on(p, "cell_value", cell=p["address"], equals=p["text"]),
       more=("new column \"{text}\" in {what}", "{what} should say \"{text}\"."))
family("clear_cell", "content", "Delete the contents of a cell (press Delete)",
       ("Clear {what}.", "Delete the contents of {what}.", "Empty {what}.", "Remove the value in {what}.",
        "Erase what is in {what}."),
       lambda c, r: T.one_cell(c, r, "text") or T.one_cell(c, r),
       lambda p: sel(p["address"]) + keys("{DEL}", "Press Delete to clear the cell"),
       lambda p: on(p, "cell_empty", cell=p["address"]),
       more=("{what} should be empty.", "clear {what} pls", "Wipe {what}."), aliases=("Deleting cell contents",))


def formula(name: str, fn: str, compute: Callable[[list], float], description: str, phrasings, more, aliases=()):
    def check(p):
        return {"all": [on(p, "cell_formula", cell=p["address"], equals=f"={fn}({p['data']})"),
                        on(p, "cell_value", cell=p["address"], equals=compute(p["values"]), tol=0.01)]}
    family(name, "formula", description, phrasings, T.total_cell,
           lambda p: sel(p["address"]) + enter(f"={fn}({p['data']})"), check, more=more, aliases=aliases)


formula("sum_total", "SUM", sum, "Add up a column of numbers with a SUM formula",
        ("Put the total of {data} in {what}.", "Sum {data} into {what}.", "In {what}, add up the {header} column.",
         "Calculate the sum of {data} in {what}.", "Enter a SUM formula for {data} in {what}."),
        ("{what} should total {data}.", "total of {header} in {what}", "I need the {header} total in {what}."),
        ("Calculating the sum of a range", "Using AutoSum"))
formula("average_total", "AVERAGE", lambda v: sum(v) / len(v), "Compute the average of a column with AVERAGE",
        ("Put the average of {data} in {what}.", "In {what}, calculate the mean of the {header} column.",
         "Average {data} into {what}.", "Enter an AVERAGE formula for {data} in {what}.",
         "Show the average {header} in {what}."),
        ("{what} should hold the average of {data}.", "mean of {header} in {what}"))
formula("max_total", "MAX", max, "Find the largest value of a column with MAX",
        ("Put the largest value of {data} in {what}.", "In {what}, show the maximum of the {header} column.",
         "Enter a MAX formula for {data} in {what}.", "Find the highest {header} and put it in {what}.",
         "Calculate the maximum of {data} in {what}."),
        ("{what} should show the max of {data}.", "max of {header} in {what}"))
formula("min_total", "MIN", min, "Find the smallest value of a column with MIN",
        ("Put the smallest value of {data} in {what}.", "In {what}, show the minimum of the {header} column.",
         "Enter a MIN formula for {data} in {what}.", "Find the lowest {header} and put it in {what}.",
         "Calculate the minimum of {data} in {what}."),
        ("{what} should show the min of {data}.", "min of {header} in {what}"))
formula("count_total", "COUNT", len, "Count the numbers in a column with COUNT",
        ("Count the entries of {data} in {what}.", "In {what}, count how many {header} values there are.",
         "Enter a COUNT formula for {data} in {what}.", "Put the number of values in {data} into {what}.",
         "Use COUNT on {data} in {what}."),
        ("{what} should count {data}.", "count of {header} in {what}"))


def _product(content, rng) -> Optional[Params]:
    t = content.table
    cols = T.numeric_columns(t)
    if len(cols) < 2:
        return None
    a, b = rng.sample(cols, 2)
    r = t.row_of(rng.choice(t.labels())) if t.labels() else t.first_row
    target = refs.cell(r, content.free_col)
    fa, fb = refs.cell(r, a.index), refs.cell(r, b.index)
    value = t.cells[fa] * t.cells[fb]
    return {"sheet": t.sheet, "address": target, "what": rng.choice([target, f"cell {target}"]), "x": fa, "y": fb,
            "label": t.cells[refs.cell(r, 1)], "hx": a.header, "hy": b.header, "value": value}


family("product_formula", "formula", "Multiply two cells with a formula",
       ("In {what}, multiply {x} by {y}.", "Put {x} times {y} in {what}.", "Enter a formula in {what} that multiplies {x} and {y}.",
        "Calculate {hx} × {hy} for \"{label}\" in {what} ({x}*{y}).", "Make {what} the product of {x} and {y}."),
       _product, lambda p: sel(p["address"]) + enter(f"={p['x']}*{p['y']}"),
       lambda p: {"all": [on(p, "cell_formula", cell=p["address"], equals=f"={p['x']}*{p['y']}"),
                          on(p, "cell_value", cell=p["address"], equals=p["value"], tol=0.01)]},
       more=("{what} = {x} * {y}", "I need {x} multiplied by {y} in {what}."))
def _uppercase_sample(content, rng):
    p = T.column(content, rng, "text")
    if p is None:
        return None
    col = content.table.column(p["header"])
    texts = [(r, v) for r, v in zip(range(content.table.first_row, content.table.last_row + 1), col.values)]
    if all(str(v) == str(v).upper() for _, v in texts):
        return None
    return p | {"texts": texts}


family("uppercase_text", "content", "Change text to UPPERCASE with Format > Text > UPPERCASE",
       ("Make {what} uppercase.", "Change {what} to capital letters.", "Convert {what} to UPPERCASE.",
        "Put {what} in all caps.", "Use Format > Text > UPPERCASE on {what}."),
       _uppercase_sample, lambda p: sel(p["address"]) + menu("Format > Text > UPPERCASE"),
       lambda p: {"all": [on(p, "cell_value", cell=refs.cell(row, refs.col_index(p["col"])), equals=str(v).upper())
                          for row, v in p["texts"]]},
       more=("{what} in caps please", "{what} should be all uppercase."), composable=False)

# ---------------------------------------------------------------- data


def _sortable(order: str):
    def sample(content, rng):
        t = content.table
        if t.total_row:
            return None  # the Total row would join the sort range
        p = T.column(content, rng, "any")
        if p is None:
            return None
        col = t.column(p["header"])
        keyed = sorted(col.values, key=lambda v: (isinstance(v, str), str(v).casefold() if isinstance(v, str) else v),
                       reverse=order == "desc")
        if keyed == col.values or col.index == 1 and len(set(col.values)) != len(col.values):
            return None
        label = rng.choice(t.labels())
        value = t.cells[refs.cell(t.row_of(label), col.index)]
        return p | {"label": label, "value": value, "direction": order}
    return sample


def sort_family(name: str, button: str, order: str, phrasings, more, aliases=()):
    family(name, "data", f"Sort the table by a column in {order}ending order", phrasings, _sortable(order),
           lambda p: sel(p["first"]) + click(button, f"Click {button}"),
           lambda p: {"all": [on(p, "sorted", range=p["address"], order=order),
                              on(p, "row_value", key_col="A", key=p["label"], col=p["col"], equals=p["value"])]},
           more=more, aliases=aliases, composable=False)


sort_family("sort_ascending", "Sort Ascending", "asc",
            ("Sort the table by {header}, smallest first.", "Sort the rows by the {header} column in ascending order.",
             "Order the data by {header} from A to Z / low to high.", "Sort by {header} ascending.",
             "Arrange the rows so that {header} goes up."),
            ("sort by {header} ascending", "I want the list ordered by {header}, lowest first."),
            ("Sorting data in ascending order",))
sort_family("sort_descending", "Sort Descending", "desc",
            ("Sort the table by {header}, largest first.", "Sort the rows by the {header} column in descending order.",
             "Order the data by {header} from high to low.", "Sort by {header} descending.",
             "Arrange the rows so that {header} goes down."),
            ("sort by {header} descending", "I want the biggest {header} at the top."),
            ("Sorting data in descending order",))
family("autofilter", "data", "Turn on the AutoFilter for the table's header row",
       ("Add an AutoFilter to the table.", "Turn on filtering for {what}.", "Put filter buttons on {what}.",
        "Enable the AutoFilter on the table headings.", "Let me filter the table by its columns."),
       T.header, lambda p: sel(p["address"].split(":")[0]) + click("AutoFilter", "Turn the AutoFilter on")
       + click("Yes", "Confirm that the first row holds the column headers"),
       lambda p: on(p, "autofilter"), more=("autofilter the table", "I need filter arrows on the headings."),
       aliases=("Applying AutoFilter",), composable=False)
family("freeze_header", "view", "Freeze the rows above the data so the headings stay visible while scrolling",
       ("Freeze the rows above {first} so the headings stay visible.", "Freeze the header rows.",
        "Keep the table headings in view when scrolling down.", "Freeze panes at {first}.",
        "Lock the rows above the data."),
       lambda c, r: {"sheet": c.table.sheet, "first": refs.cell(c.table.first_row, 1)},
       lambda p: sel(p["first"]) + menu("View > Freeze Rows and Columns"),
       lambda p: on(p, "freeze", cell=p["first"]),
       more=("freeze the headings", "the header should not scroll away"), aliases=("Freezing rows or columns as headers",),
       target="the rows above {first}")
family("freeze_first_column", "view", "Freeze the first column so it stays visible when scrolling right",
       ("Freeze the first column.", "Keep column A visible when scrolling sideways.", "Freeze column A.",
        "Lock the first column in place.", "Make the first column stay put while scrolling right."),
       lambda c, r: {"sheet": c.table.sheet}, lambda p: menu("View > Freeze Cells > Freeze First Column"),
       lambda p: on(p, "freeze", cell="B1"), more=("freeze col A", "column A should not scroll away"),
       target="the first column")
family("freeze_first_row", "view", "Freeze the first row so it stays visible when scrolling down",
       ("Freeze the first row.", "Keep row 1 visible when scrolling down.", "Freeze row 1.",
        "Lock the top row in place.", "Make the first row stay put while scrolling."),
       lambda c, r: {"sheet": c.table.sheet}, lambda p: menu("View > Freeze Cells > Freeze First Row"),
       lambda p: on(p, "freeze", cell="A2"), more=("freeze the top row", "row 1 should not scroll away"),
       target="the first row")

# ---------------------------------------------------------------- sheets


def _rename(content, rng):
    p = T.sheet_tab(content, rng)
    return p | {"new": rng.choice([n for n in RENAMES if n not in content.sheets])}


family("rename_sheet", "sheet", "Rename a sheet (Sheet > Rename Sheet)",
       ("Rename {what} to \"{new}\".", "Call {what} \"{new}\" instead.", "Change the name of {what} to \"{new}\".",
        "Give {what} the name \"{new}\".", "Use Sheet > Rename Sheet to name {what} \"{new}\"."),
       _rename, lambda p: menu("Sheet > Rename Sheet...") + put("Name", p["new"]) + click("OK"),
       lambda p: {"all": [{"pred": "sheet_exists", "name": p["new"]},
                          {"pred": "sheet_exists", "name": p["name"], "value": False}]},
       more=("rename {what} \"{new}\"", "{what} should be called \"{new}\"."), aliases=("Renaming sheets",),
       composable=False)


def _new_sheet(content, rng):
    return {"sheet": content.table.sheet, "new": rng.choice([n for n in NEW_SHEETS if n not in content.sheets])}


family("insert_sheet", "sheet", "Add a new sheet at the end of the workbook",
       ("Add a new sheet called \"{new}\" at the end.", "Insert a sheet named \"{new}\" after the others.",
        "Create a sheet \"{new}\".", "Append a new sheet and name it \"{new}\".",
        "I need an extra sheet named \"{new}\" at the end."),
       _new_sheet, lambda p: menu("Sheet > Insert Sheet at End...") + put("Name", p["new"]) + click("OK"),
       lambda p: {"pred": "sheet_exists", "name": p["new"]},
       more=("new sheet \"{new}\"", "add sheet \"{new}\" pls"), aliases=("Inserting a new sheet",),
       target="a new sheet named \"{new}\" at the end")
family("delete_sheet", "sheet", "Delete a sheet from the workbook",
       ("Delete {what}.", "Remove {what} from the workbook.", "Get rid of {what}.",
        "Delete the sheet named \"{name}\".", "I don't need {what} any more, delete it."),
       lambda c, r: T.sheet_tab(c, r, second=True),
       lambda p: click(p["name"], f"Open the {p['name']} sheet") + menu("Sheet > Delete Sheet...") + click("Yes"),
       lambda p: {"pred": "sheet_exists", "name": p["name"], "value": False},
       more=("remove {what}", "drop {what}"), aliases=("Deleting sheets",), composable=False)
family("define_name", "sheet", "Give a cell range a name (Sheet > Named Ranges and Expressions > Define)",
       ("Name the range {what} \"{name}\".", "Define a named range \"{name}\" for {what}.",
        "Give {what} the range name \"{name}\".", "Create a name \"{name}\" that refers to {what}.",
        "Call {what} \"{name}\" as a named range."),
       with_choice(T.column, "name", RANGE_NAMES),
       lambda p: sel(p["address"]) + menu("Sheet > Named Ranges and Expressions > Define...") + put("Name:", p["name"])
       + click("Add"),
       lambda p: {"pred": "defined_name", "name": p["name"]},
       more=("named range \"{name}\" for {what}",), aliases=("Naming cell ranges",))

# ---------------------------------------------------------------- rows and columns


def _in_column(content, rng):
    p = T.column(content, rng, "any")
    return p and p | {"cell_in": p["first"]}


family("column_width", "rows", "Set the width of a column (Format > Columns > Width)",
       ("Make column {col} {cm} cm wide.", "Set the width of the {header} column to {cm} cm.",
        "Change the width of column {col} to {cm} cm.", "Widen column {col} to {cm} cm.",
        "Column {col} should be {cm} cm wide."),
       with_choice(_in_column, "cm", WIDTHS_CM),
       lambda p: sel(p["cell_in"]) + menu("Format > Columns > Width...") + put("Width", f"{p['cm']} cm") + click("OK"),
       lambda p: on(p, "col_width", col=p["col"], cm=p["cm"]),
       more=("col {col} width {cm} cm", "I want the {header} column {cm} cm wide."),
       aliases=("Changing column width",))


def _in_row(content, rng):
    p = T.row(content, rng)
    return p and p | {"pt": rng.choice(HEIGHTS_PT)}


family("row_height", "rows", "Set the height of a row (Format > Rows > Height)",
       ("Make row {row} {pt} pt high.", "Set the height of {what} to {pt} points.", "Change row {row}'s height to {pt} pt.",
        "Row {row} should be {pt} pt tall.", "Increase the height of {what} to {pt} pt."),
       _in_row, lambda p: sel(p["cell"]) + menu("Format > Rows > Height...") + put("Height:", f"{p['pt']} pt") + click("OK"),
       lambda p: on(p, "row_height", row=p["row"], pt=float(p["pt"]), tol_pt=0.9),
       more=("row {row} height {pt} pt",), aliases=("Changing row height",))
family("hide_column", "rows", "Hide a column (Format > Columns > Hide)",
       ("Hide column {col}.", "Hide the {header} column.", "Make column {col} invisible.",
        "Hide {what} from view.", "I don't want to see the {header} column, hide it."),
       _in_column, lambda p: sel(p["cell_in"]) + menu("Format > Columns > Hide"),
       lambda p: on(p, "col_hidden", col=p["col"]), more=("hide col {col}",), aliases=("Hiding columns",))
family("hide_row", "rows", "Hide a row (Format > Rows > Hide)",
       ("Hide row {row}.", "Hide {what}.", "Make row {row} invisible.", "Hide the row for {label}.",
        "I don't want to see {what}, hide it."),
       T.row, lambda p: sel(p["cell"]) + menu("Format > Rows > Hide"),
       lambda p: on(p, "row_hidden", row=p["row"]), more=("hide row {row} pls",), aliases=("Hiding rows",))


def _next_label(content, p):
    t = content.table
    nxt = t.cells.get(refs.cell(p["row"] + 1, 1))
    return p | {"below": nxt if nxt is not None else ""}


family("insert_row_above", "rows", "Insert an empty row above a row (Sheet > Insert Rows > Rows Above)",
       ("Insert a row above {what}.", "Add an empty row above row {row}.", "Put a blank row before {what}.",
        "Insert a new row above the row for {label}.", "Make room for a row above {what}."),
       T.row, lambda p: sel(p["cell"]) + menu("Sheet > Insert Rows > Rows Above"),
       lambda p: {"all": [on(p, "cell_empty", cell=p["cell"]),
                          on(p, "cell_value", cell=refs.cell(p["row"] + 1, 1), equals=p["label"])]},
       more=("new row above {what}",), aliases=("Inserting rows",), composable=False)
family("delete_row", "rows", "Delete a whole row (Sheet > Delete Rows)",
       ("Delete {what}.", "Remove row {row}.", "Delete the row for {label}.", "Get rid of {what}.",
        "Take out row {row} entirely."),
       lambda c, r: (lambda p: p and _next_label(c, p))(T.row(c, r)),
       lambda p: sel(p["cell"]) + menu("Sheet > Delete Rows"),
       lambda p: ({"pred": "cell_empty", "sheet": p["sheet"], "cell": p["cell"]} if p["below"] == "" else
                  on(p, "cell_value", cell=p["cell"], equals=p["below"])),
       more=("delete row {row}", "{label} is gone, remove its row."), aliases=("Deleting rows",), composable=False)


def _column_move(content, rng):
    p = _in_column(content, rng)
    if p is None:
        return None
    t = content.table
    nxt = t.cells.get(refs.cell(t.header_row, refs.col_index(p["col"]) + 1))
    return p | {"head_cell": refs.cell(t.header_row, refs.col_index(p["col"])),
                "moved": refs.cell(t.header_row, refs.col_index(p["col"]) + 1), "next_header": nxt or ""}


family("insert_column_before", "rows", "Insert an empty column before a column (Sheet > Insert Columns > Columns Before)",
       ("Insert a column before column {col}.", "Add an empty column to the left of the {header} column.",
        "Put a blank column before {header}.", "Insert a new column left of column {col}.",
        "Make room for a column before {header}."),
       _column_move, lambda p: sel(p["cell_in"]) + menu("Sheet > Insert Columns > Columns Before"),
       lambda p: {"all": [on(p, "cell_empty", cell=p["head_cell"]),
                          on(p, "cell_value", cell=p["moved"], equals=p["header"])]},
       more=("new column before {header}",), aliases=("Inserting columns",), composable=False)
family("delete_column", "rows", "Delete a whole column (Sheet > Delete Columns)",
       ("Delete column {col}.", "Remove the {header} column.", "Delete the {header} column entirely.",
        "Get rid of column {col}.", "Take out the {header} column."),
       _column_move, lambda p: sel(p["cell_in"]) + menu("Sheet > Delete Columns"),
       lambda p: ({"pred": "cell_empty", "sheet": p["sheet"], "cell": p["head_cell"]} if p["next_header"] == "" else
                  on(p, "cell_value", cell=p["head_cell"], equals=p["next_header"])),
       more=("delete col {col}", "I don't need the {header} column any more."), aliases=("Deleting columns",),
       composable=False)

# ---------------------------------------------------------------- charts, conditional formats, search


family("insert_chart", "chart", "Insert a chart of the table's data (Insert > Chart)",
       ("Insert a chart of {what}.", "Make a chart from {what}.", "Create a column chart of the table.",
        "Chart {what}.", "Add a chart showing {what}."),
       T.whole, lambda p: sel(p["address"]) + menu("Insert > Chart...") + click("Finish", "Finish the chart wizard"),
       lambda p: {"pred": "chart_exists"}, more=("chart the data", "I need a chart of {what}."),
       aliases=("Inserting charts",), composable=False)
family("color_scale", "conditional", "Apply a colour scale conditional format to numbers",
       ("Apply a color scale to {what}.", "Color {what} by value with a color scale.",
        "Add a conditional color scale to {what}.", "Shade {what} from low to high with colors.",
        "Use Format > Conditional > Color Scale on {what}."),
       NUMERIC, lambda p: sel(p["address"]) + menu("Format > Conditional > Color Scale...") + click("OK"),
       lambda p: on(p, "cond_format", range=p["address"]),
       more=("color scale on {what}", "heat-map {what}"), aliases=("Applying conditional formatting",))
family("data_bars", "conditional", "Show data bars in cells with conditional formatting",
       ("Add data bars to {what}.", "Show {what} as data bars.", "Put conditional data bars on {what}.",
        "Use Format > Conditional > Data Bar on {what}.", "Visualize {what} with in-cell bars."),
       NUMERIC, lambda p: sel(p["address"]) + menu("Format > Conditional > Data Bar...") + click("OK"),
       lambda p: on(p, "cond_format", range=p["address"]), more=("data bars for {what}",))


def _replace(content, rng):
    t = content.table
    cols = [c for c in T.text_columns(t) if c.index > 1]
    if not cols:
        return None
    c = rng.choice(cols)
    old = rng.choice([v for v in c.values if isinstance(v, str)])
    texts = [str(t.cells[a]) for a in t.cells if isinstance(t.cells[a], str)]
    if any(old in s and s != old for s in texts):  # the word inside other cells would change too
        return None
    where = [refs.cell(r, c.index) for r in range(t.first_row, t.last_row + 1) if t.cells.get(refs.cell(r, c.index)) == old]
    new = rng.choice([w for w in REPLACEMENTS if w != old])
    return {"sheet": t.sheet, "old": old, "new": new, "cells": where}


family("find_replace", "content", "Find and replace text in the sheet (Edit > Find & Replace)",
       ("Replace \"{old}\" with \"{new}\" everywhere.", "Change every \"{old}\" to \"{new}\".",
        "Use Find & Replace to turn \"{old}\" into \"{new}\".", "Swap all \"{old}\" entries for \"{new}\".",
        "Find \"{old}\" and replace it with \"{new}\" in the whole sheet."),
       _replace, lambda p: menu("Edit > Find & Replace...") + put("Find:", p["old"]) + put("Replace:", p["new"])
       + click("Replace All") + click("Close", "Close the search results") + click("Close", "Close Find and Replace"),
       lambda p: {"all": [on(p, "cell_value", cell=a, equals=p["new"]) for a in p["cells"]]},
       more=("replace \"{old}\" by \"{new}\"", "all \"{old}\" should read \"{new}\"."),
       aliases=("Searching and replacing text",), composable=False, target="every \"{old}\", replaced by \"{new}\"")


def build_families() -> dict[str, Family]:
    return {f.name: f for f in FAMILIES}
