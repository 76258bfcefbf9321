"""Document-structure families: tables and table edits, headers/footers, fields, comments, find & replace,
adding and deleting text."""

from __future__ import annotations

from lamfactory.dataflow.families import (COMMENT_TEXTS, HEADER_TEXTS, NEW_WORDS, SENTENCES, Family, click, keys,
                                          menu, pick_paragraph, pick_span, pick_word, register, select_paragraph,
                                          select_text, step)


def _end() -> list:
    return [keys("^{END}", "Move the cursor to the end of the document")]


def _new_table(content, rng):
    return {"rows": rng.randint(2, 6), "cols": rng.randint(2, 5), "n": len(content.tables) + 1}


def _table_check(p):
    return {"all": [{"pred": "table_count", "value": p["n"]},
                    {"pred": "table_shape", "table": p["n"], "rows": p["rows"], "cols": p["cols"]}]}


def _cell(content, rng, min_rows=2, min_cols=1):
    """A table cell whose text is unique in the body (the request names it by its text)."""
    cands = []
    for ti, t in enumerate(content.tables, 1):
        if len(t) < min_rows or len(t[0]) < min_cols or any(len(r) != len(t[0]) for r in t):
            continue
        for ri, row in enumerate(t, 1):
            for ci, text in enumerate(row, 1):
                if len(text) >= 3 and '"' not in text and content.count(text) == 1:
                    cands.append({"table": ti, "row": ri, "col": ci, "cell": text, "rows": len(t), "cols": len(t[0]),
                                  "n": len(content.tables)})
    return rng.choice(cands) if cands else None


def _table_edit(name, submenu, item, desc, phrasings, d_rows=0, d_cols=0, min_rows=2, min_cols=1):
    return Family(
        name=name, category="table", description=desc, phrasings=phrasings, composable=False,
        sample=lambda c, r: _cell(c, r, min_rows, min_cols),
        plan=lambda p: [select_text(p["cell"]), *menu("Table", submenu, item)],
        check=lambda p: {"pred": "table_shape", "table": p["table"], "rows": p["rows"] + d_rows,
                         "cols": p["cols"] + d_cols},
        target='the cell "{cell}"',
    )


def _header(name, part, with_page):
    pred = "header_text" if part == "Header" else "footer_text"

    def sample(content, rng):
        return {"text": rng.choice(HEADER_TEXTS)}

    def plan(p):
        open_ = menu("Insert", "Header and Footer", part, "Default Page Style")
        if with_page:
            return open_ + menu("Insert", "Field", "Page Number")
        return open_ + [keys(p["text"], f"Type the {part.lower()} text")]

    word = part.lower()
    if with_page:
        return Family(
            name=name, category="page",
            description=f"Insert page numbers in the {word}: add a {word} with a page number field",
            phrasings=(f"Add page numbers in the {word}.", f"Put the page number in a {word}.",
                       f"Number the pages in the {word}.", f"Insert a {word} that shows the page number.",
                       f"Turn on the {word} and insert the page number field."),
            sample=sample, plan=plan,
            check=lambda p: {"pred": "page_number_field", "where": word},
            target=f"the {word}",
        )
    return Family(
        name=name, category="page",
        description=f"Add a {word} to the page style and type text into the {word}",
        phrasings=(f'Add a {word} that says "{{text}}".', f'Put "{{text}}" in the page {word}.',
                   f'Insert a {word} with the text "{{text}}".', f'Turn on the {word} and type "{{text}}".',
                   f'Write "{{text}}" in the {word} of every page.'),
        sample=sample, plan=plan,
        check=lambda p: {"pred": pred, "contains": p["text"]},
        target=f'the {word} ("{{text}}")',
    )


def _field(name, item, kind, word):
    return Family(
        name=name, category="field",
        description=f"Insert a {word} field into the document text with Insert, Field",
        phrasings=(f"Insert the {word} at the end of the document.", f"Add a {word} field at the end.",
                   f"Put the current {word} field after the last paragraph.",
                   f"Use Insert > Field to add the {word} at the end of the text.",
                   f"Append a {word} field to the document."),
        sample=lambda c, r: {"kind": kind},
        plan=lambda p: _end() + menu("Insert", "Field", item),
        check=lambda p: {"pred": "field_present", "kind": kind},
        target=f"the {word}",
    )


def _replace_sample(content, rng):
    for _ in range(8):
        old = pick_word(content, rng, 6)
        new = rng.choice(NEW_WORDS)
        if old and old.lower() not in new and new not in content.body_text and old not in new:
            return {"old": old, "new": new, "count": content.count(old)}
    return None


def _append_sample(content, rng):
    s = rng.choice([s for s in SENTENCES if s not in content.body_text] or [None])
    return {"text": s} if s else None


def _delete_sample(content, rng):
    p = pick_paragraph(content, rng)
    if not p:
        return None
    text = next(x.text for x in content.paragraphs if x.index == p["index"])
    return {**p, "text": text} if content.count(text) == 1 else None


def _comment_sample(content, rng):
    span = pick_span(content, rng)
    return {"span": span, "comment": rng.choice(COMMENT_TEXTS)} if span else None


register(
    Family(
        name="insert_table_dialog", category="table",
        description="Insert a table with a number of rows and columns using Table, Insert Table dialog",
        phrasings=("Insert a table with {rows} rows and {cols} columns at the end.",
                   "Add a {cols}-column, {rows}-row table at the end of the document.",
                   "Create a {rows} by {cols} table after the last paragraph.",
                   "Use Table > Insert Table to add {rows} rows and {cols} columns at the end.",
                   "Append a table of {rows} rows x {cols} columns."),
        sample=_new_table,
        plan=lambda p: _end() + menu("Table", "Insert Table...") + [
            step(f"Set Columns to {p['cols']}", "set_edit_text", "Columns:", text=str(p["cols"])),
            step(f"Set Rows to {p['rows']}", "set_edit_text", "Rows:", text=str(p["rows"])),
            click("Insert", "Click Insert")],
        check=_table_check, composable=False, target="a {rows}x{cols} table",
    ),
    Family(
        name="insert_table_api", category="table",
        description="Insert a table at the end of a document, rows and columns, quick table",
        phrasings=("Put a {rows}x{cols} table at the end of the document.",
                   "I need a table with {cols} columns and {rows} rows at the end.",
                   "Add a table ({rows} rows, {cols} columns) below the text.",
                   "Insert a {rows}-row table with {cols} columns at the bottom.",
                   "Create a new table at the end: {rows} rows, {cols} columns."),
        sample=_new_table,
        plan=lambda p: _end() + [step(f"Insert a {p['rows']}x{p['cols']} table", "insert_table",
                                      rows=p["rows"], columns=p["cols"])],
        check=_table_check, composable=False, target="a {rows}x{cols} table",
    ),
    _table_edit("table_row_below", "Insert", "Rows Below",
                "Insert a new row into a table below the current row",
                ('Add a row below the cell "{cell}".', 'Insert a table row under "{cell}".',
                 'Insert a new row after the row containing "{cell}".',
                 'Use Table > Insert > Rows Below on the row with "{cell}".',
                 'Give the table one more row beneath "{cell}".'), d_rows=1),
    _table_edit("table_row_above", "Insert", "Rows Above",
                "Insert a new row into a table above the current row",
                ('Add a row above the cell "{cell}".', 'Insert a table row over "{cell}".',
                 'Insert a new row before the row containing "{cell}".',
                 'Use Table > Insert > Rows Above on the row with "{cell}".',
                 'Give the table one more row on top of "{cell}".'), d_rows=1),
    _table_edit("table_column_after", "Insert", "Columns After",
                "Insert a new column into a table after the current column",
                ('Add a column after the cell "{cell}".', 'Insert a table column right of "{cell}".',
                 'Insert a new column after the column containing "{cell}".',
                 'Use Table > Insert > Columns After on "{cell}".',
                 'Give the table one more column next to "{cell}".'), d_cols=1),
    _table_edit("table_column_before", "Insert", "Columns Before",
                "Insert a new column into a table before the current column",
                ('Add a column before the cell "{cell}".', 'Insert a table column left of "{cell}".',
                 'Insert a new column before the column containing "{cell}".',
                 'Use Table > Insert > Columns Before on "{cell}".',
                 'Give the table one more column in front of "{cell}".'), d_cols=1),
    _table_edit("table_delete_row", "Delete", "Delete Rows", "Delete a row from a table",
                ('Delete the table row containing "{cell}".', 'Remove the row with "{cell}" from the table.',
                 'Delete the row where "{cell}" is.', 'Use Table > Delete > Rows on "{cell}".',
                 'Take the row "{cell}" out of the table.'), d_rows=-1, min_rows=3),
    _table_edit("table_delete_column", "Delete", "Delete Columns", "Delete a column from a table",
                ('Delete the table column containing "{cell}".', 'Remove the column with "{cell}" from the table.',
                 'Delete the column where "{cell}" is.', 'Use Table > Delete > Columns on "{cell}".',
                 'Take the column "{cell}" out of the table.'), d_cols=-1, min_cols=2),
    Family(
        name="delete_table", category="table", composable=False,
        description="Delete a whole table from the document",
        phrasings=('Delete the table that contains "{cell}".', 'Remove the table with "{cell}".',
                   'Get rid of the whole table containing "{cell}".', 'Use Table > Delete > Table on "{cell}".',
                   'Delete table {table}, the one with "{cell}".'),
        sample=lambda c, r: _cell(c, r),
        plan=lambda p: [select_text(p["cell"]), *menu("Table", "Delete", "Table")],
        check=lambda p: {"pred": "table_count", "value": p["n"] - 1},
        target='the table with "{cell}"',
    ),
    _header("header_text", "Header", False),
    _header("footer_text", "Footer", False),
    _header("footer_page_number", "Footer", True),
    _header("header_page_number", "Header", True),
    _field("field_date", "Date", "DATE", "date"),
    _field("field_time", "Time", "TIME", "time"),
    _field("field_page_count", "Page Count", "NUMPAGES", "page count"),
    _field("field_page_number", "Page Number", "PAGE", "page number"),
    _field("field_title", "Title", "TITLE", "document title"),
    _field("field_author", "First Author", "AUTHOR", "author"),
    Family(
        name="comment", category="edit",
        description="Insert a comment on selected text, add an annotation note for reviewers",
        phrasings=('Add a comment "{comment}" to "{span}".', 'Comment on "{span}" with "{comment}".',
                   'Attach the note "{comment}" to the words "{span}".',
                   'Insert a comment on "{span}" saying "{comment}".',
                   'Select "{span}" and add the comment "{comment}".'),
        sample=_comment_sample,
        plan=lambda p: [select_text(p["span"]), *menu("Insert", "Comment"), keys(p["comment"], "Type the comment")],
        check=lambda p: {"pred": "comment_present", "contains": p["comment"]},
        target='"{span}"',
    ),
    Family(
        name="find_replace", category="edit", composable=False,
        description="Find and replace a word everywhere in the document with Find & Replace",
        phrasings=('Replace every "{old}" with "{new}".', 'Find "{old}" and replace it with "{new}" everywhere.',
                   'Change all occurrences of "{old}" to "{new}".',
                   'Use Find & Replace to swap "{old}" for "{new}".', 'Substitute "{new}" for each "{old}".'),
        sample=_replace_sample,
        plan=lambda p: menu("Edit", "Find & Replace...") + [
            step(f"Type {p['old']} in Find", "set_edit_text", "Find:", text=p["old"]),
            step(f"Type {p['new']} in Replace", "set_edit_text", "Replace:", text=p["new"]),
            click("Replace All", "Click Replace All"), click("Close", "Close the dialog")],
        check=lambda p: {"all": [{"pred": "text_count", "text": p["old"], "value": 0},
                                 {"pred": "text_contains", "text": p["new"]}]},
        target='"{old}"',
    ),
    Family(
        name="append_paragraph", category="edit", composable=False,
        description="Type new text: add a new paragraph with a sentence at the end of the document",
        phrasings=('Add the sentence "{text}" as a new paragraph at the end.', 'Type "{text}" at the end of the document.',
                   'Append a paragraph saying "{text}".', 'Finish the document with the line "{text}".',
                   'Write "{text}" in a new last paragraph.'),
        sample=_append_sample,
        plan=lambda p: _end() + [keys("{ENTER}", "Start a new paragraph"), keys(p["text"], "Type the sentence")],
        check=lambda p: {"pred": "text_contains", "text": p["text"]},
        target='"{text}"',
    ),
    Family(
        name="delete_paragraph", category="edit", composable=False,
        description="Delete a paragraph of text from the document",
        phrasings=("Delete {para}.", "Remove {para} from the document.", "Erase the text of {para}.",
                   "Get rid of {para}.", "Select {para} and delete it."),
        sample=_delete_sample,
        plan=lambda p: [select_paragraph(p["index"]), keys("{DEL}", "Press Delete")],
        check=lambda p: {"pred": "text_count", "text": p["text"], "value": 0},
        target="{para}",
    ),
)
