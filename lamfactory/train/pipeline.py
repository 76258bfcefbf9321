"""The four phases chained over one work directory:

    <out>/base    the embedded base model (built here) -- absent for a hub model
    <out>/lam1    plan       <out>/lam2   imitate      <out>/lam3   boost
    <out>/reward  reward     <out>/lam4   rl

A phase whose output holds the same config fingerprint is skipped, so `train all` is resumable as a whole."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import Field, ValidationError

from lamfactory.agent.retrieval.memory import Memory, experiences
from lamfactory.train import phase as ph
from lamfactory.train.base import BaseSettings, build_embedded_base
from lamfactory.train.boost import BoostConfig, RolloutFn, ToSamples, boost
from lamfactory.train.config import Config, PromptSettings
from lamfactory.train.data import TrainData, plan_example, step_example
from lamfactory.train.imitate import ImitateConfig, imitate
from lamfactory.train.plan import PlanConfig, train_plan
from lamfactory.train.reward import RewardConfig, train_reward
from lamfactory.train.rl import ExtraReward, RLConfig, train_rl
from lamfactory.train.scorer import ScorerTrain, train_scorer_phases

PHASES = ("plan", "imitate", "boost", "reward", "rl")
OUTPUT = ph.OUTPUT


class ConfigError(ValueError):
    pass


class TrainConfig(Config):
    # generative: a causal LM writes the seven-key JSON (the paper's recipe, any HF model);
    # scorer: a pretrained encoder scores the listed actions (agent/scorer, train/scorer.py; `scorer:` below)
    kind: Literal["generative", "scorer"] = "generative"
    scorer: ScorerTrain = Field(default_factory=ScorerTrain)
    base: BaseSettings = Field(default_factory=BaseSettings)
    prompt: PromptSettings = Field(default_factory=PromptSettings)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    imitate: ImitateConfig = Field(default_factory=ImitateConfig)
    boost: BoostConfig = Field(default_factory=BoostConfig)
    reward: RewardConfig = Field(default_factory=RewardConfig)
    rl: RLConfig = Field(default_factory=RLConfig)


def parse_config(data: dict, source: str = "config") -> TrainConfig:
    """Validate a config dict; any problem is one line naming the key (e.g. `imitate.learnin_rate`)."""
    try:
        return TrainConfig.model_validate(data or {})
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{source}: {where}: {err['msg']}") from None


def load_config(path: Optional[str | Path]) -> TrainConfig:
    if path is None:
        return TrainConfig()
    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return parse_config(data.get("train", data) if isinstance(data, dict) else data, str(path))


def prepare_base(cfg: TrainConfig, data: TrainData, out_dir: Path) -> str:
    """The model LAM1 starts from: a hub id/path as given, or the embedded model built on the project corpus."""
    if cfg.base.model != "embedded":
        return cfg.base.model
    corpus = ([json.dumps(plan_example(p, cfg.prompt), ensure_ascii=False) for p in data.plans]
              + [json.dumps(step_example(s, cfg.prompt), ensure_ascii=False) for s in data.steps])
    target = Path(out_dir) / "base"
    fp = ph.fingerprint("base", cfg.base.embedded, corpus)
    if ph.completed(target, fp, "base") is None:
        ph.start(target, fp)
        build_embedded_base(cfg.base.embedded, corpus, target)
        ph.finish(target, "base", fp, cfg.base.embedded, cfg.prompt, {}, [])
    return str(target)


def _input(out_dir: Path, phase: str) -> str:
    path = out_dir / OUTPUT[phase]
    if not (path / ph.MARKER).exists():
        raise FileNotFoundError(f"{path} is missing: run `lamfactory train {phase}` first")
    return str(path)


def train_phases(data: TrainData, out_dir: str | Path, cfg: TrainConfig, phases: tuple[str, ...] = PHASES, *,
                 rollout_fn: Optional[RolloutFn] = None, to_samples: Optional[ToSamples] = None,
                 extra_reward: Optional[ExtraReward] = None) -> dict[str, ph.PhaseResult]:
    """Run the named phases in order; each reads its parent's output from out_dir. Without a rollout_fn the
    boost phase has no new successes and retrains on the expert data alone."""
    out = Path(out_dir)
    unknown = set(phases) - set(PHASES)
    if unknown:
        raise ValueError(f"unknown phase(s) {sorted(unknown)}; phases: {', '.join(PHASES)}")
    p, results = cfg.prompt, {}
    memory = None
    if p.examples:  # the experience memory is the expert data LAM2 learns from: it goes beside LAM2..LAM4
        memory = Memory(experiences(data.passed, data.train_steps()))
        data = replace(data, steps=memory.attach_all(data.steps, exclude_own=True))
    if cfg.kind == "scorer":
        return train_scorer_phases(data, out, cfg.scorer, p, tuple(phases), memory=memory, rollout_fn=rollout_fn,
                                   to_samples=to_samples)
    for name in [x for x in PHASES if x in phases]:
        dest = out / OUTPUT[name]
        if name == "plan":
            if not data.plans:
                raise ValueError("plan: no task-plan pairs (plans.jsonl)")
            # LAM1 has seen task-plan pairs only: it acts without the expert trajectories' memory
            results[name] = train_plan(prepare_base(cfg, data, out), data.plans, cfg.plan, out_dir=dest,
                                       prompt=p.model_copy(update={"examples": False}))
        elif name == "imitate":
            results[name] = imitate(_input(out, "plan"), data.train_steps(), cfg.imitate, out_dir=dest, prompt=p,
                                    eval_steps=data.test_steps())
            if memory is not None:
                memory.save(dest)
        elif name == "boost":
            results[name] = boost(_input(out, "imitate"), data, rollout_fn or (lambda model, tasks: []), cfg.boost,
                                  out_dir=dest, prompt=p, to_samples=to_samples, memory=memory)
        elif name == "reward":
            results[name] = train_reward(_input(out, "boost"), data.steps, cfg.reward, out_dir=dest, prompt=p)
        else:
            results[name] = train_rl(_input(out, "boost"), _input(out, "reward"), data.steps, cfg.rl, out_dir=dest,
                                     prompt=p, expert=data.train_steps(), eval_steps=data.test_steps(),
                                     extra_reward=extra_reward)
            if memory is not None:  # LAM4 acts with LAM3's experience
                Memory.load(_input(out, "boost")).save(dest)
    return results


def train_all(data: TrainData, out_dir: str | Path, cfg: TrainConfig, **kwargs) -> dict[str, ph.PhaseResult]:
    return train_phases(data, out_dir, cfg, PHASES, **kwargs)
