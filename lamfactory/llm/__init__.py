"""LLM backends behind one interface (lamfactory.llm.base.LLM), chosen per role by a spec string.

    make_llm("offline")                          -> None: the role uses its non-LLM implementation
    make_llm("openai:gpt-4o")                    -> OpenAI, key from $OPENAI_API_KEY
    make_llm("openai:qwen2.5@http://127.0.0.1:8000/v1")   any OpenAI-compatible server
    make_llm("hf:/path/to/model")                -> local Hugging Face causal LM
    make_llm("replay:calls.jsonl")               -> recorded answers (tests)
    make_llm("record:calls.jsonl+openai:gpt-4o") -> a live backend whose calls are recorded for replay

CLIs take `--llm ROLE=SPEC` (repeatable); parse_llm_options turns them into {role: spec}.
"""

from __future__ import annotations

from typing import Optional

from lamfactory.llm.base import LLM, LLMError

ROLES = ("extract", "evolve", "prefill", "filter", "judge", "act")
BACKENDS = ("offline", "openai", "hf", "replay", "record")


class LLMSpecError(ValueError):
    """A malformed --llm option or backend spec (the message is one line, fit for the CLI)."""


def make_llm(spec: str, *, api_key_env: str = "OPENAI_API_KEY", timeout: float = 60.0) -> Optional[LLM]:
    spec = spec.strip()
    if spec in ("", "offline", "none"):
        return None
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise LLMSpecError(f"LLM backend {spec!r}: expected one of {', '.join(BACKENDS)} as KIND:ARGUMENT")
    if kind == "openai":
        model, _, base_url = rest.partition("@")
        if not model:
            raise LLMSpecError(f"LLM backend {spec!r}: the model name is missing (openai:MODEL[@BASE_URL])")
        from lamfactory.llm.openai_backend import OpenAIChat

        return OpenAIChat(model, base_url or None, api_key_env=api_key_env, timeout=timeout)
    if kind == "hf":
        from lamfactory.llm.hf_backend import HFChat

        return HFChat(rest)
    if kind == "replay":
        from lamfactory.llm.replay import ReplayLLM

        return ReplayLLM(rest)
    if kind == "record":
        path, plus, inner = rest.partition("+")
        if not plus:
            raise LLMSpecError(f"LLM backend {spec!r}: expected record:FILE.jsonl+BACKEND")
        from lamfactory.llm.base import ChatBackend
        from lamfactory.llm.replay import RecordingLLM

        live = make_llm(inner, api_key_env=api_key_env, timeout=timeout)
        if not isinstance(live, ChatBackend):
            raise LLMSpecError(f"LLM backend {spec!r}: only a live backend can be recorded")
        return RecordingLLM(live, path)
    raise LLMSpecError(f"LLM backend {spec!r}: unknown kind {kind!r}; known: {', '.join(BACKENDS)}")


def parse_llm_options(options: list[str]) -> dict[str, str]:
    """["extract=openai:gpt-4o@http://...", "judge=offline"] -> {"extract": "openai:...", "judge": "offline"}."""
    roles: dict[str, str] = {}
    for option in options:
        role, sep, spec = option.partition("=")
        role = role.strip()
        if not sep or not spec.strip():
            raise LLMSpecError(f"--llm {option!r}: expected ROLE=BACKEND, e.g. extract=openai:gpt-4o")
        if role not in ROLES:
            raise LLMSpecError(f"--llm {option!r}: unknown role {role!r}; roles: {', '.join(ROLES)}")
        kind = spec.strip().partition(":")[0]
        if kind not in BACKENDS:
            raise LLMSpecError(f"--llm {option!r}: unknown backend {kind!r}; backends: {', '.join(BACKENDS)}")
        roles[role] = spec.strip()
    return roles


def role_llm(roles: dict[str, str], role: str, **kwargs) -> Optional[LLM]:
    """The backend configured for `role`, or None when the role runs offline."""
    if role not in ROLES:
        raise LLMSpecError(f"unknown LLM role {role!r}; roles: {', '.join(ROLES)}")
    return make_llm(roles.get(role, "offline"), **kwargs)


__all__ = ["LLM", "LLMError", "LLMSpecError", "ROLES", "make_llm", "parse_llm_options", "role_llm"]
