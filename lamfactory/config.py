"""The pipeline's YAML config, validated before any work starts (unknown key, wrong type, missing file →
one clear error naming the key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lamfactory.core.app import DEFAULT_APP

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A config problem, with a message naming the offending key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_roles(roles: dict[str, str]) -> dict[str, str]:
    from lamfactory.llm import ROLES

    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown LLM role(s) {sorted(unknown)}; known: {sorted(ROLES)}")
    return roles


class PlansSection(Section):
    sources: list[str] = Field(default_factory=lambda: ["libreoffice-help"])
    evolve: int = 600
    llm: dict[str, str] = Field(default_factory=dict)

    _roles = field_validator("llm")(_check_roles)

    @field_validator("sources")
    @classmethod
    def _sources_exist(cls, sources: list[str]) -> list[str]:
        for s in sources:
            kind, _, path = s.partition(":")
            if kind in ("docs", "queries") and not Path(path).exists():
                raise ValueError(f"source {s!r}: {path} does not exist")
        return sources


class DataflowSection(Section):
    limit: Optional[int] = None  # number of task instances to execute (None = all)
    workers: int = 1
    ray: Optional[str] = None  # Ray cluster address, e.g. "auto" or "ray://head:10001"
    expert: str = "expert+oracle"  # expert | oracle | expert+oracle (see lamfactory/dataflow/runner.py)
    per_plan: int = 3  # task instances drawn per task-plan record
    episode_timeout_s: float = 60.0
    top_k: int = 15
    paraphrases: bool = True  # also export training samples under the other training phrasings
    shortest: bool = True  # a doc-plan pass that detours gives way to the oracle's shorter one (dataflow/runner.py)
    llm: dict[str, str] = Field(default_factory=dict)

    _roles = field_validator("llm")(_check_roles)


class EvalSection(Section):
    models: list[str] = Field(default_factory=lambda: ["lam1", "lam2", "lam3", "lam4", "oracle", "expert", "random"])
    online_tasks: int = 40  # held-out tasks per model
    seeds: int = 1
    max_steps: int = 10
    judge: Optional[str] = None  # LLM backend for the judge role
    # each trained LAM with an experience memory also as <lam>+model-only and <lam>+retrieval-only (the rows that
    # say what the model adds to the hand rules and the retrieval, lamfactory/agent/settings.py)
    ablations: bool = True
    # decode settings (DecodeSettings fields) overriding the ones saved with every evaluated LAM, e.g.
    # {example_prior: 6}; a single model can also be named with its own: "lam2?rank_prior=0"
    decode: dict[str, Any] = Field(default_factory=dict)

    @field_validator("decode")
    @classmethod
    def _decode_fields(cls, decode: dict[str, Any]) -> dict[str, Any]:
        from lamfactory.agent.settings import DecodeSettings

        DecodeSettings.model_validate(decode)  # unknown field or bad value -> one error naming it
        return decode


class PipelineConfig(Section):
    name: str = "lamfactory"
    app: str = DEFAULT_APP  # the registered application (lamfactory/apps/<name>) every stage works on
    seed: int = 0
    plans: PlansSection = Field(default_factory=PlansSection)
    dataflow: DataflowSection = Field(default_factory=DataflowSection)
    train: dict[str, Any] = Field(default_factory=dict)  # validated by lamfactory.train's config model
    eval: EvalSection = Field(default_factory=EvalSection)


def load_config(path: str | Path) -> PipelineConfig:
    """Load and fully validate a pipeline config; raise ConfigError naming the key on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    try:
        cfg = PipelineConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path}: " + _first_error(e)) from None
    from lamfactory.core.app import AppError, get_app

    try:
        get_app(cfg.app)
    except AppError as e:
        raise ConfigError(f"{path}: app: {e}") from None
    from lamfactory.train.pipeline import ConfigError as TrainConfigError, parse_config

    try:
        parse_config(cfg.train, source=f"{path}: train")
    except TrainConfigError as e:
        raise ConfigError(str(e)) from None
    return cfg


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    return f"{key}: {err['msg']}"


def builtin_config(name: str) -> Path:
    return CONFIG_DIR / f"{name}.yaml"
