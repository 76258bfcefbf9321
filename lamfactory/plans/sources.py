"""Where how-to knowledge comes from. A source spec names one:

    help[:DIR]               the app's installed help (App.help: its folders, most relevant first; for
                             LibreOffice apps Debian's libreoffice-help-en-us); DIR overrides the root.
                             "libreoffice-help[:DIR]" is the same (the name configs used first)
    docs:DIR                 any folder of HTML or Markdown documentation (searched recursively)
    queries:FILE             search queries, one per line

Every problem with a source (missing folder, unreadable file, nothing in it) is a PlansError with a
one-line message naming the source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lamfactory.core.app import App

DOC_SUFFIXES = (".html", ".htm", ".xhtml", ".md", ".markdown")


class PlansError(RuntimeError):
    """A problem with the stage's input or configuration (one line, fit for the CLI)."""


@dataclass(frozen=True)
class Document:
    kind: str  # "libreoffice-help" | "docs"
    path: Path
    rel: str  # path shown in records: relative to the source root

    def read_html(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PlansError(f"cannot read {self.path}: not UTF-8 text") from None
        except OSError as e:
            raise PlansError(f"cannot read {self.path}: {e.strerror}") from None
        if self.path.suffix.lower() in (".md", ".markdown"):
            from markdown_it import MarkdownIt

            return MarkdownIt("commonmark").render(text)
        return text


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    path: Path


HELP_KINDS = ("help", "libreoffice-help")


def parse_source(spec: str, app: App) -> SourceSpec:
    kind, _, arg = spec.partition(":")
    if kind in HELP_KINDS:
        if app.help is None:
            raise PlansError(f"source {spec!r}: {app.display_name} declares no installed help")
        return SourceSpec(kind, Path(arg) if arg else app.help.root)
    if kind in ("docs", "queries"):
        if not arg:
            raise PlansError(f"source {spec!r}: give a path, e.g. {kind}:/path")
        return SourceSpec(kind, Path(arg))
    raise PlansError(f"source {spec!r}: unknown kind {kind!r}; use help, docs:DIR or queries:FILE")


def documents(spec: SourceSpec, app: App) -> list[Document]:
    """The pages of a help or docs source, in a stable order."""
    root = spec.path
    if not root.is_dir():
        raise PlansError(f"source {spec.kind}:{root}: folder not found")
    if spec.kind in HELP_KINDS:
        files = [f for folder in app.help.folders for f in sorted((root / folder).glob("*.html"))]
    else:
        files = sorted(f for f in root.rglob("*") if f.suffix.lower() in DOC_SUFFIXES and f.is_file())
    if not files:
        what = f"{app.display_name} help pages" if spec.kind in HELP_KINDS else "HTML or Markdown files"
        raise PlansError(f"source {spec.kind}:{root}: no {what} found")
    return [Document(spec.kind, f, str(f.relative_to(root))) for f in files]


def read_queries(spec: SourceSpec) -> list[str]:
    try:
        lines = spec.path.read_text(encoding="utf-8").splitlines()
    except IsADirectoryError:
        raise PlansError(f"source queries:{spec.path}: is a folder, expected a text file") from None
    except UnicodeDecodeError:
        raise PlansError(f"source queries:{spec.path}: not UTF-8 text") from None
    except OSError as e:
        raise PlansError(f"source queries:{spec.path}: cannot read: {e.strerror}") from None
    queries = [q.strip() for q in lines if q.strip() and not q.lstrip().startswith("#")]
    if not queries:
        raise PlansError(f"source queries:{spec.path}: the file holds no queries")
    return queries


def fingerprint_files(paths: list[Path]) -> str:
    """Changes when any input file is added, removed or modified (name, size, mtime)."""
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
