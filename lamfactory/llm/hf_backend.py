"""A local Hugging Face causal LM (`hf:PATH`), prompted through its chat template. With a schema the
decoding is constrained by outlines, so even a small model emits schema-valid JSON."""

from __future__ import annotations

import json
import threading
from typing import Any, Optional

from lamfactory.llm.base import ChatBackend, LLMError, Messages


class HFChat(ChatBackend):
    def __init__(self, path: str, *, device: str = "cpu", retries: int = 2):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModelForCausalLM.from_pretrained(path).to(device).eval()
        except (OSError, ValueError) as e:
            raise LLMError(f"hf:{path}: cannot load the model: {str(e).splitlines()[0][:200]}") from None
        if not self.tokenizer.chat_template:
            raise LLMError(f"hf:{path}: the tokenizer has no chat template")
        self.name = f"hf:{path}"
        self.retries = retries
        self._lock = threading.Lock()  # generate() is not safe to call from several threads at once
        self._constrained: Optional[Any] = None

    def _prompt(self, messages: Messages) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def _complete(self, messages: Messages, schema: Optional[dict[str, Any]], max_tokens: int,
                  temperature: float) -> str:
        import torch

        prompt = self._prompt(messages)
        sampling = {"do_sample": temperature > 0, **({"temperature": temperature} if temperature > 0 else {})}
        with self._lock:
            if schema is not None:
                return self._generate_constrained(prompt, schema, max_tokens, sampling)
            inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.model.device)
            with torch.no_grad():
                out = self.model.generate(**inputs, max_new_tokens=max_tokens,
                                          pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                                          **sampling)
            return self.tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)

    def _generate_constrained(self, prompt: str, schema: dict[str, Any], max_tokens: int,
                              sampling: dict[str, Any]) -> str:
        import outlines
        from outlines.types import JsonSchema

        if self._constrained is None:
            self._constrained = outlines.from_transformers(self.model, self.tokenizer)
        return self._constrained(prompt, JsonSchema(json.dumps(schema)), max_new_tokens=max_tokens, **sampling)
