"""Stage 1 end to end: sources -> extract -> clean -> dedup -> split -> evolve -> outputs.

    stats = build_plans(["libreoffice-help"], "runs/x/plans", evolve=600, llm_roles={}, seed=0)

Outputs in `out_dir`: plans.jsonl (every kept record, extracted then evolved), dataset/ (a Hugging Face
DatasetDict with train/test splits, save_to_disk), stats.json (counts per source, method, drop reason and
split, length histograms, timings, and the input fingerprint). The directory is built under a temporary
name and renamed at the end, so a failure leaves nothing partial; a rerun whose fingerprint (sources'
files, options, this stage's code) matches the existing stats.json returns them without rebuilding.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from lamfactory.llm import ROLES, LLMSpecError, role_llm
from lamfactory.llm.base import LLM, LLMError
from lamfactory.plans.clean import clean, dedup, embed, plan_text
from lamfactory.plans.evolve import evolve_offline, evolve_with_llm, plan_id
from lamfactory.plans.extract import (Extraction, ParsedPage, corpus_casing, extract_procedures, extract_with_llm,
                                      parse_page)
from lamfactory.plans.sources import (PlansError, SourceSpec, documents, fingerprint_files, parse_source,
                                      read_queries)
from lamfactory.plans.text import base_verb, heading_to_task
from lamfactory.core.app import DEFAULT_APP, get_app
from lamfactory.core.records import Source, TaskPlan, write_json, write_jsonl

TEST_FRACTION = 0.1
QUERY_MATCH_COSINE = 0.75  # offline, a query borrows the plan of a documented task at least this similar
STATS_VERSION = 1


def build_plans(sources: list[str], out_dir: str | Path, evolve: int = 600, llm_roles: Optional[dict] = None,
                seed: int = 0, progress: bool = False, app: str = DEFAULT_APP) -> dict[str, Any]:
    """Build (or reuse) the task-plan data set; returns the stats. Raises PlansError / LLMError on bad input."""
    out_dir = Path(out_dir)
    llm_roles = dict(llm_roles or {})
    unknown = set(llm_roles) - set(ROLES)
    if unknown:
        raise PlansError(f"unknown LLM role(s): {', '.join(sorted(unknown))}")
    if not sources:
        raise PlansError("no source given (use --source libreoffice-help, docs:DIR or queries:FILE)")
    if evolve < 0:
        raise PlansError("--evolve must be 0 or more")
    application = get_app(app)
    specs = [parse_source(s, application) for s in sources]
    docs = {i: documents(s, application) for i, s in enumerate(specs) if s.kind != "queries"}
    queries = {i: read_queries(s) for i, s in enumerate(specs) if s.kind == "queries"}
    files = [d.path for ds in docs.values() for d in ds] + [specs[i].path for i in queries]
    fingerprint = _fingerprint(sources, files, evolve, llm_roles, seed, app)
    previous = _read_stats(out_dir)
    if previous and previous.get("fingerprint") == fingerprint and (out_dir / "plans.jsonl").is_file():
        return {**previous, "reused": True}
    try:
        extract_llm = role_llm(llm_roles, "extract")
        evolve_llm = role_llm(llm_roles, "evolve")
    except LLMSpecError as e:
        raise PlansError(str(e)) from None

    with _staging(out_dir) as stage:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        drops: Counter = Counter()
        per_source: Counter = Counter()
        per_method: Counter = Counter()

        with _progress(progress) as bar:
            parsed: list[tuple[Any, ParsedPage]] = []
            n_pages = sum(len(ds) for ds in docs.values())
            task = bar.add_task("parse pages", total=n_pages) if bar else None
            for ds in docs.values():
                for d in ds:
                    parsed.append((d, parse_page(d.read_html(), application.help)))
                    if bar:
                        bar.advance(task)
        timings["parse"] = time.perf_counter() - t0

        casing = corpus_casing([p for _, p in parsed])
        extracted: list[TaskPlan] = []
        with _progress(progress) as bar:
            task = bar.add_task("extract", total=len(parsed)) if bar else None
            for d, page in parsed:
                ex = _extract(page, d.kind, d.rel, casing, extract_llm, drops, app)
                per_method.update(ex.methods)
                if ex.reason:
                    drops[ex.reason] += 1
                per_source[d.kind] += len(ex.plans)
                extracted.extend(ex.plans)
                if bar:
                    bar.advance(task)
        timings["extract"] = time.perf_counter() - t0 - sum(timings.values())

        t = time.perf_counter()
        kept = clean(extracted, drops, application)
        for i, qs in queries.items():
            from_queries = _plans_from_queries(qs, str(specs[i].path), kept, extract_llm, drops, app)
            per_source["queries"] += len(from_queries)
            kept += clean(from_queries, drops, application)
        if not kept:
            raise PlansError("no task-plan pair survived extraction and cleaning; see the sources")
        vectors = embed([plan_text(p) for p in kept])
        kept, vectors = dedup(kept, vectors, drops)
        kept = [p.model_copy(update={"task_id": plan_id(app, p.task, p.plan)}) for p in kept]
        splits = {p.task_id: _split(p.task_id) for p in kept}
        timings["clean"] = time.perf_counter() - t

        t = time.perf_counter()
        if evolve_llm is not None:
            evolved = evolve_with_llm(evolve_llm, kept, evolve, seed, drops, application.display_name)
        else:
            evolved = evolve_offline(kept, vectors, splits, evolve, seed, drops)
        for p in evolved:
            splits[p.task_id] = splits[p.parents[0]]  # a child stays in its parents' split: no leakage
        timings["evolve"] = time.perf_counter() - t

        t = time.perf_counter()
        records = kept + evolved
        write_jsonl(stage / "plans.jsonl", records)
        _save_dataset(records, splits, stage / "dataset")
        stats = _stats(records, splits, extracted, per_source, per_method, drops, evolve)
        timings["write"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t0
        stats.update(fingerprint=fingerprint, sources=sources, seed=seed, llm=llm_roles,
                     seconds={k: round(v, 2) for k, v in timings.items()}, version=STATS_VERSION)
        write_json(stage / "stats.json", stats)
    return {**stats, "reused": False}


# ---------------------------------------------------------------- steps


def _extract(page: ParsedPage, kind: str, rel: str, casing: dict[str, str], llm: Optional[LLM], drops: Counter,
             app: str) -> Extraction:
    if llm is not None:
        try:
            return extract_with_llm(llm, page, source_kind=kind, path=rel, app=app,
                                    app_name=get_app(app).display_name)
        except LLMError:
            drops["extract: LLM failed, offline fallback used"] += 1
    return extract_procedures(page, source_kind=kind, path=rel, casing=casing, app=app)


QUERY_SCHEMA = {
    "type": "object",
    "properties": {"relevant": {"type": "boolean"}, "task": {"type": "string"},
                   "plan": {"type": "array", "items": {"type": "string"}}},
    "required": ["relevant", "task", "plan"],
}

QUERY_PROMPT = """A user searched the web with this query about {app_name}: "{query}"
If the query asks how to do something in {app_name}, rewrite it as one imperative request (e.g. \
"Add a border to a page") and give the step-by-step plan to complete it in {app_name}, with menu \
paths written like "Format - Character". Otherwise set relevant to false.
Answer with JSON: {{"relevant": true, "task": "...", "plan": ["...", "..."]}}"""


def query_to_task(query: str, app_name: str = "") -> Optional[str]:
    """Offline: keep a query only when it already reads as a task ('how to insert a table in writer' ->
    'Insert a table'); a trailing 'in <the app's name>' (any of its words, or LO/OpenOffice) is dropped."""
    q = re.sub(r"^(how (do|can|to|should) (i |you |we )?|how to |i want to |i need to )", "",
               query.strip().rstrip("?.! "), flags=re.I)
    names = "|".join(re.escape(w) for w in [*app_name.lower().split(), "lo", "openoffice"])
    q = re.sub(rf"\s+(in|with|using)(\s+({names}))+\s*$", "", q, flags=re.I)
    q = q.rstrip("?.! ")
    return heading_to_task(q) if q and base_verb(q.split()[0]) == q.split()[0].lower() else None


def _plans_from_queries(queries: list[str], path: str, documented: list[TaskPlan], llm: Optional[LLM],
                        drops: Counter, app: str) -> list[TaskPlan]:
    out: list[TaskPlan] = []
    if llm is not None:
        for q in queries:
            try:
                ans = llm.chat_json([{"role": "user", "content": QUERY_PROMPT.format(query=q, app_name=get_app(app).display_name)}], QUERY_SCHEMA)
            except LLMError:
                drops["query: LLM failed"] += 1
                continue
            if not ans["relevant"]:
                drops["query: not about the application"] += 1
                continue
            out.append(TaskPlan(task_id="", app=app, task=ans["task"].strip(), plan=ans["plan"],
                                source=Source(kind="queries", url_or_path=path, title=q)))
        return out
    tasks = [(q, query_to_task(q, get_app(app).display_name)) for q in queries]
    drops["query: not a task"] += sum(t is None for _, t in tasks)
    tasks = [(q, t) for q, t in tasks if t]
    if not tasks or not documented:
        drops["query: no documented procedure"] += len(tasks)
        return out
    # the plan comes from the documentation: the most similar documented task, if similar enough
    sims = embed([t for _, t in tasks]) @ embed([p.task for p in documented]).T
    for (q, t), row in zip(tasks, sims):
        best = int(row.argmax())
        if row[best] < QUERY_MATCH_COSINE:
            drops["query: no documented procedure"] += 1
            continue
        out.append(TaskPlan(task_id="", app=app, task=t, plan=list(documented[best].plan),
                            source=Source(kind="queries", url_or_path=path, title=q)))
    return out


def _split(task_id: str) -> str:
    bucket = int(hashlib.sha1(task_id.encode()).hexdigest()[:8], 16) % 1000
    return "test" if bucket < TEST_FRACTION * 1000 else "train"


# ---------------------------------------------------------------- outputs


def _save_dataset(records: list[TaskPlan], splits: dict[str, str], path: Path) -> None:
    from datasets import Dataset, DatasetDict, Features, Sequence, Value, disable_progress_bars

    disable_progress_bars()
    features = Features({"task_id": Value("string"), "app": Value("string"), "task": Value("string"),
                         "plan": Sequence(Value("string")), "source_kind": Value("string"),
                         "source": Value("string"), "source_title": Value("string"),
                         "parents": Sequence(Value("string")), "evolved": Value("bool")})
    rows: dict[str, list[dict]] = {"train": [], "test": []}
    for p in records:
        rows[splits[p.task_id]].append({"task_id": p.task_id, "app": p.app, "task": p.task, "plan": p.plan,
                                        "source_kind": p.source.kind, "source": p.source.url_or_path,
                                        "source_title": p.source.title, "parents": p.parents,
                                        "evolved": p.evolved})
    columns = {split: {name: [r[name] for r in v] for name in features} for split, v in rows.items()}
    DatasetDict({k: Dataset.from_dict(c, features=features) for k, c in columns.items()}).save_to_disk(str(path))


def _histogram(values: list[int], width: int = 1) -> dict[str, int]:
    bins = Counter((v // width) * width for v in values)
    return {(str(b) if width == 1 else f"{b}-{b + width - 1}"): bins[b] for b in sorted(bins)}


def _stats(records: list[TaskPlan], splits: dict[str, str], extracted: list[TaskPlan], per_source: Counter,
           per_method: Counter, drops: Counter, evolve_target: int) -> dict[str, Any]:
    base = [p for p in records if not p.evolved]
    evolved = [p for p in records if p.evolved]
    return {
        "records": len(records),
        "extracted_raw": len(extracted),
        "cleaned": len(base),
        "distinct_tasks": len({p.task.lower() for p in base}),
        "evolved": len(evolved),
        "evolve_target": evolve_target,
        "extracted_per_source": dict(per_source),
        "extracted_per_method": dict(per_method),
        "kept_per_source": dict(Counter(p.source.kind for p in records)),
        "evolved_per_operator": dict(Counter(p.source.title.split(":")[0] for p in evolved)),
        "dropped": dict(drops.most_common()),
        "per_split": dict(Counter(splits[p.task_id] for p in records)),
        "per_split_evolved": dict(Counter(splits[p.task_id] for p in evolved)),
        "histograms": {"plan_steps": _histogram([len(p.plan) for p in records]),
                       "task_words": _histogram([len(p.task.split()) for p in records], 5),
                       "plan_steps_cleaned": _histogram([len(p.plan) for p in base])},
    }


def _read_stats(out_dir: Path) -> Optional[dict[str, Any]]:
    try:
        return json.loads((out_dir / "stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fingerprint(sources: list[str], files: list[Path], evolve: int, roles: dict, seed: int, app: str) -> str:
    h = hashlib.sha256()
    code = sorted(Path(__file__).parent.glob("*.py"))
    for f in code:  # a change to this stage's code invalidates its outputs
        h.update(f.read_bytes())
    h.update(json.dumps([sources, evolve, roles, seed, app, STATS_VERSION], sort_keys=True).encode())
    h.update(fingerprint_files(files).encode())
    return h.hexdigest()[:24]


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A temporary sibling directory that replaces `out_dir` only when the block succeeds."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    stage.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _progress(enabled: bool):
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as bar:
        yield bar


__all__ = ["build_plans", "PlansError", "SourceSpec", "query_to_task"]
