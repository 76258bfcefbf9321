"""Phase 2 -> LAM2: learning from experts (SFT on expert step samples, state -> seven-key action JSON)."""

from __future__ import annotations

import random
from pathlib import Path

from lamfactory.core.records import StepSample
from lamfactory.train.config import PromptSettings, SFTSettings
from lamfactory.train.data import step_example
from lamfactory.train.phase import PhaseResult
from lamfactory.train.sft import run_sft


class ImitateConfig(SFTSettings):
    pass


def eval_subset(samples: list[StepSample], n: int, seed: int) -> list[StepSample]:
    return random.Random(seed).sample(samples, min(n, len(samples)))


def imitate(lam1: str | Path, steps: list[StepSample], cfg: ImitateConfig, *, out_dir: str | Path,
            prompt: PromptSettings = PromptSettings(), eval_steps: list[StepSample] = (), callbacks=None) -> PhaseResult:
    """SFT of LAM1 on expert steps (prompt: agent.prompt.render_messages, target: render_target)."""
    return run_sft("imitate", lam1, [step_example(s, prompt) for s in steps], cfg, out_dir=out_dir, prompt=prompt,
                   eval_steps=eval_subset(list(eval_steps), cfg.eval_samples, cfg.seed), callbacks=callbacks)
