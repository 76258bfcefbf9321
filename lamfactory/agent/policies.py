"""Policy implementations and the registry that turns a spec string into one.

    make_policy("oracle")              the family oracle (agent/experts.py), upper bound
    make_policy("expert")              the documentation-plan follower (agent/experts.py)
    make_policy("random")              a random valid action: lower bound
    make_policy("openai:gpt-4o")       any lamfactory.llm backend (also "replay:FILE.jsonl", "hf:PATH")
    make_policy("models/lam2")         a local Hugging Face checkpoint, decoded with constraints; or a scorer
                                       checkpoint (scorer.json: agent/scorer), which scores the listed options
    make_policy("models/lam2?retrieval=false,rank_prior=0")   ... with decode settings overridden (agent/settings.py)
    make_policy("memory:models/lam2")  retrieval alone: the checkpoint's experience memory, no model (agent/retrieval/policy.py)

Model policies also answer `predict(sample, shown, candidates)` on a StepSample alone: the live `act` builds
the sample and calls it, and offline evaluation calls it on exported samples, so both take one path.
They expose `last_model_ms` (time inside the model call) and `last_error` (why the last output could not
be read, fed back to the model by the loop) so the runtime can tell model time from agent overhead.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Optional

from lamfactory.agent.candidates import ArgCandidates, arg_candidates
from lamfactory.agent import experts
from lamfactory.agent.retrieval.memory import MEMORY_FILE, Memory
from lamfactory.agent.scorer import SCORER_FILE
from lamfactory.agent.parse import ParseError, parse_output
from lamfactory.agent.policy import Policy
from lamfactory.agent.prompt import render_messages
from lamfactory.agent.sample import build_sample, failed_just_now
from lamfactory.agent.settings import (MARKER, DecodeSettings, overridden, read_decode_settings,
                                       read_prompt_settings, split_spec)
from lamfactory.core.app import get_app
from lamfactory.core.records import AgentOutput, Control, Observation, Step, StepSample

TOP_K = DecodeSettings().top_k
LLM_KINDS = ("openai", "replay", "record", "hf")


class PolicySpecError(ValueError):
    """A --model value that names no policy (one line, fit for the CLI)."""


def make_policy(spec: str, *, seed: int = 0, decode: Optional[DecodeSettings] = None,
                constrained: bool = True) -> Policy:
    """`decode`: the fields it sets override a spec's ?suffix, which overrides a checkpoint's saved settings."""
    spec = spec.strip()
    kind = spec.partition(":")[0]
    if kind in LLM_KINDS and ":" in spec:  # before the ?suffix is split off: a backend URL may hold a "?"
        return LLMPolicy(spec, top_k=overridden(DecodeSettings(), decode).top_k)
    try:
        base, from_spec = split_spec(spec)
    except ValueError as e:
        raise PolicySpecError(f"policy {spec!r}: decode {e}") from None

    def settings(saved: DecodeSettings) -> DecodeSettings:
        return overridden(overridden(saved, from_spec), decode)

    if base == "random":
        return RandomPolicy(seed=seed, top_k=settings(DecodeSettings()).top_k)
    if base in ("oracle", "expert"):
        return experts.OraclePolicy() if base == "oracle" else experts.DocPlanExpertPolicy()
    path = Path(base.partition(":")[2] if kind == "memory" else base).expanduser()
    if kind == "memory" and (path / MEMORY_FILE).is_file():
        from lamfactory.agent.retrieval.policy import RetrievalPolicy  # lazy: it builds on this module's _act

        return RetrievalPolicy(spec, path, top_k=settings(read_decode_settings(path)).top_k)
    if kind != "memory" and (path / SCORER_FILE).is_file():
        from lamfactory.agent.scorer.policy import ScorerPolicy  # lazy: torch and the encoder load with it

        return ScorerPolicy(path, settings(read_decode_settings(path)), name=spec)
    if kind != "memory" and path.is_dir() and (path / "config.json").exists():
        return _load_hf_checkpoint(path, spec, settings, constrained, seed)
    raise PolicySpecError(f"unknown policy {spec!r}: expected oracle, expert, random, a backend spec "
                          f"({', '.join(k + ':...' for k in LLM_KINDS)}), a checkpoint folder with config.json or "
                          f"{SCORER_FILE} "
                          f"or memory:FOLDER with {MEMORY_FILE}")


def _load_hf_checkpoint(path: Path, spec: str, settings, constrained: bool, seed: int) -> "HFPolicy":
    """A folder with config.json is a lamfactory checkpoint (lamfactory.json beside it) or another causal LM;
    a folder transformers cannot load and lamfactory did not write (another tool's config.json) is one line
    saying so, not transformers' own first line, which names a tokenizer or a model type and not the cause."""
    foreign = PolicySpecError(f"{path} is not a lamfactory checkpoint (no {MARKER}) and not a Hugging Face "
                              "model transformers can load")
    if not (path / MARKER).is_file() and "model_type" not in _json_object(path / "config.json"):
        raise foreign  # no model_type: not a transformers config at all, no need to load torch to say so
    try:
        return HFPolicy(path, settings(read_decode_settings(path)), constrained=constrained, seed=seed, name=spec)
    except Exception:
        if (path / MARKER).is_file():
            raise  # our own checkpoint, damaged: its error is the cause
        raise foreign from None


def _json_object(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


class RandomPolicy(Policy):
    """Samples a valid function, a shown control when the function needs one, and candidate args."""

    def __init__(self, seed: int = 0, top_k: int = TOP_K, finish_prob: float = 0.1):
        self.name = "random"
        self.rng = random.Random(seed)
        self.top_k, self.finish_prob = top_k, finish_prob
        self.last_model_ms: Optional[float] = None
        self.last_error: Optional[str] = None

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        return _act(self, request, observation, history)

    def predict(self, sample: StepSample, shown: list[Control], cands: ArgCandidates) -> AgentOutput:
        t0 = time.perf_counter()
        fns = [f for f in get_app(sample.app).actions.values() if shown or not f.needs_control]
        fn = self.rng.choice(fns)
        control = self.rng.choice(shown) if fn.needs_control else None
        args = {}
        for a in fn.args:
            values = cands.for_arg(fn.name, a, control)
            if values and (a.required or self.rng.random() < 0.5):
                args[a.name] = self.rng.choice(values)
        status = "FINISH" if self.rng.random() < self.finish_prob else "CONTINUE"
        self.last_model_ms = (time.perf_counter() - t0) * 1000
        return AgentOutput(thought="random", control_label=control.label if control else None,
                           control_name=control.name if control else None, function=fn.name, args=args,
                           status=status)


class LLMPolicy(Policy):
    """A chat model behind lamfactory.llm: the paper's prompt in, one repaired-or-rejected JSON object out.
    Endpoints get the output schema (JSON mode / structured output where the server supports it)."""

    def __init__(self, spec: str, top_k: int = TOP_K, max_tokens: int = 512, llm=None):
        from lamfactory.llm import make_llm

        self.llm = llm if llm is not None else make_llm(spec)
        if self.llm is None:
            raise PolicySpecError(f"policy {spec!r}: an LLM policy needs a real backend, not offline")
        self.name = spec
        self.top_k, self.max_tokens = top_k, max_tokens
        self.use_schema = spec.startswith(("openai:", "record:"))
        self.last_model_ms: Optional[float] = None
        self.last_error: Optional[str] = None
        self.last_raw = ""

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        return _act(self, request, observation, history)

    def predict(self, sample: StepSample, shown: list[Control], cands: ArgCandidates) -> AgentOutput:
        from lamfactory.llm.base import LLMError

        self.last_error, self.last_raw = None, ""
        t0 = time.perf_counter()
        try:
            self.last_raw = self.llm.chat(render_messages(sample), max_tokens=self.max_tokens,
                                          schema=output_schema(sample.app) if self.use_schema else None)
        except LLMError as e:
            self.last_error = f"model call failed: {e}"[:300]
        self.last_model_ms = (time.perf_counter() - t0) * 1000
        if self.last_error:
            return AgentOutput(thought=self.last_error)
        return _parse_or_error(self, self.last_raw)


class HFPolicy(Policy):
    """A local Hugging Face checkpoint (trained LAM). Constrained decoding by default (agent/decode.py), with the
    checkpoint's decode settings unless `decode` is given; `constrained=False` generates freely and
    repairs/rejects like an endpoint (for comparisons)."""

    def __init__(self, path: str | Path, decode: Optional[DecodeSettings] = None, constrained: bool = True,
                 seed: int = 0, max_new_tokens: int = 160, threads: int = 1, name: Optional[str] = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from lamfactory.agent.decode import ConstrainedDecoder

        torch.manual_seed(seed)
        self.name = name or str(path)
        self.settings = decode or read_decode_settings(path)
        prompt = read_prompt_settings(path)
        self.system_prompt = prompt.system  # render exactly as the model was trained
        # a model trained with examples is shown none when retrieval is off: what it does on its own
        self.memory = Memory.load(path) if prompt.examples and self.settings.retrieval else None
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForCausalLM.from_pretrained(str(path)).eval()
        self.decoder = ConstrainedDecoder(self.model, self.tokenizer, self.settings,
                                          thought_numbers=prompt.thought_numbers)
        self.top_k, self.constrained, self.max_new_tokens = self.settings.top_k, constrained, max_new_tokens
        self.threads = threads  # torch threads while decoding (see agent/imports.torch_threads)
        self.last_model_ms: Optional[float] = None
        self.last_error: Optional[str] = None
        self.last_raw = ""

    def prompt_ids(self, sample: StepSample) -> list[int]:
        messages = render_messages(sample, system=self.system_prompt)
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                 return_dict=True)["input_ids"]
        return list(ids)

    def act(self, request: str, observation: Observation, history: list[Step]) -> AgentOutput:
        sample = None if self.memory is None else self.memory.live_sample(request, observation, history, self.top_k)
        return _act(self, request, observation, history, sample)

    def predict(self, sample: StepSample, shown: list[Control], cands: ArgCandidates) -> AgentOutput:
        from lamfactory.agent.imports import torch_threads

        hint = None
        if self.memory is not None:
            sample, hint = self.memory.with_hint(sample)
            order = {c.label: i for i, c in enumerate(sample.controls)}
            shown = sorted(shown, key=lambda c: order.get(c.label, len(order)))  # the decoder's rank prior
        ids = self.prompt_ids(sample)
        self.last_error = None
        t0 = time.perf_counter()
        with torch_threads(self.threads):
            if self.constrained:
                avoid = failed_just_now(sample.previous_actions) if self.settings.avoid_failed else ()
                out, self.last_raw = self.decoder.decode(ids, shown, cands, hint, avoid=avoid)
            else:
                self.last_raw = self.generate_free(ids)
        self.last_model_ms = (time.perf_counter() - t0) * 1000
        return out if self.constrained else _parse_or_error(self, self.last_raw)

    def generate_free(self, ids: list[int]) -> str:
        """Unconstrained greedy generation (the baseline constrained decoding is measured against)."""
        import torch

        with torch.no_grad():
            out = self.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                      max_new_tokens=self.max_new_tokens, do_sample=False,
                                      pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        return self.tokenizer.decode(out[0, len(ids):], skip_special_tokens=True)


def _act(policy, request: str, observation: Observation, history: list[Step],
         sample: Optional[StepSample] = None) -> AgentOutput:
    """The live path of every model policy: rank + prompt input from the state, then predict."""
    sample = sample or build_sample(request, observation, history, top_k=policy.top_k)
    by_label = {c.label: c for c in observation.controls}
    shown = [by_label[c.label] for c in sample.controls if c.label in by_label]
    return policy.predict(sample, shown, arg_candidates(request, observation, shown))


def _parse_or_error(policy, text: str) -> AgentOutput:
    try:
        return parse_output(text)
    except ParseError as e:
        policy.last_error = _writable(str(e))
        # the rejected text is kept for the step log: as UTF-8 can write it (a lone surrogate broke the log's JSON)
        return AgentOutput(thought=_writable(text if isinstance(text, str) else repr(text))[:200])


def _writable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def output_schema(app: str) -> dict:
    """The seven-key object as a JSON schema, with the app's functions (for endpoints' structured output)."""
    return {
        "type": "object",
        "properties": {
            "thought": {"type": "string"},
            "control_label": {"type": ["string", "null"]},
            "control_name": {"type": ["string", "null"]},
            "function": {"type": "string", "enum": list(get_app(app).actions)},
            "args": {"type": "object"},
            "status": {"type": "string", "enum": ["CONTINUE", "FINISH", "CONFIRM"]},
            "plan": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["thought", "control_label", "control_name", "function", "args", "status", "plan"],
        "additionalProperties": False,
    }
