"""What every phase shares: config fingerprints (a completed phase with the same fingerprint is skipped),
resumable HF checkpoints, and the files a finished phase leaves beside its model:

    lamfactory.json     phase, fingerprint, prompt and decode settings (the agent reads these), written LAST = completion mark
    phase_config.json   the phase's config
    metrics.json        train loss start/end, tokens/s, seconds, phase-specific figures
    log.jsonl           the trainer's log history
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

from lamfactory.core.records import write_json, write_jsonl
# the agent reads these settings from a checkpoint; read_prompt_settings is re-exported for lamfactory.train
from lamfactory.agent.settings import MARKER, DecodeSettings, PromptSettings, read_prompt_settings  # noqa: F401
from lamfactory.train.config import Config

CHECKPOINTS = "checkpoints"
OUTPUT = {"plan": "lam1", "imitate": "lam2", "boost": "lam3", "reward": "reward", "rl": "lam4"}  # phase -> folder


class PhaseResult(BaseModel):
    phase: str
    model_dir: str
    skipped: bool = False
    metrics: dict[str, Any] = {}


class LogLine(BaseModel):
    model_config = {"extra": "allow"}


def fingerprint(*parts: Any) -> str:
    blob = json.dumps([p.model_dump() if isinstance(p, BaseModel) else p for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def model_fingerprint(path: str | Path) -> str:
    """A phase output's own fingerprint (so a retrained parent invalidates its children), else the path/id."""
    marker = Path(path) / MARKER
    return json.loads(marker.read_text())["fingerprint"] if marker.exists() else str(path)


def completed(out_dir: Path, fp: str, phase: str) -> Optional[PhaseResult]:
    marker = out_dir / MARKER
    if not marker.exists():
        return None
    info = json.loads(marker.read_text())
    if info.get("fingerprint") != fp:
        return None
    metrics = json.loads((out_dir / "metrics.json").read_text())
    return PhaseResult(phase=phase, model_dir=str(out_dir), skipped=True, metrics=metrics)


def start(out_dir: Path, fp: str) -> Optional[str]:
    """Prepare out_dir; return the last checkpoint to resume from when the same config was interrupted."""
    from transformers.trainer_utils import get_last_checkpoint

    marker = out_dir / MARKER
    if marker.exists():  # a finished phase with another config: retrain from scratch
        marker.unlink()
    ckpts = out_dir / CHECKPOINTS
    stamp = ckpts / "fingerprint"
    if ckpts.exists() and (not stamp.exists() or stamp.read_text() != fp):
        shutil.rmtree(ckpts)
    ckpts.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fp)
    return get_last_checkpoint(str(ckpts))


def loss_summary(log_history: list[dict]) -> dict[str, Any]:
    losses = [h["loss"] for h in log_history if "loss" in h]
    return {"train_loss_start": losses[0] if losses else None, "train_loss_end": losses[-1] if losses else None}


def finish(out_dir: Path, phase: str, fp: str, cfg: Config, prompt: PromptSettings, metrics: dict[str, Any],
           log_history: list[dict], decode: DecodeSettings = DecodeSettings()) -> PhaseResult:
    write_json(out_dir / "phase_config.json", cfg.model_dump())
    write_jsonl(out_dir / "log.jsonl", [LogLine(**h) for h in log_history])
    write_json(out_dir / "metrics.json", metrics)
    shutil.rmtree(out_dir / CHECKPOINTS, ignore_errors=True)
    # the default decode settings beside the model, so a run can tell what it was decoded with
    write_json(out_dir / MARKER, {"phase": phase, "fingerprint": fp, "prompt": prompt.model_dump(),
                                  "decode": decode.model_dump()})
    return PhaseResult(phase=phase, model_dir=str(out_dir), metrics=metrics)

