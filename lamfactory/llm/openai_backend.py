"""Any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio) via the `openai` client."""

from __future__ import annotations

import os
from typing import Any, Optional

import openai

from lamfactory.llm.base import ChatBackend, LLMError, Messages

OPENAI_URL = "https://api.openai.com/v1"


class OpenAIChat(ChatBackend):
    """`openai:MODEL[@BASE_URL]`. The key is read from the environment variable `api_key_env` and kept only
    inside the client: it is never part of `name`, repr, logs or error messages."""

    def __init__(self, model: str, base_url: Optional[str] = None, *, api_key_env: str = "OPENAI_API_KEY",
                 timeout: float = 60.0, transport_retries: int = 2, retries: int = 2):
        key = os.environ.get(api_key_env)
        if not key and (base_url is None or base_url.rstrip("/") == OPENAI_URL):
            raise LLMError(f"openai:{model}: set the API key in the environment variable {api_key_env}")
        self.model = model
        self.base_url = base_url or OPENAI_URL
        self.retries = retries
        self.name = f"openai:{model}@{self.base_url}"
        # local servers (vLLM, Ollama) accept any key; the client insists on a non-empty one
        self._client = openai.OpenAI(api_key=key or "none", base_url=self.base_url, timeout=timeout,
                                     max_retries=transport_retries)
        self._structured = True  # ask the server for schema-constrained output until it says it can't

    def __repr__(self) -> str:
        return f"OpenAIChat({self.name!r})"

    def _complete(self, messages: Messages, schema: Optional[dict[str, Any]], max_tokens: int,
                  temperature: float) -> str:
        kwargs: dict[str, Any] = {}
        if schema is not None and self._structured:
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": "answer", "schema": schema}}
        try:
            resp = self._client.chat.completions.create(model=self.model, messages=messages,
                                                        max_tokens=max_tokens, temperature=temperature, **kwargs)
        except openai.BadRequestError as e:
            if kwargs and "response_format" in str(e):
                self._structured = False  # the server lacks structured output: validate client-side only
                return self._complete(messages, schema, max_tokens, temperature)
            raise LLMError(f"{self.name}: request rejected: {self._short(e)}") from None
        except openai.APITimeoutError:
            raise LLMError(f"{self.name}: timed out") from None
        except openai.OpenAIError as e:
            raise LLMError(f"{self.name}: {type(e).__name__}: {self._short(e)}") from None
        except ValueError as e:  # the client parses the body itself: a 200 with broken JSON raises JSONDecodeError
            raise LLMError(f"{self.name}: the answer is not JSON ({self._short(e)})") from None
        choices = getattr(resp, "choices", None)  # a non-JSON body (an HTML page) comes back as a plain str
        if not choices or getattr(choices[0], "message", None) is None or choices[0].message.content is None:
            raise LLMError(f"{self.name}: the answer is not a chat completion with text")
        return self._masked(choices[0].message.content)

    def _short(self, e: Exception) -> str:
        """First line of an error, key masked: a server may echo the Authorization header back."""
        return self._masked(str(e).splitlines()[0][:200] if str(e) else type(e).__name__)

    def _masked(self, text: str) -> str:
        """The text with the key replaced: what a server sends back (an error, an answer) gets logged."""
        key = self._client.api_key
        return text.replace(key, "***") if key and key != "none" else text
