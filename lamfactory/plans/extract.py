"""Structure-aware extraction of task -> plan pairs from HTML help pages (offline), or by an LLM role.

A page is split into sections at its headings. A section yields a procedure when it holds steps: an ordered
list, an unordered list of instructions, or consecutive instruction paragraphs. Its task is the lead-in
sentence right before the list ("To insert a section:"), else the section heading ("To Capitalize Text",
"Inserting Sections"), else the page title. Sentences such as "To open a context menu, press Shift+F10 and
then ..." are procedures of their own. Menu paths ("Choose Format - Character - Font Effects") stay inside
the steps as written. Pages with no procedure are reference material and yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from bs4 import BeautifulSoup, Tag

from lamfactory.llm.base import LLM
from lamfactory.plans.text import (VERBS, base_verb, clean_space, is_instruction, heading_to_task, sentence_case_map,
                                   split_instructions, starts_with_verb)
from lamfactory.core.records import Source, TaskPlan
from lamfactory.core.app import DEFAULT_APP, HelpSource

# Markup that is not body text: page chrome, "how to get here" boxes, icon tables, notes, code, related links.
_DROP_CLASSES = {"howtoget", "icontable", "note", "tip", "warning", "relatedtopics", "related", "bascode",
                 "pycode", "sqlcode", "code", "debug", "example"}
# Variants of a sentence for other systems or modules (LibreOffice help's <span class="switch">).
_ALTERNATIVES = re.compile(r"(one of the following|the following (ways|methods|options))\s*:?\s*$", re.I)
_TO_SENTENCE = re.compile(r"^To ([^,:]{6,120}?)\s*(?:,|:)\s*(.*)$", re.S)


@dataclass
class Section:
    heading: str
    anchor: str
    blocks: list[tuple[str, object]] = field(default_factory=list)  # ("p", text) | ("ol"|"ul", [items])


@dataclass
class Option:
    """One control of a dialog page: its heading ('Characters at line end') and what it does."""
    name: str
    anchor: str
    description: str


@dataclass
class ParsedPage:
    title: str
    sections: list[Section]
    access_paths: list[str]  # "Choose Format - Paragraph - Text Flow tab." from "To access this command..."
    options: list[Option]


@dataclass
class Extraction:
    plans: list[TaskPlan]
    title: str
    reason: str = ""  # why the page yielded nothing
    methods: dict[str, int] = field(default_factory=dict)  # plans per extraction method


def parse_page(html: str, help_source: Optional[HelpSource] = None) -> ParsedPage:
    """A help page's title, its sections of cleaned text blocks, its menu paths and option descriptions."""
    soup = BeautifulSoup(html, "lxml")
    root = soup.find(id="DisplayArea") or soup.body or soup
    if help_source is not None:
        _drop_variants(root, help_source)
    access_paths = [_text(p) for box in root.select(".howtogetbody") for p in box.find_all("p")]
    options = _options(root)
    _strip_non_body(root)
    h1 = root.find("h1")
    title = _text(h1) if h1 else _text(soup.title) if soup.title else ""
    sections = [Section(title, "")]
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "ol", "ul", "p"]):
        if el.find_parent(["ol", "ul"]) is not None:
            continue  # handled with its list
        if el.name[0] == "h":
            sections.append(Section(_text(el), el.get("id", "")))
        elif el.name == "p":
            text = _text(el)
            if text:
                sections[-1].blocks.append(("p", text))
        else:
            items = _list_items(el)
            if items:
                sections[-1].blocks.append((el.name, items))
    return ParsedPage(title, [s for s in sections if s.blocks],
                      [p for p in access_paths if p.startswith("Choose ")], options)


def _drop_variants(root: Tag, help_source: HelpSource) -> None:
    """Keep the app's own variant of a per-module/per-platform switch; drop the others'."""
    own = help_source.variant
    for switch in root.find_all("span", class_=["switch", "switchinline"]):
        variants = [c for c in switch.find_all("span", recursive=False) if c.has_attr("hidden")]
        has_own = any(own in (v.get("class") or []) for v in variants)
        for v in variants:
            classes = set(v.get("class") or [])
            if classes & help_source.other_variants or (has_own and own not in classes):
                v.decompose()


def _strip_non_body(root: Tag) -> None:
    for el in root.find_all(["script", "style", "header", "footer", "aside", "nav", "table", "pre", "img"]):
        el.decompose()
    for el in root.select(", ".join("." + c for c in sorted(_DROP_CLASSES))):
        if not el.decomposed:  # already gone with an enclosing box
            el.decompose()


def _options(root: Tag) -> list[Option]:
    """Dialog controls: an h2/h3 heading followed by a paragraph whose first span is the control's
    description (class "avis", the text LibreOffice shows as the control's extended tip)."""
    options = []
    for h in root.find_all(["h2", "h3", "h4"]):
        p = h.find_next_sibling(["p", "h1", "h2", "h3", "h4"])
        avis = p.find("span", class_="avis") if p is not None and p.name == "p" else None
        if avis is not None:
            options.append(Option(_text(h), h.get("id", ""), _text(avis)))
    return options


def _text(el: Tag) -> str:
    text = clean_space(el.get_text(" "))
    text = re.sub(r"\s+([.,;:!?)])", r"\1", text)
    return re.sub(r"([(])\s+", r"\1", text)


def _list_items(lst: Tag) -> list[str]:
    """One entry per list item. 'Do one of the following:' keeps the first alternative; a nested ordered
    list becomes entries of its own."""
    items: list[str] = []
    for li in lst.find_all("li", recursive=False):
        paras = [_text(p) for p in li.find_all("p") if p.find_parent("li") is li]
        paras = [p for p in paras if p]
        nested = li.find(["ol", "ul"])
        nested_items = _list_items(nested) if nested is not None else []
        if not paras:
            paras = [_text(li)] if not nested_items else []
        if paras and _ALTERNATIVES.search(paras[0]):
            alternatives = paras[1:] + nested_items
            if alternatives:
                items.append(alternatives[0])
            continue
        if paras:
            items.append(" ".join(paras))
        if nested is not None and nested.name == "ol":
            items.extend(nested_items)
        elif nested_items and items:
            items[-1] = f"{items[-1].rstrip(':')}: {'; '.join(nested_items)}"
    return [i for i in items if i]


def _instruction(text: str) -> Optional[str]:
    """The instruction sentences of a list item, without the explanations around them."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    kept = [s for s in sentences if is_instruction(s)]
    return " ".join(kept) if kept else None


def extract_procedures(page: ParsedPage, *, source_kind: str, path: str, casing: Optional[dict[str, str]] = None,
                       app: str = DEFAULT_APP, settings: bool = True) -> Extraction:
    """Every procedure on one parsed page (the offline extractor); with `settings`, also one procedure per
    dialog option that says what it does ("Enter the minimum number of characters ..." reached by
    "Choose Format - Paragraph - Text Flow tab")."""
    title = page.title
    title_task = heading_to_task(title, casing)
    topic_task = title_task or _topic_task(title, casing)
    found: list[tuple[str, list[str], str]] = []  # (task, steps, anchor)
    for section in page.sections:
        heading_task = heading_to_task(section.heading, casing) if section.heading != title else None
        lead: Optional[str] = None  # task named by the paragraph right before a list
        instructions: list[str] = []
        listed = False
        for kind, value in section.blocks:
            if kind == "p":
                text = str(value)
                lead = _lead_in_task(text, casing)
                for task, steps in _to_sentences([text], casing):
                    found.append((task, steps, section.anchor))
                if starts_with_verb(text) and not _ALTERNATIVES.search(text):
                    instructions.extend(split_instructions(text))
                continue
            items = list(value)  # type: ignore[arg-type]
            found.extend((task, steps, section.anchor) for task, steps in _to_sentences(items, casing))
            steps = [s for s in map(_instruction, items) if s]
            if len(steps) >= 2 and 2 * len(steps) >= len(items):
                task = lead or heading_task or (topic_task if kind == "ol" else title_task)
                if task:
                    found.append((task, steps, section.anchor))
                    listed = True
            lead = None
        task = heading_task or title_task
        if not listed and task and len(instructions) >= 2:
            found.append((task, instructions, section.anchor))
    methods = {"procedure": len(found)}
    if settings and page.access_paths:
        options = _option_procedures(page)
        methods["setting"] = len(options)
        found.extend(options)
    plans = [_plan(task, steps, source_kind, path, anchor, title, app) for task, steps, anchor in found]
    reason = "" if plans else "reference page (no procedure)"
    return Extraction(plans, title, reason, methods)


# Option descriptions that explain a display or point at the control itself are not tasks.
_NOT_A_SETTING = re.compile(r"\b(this|these|here|the following|below|above)\b|^(display|show|list|contain|"
                            r"indicate|open|close|select|click|choose|enable|allow)s?\b", re.I)


def _option_procedures(page: ParsedPage) -> list[tuple[str, list[str], str]]:
    access = page.access_paths[0]
    out = []
    for opt in page.options:
        first = re.split(r"(?<=[.!?])\s+", opt.description)[0].rstrip(".")
        words = first.split()
        if len(words) < 4 or _NOT_A_SETTING.search(first):
            continue
        if words[0].lower().endswith("ly") and base_verb(words[1]):
            words = [base_verb(words[1]) or "", words[0].lower(), *words[2:]]  # "Automatically inserts ..."
        verb = base_verb(words[0])
        if verb is None:
            continue
        if verb in ("enter", "type", "specify", "define"):
            verb = "set"  # "Enter the minimum number ..." names the value a user sets
        task = " ".join([verb.capitalize(), *words[1:]])
        name_words = opt.name.split()
        if base_verb(name_words[0]) == base_verb(words[0]) and len(name_words) <= 2:
            # a command button that does what it says ("Compare": "Compares the selected versions")
            out.append((task, [access, f"Click {opt.name}."], opt.anchor))
        else:
            out.append((task, [access, f"Set the {opt.name} option.", "Click OK."], opt.anchor))
    return out


def _topic_task(title: str, casing: Optional[dict[str, str]]) -> Optional[str]:
    """A noun-phrase page title ('Conditional Text') read as a task: 'Use conditional text'."""
    if not title or title.lower() in ("contents", "index") or len(title.split()) > 8:
        return None
    return heading_to_task("Use " + title, casing)


def _lead_in_task(text: str, casing: Optional[dict[str, str]]) -> Optional[str]:
    """'To insert a section:' / 'To create a new style, do the following:' -> the task it names."""
    m = _TO_SENTENCE.match(text)
    if m and (not m.group(2).strip() or re.match(r"(do|follow)\b.*following", m.group(2), re.I)):
        return _task_phrase(m.group(1), casing)
    return None


def _to_sentences(texts: list[str], casing: Optional[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """'To open a menu, press Alt and then the underlined letter.' -> (task, steps) pairs."""
    out = []
    for text in texts:
        # each "To ..." sentence opens a procedure that runs until the next one
        for chunk in re.split(r"(?<=[.!?])\s+(?=To\s)", text):
            m = _TO_SENTENCE.match(chunk)
            if not m or not m.group(2).strip():
                continue
            task = _task_phrase(m.group(1), casing)
            steps = split_instructions(m.group(2))
            if task and steps and starts_with_verb(steps[0]):
                out.append((task, steps))
    return out


def _task_phrase(phrase: str, casing: Optional[dict[str, str]]) -> Optional[str]:
    words = phrase.split()
    if not words or words[0].lower() not in VERBS:
        return None
    return heading_to_task(phrase, casing)


def _plan(task: str, steps: list[str], kind: str, path: str, anchor: str, title: str, app: str) -> TaskPlan:
    task = task.rstrip(".:") if task else task
    return TaskPlan(task_id="", app=app, task=task, plan=[clean_space(s) for s in steps],
                    source=Source(kind=kind, url_or_path=f"{path}#{anchor}" if anchor else path, title=title))


def corpus_casing(pages: list[ParsedPage]) -> dict[str, str]:
    """The usual spelling of every word across the given pages' paragraphs (see sentence_case_map)."""
    return sentence_case_map([str(v) for page in pages for s in page.sections for k, v in s.blocks if k == "p"])


# ---------------------------------------------------------------- LLM extraction (the paper's prompt)

EXTRACT_SCHEMA = {
    "type": "object",
    "properties": {
        "procedures": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"task": {"type": "string", "minLength": 3},
                               "plan": {"type": "array", "items": {"type": "string", "minLength": 2}}},
                "required": ["task", "plan"],
            },
        }
    },
    "required": ["procedures"],
}

EXTRACT_PROMPT = """You are given a help document of {app_name}. Extract every task a user can perform with it \
and the step-by-step plan to complete it, as the document describes it.
Rules:
- A task is one imperative sentence a user would type, e.g. "Add a border to a page".
- A plan is the ordered list of steps from the document; keep menu paths such as "Choose Format - Character" \
exactly as written.
- Skip material that is reference only (option descriptions, glossaries) and tasks for other applications.
- Answer with JSON: {{"procedures": [{{"task": "...", "plan": ["...", "..."]}}]}}; an empty list if there is none.

Document title: {title}
Document:
{text}"""


def page_plain_text(page: ParsedPage, max_chars: int = 6000) -> tuple[str, str]:
    title, sections = page.title, page.sections
    lines: list[str] = []
    for s in sections:
        if s.heading and s.heading != title:
            lines.append(f"## {s.heading}")
        for kind, value in s.blocks:
            if kind == "p":
                lines.append(str(value))
            else:
                lines.extend(f"{n}. {item}" if kind == "ol" else f"- {item}" for n, item in enumerate(value, 1))
    return title, "\n".join(lines)[:max_chars]


def extract_with_llm(llm: LLM, page: ParsedPage, *, source_kind: str, path: str, app: str = DEFAULT_APP,
                     app_name: str = "the application") -> Extraction:
    """The extract role: the LLM reads the page's text and returns procedures (schema-validated)."""
    title, text = page_plain_text(page)
    if not text.strip():
        return Extraction([], title, "empty page")
    prompt = EXTRACT_PROMPT.format(app_name=app_name, title=title, text=text)
    answer = llm.chat_json([{"role": "user", "content": prompt}], EXTRACT_SCHEMA, max_tokens=1500)
    plans = [_plan(p["task"].strip(), [s.strip() for s in p["plan"] if s.strip()], source_kind, path, "", title, app)
             for p in answer["procedures"] if p["task"].strip()]
    return Extraction(plans, title, "" if plans else "reference page (LLM found no procedure)")


