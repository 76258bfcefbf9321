"""One small LLM interface used by every LLM role (extract, evolve, prefill, filter, judge, act).

    llm = make_llm("openai:gpt-4o@https://api.openai.com/v1")   # key from $OPENAI_API_KEY, never logged
    text = llm.chat([{"role": "user", "content": "..."}], schema=None)

Backend specs (see lamfactory/llm/__init__.py for the registry):
    offline                      no LLM: the role's non-LLM implementation is used
    openai:MODEL[@BASE_URL]      any OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama)
    hf:PATH_OR_HUB_ID            a local Hugging Face causal LM
    replay:FILE.jsonl            recorded prompt -> response pairs (tests, no network)
"""

from __future__ import annotations

from typing import Any, Optional


class LLMError(RuntimeError):
    """The backend failed or kept returning output that does not match the requested schema."""


class LLM:
    name: str = "base"

    def chat(self, messages: list[dict[str, str]], *, schema: Optional[dict[str, Any]] = None,
             max_tokens: int = 512, temperature: float = 0.0) -> str:
        """Return the assistant's text. With `schema`, the text is JSON valid against it (or LLMError)."""
        raise NotImplementedError
