"""Whether the natural-request suite is solvable by choosing: for each request, are the texts its edit needs
among the options of its first step (the scorer and the constrained decoder only choose among them)?

    python benchmarks/natural_coverage.py [--ids nl-01,mi-02]

Needs no model: each request's document is opened in Writer, observed, and its candidates built as the agent
builds them. A text to select (a span to format, an old text to replace) must be a select_text option; a
paragraph to format must hold one; a text to type (a replacement, a new paragraph, a row's cells) must be a
keyboard_input option. Only first-step needs are counted (a new paragraph's own formatting comes later).
Prints one JSON line: per need kind [covered, total], requests fully covered, per-request misses.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from natural.documents import build_documents  # noqa: E402
from natural.requests import REQUESTS, AddRow, Char, InsertPara, Para, Replace  # noqa: E402


def needs(req, paragraphs: list[dict]) -> list[tuple[str, str]]:
    """(kind, text) pairs: select / cursor (a paragraph's text) / type."""
    new_texts = {op.text for op in req.ops if isinstance(op, InsertPara)}
    out = []
    for item in req.ops + req.fmt:
        if isinstance(item, Char):
            out.append(("select", item.span))
        elif isinstance(item, Para) and item.snippet not in new_texts:
            held = next((p["text"] for p in paragraphs if item.snippet in p["text"]), item.snippet)
            out.append(("cursor", held))
        elif isinstance(item, Replace):
            out.append(("select", item.old.strip()))
            if item.new.strip() and item.new not in item.old:
                out.append(("type", item.new.strip()))
        elif isinstance(item, InsertPara):
            out.append(("type", item.text))
        elif isinstance(item, AddRow):
            out += [("type", cell) for cell in item.cells]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", default=None, help="comma-separated request ids (default: all)")
    args = ap.parse_args(argv)

    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.agent.sample import build_sample
    from lamfactory.agent.scorer.options import options
    from lamfactory.agent.settings import DecodeSettings
    from lamfactory.core.app import get_app
    from lamfactory.core.records import TaskInstance

    reqs = [r for r in REQUESTS if not args.ids or r.id in args.ids.split(",")]
    counts = {k: [0, 0] for k in ("select", "cursor", "type")}
    missed, full = {}, 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = build_documents(Path(tmp) / "documents")
        with get_app("writer").make_env() as env:
            for r in reqs:
                obs = env.reset(TaskInstance(task_id=r.id, app="writer", request=r.request, template_id=r.doc,
                                             doc_path=str(paths[r.doc])))
                sample = build_sample(r.request, obs, [], top_k=DecodeSettings().top_k)
                by_label = {c.label: c for c in obs.controls}
                shown = [by_label[c.label] for c in sample.controls if c.label in by_label]
                opts = options(shown, arg_candidates(r.request, obs, shown))
                selectable = [dict(o.args)["text"] for o in opts if o.function == "select_text"]
                typeable = {dict(o.args)["keys"] for o in opts if o.function == "keyboard_input"}
                misses = []
                for kind, text in needs(r, obs.state.get("paragraphs", [])):
                    ok = (text in selectable if kind == "select" else text in typeable if kind == "type"
                          else any(s in text for s in selectable))
                    counts[kind][0] += ok
                    counts[kind][1] += 1
                    if not ok:
                        misses.append(f"{kind}: {text[:60]}")
                full += not misses
                if misses:
                    missed[r.id] = misses
    print(json.dumps({"requests": len(reqs), "fully_covered": full, "needs_covered": counts, "missed": missed}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
