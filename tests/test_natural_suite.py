"""The natural-request Writer suite (benchmarks/natural/): every check can fail and can pass, format
solutions keep the text, and the runner prints one JSON line (the last test starts soffice)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the package `natural` (never benchmarks/natural itself)

from natural import docx_checks as dc  # noqa: E402
from natural.documents import DOCUMENTS, build_documents  # noqa: E402
from natural.requests import REQUESTS, Char, original  # noqa: E402


def _roundtrip(doc):
    buf = io.BytesIO()
    doc.save(buf)
    return docx.Document(io.BytesIO(buf.getvalue()))


def test_size_and_spread():
    assert len(REQUESTS) >= 60
    assert len(DOCUMENTS) >= 6
    assert len({r.id for r in REQUESTS}) == len(REQUESTS)
    per_doc = {d: sum(r.doc == d for r in REQUESTS) for d in DOCUMENTS}
    assert min(per_doc.values()) >= 8, per_doc
    assert {r.kind for r in REQUESTS} == {"format", "edit"}
    assert sum(r.edits >= 2 for r in REQUESTS) >= 8


def test_documents_are_ordinary_and_deterministic(tmp_path):
    a = build_documents(tmp_path / "a")
    b = build_documents(tmp_path / "b")
    assert set(a) == set(DOCUMENTS)
    n_tables = 0
    for doc_id, path in a.items():
        d = docx.Document(str(path))
        body = [p for p in d.paragraphs if p.text.strip()]
        assert 5 <= len(body) <= 12, (doc_id, len(body))
        assert any(p.style.name in ("Title", "Heading 1") for p in body[:4]), doc_id
        n_tables += len(d.tables)
        assert dc.full_text(d) == dc.full_text(docx.Document(str(b[doc_id])))
    assert n_tables >= 1


def test_quote_styles_mixed():
    texts = [r.request for r in REQUESTS]
    assert any("'" in t for t in texts)
    assert any('"' in t for t in texts)
    assert any("\u201c" in t or "\u2018" in t for t in texts)
    assert any(not any(q in t for q in "'\"\u201c\u201d\u2018\u2019") for t in texts)


@pytest.mark.parametrize("req", REQUESTS, ids=[r.id for r in REQUESTS])
def test_check_fails_untouched_and_passes_after_solve(req):
    untouched = _roundtrip(original(req.doc))
    assert req.check(untouched) is not None, "check passes on the untouched document"
    doc = original(req.doc)
    req.solve(doc)
    solved = _roundtrip(doc)
    assert req.check(solved) is None, req.check(solved)
    if req.kind == "format":
        assert not dc.text_changed(original(req.doc), solved), "format solve changed the text"


@pytest.mark.parametrize("req", [r for r in REQUESTS if r.kind == "format" and len(r.fmt) == 1
                                 and isinstance(r.fmt[0], Char)], ids=lambda r: r.id)
def test_format_check_is_strict(req):
    """Over-applying the property (to the whole paragraph and the next one), or typing over the text,
    fails."""
    f = req.fmt[0]
    doc = original(req.doc)
    req.solve(doc)
    victims = [u.text for u in dc.units(_roundtrip(doc)) if u.where == "body"
               and dc.norm_chars(f.span) not in u.ntext
               and any(not dc.same_value(f.prop, c[f.prop], f.value) for c in u.chars)]
    assert victims
    over = original(req.doc)
    req.solve(over)
    for p in [q for q in over.paragraphs if q.text == victims[0]]:
        for r in p.runs:
            if f.prop == "size":
                r.font.size = docx.shared.Pt(f.value)
            elif f.prop == "highlight":
                r.font.highlight_color = docx.enum.text.WD_COLOR_INDEX.YELLOW
            else:
                setattr(r.font, f.prop, f.value)
    assert req.check(_roundtrip(over)) is not None, "check passes with the property on another paragraph"
    typed = original(req.doc)
    req.solve(typed)
    for p in typed.paragraphs:
        if dc.norm_chars(f.span) in dc.norm_chars(p.text):
            p.runs[-1].text = p.runs[-1].text + " x"
            break
    else:
        typed.add_paragraph("extra words")
    assert req.check(_roundtrip(typed)) is not None, "check passes although the text changed"


def test_highlight_as_shading_is_accepted():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    req = next(r for r in REQUESTS if r.id == "re-04")
    doc = original(req.doc)
    req.solve(doc)
    for p in doc.paragraphs:
        for r in p.runs:
            if r.font.highlight_color is not None:
                r.font.highlight_color = None
                r._r.get_or_add_rPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:fill="FFFF00"/>'))
    assert req.check(_roundtrip(doc)) is None


def test_runner_random_three_requests():
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "natural_suite.py"), "--model", "random",
                           "--limit", "3", "--max-steps", "3"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout[-2000:]
    out = json.loads(lines[0])
    for key in ("model", "requests", "passed", "tsr", "tsr_ci95_wilson", "destructive_format_episodes",
                "format_episodes", "seconds", "per_request"):
        assert key in out, key
    assert out["requests"] == 3 and len(out["per_request"]) == 3
    for row in out["per_request"]:
        assert set(row) >= {"id", "doc", "kind", "passed", "reason", "steps", "destructive"}
        assert not row["reason"].startswith("error:"), row
    lo, hi = out["tsr_ci95_wilson"]
    assert 0.0 <= lo <= out["tsr"] <= hi <= 1.0
