"""Phase 4 -> LAM4: learning from the reward model on the failed trajectories' states.

method "ppo" (the paper's recipe): offline PPO written on transformers/torch (TRL 1.16 has no PPO). States come
from the failed trajectories (no environment); LAM's sampled action is scored by the reward model, rewards are
clipped to [-1, 1] and halved into [-0.5, 0.5] (unparseable output gets -0.5), a KL penalty to LAM3 with an
adaptive coefficient (init 0.2, target 0.1) is subtracted, and the policy takes `ppo_epochs` clipped-ratio steps
per batch. The advantage is the batch-whitened sequence reward (no value head: one action per episode).
An optional expert SFT term (`sft_coef`) keeps LAM3's imitation quality.

method "grpo": TRL GRPOTrainer against the same reward model (+ an optional caller reward, e.g. the checker).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Callable, Literal, Optional

import torch
from pydantic import Field

from lamfactory.core.records import StepSample
from lamfactory.train import phase as ph
from lamfactory.train.base import describe_model, load_causal_lm, load_tokenizer, peft_config, save_model, train_precision
from lamfactory.train.config import Config, LoraSettings, PromptSettings
from lamfactory.agent.parse import try_parse
from lamfactory.train.data import step_accuracy, step_example, step_messages
from lamfactory.train.imitate import eval_subset
from lamfactory.train.reward import load_reward_model, reward_text, score

MIN_REWARD, MAX_REWARD = -0.5, 0.5
ExtraReward = Callable[..., list[float]]  # TRL reward-function signature: (prompts, completions, **columns)


class GRPOSettings(Config):
    num_generations: int = 4
    beta: float = 0.04  # KL coefficient to LAM3
    max_steps: int = 100


class RLConfig(Config):
    method: Literal["ppo", "grpo"] = "ppo"
    learning_rate: float = 1.4e-5
    batch_size: int = 8
    ppo_epochs: int = 4
    cliprange: float = 0.2
    init_kl_coef: float = 0.2
    target_kl: float = 0.1
    kl_horizon: int = 10000
    sft_coef: float = 0.0  # weight of an expert SFT loss added to each PPO update (0 = pure PPO)
    max_states: Optional[int] = None  # cap on failed-trajectory states used (time budget)
    epochs: int = 1  # passes over the states
    max_new_tokens: int = 160
    temperature: float = 1.0
    max_length: int = 1024
    lora: Optional[LoraSettings] = None
    grpo: GRPOSettings = Field(default_factory=GRPOSettings)
    save_steps: int = 25
    logging_steps: int = 5
    eval_samples: int = 32
    seed: int = 0


def normalise(raw: float) -> float:
    return max(-1.0, min(1.0, raw)) / 2


class RewardModelScorer:
    """Completions -> rewards in [-0.5, 0.5] from the reward model; unparseable actions get the minimum."""

    def __init__(self, rm_dir: str | Path, max_length: int):
        self.model, self.tok, self.max_length = load_reward_model(rm_dir), load_tokenizer(rm_dir), max_length

    def __call__(self, prompts: list[list[dict]], completions: list[str]) -> list[float]:
        valid = [i for i, c in enumerate(completions) if try_parse(c.strip()) is not None]
        raw = score(self.model, self.tok, [reward_text(self.tok, prompts[i], completions[i]) for i in valid],
                    self.max_length)
        out = [MIN_REWARD] * len(completions)
        for i, r in zip(valid, raw):
            out[i] = normalise(r)
        return out


def token_logprobs(model, ids: torch.Tensor, attention: torch.Tensor, start: int) -> torch.Tensor:
    """Log-probs of ids[:, start:] under the model (left-padded batch; positions follow the mask)."""
    positions = (attention.cumsum(-1) - 1).clamp(min=0)
    logits = model(input_ids=ids, attention_mask=attention, position_ids=positions).logits[:, start - 1:-1].float()
    return torch.log_softmax(logits, -1).gather(-1, ids[:, start:, None]).squeeze(-1)


def completion_mask(tok, completion: torch.Tensor) -> torch.Tensor:
    """1 up to and including the first end-of-turn token, 0 after."""
    ends = torch.zeros_like(completion, dtype=torch.bool)
    for eos in {tok.eos_token_id, tok.pad_token_id}:
        ends |= completion == eos
    after = (ends.cumsum(-1) - ends.long()) > 0
    return (~after).long()


def sft_loss(model, tok, examples: list[dict], max_length: int) -> torch.Tensor:
    """Completion-only NLL of expert examples (the same masking as the SFT phases)."""
    rows, labels = [], []
    for e in examples:
        p = tok.apply_chat_template(e["prompt"], add_generation_prompt=True, tokenize=False)
        full = tok.apply_chat_template(e["prompt"] + e["completion"], tokenize=False)
        ids = tok(full, add_special_tokens=False)["input_ids"][:max_length]
        n = len(tok(p, add_special_tokens=False)["input_ids"])
        rows.append(ids)
        labels.append([-100] * min(n, len(ids)) + ids[n:])
    width = max(map(len, rows))

    def pad(seqs, value):
        return torch.tensor([s + [value] * (width - len(s)) for s in seqs], device=model.device)

    attention = pad([[1] * len(r) for r in rows], 0)
    return model(input_ids=pad(rows, tok.pad_token_id), attention_mask=attention, labels=pad(labels, -100)).loss


def _ppo(policy, ref, tok, scorer, states, expert, cfg: RLConfig, prompt, ckpts: Path, resume: Optional[str]):
    from tqdm.auto import tqdm

    optim = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=cfg.learning_rate)
    kl_coef, start_batch, logs = cfg.init_kl_coef, 0, []
    if resume:
        state = json.loads((Path(resume) / "ppo_state.json").read_text())
        optim.load_state_dict(torch.load(Path(resume) / "optimizer.pt"))
        kl_coef, start_batch, logs = state["kl_coef"], state["batch"], state["logs"]
    order = [s for _ in range(cfg.epochs) for s in random.Random(cfg.seed).sample(states, len(states))]
    batches = [order[i:i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
    rng = random.Random(cfg.seed + 1)
    tokens, t0 = 0, time.time()
    for b in tqdm(range(start_batch, len(batches)), desc="ppo", initial=start_batch, total=len(batches)):
        msgs = [step_messages(s, prompt) for s in batches[b]]
        tok.padding_side = "left"
        enc = tok([tok.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in msgs],
                  return_tensors="pt", padding=True, truncation=True, max_length=cfg.max_length,
                  add_special_tokens=False).to(policy.device)
        start = enc["input_ids"].shape[1]
        policy.eval()
        with torch.no_grad():
            seq = policy.generate(**enc, do_sample=True, temperature=cfg.temperature, top_k=0, top_p=1.0,
                                  max_new_tokens=cfg.max_new_tokens, pad_token_id=tok.pad_token_id)
            mask = completion_mask(tok, seq[:, start:])
            attention = torch.cat([enc["attention_mask"], mask], 1)
            texts = tok.batch_decode(seq[:, start:] * mask + tok.pad_token_id * (1 - mask), skip_special_tokens=True)
            rewards = torch.tensor(scorer(msgs, texts), device=policy.device)
            old = token_logprobs(policy, seq, attention, start)
            with (policy.disable_adapter() if ref is None else torch.no_grad()):
                ref_lp = token_logprobs(ref or policy, seq, attention, start)
            kl = ((old - ref_lp) * mask).sum(-1)
            total = rewards - kl_coef * kl
            adv = (total - total.mean()) / (total.std() + 1e-6) if len(total) > 1 else total
        policy.train()
        for _ in range(cfg.ppo_epochs):
            new = token_logprobs(policy, seq, attention, start)
            ratio = torch.exp(new - old)
            clipped = torch.clamp(ratio, 1 - cfg.cliprange, 1 + cfg.cliprange)
            pg = (torch.max(-adv[:, None] * ratio, -adv[:, None] * clipped) * mask).sum() / mask.sum().clamp(min=1)
            loss = pg + (cfg.sft_coef * sft_loss(policy, tok, rng.sample(expert, min(len(expert), cfg.batch_size)),
                                                 cfg.max_length) if cfg.sft_coef and expert else 0.0)
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            optim.step()
        tokens += int(attention.sum()) * (cfg.ppo_epochs + 2)
        mean_kl = float(kl.mean())
        kl_coef *= 1 + max(-0.2, min(0.2, mean_kl / cfg.target_kl - 1)) * len(total) / cfg.kl_horizon
        if b % cfg.logging_steps == 0 or b == len(batches) - 1:
            logs.append({"batch": b, "loss": float(loss.detach()), "reward": float(rewards.mean()), "kl": mean_kl,
                         "kl_coef": kl_coef, "valid": float((rewards > MIN_REWARD).float().mean())})
        if (b + 1) % cfg.save_steps == 0 and b + 1 < len(batches):
            target = ckpts / f"checkpoint-{b + 1}"
            policy.save_pretrained(str(target))
            torch.save(optim.state_dict(), target / "optimizer.pt")
            (target / "ppo_state.json").write_text(json.dumps({"batch": b + 1, "kl_coef": kl_coef, "logs": logs}))
    return logs, tokens / max(time.time() - t0, 1e-9), len(batches) - start_batch


def _grpo(lam3, tok, scorer, states, cfg: RLConfig, prompt, ckpts: Path, resume, extra_reward):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    def reward_model(prompts, completions, **_):
        texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
        return scorer(prompts, texts)

    rows = [{"prompt": step_messages(s, prompt), "sample": s.model_dump_json()} for s in states]
    args = GRPOConfig(output_dir=str(ckpts), learning_rate=cfg.learning_rate, per_device_train_batch_size=cfg.batch_size,
                      num_generations=cfg.grpo.num_generations, max_completion_length=cfg.max_new_tokens,
                      beta=cfg.grpo.beta, max_steps=cfg.grpo.max_steps, temperature=cfg.temperature,
                      logging_steps=cfg.logging_steps, save_strategy="steps", save_steps=cfg.save_steps,
                      save_total_limit=1, report_to="none", seed=cfg.seed, **train_precision())
    funcs = [reward_model] + ([extra_reward] if extra_reward else [])
    trainer = GRPOTrainer(model=str(lam3), reward_funcs=funcs, args=args, train_dataset=Dataset.from_list(rows),
                          processing_class=tok, peft_config=peft_config(cfg.lora))
    t0 = time.time()
    trainer.train(resume_from_checkpoint=resume)
    tokens = sum(h.get("num_tokens", 0) for h in trainer.state.log_history[-1:])
    return trainer.model, trainer.state.log_history, tokens / max(time.time() - t0, 1e-9), trainer.state.global_step


def train_rl(lam3: str | Path, reward_model: str | Path, steps: list[StepSample], cfg: RLConfig, *,
             out_dir: str | Path, prompt: PromptSettings = PromptSettings(), expert: list[StepSample] = (),
             eval_steps: list[StepSample] = (), extra_reward: Optional[ExtraReward] = None) -> ph.PhaseResult:
    """RL from LAM3 on the states of failed trajectories (`steps` with reward -1, train split). `expert` feeds
    the optional SFT term; `extra_reward` (GRPO only) is a TRL reward function, e.g. the environment checker."""
    out_dir = Path(out_dir)
    states = [s for s in steps if s.reward is not None and s.reward < 0 and s.split == "train"]
    states = states[: cfg.max_states] if cfg.max_states else states
    if not states:
        raise ValueError("rl: no failed-trajectory steps (reward -1, split train) to learn from")
    fp = ph.fingerprint("rl", cfg, prompt, ph.model_fingerprint(lam3), ph.model_fingerprint(reward_model),
                        [s.model_dump_json() for s in states], len(expert))
    done = ph.completed(out_dir, fp, "rl")
    if done:
        return done
    resume = ph.start(out_dir, fp)
    tok = load_tokenizer(lam3)
    scorer = RewardModelScorer(reward_model, cfg.max_length)
    t0 = time.time()
    if cfg.method == "grpo":
        model, logs, tps, n = _grpo(lam3, tok, scorer, states, cfg, prompt, out_dir / ph.CHECKPOINTS, resume,
                                    extra_reward)
        rewards = [h["reward"] for h in logs if "reward" in h]
    else:
        policy = load_causal_lm(resume or lam3)
        lora = peft_config(cfg.lora)
        if lora is not None:  # the reference is the same model with the adapter off
            from peft import PeftModel, get_peft_model

            policy = (PeftModel.from_pretrained(load_causal_lm(lam3), resume, is_trainable=True) if resume
                      else get_peft_model(load_causal_lm(lam3), lora))
            ref = None
        else:
            ref = load_causal_lm(lam3).eval()
        examples = [step_example(s, prompt) for s in expert]
        logs, tps, n = _ppo(policy, ref, tok, scorer, states, examples, cfg, prompt, out_dir / ph.CHECKPOINTS, resume)
        model, rewards = policy, [h["reward"] for h in logs]
    seconds = time.time() - t0
    save_model(model, tok, out_dir)
    losses = [h["loss"] for h in logs if "loss" in h]
    metrics = {"method": cfg.method, "train_loss_start": losses[0] if losses else None,
               "train_loss_end": losses[-1] if losses else None, "reward_start": rewards[0] if rewards else None,
               "reward_end": rewards[-1] if rewards else None, "seconds": round(seconds, 2),
               "tokens_per_second": round(tps, 1), "states": len(states), "updates": n, "resumed_from": resume,
               "parameters": describe_model(model)["parameters"]}
    if eval_steps and cfg.eval_samples:
        metrics.update(step_accuracy(load_causal_lm(out_dir), tok, eval_subset(list(eval_steps), cfg.eval_samples,
                                                                                  cfg.seed), prompt))
    return ph.finish(out_dir, "rl", fp, cfg, prompt, metrics, logs)
