"""One small LLM interface used by every LLM role (extract, evolve, prefill, filter, judge, act).

    llm = make_llm("openai:gpt-4o@https://api.openai.com/v1")   # key from $OPENAI_API_KEY, never logged
    text = llm.chat([{"role": "user", "content": "..."}], schema=None)
    obj = llm.chat_json(messages, schema)                         # parsed and validated, or LLMError

Backend specs (see lamfactory/llm/__init__.py for the registry):
    offline                      no LLM: the role's non-LLM implementation is used
    openai:MODEL[@BASE_URL]      any OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama)
    hf:PATH_OR_HUB_ID            a local Hugging Face causal LM
    replay:FILE.jsonl            recorded prompt -> response pairs (tests, no network)
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import jsonschema

Messages = list[dict[str, str]]


class LLMError(RuntimeError):
    """The backend failed or kept returning output that does not match the requested schema."""


class LLM:
    name: str = "base"

    def chat(self, messages: list[dict[str, str]], *, schema: Optional[dict[str, Any]] = None,
             max_tokens: int = 512, temperature: float = 0.0) -> str:
        """Return the assistant's text. With `schema`, the text is JSON valid against it (or LLMError)."""
        raise NotImplementedError

    def chat_json(self, messages: Messages, schema: dict[str, Any], *, max_tokens: int = 512,
                  temperature: float = 0.0) -> Any:
        """`chat` with a schema, returning the parsed JSON value."""
        return json.loads(self.chat(messages, schema=schema, max_tokens=max_tokens, temperature=temperature))


def parse_json_output(text: str, schema: dict[str, Any]) -> Any:
    """The JSON value in a model's answer (bare, or inside a ``` fence), validated against `schema`.
    Raises ValueError with a short reason the model can be told about."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidate = (fenced.group(1) if fenced else text).strip()
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError:
        # models often wrap the object in prose: take the outermost {...} or [...]
        start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
        end = max(candidate.rfind("}"), candidate.rfind("]"))
        try:
            value = json.loads(candidate[start:end + 1]) if 0 <= start < end else None
        except json.JSONDecodeError:
            value = None
        if value is None:
            raise ValueError("the answer is not valid JSON") from None
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "the top level"
        raise ValueError(f"the JSON does not match the schema at {where}: {e.message}") from None
    return value


class ChatBackend(LLM):
    """Shared behaviour of the real backends: schema validation with bounded retries.

    A backend implements `_complete(messages, schema, max_tokens, temperature) -> str`; when the answer must
    follow a schema and does not, the model is shown its answer and the validation error and asked again,
    at most `retries` more times, then LLMError names the last problem."""

    retries: int = 2

    def _complete(self, messages: Messages, schema: Optional[dict[str, Any]], max_tokens: int,
                  temperature: float) -> str:
        raise NotImplementedError

    def chat(self, messages: Messages, *, schema: Optional[dict[str, Any]] = None, max_tokens: int = 512,
             temperature: float = 0.0) -> str:
        if schema is None:
            return self._complete(messages, None, max_tokens, temperature)
        convo = list(messages)
        problem = ""
        for _ in range(self.retries + 1):
            text = self._complete(convo, schema, max_tokens, temperature)
            try:
                return json.dumps(parse_json_output(text, schema), ensure_ascii=False)
            except ValueError as e:
                problem = str(e)
            convo = [*convo, {"role": "assistant", "content": text},
                     {"role": "user", "content": f"Your answer was rejected: {problem}. "
                                                 "Answer again with only the JSON value."}]
        raise LLMError(f"{self.name}: no schema-valid answer after {self.retries + 1} attempts ({problem})")
