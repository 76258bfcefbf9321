"""The stages chained from one config: plans → dataflow → train → eval → report.

Each stage reads only its inputs' files and writes only its own folder under the workdir. A stage is
skipped when its recorded fingerprint (its config section + its inputs' fingerprints) is unchanged and it
finished; an interrupted stage is simply run again and resumes from what it wrote (each stage is resumable
on its own). `manifest.json` records config, package versions, seeds, per-stage timings and counts.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Optional

from lamfactory.config import PipelineConfig
from lamfactory.core.records import write_json

STAGES = ("plans", "dataflow", "train", "eval", "report")
# the file whose presence says a stage's output is complete (a stage is never skipped without it)
OUTPUTS = {"plans": "plans/plans.jsonl", "dataflow": "dataflow/summary.json", "train": "models/lam4/lamfactory.json",
           "eval": "eval/summary.json", "report": "report/report.html"}
PACKAGES = ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "sentence-transformers",
            "python-docx", "rapidfuzz", "openai", "outlines")


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _output_digest(workdir: Path, stage: str) -> str:
    """A stage's output file's content hash: a later stage reruns when it changed (e.g. `--only eval`
    re-evaluated, so the report must be rewritten), not only when the config did."""
    path = workdir / OUTPUTS[stage]
    if not path.exists():
        return "missing"
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def load_manifest(workdir: Path) -> dict[str, Any]:
    path = workdir / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {"stages": {}}


def select_stages(only: Optional[str] = None, start: Optional[str] = None) -> list[str]:
    for name in (only, start):
        if name is not None and name not in STAGES:
            raise ValueError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    if only:
        return [only]
    return list(STAGES[STAGES.index(start):]) if start else list(STAGES)


def run_pipeline(cfg: PipelineConfig, workdir: str | Path, *, only: Optional[str] = None,
                 start: Optional[str] = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the selected stages in order; return the manifest."""
    from lamfactory import stages

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(workdir)
    manifest.update(config=cfg.model_dump(), versions=_versions(), seed=cfg.seed)
    runners = {"plans": stages.run_plans, "dataflow": stages.run_dataflow, "train": stages.run_train,
               "eval": stages.run_eval, "report": stages.run_report}
    upstream = ""
    for name in STAGES:
        section = getattr(cfg, name, None)
        section_data = section.model_dump() if hasattr(section, "model_dump") else section
        fp = _fingerprint(name, section_data, cfg.seed, upstream)
        if name not in select_stages(only, start):
            upstream = _fingerprint(fp, _output_digest(workdir, name))
            continue
        record = manifest["stages"].get(name, {})
        if record.get("status") == "done" and record.get("fingerprint") == fp and (workdir / OUTPUTS[name]).exists():
            log(f"[{name}] up to date — skipped ({record.get('seconds', 0):.0f} s when it ran)")
            upstream = _fingerprint(fp, _output_digest(workdir, name))
            continue
        log(f"[{name}] running…")
        manifest["stages"][name] = {"status": "running", "fingerprint": fp}
        write_json(workdir / "manifest.json", manifest)
        t0 = time.perf_counter()
        counts = runners[name](cfg, workdir, log)
        manifest["stages"][name] = {"status": "done", "fingerprint": fp,
                                    "seconds": round(time.perf_counter() - t0, 1), "counts": counts}
        write_json(workdir / "manifest.json", manifest)
        log(f"[{name}] done in {manifest['stages'][name]['seconds']:.0f} s: {counts}")
        upstream = _fingerprint(fp, _output_digest(workdir, name))
    return manifest
