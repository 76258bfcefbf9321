"""Reward model: LAM3 + a scalar head (AutoModelForSequenceClassification, num_labels=1, regression -> MSE),
LoRA r=8 alpha=32 as in the paper, trained to +1 on steps of successful trajectories and -1 on failed ones."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from lamfactory.agent.prompt import render_target
from lamfactory.core.records import StepSample
from lamfactory.train import phase as ph
from lamfactory.train.base import describe_model, load_dtype, load_tokenizer, peft_config, save_model, train_precision
from lamfactory.train.config import LoraSettings, PromptSettings, SFTSettings
from lamfactory.train.data import epoch_mix, shorten, step_messages
from lamfactory.train.imitate import eval_subset


class RewardConfig(SFTSettings):
    learning_rate: float = 1e-4
    epochs: int = 1
    lora: Optional[LoraSettings] = LoraSettings(r=8, alpha=32)
    eval_samples: int = 0  # held-out (split == "test") samples scored; 0 = all of them


def reward_text(tok, messages: list[dict], completion: str) -> str:
    """What the reward model reads: the chat-rendered prompt + the action as the assistant's turn."""
    return tok.apply_chat_template(messages + [{"role": "assistant", "content": completion}], tokenize=False)


def sample_text(tok, sample: StepSample, prompt: PromptSettings) -> str:
    return reward_text(tok, step_messages(sample, prompt), render_target(shorten(sample.target, prompt)))


def load_reward_model(path: str | Path):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(str(path), dtype=load_dtype())


@torch.no_grad()
def score(model, tok, texts: list[str], max_length: int, batch_size: int = 16) -> list[float]:
    tok.padding_side, tok.truncation_side = "right", "left"  # keep the action when a prompt is too long
    model.eval()
    out: list[float] = []
    for i in range(0, len(texts), batch_size):
        enc = tok(texts[i:i + batch_size], return_tensors="pt", padding=True, truncation=True,
                  max_length=max_length, add_special_tokens=False).to(model.device)
        out += model(**enc).logits[:, 0].float().tolist()
    return out


def auc(scores: list[float], labels: list[float]) -> Optional[float]:
    """Probability that a random success outscores a random failure (Mann-Whitney)."""
    pos = np.array([s for s, y in zip(scores, labels) if y > 0])
    neg = np.array([s for s, y in zip(scores, labels) if y <= 0])
    if not len(pos) or not len(neg):
        return None
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def train_reward(lam3: str | Path, steps: list[StepSample], cfg: RewardConfig, *, out_dir: str | Path,
                 prompt: PromptSettings = PromptSettings(), callbacks=None) -> ph.PhaseResult:
    """Train on samples with a reward (train split); report accuracy (sign agreement) and AUC on the test split."""
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer, TrainingArguments

    out_dir = Path(out_dir)
    labelled = [s for s in steps if s.reward is not None and not s.paraphrased]  # paraphrases would skew to +1
    train = [s for s in labelled if s.split == "train"]
    test = [s for s in labelled if s.split == "test"]
    if not train or {s.reward > 0 for s in train} != {True, False}:
        raise ValueError("reward: needs training steps of both successful (+1) and failed (-1) trajectories")
    tok = load_tokenizer(lam3)
    texts = [sample_text(tok, s, prompt) for s in train]
    fp = ph.fingerprint("reward", cfg, prompt, ph.model_fingerprint(lam3), texts, [s.reward for s in train])
    done = ph.completed(out_dir, fp, "reward")
    if done:
        return done
    resume = ph.start(out_dir, fp)

    tok.padding_side, tok.truncation_side = "right", "left"
    enc = tok(texts, truncation=True, max_length=cfg.max_length, add_special_tokens=False)
    rows = [{"input_ids": ids, "labels": float(s.reward)} for ids, s in zip(enc["input_ids"], train)]
    rows = epoch_mix(rows, cfg.epochs, cfg.samples_per_epoch, cfg.seed)
    model = AutoModelForSequenceClassification.from_pretrained(str(lam3), num_labels=1, problem_type="regression",
                                                               dtype=load_dtype())
    model.config.pad_token_id = tok.pad_token_id
    lora = peft_config(cfg.lora, task_type="SEQ_CLS")
    if lora is not None:
        from peft import get_peft_model

        model = get_peft_model(model, lora)
    args = TrainingArguments(
        output_dir=str(out_dir / ph.CHECKPOINTS), num_train_epochs=1, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup,
        weight_decay=cfg.weight_decay, activation_checkpointing=cfg.gradient_checkpointing,
        logging_steps=cfg.logging_steps, save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=1,
        report_to="none", seed=cfg.seed, **train_precision())
    trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                      data_collator=DataCollatorWithPadding(tok), callbacks=callbacks)
    t0 = time.time()
    out = trainer.train(resume_from_checkpoint=resume)
    seconds = time.time() - t0
    save_model(trainer.model, tok, out_dir)

    tokens = sum(len(r["input_ids"]) for r in rows) * min(1.0, trainer.state.global_step / max(trainer.state.max_steps, 1))
    metrics = {**ph.loss_summary(trainer.state.log_history), "seconds": round(seconds, 2),
               "tokens_per_second": round(tokens / max(out.metrics.get("train_runtime", seconds), 1e-9), 1),
               "examples": len(train), "steps": trainer.state.global_step, "resumed_from": resume,
               "parameters": describe_model(trainer.model)["parameters"]}
    if test:
        held = eval_subset(test, cfg.eval_samples, cfg.seed) if cfg.eval_samples else test
        scores = score(load_reward_model(out_dir), tok, [sample_text(tok, s, prompt) for s in held], cfg.max_length)
        labels = [s.reward for s in held]
        metrics.update({"heldout_samples": len(held), "heldout_accuracy": float(np.mean(
            [(sc > 0) == (y > 0) for sc, y in zip(scores, labels)])), "heldout_auc": auc(scores, labels)})
    return ph.finish(out_dir, "reward", fp, cfg, prompt, metrics, trainer.state.log_history)
