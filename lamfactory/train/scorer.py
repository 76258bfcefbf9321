"""The four phases for the scorer LAM (agent/scorer): the same data and outputs as the generative phases, the
losses of a model that scores options instead of writing tokens.

    LAM1 plan      task -> plan pairs: the head learns to pick a step of the task's own plan among the steps of
                   other plans (in-batch options): the help pages' vocabulary ("Choose Format - Character") tied to
                   the requests that need it
    LAM2 imitate   expert steps: cross-entropy over the step's options (the expert's action is the target) +
                   the finish logit (binary cross-entropy on the expert's status)
    LAM3 boost     LAM2 acts live on the tasks the expert failed and on some it passed; verified successes join the
                   expert steps and LAM2 is trained on on the union
    reward         a second head: is this (state, action) from a successful trajectory? (steps of pass/fail)
    LAM4 rl        on the failed trajectories' states, the policy moves to the KL-regularised optimum of the
                   reward model, pi* ~ pi_LAM3 * exp(r / beta), computed exactly over the enumerated options (no
                   sampling is needed where the action set can be listed), with the expert cross-entropy kept
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from pydantic import Field

from lamfactory.agent.candidates import sample_candidates
from lamfactory.agent.scorer.model import Encoder, Scorer, ScorerSettings
from lamfactory.agent.scorer.options import Option, options, target_option
from lamfactory.agent.scorer.policy import ScorerPolicy, context_text
from lamfactory.core.records import StepSample, TaskPlan
from lamfactory.agent.settings import MODEL_ONLY, DecodeSettings, PromptSettings
from lamfactory.core.steps import compare_step
from lamfactory.train import phase as ph
from lamfactory.train.config import Config
from lamfactory.train.data import digest
from lamfactory.train.phase import OUTPUT


class ScorerPhase(Config):
    learning_rate: float = 1e-3
    # the encoder's own top layers (model.tune_layers), pretrained: a head's rate would wipe out what they know
    encoder_learning_rate: float = 5e-5
    epochs: int = 4
    batch_size: int = 16
    negatives: int = 31  # options per step besides the target (sampled anew each epoch)
    hard_negatives: float = 0.5  # share of them drawn from the target's own function (other texts, other items)
    weight_decay: float = 0.01
    eval_samples: int = 200
    seed: int = 0


@dataclass
class Item:
    """One training step: the context, its options' texts, which one is right, and its finish label."""

    context: tuple[str, str, str]
    options: list[str]
    target: int
    finish: float
    weight: float = 1.0
    soft: Optional[list[float]] = None  # a target distribution over the options instead of one target (LAM4)


def step_items(samples: list[StepSample]) -> tuple[list[Item], dict[str, float]]:
    """Items from expert step samples; `coverage` = share of steps whose action is among the options the state
    allows (the rest get it added, so they still teach)."""
    items, covered = [], 0
    for s in samples:
        shown, cands = sample_candidates(s)
        opts = options(shown, cands)
        target = find_target(s, opts)
        if target is not None:
            covered += 1
        else:
            extra = target_option(s, shown)
            if extra is None:
                continue
            opts.append(extra)
            target = len(opts) - 1
        items.append(Item(context_text(s), [o.text for o in opts], target, float(s.target.status == "FINISH")))
    return items, {"option_coverage": covered / max(len(samples), 1),
                   "options_per_step": sum(len(i.options) for i in items) / max(len(items), 1)}


def find_target(sample: StepSample, opts: list[Option]) -> Optional[int]:
    for i, o in enumerate(opts):
        row = compare_step(o.output(sample.target.status), sample.target, sample.app)
        if row["step"]:
            return i
    return None


def plan_items(plans: list[TaskPlan], seed: int, max_items: Optional[int] = None) -> list[Item]:
    """LAM1: the task is the context; one step of its own plan is the target among steps of other plans."""
    rng = random.Random(seed)
    pool = [step for p in plans for step in p.plan if step.strip()]
    items = []
    for p in plans:
        own = [s for s in p.plan if s.strip()]
        if not own or not pool:
            continue
        target = rng.choice(own)
        others = [s for s in rng.sample(pool, min(len(pool), 32)) if s not in own][:31]
        opts = [target] + others
        rng.shuffle(opts)
        items.append(Item((p.task, "nothing yet", ""), opts, opts.index(target), 0.0))
    rng.shuffle(items)
    return items[:max_items] if max_items else items


def train_head(scorer: Scorer, items: list[Item], cfg: ScorerPhase, *, finish_loss: bool = True,
               extra: Optional[Callable[[Scorer], torch.Tensor]] = None, log: Optional[list] = None) -> dict:
    """Cross-entropy over each item's options (the target + up to `negatives` others) and the finish logit."""
    opt = optimizer(scorer, cfg)
    rng = random.Random(cfg.seed)
    batches_per_epoch = math.ceil(len(items) / cfg.batch_size)
    total = max(batches_per_epoch * cfg.epochs, 1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(1.0, (step + 1) / max(total * 0.05, 1))
                                              * max(0.0, 1 - step / total))
    log = log if log is not None else []
    t0, step, epoch_loss = time.perf_counter(), 0, []
    for epoch in range(cfg.epochs):
        losses = []
        order = list(items)
        rng.shuffle(order)
        for b in range(0, len(order), cfg.batch_size):
            batch = [_subsample(it, cfg.negatives, rng, cfg.hard_negatives) for it in order[b:b + cfg.batch_size]]
            scorer.train()
            scores, finish = scorer.forward([it.context for it in batch], [it.options for it in batch])
            weights = torch.tensor([it.weight for it in batch])
            ce = torch.stack([-(torch.tensor(it.soft) * torch.log_softmax(s, -1)).sum() if it.soft else
                              F.cross_entropy(s.unsqueeze(0), torch.tensor([it.target]))
                              for s, it in zip(scores, batch)])
            loss = (ce * weights).sum() / weights.sum()
            if finish_loss:
                fl = torch.stack([f[it.target] for f, it in zip(finish, batch)])
                loss = loss + F.binary_cross_entropy_with_logits(fl, torch.tensor([it.finish for it in batch]))
            if extra is not None:
                loss = loss + extra(scorer)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
            if step % 10 == 0 or step == total:
                log.append({"step": step, "epoch": epoch, "loss": round(loss.item(), 4)})
        epoch_loss.append(round(sum(losses) / max(len(losses), 1), 4))
    scorer.eval()
    # first and last epoch's mean loss (one batch's loss is too noisy to compare)
    return {"train_steps": step, "train_seconds": round(time.perf_counter() - t0, 1),
            "train_loss_start": epoch_loss[0] if epoch_loss else None,
            "train_loss_end": epoch_loss[-1] if epoch_loss else None}


def optimizer(scorer: Scorer, cfg: ScorerPhase) -> torch.optim.Optimizer:
    """AdamW over the head (cfg.learning_rate) and the encoder's trained top layers (cfg.encoder_learning_rate)."""
    groups = [{**g, "lr": cfg.encoder_learning_rate if g["name"] == "encoder" else cfg.learning_rate}
              for g in scorer.parameters() if g["params"]]
    return torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)


def _subsample(item: Item, negatives: int, rng: random.Random, hard: float = 0.0) -> Item:
    """The target and `negatives` other options: a `hard` share of the same function as the target (the
    choice that is hard to learn is which text or item, not which button), the rest uniformly."""
    if len(item.options) <= negatives + 1 or item.soft:
        return item
    function = item.options[item.target].split(" ", 1)[0]
    others = [i for i in range(len(item.options)) if i != item.target]
    same = [i for i in others if item.options[i].split(" ", 1)[0] == function]
    chosen = rng.sample(same, min(len(same), int(negatives * hard)))
    rest = [i for i in others if i not in set(chosen)]
    keep = [item.target] + chosen + rng.sample(rest, negatives - len(chosen))
    return Item(item.context, [item.options[i] for i in keep], 0, item.finish, item.weight)


@torch.no_grad()
def step_accuracy(scorer: Scorer, samples: list[StepSample]) -> dict[str, float]:
    """Teacher-forced step success of the model alone on held-out steps (core/steps.py, as offline evaluation
    scores it), through the policy's own choice."""
    if not samples:
        return {}
    policy = ScorerPolicy(scorer, MODEL_ONLY)
    right = sum(compare_step(policy.predict(s, *sample_candidates(s)), s.target, s.app)["step"] for s in samples)
    return {"eval_samples": len(samples), "eval_step_exact": right / len(samples)}


# ------------------------------------------------------------------ the phases


class ScorerBoost(ScorerPhase):
    learning_rate: float = 5e-4
    epochs: int = 2
    extra_train_tasks: int = 20  # training tasks the expert passed, also attempted
    max_tasks: Optional[int] = 50
    top_k: int = 15


class ScorerRL(ScorerPhase):
    learning_rate: float = 3e-4
    epochs: int = 1
    beta: float = 0.5  # temperature of the KL-regularised optimum: smaller trusts the reward model more
    max_states: Optional[int] = 300


class ScorerTrain(Config):
    """`train.scorer` in a config (with `train.kind: scorer`)."""

    model: ScorerSettings = Field(default_factory=ScorerSettings)
    plan: ScorerPhase = Field(default_factory=lambda: ScorerPhase(epochs=1, negatives=31))
    imitate: ScorerPhase = Field(default_factory=ScorerPhase)
    boost: ScorerBoost = Field(default_factory=ScorerBoost)
    reward: ScorerPhase = Field(default_factory=lambda: ScorerPhase(epochs=2))
    rl: ScorerRL = Field(default_factory=ScorerRL)
    decode: DecodeSettings = Field(default_factory=lambda: DecodeSettings(example_prior=3.0))


class Phases:
    """The scorer's phases over one models/ folder; one encoder (and its cache) serves them all."""

    def __init__(self, cfg: ScorerTrain, out: Path, prompt: PromptSettings):
        self.cfg, self.out, self.prompt = cfg, out, prompt
        self._encoder: Optional[Encoder] = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(self.cfg.model.encoder)
        return self._encoder

    def run(self, name: str, parent: Optional[str], inputs: list, train: Callable[[Scorer, dict, list], None],
            cfg: Config) -> ph.PhaseResult:
        """Skip when done with the same fingerprint; else load the parent (or a new head), train, save."""
        dest = self.out / OUTPUT[name]
        fp = ph.fingerprint(name, cfg, self.cfg.model, parent and ph.model_fingerprint(parent),
                            digest([json.loads(x.model_dump_json()) if hasattr(x, "model_dump_json") else x
                                    for x in inputs]))
        done = ph.completed(dest, fp, name)
        if done is not None:
            return done
        marker = dest / ph.MARKER
        if marker.exists():
            marker.unlink()
        scorer = Scorer.load(parent, encoder=self.encoder) if parent else Scorer(self.cfg.model, encoder=self.encoder)
        metrics: dict = {"kind": "scorer"}
        log: list = []
        t0 = time.perf_counter()
        train(scorer, metrics, log)
        metrics["seconds"] = round(time.perf_counter() - t0, 1)
        scorer.save(dest)
        return ph.finish(dest, name, fp, cfg, self.prompt, metrics, log, decode=self.cfg.decode)


def train_scorer_phases(data, out_dir: str | Path, cfg: ScorerTrain, prompt: PromptSettings, phases: tuple[str, ...],
                        *, memory=None, rollout_fn=None, to_samples=None) -> dict[str, ph.PhaseResult]:
    """The scorer's counterpart of train/pipeline.train_phases (same folders, same completion marks)."""
    from lamfactory.train.boost import boost_samples
    from lamfactory.train.imitate import eval_subset

    out = Path(out_dir)
    P = Phases(cfg, out, prompt)
    results: dict[str, ph.PhaseResult] = {}
    test = eval_subset(data.test_steps(), cfg.imitate.eval_samples, cfg.imitate.seed)

    def parent(phase: str) -> str:
        path = out / OUTPUT[phase]
        if not (path / ph.MARKER).exists():
            raise FileNotFoundError(f"{path} is missing: run `lamfactory train {phase}` first")
        return str(path)

    def imitation(items_from: list[StepSample], phase_cfg: ScorerPhase):
        def train(scorer: Scorer, metrics: dict, log: list) -> None:
            items, coverage = step_items(items_from)
            metrics.update(coverage)
            metrics.update(train_head(scorer, items, phase_cfg, log=log))
            metrics.update(step_accuracy(scorer, test))
        return train

    for name in [x for x in ("plan", "imitate", "boost", "reward", "rl") if x in phases]:
        if name == "plan":
            if not data.plans:
                raise ValueError("plan: no task-plan pairs (plans.jsonl)")

            def train(scorer, metrics, log, c=cfg.plan):
                metrics.update(train_head(scorer, plan_items(data.plans, c.seed), c, finish_loss=False, log=log))
                metrics.update(step_accuracy(scorer, test))
            results[name] = P.run("plan", None, data.plans, train, cfg.plan)
        elif name == "imitate":
            steps = data.train_steps()
            results[name] = P.run("imitate", parent("plan"), steps, imitation(steps, cfg.imitate), cfg.imitate)
            if memory is not None:
                memory.save(out / OUTPUT["imitate"])
        elif name == "boost":
            lam2 = parent("imitate")
            new, counts = boost_samples(lam2, data, rollout_fn or (lambda model, tasks: []), cfg.boost,
                                        out_dir=out / OUTPUT["boost"], to_samples=to_samples, memory=memory)
            steps = data.train_steps() + new
            base = imitation(steps, cfg.boost)

            def train(scorer, metrics, log, base=base, counts=counts):
                metrics.update(counts)
                base(scorer, metrics, log)
            results[name] = P.run("boost", lam2, steps, train, cfg.boost)
        elif name == "reward":
            def train(scorer, metrics, log, c=cfg.reward):
                metrics.update(train_reward_head(scorer, data.steps, c, log))
            results[name] = P.run("reward", None, data.steps, train, cfg.reward)
        else:
            lam3, rm = parent("boost"), parent("reward")
            states = [s for s in data.steps if s.split == "train" and s.reward == -1][: cfg.rl.max_states]

            def train(scorer, metrics, log, c=cfg.rl, rm=rm, states=states):
                metrics.update(train_rl_head(scorer, Scorer.load(rm, encoder=P.encoder), states,
                                             data.train_steps(), c, log))
                metrics.update(step_accuracy(scorer, test))
            results[name] = P.run("rl", lam3, states, train, cfg.rl)
            if memory is not None:  # LAM4 acts with LAM3's experience
                from lamfactory.agent.retrieval.memory import Memory

                Memory.load(lam3).save(out / OUTPUT["rl"])
    return results


def train_reward_head(scorer: Scorer, steps: list[StepSample], cfg: ScorerPhase, log: list) -> dict:
    """Reward model: the score logit of the (state, action) pair says whether its trajectory passed (the paper's
    success/failure labels on steps)."""
    labelled = [s for s in steps if s.reward is not None and s.split == "train"]
    items = []
    for s in labelled:
        shown, _ = sample_candidates(s)
        o = target_option(s, shown)
        if o is not None:
            items.append(Item(context_text(s), [o.text], 0, float(s.reward > 0)))
    opt = optimizer(scorer, cfg)
    rng = random.Random(cfg.seed)
    held = items[: len(items) // 10]
    train = items[len(items) // 10:]
    t0, step = time.perf_counter(), 0
    for _ in range(cfg.epochs):
        rng.shuffle(train)
        for b in range(0, len(train), cfg.batch_size):
            batch = train[b:b + cfg.batch_size]
            scorer.train()
            scores, _ = scorer.forward([i.context for i in batch], [i.options for i in batch])
            loss = F.binary_cross_entropy_with_logits(torch.cat(scores), torch.tensor([i.finish for i in batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 10 == 0:
                log.append({"step": step, "loss": round(loss.item(), 4)})
    scorer.eval()
    with torch.no_grad():
        right = sum((float(scorer.score(i.context, i.options)[0][0]) > 0) == (i.finish > 0) for i in held)
    return {"reward_samples": len(train), "reward_heldout_accuracy": right / max(len(held), 1),
            "train_steps": step, "train_seconds": round(time.perf_counter() - t0, 1)}


def train_rl_head(scorer: Scorer, reward: Scorer, states: list[StepSample], expert: list[StepSample],
                  cfg: ScorerRL, log: list) -> dict:
    """On each failed-trajectory state: the target distribution pi* ~ pi_LAM3 * exp(r / beta) over all its options
    (r = the reward model's probability of success), learnt by cross-entropy; expert steps keep their target."""
    soft_items = []
    for s in states:
        shown, cands = sample_candidates(s)
        opts = [o.text for o in options(shown, cands)]
        if len(opts) < 2:
            continue
        ctx = context_text(s)
        with torch.no_grad():
            policy, _ = scorer.score(ctx, opts)
            rewards, _ = reward.forward([ctx] * len(opts), [[o] for o in opts])
            r = torch.sigmoid(torch.cat(rewards))
        target = torch.softmax(torch.log_softmax(policy, -1) + r / cfg.beta, -1)
        soft_items.append(Item(ctx, opts, int(target.argmax()), 0.0, soft=target.tolist()))
    items, _ = step_items(expert)
    metrics = train_head(scorer, items + soft_items, cfg, log=log)
    metrics["rl_states"] = len(soft_items)
    return metrics
