"""What a trained LAM's checkpoint tells the agent (its lamfactory.json): how to render its prompts
(PromptSettings, fixed by training) and how to decode (DecodeSettings: the hand rules fused with the model,
which a run may override to measure what the model adds on its own).

    read_decode_settings("models/lam2")            saved ones, else the defaults
    make_policy("models/lam2?retrieval=false")     a checkpoint spec may carry overrides (agent/policies.py)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

MARKER = "lamfactory.json"  # beside every trained checkpoint (written by lamfactory/train/phase.py)


class PromptSettings(BaseModel):
    """How samples are rendered (with lamfactory/agent/prompt.py). Saved in every checkpoint's lamfactory.json
    so the agent renders its inputs the same way."""

    model_config = ConfigDict(extra="forbid")

    system: bool = True  # the constant system prompt (function list); a tiny model gains nothing from it
    thought_max_words: Optional[int] = None  # shorten targets' thoughts: fewer free-text tokens to learn
    examples: bool = False  # show a solved similar training task from the experience memory (agent/retrieval/memory.py)
    # numbers in thoughts: a tiny model copies the wrong one ("Select paragraph 1") and its argument follows
    # the thought; without them the argument comes from the candidates (trained without, decoded without)
    thought_numbers: bool = True


class DecodeSettings(BaseModel):
    """The rules fused with a LAM's choices at run time (agent/decode.py). MODEL_ONLY switches them all off."""

    model_config = ConfigDict(extra="forbid")

    # Weight of the ranker's order in the control choice: shown controls come most relevant first (agent/rank.py)
    # and the choice adds -rank_prior * log(1 + position) to the model's log-probability, fusing the MiniLM
    # ranker with the LM as MindAct's two stages do. 0 = the model alone (measured in the closing note of issue 6).
    rank_prior: float = 1.0
    # The same for each argument's candidate position: candidates the request names come first, and a value the
    # retrieved example used that was not taken from its request is moved first (e.g. keys=^{END}).
    arg_prior: float = 5.0
    # Weight of the retrieved example (agent/retrieval/memory.py) in the control, function and status choices: the options
    # that agree with what the nearest solved task did at this point gain example_prior nats (a kNN-LM-style
    # fusion of the experience memory with the LM). Only for models trained with examples; 0 = the model alone.
    # 9 rather than 6: the tiny LM often prefers a wrong function or text by 6-9 nats where the example is right
    # (measured in the closing note of issue 6: 76 % -> 84 % online on 25 development tasks, equal on 51 others).
    example_prior: float = 9.0
    top_k: int = 15  # controls shown to a model per step (agent/sample.build_sample's default)
    retrieval: bool = True  # use the experience memory at all (for a model trained with examples)
    avoid_failed: bool = True  # never repeat an action that failed just now (agent/sample.failed_just_now)


# the model with constrained decoding only: no retrieval, no priors, no failure rule (the eval's "+model-only")
MODEL_ONLY = DecodeSettings(rank_prior=0, arg_prior=0, example_prior=0, retrieval=False, avoid_failed=False)


def read_prompt_settings(model_dir: str | Path) -> PromptSettings:
    """How a trained LAM expects its prompts rendered (defaults for a model lamfactory did not train)."""
    return PromptSettings(**_marker(model_dir).get("prompt", {}))


def read_decode_settings(model_dir: str | Path) -> DecodeSettings:
    """How a trained LAM is decoded (defaults where its lamfactory.json has none, e.g. an older checkpoint)."""
    return DecodeSettings(**_marker(model_dir).get("decode", {}))


def write_decode_settings(model_dir: str | Path, settings: DecodeSettings) -> None:
    """Set the "decode" key of the checkpoint's lamfactory.json, keeping its other keys. Atomic (temp file +
    rename): lamfactory.json is the phase's completion mark, a half-written one would lose the checkpoint."""
    path = Path(model_dir) / MARKER
    info = _marker(model_dir)
    info["decode"] = settings.model_dump()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=MARKER, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
    os.replace(tmp, path)


def overridden(settings: DecodeSettings, overrides: Optional[DecodeSettings]) -> DecodeSettings:
    """`settings` with the fields `overrides` set explicitly (its defaults do not count)."""
    return settings.model_copy(update=overrides.model_dump(exclude_unset=True)) if overrides else settings


def parse_overrides(pairs: Iterable[str]) -> DecodeSettings:
    """KEY=VALUE strings (--decode, a spec's ?suffix) as DecodeSettings with just those fields set; a ValueError
    of one line naming the bad pair."""
    data = {}
    for pair in pairs:
        key, eq, value = (p.strip() for p in pair.partition("="))
        if not eq or key not in DecodeSettings.model_fields:
            raise ValueError(f"{pair!r}: expected KEY=VALUE, KEY one of "
                             f"{', '.join(DecodeSettings.model_fields)}")
        data[key] = value
    try:
        return DecodeSettings.model_validate(data)  # lax mode parses "false", "0", "2.5" from the strings
    except ValidationError as e:
        key = e.errors()[0]["loc"][0]
        raise ValueError(f"{key}={data[key]}: {e.errors()[0]['msg']}") from None


def with_overrides(spec: str, overrides: Optional[DecodeSettings]) -> str:
    """A checkpoint spec carrying decode overrides ("models/lam2?retrieval=false"), for code that takes a spec
    only (evaluate_online); the name also keeps a variant's episodes apart from the plain model's on resume."""
    fields = overrides.model_dump(exclude_unset=True) if overrides else {}
    if not fields:
        return spec
    return spec + "?" + ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in fields.items())


def split_spec(spec: str) -> tuple[str, Optional[DecodeSettings]]:
    """The inverse of with_overrides: (spec without the ?suffix, its overrides or None)."""
    base, sep, query = spec.rpartition("?")
    return (base, parse_overrides(query.split(","))) if sep else (spec, None)


def _marker(model_dir: str | Path) -> dict:
    path = Path(model_dir) / MARKER
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
