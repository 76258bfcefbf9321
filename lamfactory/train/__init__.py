"""Stage 3: the four LAM training phases and the reward model (see pipeline.py for how they chain).

Names are imported lazily so that `lamfactory --help` does not load torch."""

import importlib

_WHERE = {
    "BoostConfig": "boost", "boost": "boost", "LoraSettings": "config", "PromptSettings": "config",
    "SFTSettings": "config", "TrainData": "data", "ImitateConfig": "imitate", "imitate": "imitate",
    "PhaseResult": "phase", "read_prompt_settings": "phase", "ConfigError": "pipeline", "TrainConfig": "pipeline",
    "load_config": "pipeline", "parse_config": "pipeline", "train_all": "pipeline", "train_phases": "pipeline",
    "PlanConfig": "plan", "train_plan": "plan", "RewardConfig": "reward", "train_reward": "reward",
    "RLConfig": "rl", "train_rl": "rl",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'lamfactory.train' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lamfactory.train.{_WHERE[name]}"), name)
