"""Is this file the document its suffix says? Checked before LibreOffice sees it.

LibreOffice opens almost anything: 3,000 random bytes named .docx are imported as text (mojibake), and the
agent then edits that. So a file whose bytes do not match its suffix, an empty file, or a password-protected
one is refused here with one line, before soffice starts. Only the container is checked (zip entries, magic
bytes, the package's content type); what is inside is LibreOffice's to read.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lamfactory.core.app import AppError

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .doc/.xls, and encrypted OOXML
# suffix -> (what it is called, container, the package's content marker)
FORMATS = {
    ".docx": ("Word document", "ooxml", "wordprocessingml"),
    ".dotx": ("Word template", "ooxml", "wordprocessingml"),
    ".xlsx": ("Excel workbook", "ooxml", "spreadsheetml"),
    ".xltx": ("Excel template", "ooxml", "spreadsheetml"),
    ".odt": ("OpenDocument text", "odf", "application/vnd.oasis.opendocument.text"),
    ".ott": ("OpenDocument text template", "odf", "application/vnd.oasis.opendocument.text-template"),
    ".ods": ("OpenDocument spreadsheet", "odf", "application/vnd.oasis.opendocument.spreadsheet"),
    ".ots": ("OpenDocument spreadsheet template", "odf", "application/vnd.oasis.opendocument.spreadsheet-template"),
    ".doc": ("Word 97-2003 document", "cfb", "WordDocument"),
    ".xls": ("Excel 97-2003 workbook", "cfb", "Workbook"),
    ".rtf": ("RTF document", "rtf", ""),
}
_PROTECTED = "is password-protected; save an unprotected copy and give that"


class DocumentError(AppError):
    """The file is not a document of the type its suffix names (one line, fit for the CLI)."""


def check_document(path: str | Path) -> None:
    """Raise DocumentError unless `path` holds what its suffix says. Suffixes not in FORMATS pass."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return
    what, container, marker = fmt
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise DocumentError(f"{path.name}: cannot read it ({e.strerror})") from None
    if not head:
        raise DocumentError(f"{path.name} is empty, not {_a(what)}")
    if container == "rtf":
        if not head.startswith(b"{\\rtf"):
            raise DocumentError(f"{path.name} is not {_a(what)} (it does not start with {{\\rtf)")
        return
    if container == "cfb":
        if not head.startswith(CFB_MAGIC):
            raise DocumentError(f"{path.name} is not {_a(what)} (not an OLE compound file)")
        if _utf16(marker) not in path.read_bytes():
            raise DocumentError(f"{path.name} is not {_a(what)} (no {marker} stream)")
        return
    if head.startswith(CFB_MAGIC) and _utf16("EncryptedPackage") in path.read_bytes():
        raise DocumentError(f"{path.name} {_PROTECTED}")  # OOXML encryption wraps the zip in a compound file
    try:
        with zipfile.ZipFile(path) as z:
            _check_package(path.name, z, what, container, marker)
    except zipfile.BadZipFile:
        raise DocumentError(f"{path.name} is not {_a(what)} (not a zip archive)") from None


def _check_package(name: str, z: zipfile.ZipFile, what: str, container: str, marker: str) -> None:
    names = set(z.namelist())
    if container == "ooxml":
        if "[Content_Types].xml" not in names:
            raise DocumentError(f"{name} is not {_a(what)} (a zip archive without [Content_Types].xml)")
        types = z.read("[Content_Types].xml").decode("utf-8", "replace")
        if marker not in types:
            found = re.search(r"officedocument\.(\w+)\.", types)
            raise DocumentError(f"{name} is not {_a(what)} (the package holds "
                                f"{found[1] if found else 'no Office document'})")
        return
    if "mimetype" not in names:
        raise DocumentError(f"{name} is not {_a(what)} (a zip archive without a mimetype entry)")
    mimetype = z.read("mimetype").decode("ascii", "replace").strip()
    if mimetype != marker:
        raise DocumentError(f"{name} is not {_a(what)} (its mimetype is {mimetype[:80]!r})")
    manifest = "META-INF/manifest.xml"
    if manifest in names and b"encryption-data" in z.read(manifest):
        raise DocumentError(f"{name} {_PROTECTED}")


def load_refused(name: str, error: str) -> DocumentError:
    """The one line for a document the bridge's load refused; `error` is the bridge's ("LibreOffice could not
    open URL; why"): its loader asks nobody, so a .doc or .xls with a password fails there, not in check_document."""
    if "it is password-protected" in error:
        return DocumentError(f"{name} {_PROTECTED}")
    return DocumentError(f"{name}: LibreOffice could not open it")


def _a(what: str) -> str:
    return ("an " if what[0] in "AEIOR" else "a ") + what  # "an OpenDocument text", "an RTF document"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")
