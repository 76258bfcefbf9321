"""One SFT runner for the phases plan, imitate and boost (TRL SFTTrainer, loss on the completion only)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Optional

from lamfactory.core.records import StepSample
from lamfactory.train import phase as ph
from lamfactory.train.base import describe_model, load_causal_lm, load_tokenizer, peft_config, save_model, train_precision
from lamfactory.train.config import Config, PromptSettings, SFTSettings
from lamfactory.train.data import digest, epoch_mix, step_accuracy

log = logging.getLogger(__name__)


def run_sft(phase: str, init: str | Path, examples: list[dict], cfg: SFTSettings, *, out_dir: str | Path,
            prompt: PromptSettings, phase_cfg: Optional[Config] = None, eval_steps: Optional[list[StepSample]] = None,
            extra_metrics: Optional[dict] = None, callbacks: Optional[list] = None) -> ph.PhaseResult:
    """Fine-tune `init` on prompt/completion `examples`; save a merged checkpoint to out_dir (skipped when
    out_dir already holds this phase with the same fingerprint; resumed from its last checkpoint if interrupted)."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    if not examples:
        raise ValueError(f"{phase}: no training examples")
    out_dir = Path(out_dir)
    phase_cfg = phase_cfg or cfg
    fp = ph.fingerprint(phase, phase_cfg, prompt, ph.model_fingerprint(init), digest(examples))
    done = ph.completed(out_dir, fp, phase)
    if done:
        return done
    resume = ph.start(out_dir, fp)

    tok = load_tokenizer(init)
    model = load_causal_lm(init)
    args = SFTConfig(
        output_dir=str(out_dir / ph.CHECKPOINTS), num_train_epochs=1, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup,
        weight_decay=cfg.weight_decay, max_length=cfg.max_length, activation_checkpointing=cfg.gradient_checkpointing,
        logging_steps=cfg.logging_steps, save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=1,
        train_sampling_strategy="group_by_length", report_to="none", seed=cfg.seed, **train_precision())
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(examples), processing_class=tok,
                         peft_config=peft_config(cfg.lora), callbacks=callbacks)
    cut = sum(len(ids) >= cfg.max_length for ids in trainer.train_dataset["input_ids"])
    if cut:  # truncation drops the end of an example: the target the model should learn
        log.warning("%s: %d of %d examples reach max_length=%d and were cut at the end; raise max_length",
                    phase, cut, len(examples), cfg.max_length)
    # Tokenized once; the epochs (each a fresh subsample when samples_per_epoch is set) are index selections.
    mixed = epoch_mix(list(range(len(trainer.train_dataset))), cfg.epochs, cfg.samples_per_epoch, cfg.seed)
    trainer.train_dataset = trainer.train_dataset.select(mixed)
    t0 = time.time()
    out = trainer.train(resume_from_checkpoint=resume)
    seconds = time.time() - t0
    # the share of the examples the optimizer steps consumed (max_steps may stop before the end)
    per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size
    seen = min(1.0, trainer.state.global_step * per_step / max(len(trainer.train_dataset), 1))
    tokens = sum(len(ids) for ids in trainer.train_dataset["input_ids"]) * seen
    save_model(trainer.model, tok, out_dir)

    metrics = {**ph.loss_summary(trainer.state.log_history), "seconds": round(seconds, 2),
               "tokens_per_second": round(tokens / max(out.metrics.get("train_runtime", seconds), 1e-9), 1),
               "examples": len(examples), "examples_seen": len(mixed), "steps": trainer.state.global_step,
               "resumed_from": resume, "truncated_examples": cut,
               "parameters": describe_model(trainer.model)["parameters"],
               **(extra_metrics or {})}
    if eval_steps:
        model = load_causal_lm(out_dir)  # score what was saved, not the in-memory (maybe LoRA) model
        metrics.update(step_accuracy(model, tok, eval_steps, prompt))
    return ph.finish(out_dir, phase, fp, phase_cfg, prompt, metrics, trainer.state.log_history)
