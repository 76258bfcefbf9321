"""The template library: real documents a task is instantiated on.

Two kinds, both saved as .docx so the offline filter can evaluate checkers on the untouched file:
- "help-page": a LibreOffice Writer help page (libreoffice-help-en-us) rendered with python-docx into a
  document with a title, headings, body paragraphs, bulleted/numbered lists and a summary table;
- "libreoffice-template": LibreOffice's own .ott templates (letters, agendas, faxes, reports) converted
  to .docx by soffice (skipped with a warning when soffice cannot convert).

`build_templates(out_dir)` is deterministic: the same help pages in the same order give the same files.
`read_content(path)` parses a template into the facts families sample parameters from.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

from lamfactory.apps.libreoffice import HELP_ROOT
from lamfactory.core.records import Template, write_jsonl
from lamfactory.core.templates import INDEX_FILE

log = logging.getLogger(__name__)

HELP_GUIDE_DIR = HELP_ROOT / "swriter" / "guide"
OTT_DIR = Path("/usr/lib/libreoffice/share/template/common")
SOFFICE = "/usr/lib/libreoffice/program/soffice"
HELP_PAGES = 36  # how many help pages become templates
OTT_TEMPLATES = ("officorr/Modern_business_letter_sans_serif.ott", "officorr/Modern_business_letter_serif.ott",
                 "wizard/agenda/1simple.ott", "wizard/report/cnt-default.ott")
MIN_PAGE_PARAGRAPHS = 5  # help pages with fewer text paragraphs make poor documents


# ---------------------------------------------------------------- reading a template's content


@dataclass
class ParaInfo:
    index: int  # 1-based among body paragraphs (tables excluded), as checks.py and select_paragraph count
    text: str
    style: str
    alignment: str
    is_list: bool


@dataclass
class TemplateContent:
    paragraphs: list[ParaInfo] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)  # table -> rows -> cell texts
    body_text: str = ""

    def count(self, text: str) -> int:
        return self.body_text.count(text)


_ALIGN = {WD_ALIGN_PARAGRAPH.CENTER: "center", WD_ALIGN_PARAGRAPH.RIGHT: "right",
          WD_ALIGN_PARAGRAPH.JUSTIFY: "justify", WD_ALIGN_PARAGRAPH.LEFT: "left", None: "left"}


def read_content(path: str | Path) -> TemplateContent:
    d = docx.Document(str(path))
    paras, names = [], {}  # names: style id -> name (python-docx's p.style scans all styles: 10 s per 1,000 pages)
    for i, p in enumerate(d.paragraphs, 1):
        if p._p.style not in names:  # the paragraph's style id, None for the default style
            names[p._p.style] = p.style.name if p.style is not None else ""
        style = names[p._p.style]
        is_list = (p._p.pPr is not None and p._p.pPr.numPr is not None) or "List" in style
        paras.append(ParaInfo(i, _searchable(p).strip(), style, _ALIGN.get(p.alignment, "left"), is_list))
    tables = [[[_searchable_cell(c).strip() for c in row.cells] for row in t.rows] for t in d.tables]
    # "body" as checks.py reads it: paragraphs plus top-level table cells (uniqueness counts both).
    body = "\n".join([p.text for p in d.paragraphs] + [c for t in tables for row in t for c in row])
    return TemplateContent(paras, tables, body)


def _searchable(p) -> str:
    """The paragraph's text up to its first field or content control. A field's result (a DOCVARIABLE's
    'Column1' in a report template's table, a date) reads as text to python-docx but is a field in LibreOffice,
    which finding and selecting text skip; a placeholder control (a letter's <Recipient's name>) is missing from
    python-docx's text but shown in LibreOffice's. Either way a task naming that text could not be done (the
    oracle's select_text found it 0 times). Families sample targets from this text; checks read the whole."""
    from copy import deepcopy

    from docx.text.paragraph import Paragraph

    first = next(iter(p._p.xpath(".//w:fldChar | .//w:fldSimple | .//w:sdt")), None)
    if first is None:
        return p.text
    copy = deepcopy(p._p)
    marker = copy.xpath(".//w:fldChar | .//w:fldSimple | .//w:sdt")[0]
    while marker.getparent() is not copy:
        marker = marker.getparent()
    for sibling in [marker, *marker.itersiblings()]:
        copy.remove(sibling)
    return Paragraph(copy, p._parent).text


def _searchable_cell(cell) -> str:
    """A cell's text as `cell.text` joins it, up to the first field (see _searchable)."""
    parts = []
    for p in cell.paragraphs:
        text = _searchable(p)
        parts.append(text)
        if text != p.text:
            break
    return "\n".join(parts)


def describe(content: TemplateContent, title: str, kind: str) -> str:
    """A description derived from the content (what the embedding ranking compares the task to)."""
    heads = [p.text for p in content.paragraphs if p.style.startswith(("Heading", "Title")) and p.text][:4]
    n_text = sum(1 for p in content.paragraphs if p.text)
    n_list = sum(1 for p in content.paragraphs if p.is_list and p.text)
    parts = [f"{kind.replace('-', ' ')} '{title}'", f"{n_text} paragraphs"]
    if n_list:
        parts.append(f"{n_list} list items")
    if content.tables:
        parts.append(f"{len(content.tables)} table(s)")
    if heads:
        parts.append("sections: " + "; ".join(h[:50] for h in heads))
    first = next((p.text for p in content.paragraphs if len(p.text.split()) > 6), "")
    if first:
        parts.append("about: " + first[:120])
    return ", ".join(parts)


# ---------------------------------------------------------------- help pages -> .docx


@dataclass
class _Block:
    kind: str  # title | h1 | h2 | p | ul | ol
    text: str


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _help_blocks(html_path: Path) -> list[_Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_path.read_text(encoding="utf-8", errors="replace"), "lxml")
    body = soup.find(id="DisplayArea") or soup.body
    if body is None:
        return []
    blocks: list[_Block] = []
    for el in body.find_all(["h1", "h2", "h3", "p", "li"]):
        if el.find_parent(["table"]) is not None and el.name != "li":
            continue
        text = _clean(el.get_text(" "))
        if len(text) < 3 or text.startswith(("Related Topics", "Please support us")):
            continue
        if el.name == "h1":
            blocks.append(_Block("title" if not blocks else "h1", text))
        elif el.name in ("h2", "h3"):
            blocks.append(_Block("h2", text))
        elif el.name == "li":
            blocks.append(_Block("ol" if el.find_parent("ol") else "ul", text))
        elif el.find_parent("li") is None:
            blocks.append(_Block("p", text))
    return blocks


def _write_help_docx(blocks: list[_Block], out: Path) -> None:
    d = docx.Document()
    paras = [b for b in blocks if b.kind == "p"]
    for b in blocks[:40]:
        style = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2", "p": None,
                 "ul": "List Bullet", "ol": "List Number"}[b.kind]
        d.add_paragraph(b.text, style=style)
    # A summary table built from the page's own text: one row per body paragraph (first words, length).
    rows = paras[: min(4, len(paras))]
    if len(rows) >= 2:
        t = d.add_table(rows=len(rows) + 1, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text = "Step", "Words"
        for i, b in enumerate(rows, 1):
            t.cell(i, 0).text = " ".join(b.text.split()[:4])
            t.cell(i, 1).text = str(len(b.text.split()))
        d.add_paragraph("End of the summary.")
    _set_core(d)
    d.save(str(out))


def _set_core(d) -> None:
    # Fixed metadata so two builds give identical documents.
    import datetime

    fixed = datetime.datetime(2024, 1, 1)
    d.core_properties.created = fixed
    d.core_properties.modified = fixed
    d.core_properties.last_modified_by = "lamfactory"
    d.core_properties.author = "lamfactory"


def _convert_ott(src: Path, out_dir: Path) -> Path | None:
    """soffice --convert-to docx with a private profile; None when it fails (logged)."""
    profile = Path(tempfile.mkdtemp(prefix="lam-convert-"))
    try:
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
        subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)],
                       env=env, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("could not convert %s: %s", src, e)
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = out_dir / (src.stem + ".docx")
    return out if out.is_file() else None


def build_templates(out_dir: str | Path, *, help_pages: int = HELP_PAGES, ott: bool = True) -> list[Template]:
    """Build the template library into out_dir (documents + templates.jsonl); deterministic."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not HELP_GUIDE_DIR.is_dir():
        raise FileNotFoundError(f"LibreOffice help pages not found at {HELP_GUIDE_DIR} (install libreoffice-help-en-us)")
    templates: list[Template] = []
    for html in sorted(HELP_GUIDE_DIR.glob("*.html")):
        if len(templates) >= help_pages:
            break
        blocks = _help_blocks(html)
        if sum(b.kind == "p" for b in blocks) < MIN_PAGE_PARAGRAPHS or not blocks or blocks[0].kind != "title":
            continue
        path = out_dir / f"help_{html.stem}.docx"
        _write_help_docx(blocks, path)
        templates.append(_template(path, f"help_{html.stem}", "help-page", blocks[0].text))
    if ott:
        for rel in OTT_TEMPLATES:
            src = OTT_DIR / rel
            if not src.is_file():
                continue
            converted = _convert_ott(src, out_dir)
            if converted is None:
                log.warning("skipped %s (conversion failed)", src)
                continue
            tid = "lo_" + src.stem.lower().replace("-", "_")
            path = converted.rename(out_dir / f"{tid}.docx")
            templates.append(_template(path, tid, "libreoffice-template", src.stem.replace("_", " ")))
    write_jsonl(out_dir / INDEX_FILE, templates)
    return templates


def _template(path: Path, tid: str, kind: str, title: str) -> Template:
    content = read_content(path)
    return Template(template_id=tid, path=str(path.resolve()), description=describe(content, title, kind), kind=kind,
                    paragraphs=sum(1 for p in content.paragraphs if p.text), tables=len(content.tables))
