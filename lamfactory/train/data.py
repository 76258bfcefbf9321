"""Training inputs (the stage files) and their rendering into prompt/completion examples with the agent's
own prompt functions, so training and inference inputs never drift apart."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from lamfactory.agent.parse import try_parse
from lamfactory.agent.prompt import render_messages, render_plan_messages, render_plan_target, render_target
from lamfactory.core.records import AgentOutput, StepSample, TaskPlan, Trajectory, read_jsonl
from lamfactory.core.steps import compare_step
from lamfactory.train.config import PromptSettings


@dataclass
class TrainData:
    plans: list[TaskPlan] = field(default_factory=list)  # LAM1
    steps: list[StepSample] = field(default_factory=list)  # expert steps (LAM2..); reward set for RM data
    passed: list[Trajectory] = field(default_factory=list)
    failed: list[Trajectory] = field(default_factory=list)  # tasks the expert failed (boost) and RL states

    @classmethod
    def from_files(cls, plans: Optional[str | Path] = None, steps: Optional[str | Path] = None,
                   passed: Optional[str | Path] = None, failed: Optional[str | Path] = None) -> "TrainData":
        """plans.jsonl (TaskPlan), steps.jsonl (StepSample), pass.jsonl / fail.jsonl (Trajectory)."""
        def read(path, cls_):
            return list(read_jsonl(path, cls_)) if path else []
        return cls(read(plans, TaskPlan), read(steps, StepSample), read(passed, Trajectory), read(failed, Trajectory))

    def train_steps(self) -> list[StepSample]:
        return [s for s in self.steps if s.split == "train" and s.reward != -1]

    def test_steps(self) -> list[StepSample]:
        return [s for s in self.steps if s.split == "test" and s.reward != -1]


def shorten(output: AgentOutput, prompt: PromptSettings) -> AgentOutput:
    words = output.thought.split()
    if not prompt.thought_numbers:
        words = [w for w in words if not any(ch.isdigit() for ch in w)]
    if prompt.thought_max_words is not None:
        words = words[: prompt.thought_max_words]
    return output.model_copy(update={"thought": " ".join(words)})


def step_messages(sample: StepSample, prompt: PromptSettings) -> list[dict[str, str]]:
    return render_messages(sample, system=prompt.system)


def step_example(sample: StepSample, prompt: PromptSettings) -> dict[str, Any]:
    """Conversational prompt/completion: TRL puts the loss on the completion tokens only."""
    target = render_target(shorten(sample.target, prompt))
    return {"prompt": step_messages(sample, prompt), "completion": [{"role": "assistant", "content": target}]}


def plan_example(plan: TaskPlan, prompt: PromptSettings) -> dict[str, Any]:
    return {"prompt": render_plan_messages(plan.task, system=prompt.system, app=plan.app),
            "completion": [{"role": "assistant", "content": render_plan_target(plan.plan)}]}


def epoch_mix(examples: list, epochs: int, samples_per_epoch: Optional[int], seed: int) -> list:
    """`epochs` passes, each over a fresh random subsample (all examples when samples_per_epoch is None)."""
    rng = random.Random(seed)
    out: list = []
    for _ in range(epochs):
        order = list(examples)
        rng.shuffle(order)
        out += order[:samples_per_epoch] if samples_per_epoch else order
    return out


def digest(examples: list[dict]) -> str:
    """A content hash of the training examples (part of a phase's fingerprint)."""
    import hashlib

    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps(e, sort_keys=True).encode())
    return h.hexdigest()[:16]


def generate(model, tok, prompts: list[list[dict]], max_new_tokens: int = 160, batch_size: int = 16) -> list[str]:
    """Greedy completions of chat prompts (left padding, as generation needs)."""
    import torch

    tok.padding_side = "left"
    out: list[str] = []
    model.eval()
    for i in range(0, len(prompts), batch_size):
        texts = [tok.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts[i:i + batch_size]]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
        out += tok.batch_decode(ids[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    tok.padding_side = "right"
    return out


def step_accuracy(model, tok, samples: list[StepSample], prompt: PromptSettings) -> dict[str, float]:
    """Greedy output vs target on held-out steps: the rate the agent's parser reads, and the rate of correct
    steps (lamfactory/core/steps.py, as offline evaluation scores them)."""
    if not samples:
        return {}
    texts = generate(model, tok, [step_messages(s, prompt) for s in samples])
    parsed = [try_parse(t.strip()) for t in texts]
    right = sum(p is not None and compare_step(p, s.target, s.app)["step"] for p, s in zip(parsed, samples))
    return {"eval_samples": len(samples), "eval_parseable": sum(p is not None for p in parsed) / len(samples),
            "eval_step_exact": right / len(samples)}
