"""Phase 1 -> LAM1: task-plan pretraining (SFT on task -> plan pairs)."""

from __future__ import annotations

from pathlib import Path

from lamfactory.core.records import TaskPlan
from lamfactory.train.config import PromptSettings, SFTSettings
from lamfactory.train.data import plan_example
from lamfactory.train.phase import PhaseResult
from lamfactory.train.sft import run_sft


class PlanConfig(SFTSettings):
    pass


def train_plan(base: str | Path, plans: list[TaskPlan], cfg: PlanConfig, *, out_dir: str | Path,
               prompt: PromptSettings = PromptSettings(), callbacks=None) -> PhaseResult:
    """SFT of the base model on task -> numbered plan (prompt: agent.prompt.render_plan_messages)."""
    return run_sft("plan", base, [plan_example(p, prompt) for p in plans], cfg, out_dir=out_dir, prompt=prompt,
                   callbacks=callbacks)
