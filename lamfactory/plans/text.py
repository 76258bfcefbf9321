"""Small language helpers shared by extraction, cleaning and evolving: the imperative verbs of software
how-tos, turning headings ("Changing the Case of Text", "To Insert Sections") into task sentences, and
splitting instructions into steps."""

from __future__ import annotations

import re

# Imperative verbs that open a step or a task in software documentation.
VERBS = frozenset("""
access activate add adjust align allow anchor apply arrange assign attach autofit browse calculate cancel
capitalize center change check choose clear click close collapse combine compare configure confirm connect
convert copy correct create customize cut deactivate decrease define delete deselect determine disable
display distribute do double-click drag draw edit embed emphasize enable enter exchange exit expand export
fill find fit flip format freeze go group help hide highlight hyphenate import increase indent insert install
join jump justify keep locate label leave link load lock make mark merge minimize modify move name navigate number
open organize paste pick place position prepare press prevent print protect put read record redo reduce
refresh reload remove rename reorder repeat replace reset resize restart restore retype return right-click
rotate run save scale scroll search select send set shade share shift show shrink sign sort specify split
start stop switch tab toggle turn type undo ungroup unlock unprotect update use view wrap write zoom
""".split())

# Headings that name a part of a page rather than a task: the section takes its page's title instead.
GENERIC_HEADINGS = frozenset("""
example examples note notes settings options tip tips related topics overview introduction see also
general description remarks requirements procedure steps results
""".split())

_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with without via per".split())


def base_verb(word: str) -> str | None:
    """'Changing' -> 'change', 'Inserts' -> 'insert', 'Apply' -> 'apply'; None when it is not a known verb."""
    w = word.lower()
    if w in VERBS:
        return w
    candidates: list[str] = []
    if w.endswith("ing"):
        stem = w[:-3]
        candidates = [stem, stem + "e", stem[:-1]]  # printing, changing, running
    elif w.endswith("ies"):
        candidates = [w[:-3] + "y"]
    elif w.endswith("es"):
        candidates = [w[:-1], w[:-2]]  # removes, switches
    elif w.endswith("s"):
        candidates = [w[:-1]]
    return next((c for c in candidates if c in VERBS), None)


def starts_with_verb(text: str) -> bool:
    first = re.split(r"[\s,]", text.strip(), maxsplit=1)[0] if text.strip() else ""
    return first.lower() in VERBS


_LEADING_CLAUSE = re.compile(r"^(in|on|from|under|at|using|with|next to|if|when|once|after|back in|now|then|"
                             r"optionally|alternatively)\b[^.]*?,\s*(?:and\s+)?([\w-]+)", re.I)


def is_instruction(text: str) -> bool:
    """'Choose Format - Columns.', 'In the Style box, select Heading 1.', 'If needed, click OK.'"""
    if starts_with_verb(text):
        return True
    m = _LEADING_CLAUSE.match(text.strip())
    return bool(m and m.group(2).lower() in VERBS)


def heading_to_task(heading: str, casing: dict[str, str] | None = None) -> str | None:
    """A task sentence from a heading, or None when the heading is not a task.

    'To Change Text to Lowercase' -> 'Change text to lowercase'; 'Inserting Sections' -> 'Insert sections'.
    `casing` maps a lower-case word to the form the documentation usually writes it in, so Title Case words
    become lower case while 'Writer', 'AutoCorrect' or 'HTML' keep theirs."""
    text = re.sub(r"\s+", " ", heading).strip().rstrip(".:")
    text = re.sub(r"^(how )?to\s+", "", text, flags=re.I)
    if not text or text.lower() in GENERIC_HEADINGS:
        return None
    words = text.split(" ")
    verb = base_verb(words[0])
    if verb is None or len(words) < 2 or words[1].lower() in ("and", "or", "&", "as", "menu"):
        return None  # "Position and Size", "View Menu" name things, not tasks
    rest = [_usual_case(w, casing or {}) for w in words[1:]]
    return " ".join([verb.capitalize(), *rest])


def _usual_case(word: str, casing: dict[str, str]) -> str:
    if not word[:1].isupper() or word.isupper() and len(word) > 1:
        return word  # lower case already, or an acronym
    lower = word.lower()
    if lower in _SMALL_WORDS:
        return lower
    # a word the documentation never writes in running text: Title Case is only the heading's style
    return casing.get(lower) or (lower if word[1:].islower() else word)


def sentence_case_map(texts: list[str]) -> dict[str, str]:
    """The usual spelling of each word in running text (sentence-initial positions ignored)."""
    counts: dict[str, dict[str, int]] = {}
    for t in texts:
        for sentence in re.split(r"(?<=[.!?:])\s+", t):
            for w in re.findall(r"[A-Za-z][A-Za-z'-]*", sentence)[1:]:
                forms = counts.setdefault(w.lower(), {})
                forms[w] = forms.get(w, 0) + 1
    # a word written in lower case a few times is a common word; capitals elsewhere are titles or UI labels
    return {low: low if forms.get(low, 0) >= 2 else max(forms, key=forms.get) for low, forms in counts.items()}


def split_instructions(text: str) -> list[str]:
    """'Select the text, and then choose Format - Character. Click OK.' -> three steps.

    Splits at sentence ends and at ', then' / 'and then' joints; a piece that is not an instruction
    (no leading verb, e.g. 'The dialog opens.') stays attached to the step before it."""
    pieces = re.split(r"(?<=[.!?])\s+(?=[A-Z])|,?\s+and then\s+|,\s+then\s+|;\s+then\s+", text.strip())
    steps: list[str] = []
    for p in (p.strip() for p in pieces):
        if not p:
            continue
        p = p[0].upper() + p[1:]
        if steps and not is_instruction(p):
            steps[-1] = f"{steps[-1].rstrip('.')}. {p}"
        else:
            steps.append(p)
    return [s if s.endswith((".", "!", "?", ":")) else s + "." for s in steps]


def clean_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
