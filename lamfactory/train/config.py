"""Settings shared by the phases. Every config is pydantic with extra="forbid": a misspelt key is one clear
error naming it. Each phase's own config lives beside its trainer function (plan.py, imitate.py, ...)."""

from __future__ import annotations

from typing import Optional, Union

from pydantic import BaseModel, ConfigDict

# how samples are rendered: the agent reads it from a checkpoint, so it lives there (re-exported for the phases)
from lamfactory.agent.settings import PromptSettings  # noqa: F401


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraSettings(Config):
    """PEFT LoRA; the adapter is merged into the saved checkpoint, so every phase loads as a plain model."""

    r: int = 8
    alpha: int = 32
    dropout: float = 0.05
    target_modules: Union[str, list[str]] = "all-linear"


class SFTSettings(Config):
    """Supervised fine-tuning (phases plan, imitate, boost). Effective batch = batch_size * grad_accum * GPUs."""

    learning_rate: float = 2e-5
    lr_scheduler: str = "cosine"
    epochs: int = 3
    samples_per_epoch: Optional[int] = None  # a fresh random subsample each epoch (CPU time budget)
    batch_size: int = 16
    grad_accum: int = 1
    max_length: int = 1024  # tokens of prompt + target; longer samples are cut at the end
    warmup: float = 0.0  # ratio of the steps when < 1
    weight_decay: float = 0.0
    lora: Optional[LoraSettings] = None  # None = full fine-tuning
    gradient_checkpointing: bool = False
    save_steps: int = 200  # checkpoint period: an interrupted phase resumes from the last one
    logging_steps: int = 10
    max_steps: int = -1  # > 0 stops early (smoke runs)
    eval_samples: int = 32  # held-out step samples scored by greedy exact match after training (0 = off)
    seed: int = 0

