"""Record/replay: tests and demos exercise LLM paths with no network. A recording is JSONL, one line per
call: {"key", "messages", "schema", "response"}; the key hashes the request, so a replay answers exactly
the requests that were recorded and names the missing one otherwise."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Optional

from lamfactory.llm.base import ChatBackend, LLMError, Messages


def request_key(messages: Messages, schema: Optional[dict[str, Any]]) -> str:
    blob = json.dumps({"messages": messages, "schema": schema}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


class ReplayLLM(ChatBackend):
    """`replay:FILE.jsonl`. Repeated identical requests get the recorded answers in order (the last one
    repeats), so a recorded retry sequence replays as it happened. Schema validation and retries are the
    same as for the live backends."""

    def __init__(self, path: str | Path, *, retries: int = 2):
        path = Path(path)
        self.name = f"replay:{path}"
        self.retries = retries
        self._answers: dict[str, deque[str]] = defaultdict(deque)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise LLMError(f"{self.name}: cannot read the recording: {e.strerror}") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                key = entry.get("key") or request_key(entry["messages"], entry.get("schema"))
                self._answers[key].append(str(entry["response"]))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                raise LLMError(f"{self.name}:{n}: not a recording line (needs messages and response)") from None
        self._lock = threading.Lock()

    def _complete(self, messages: Messages, schema: Optional[dict[str, Any]], max_tokens: int,
                  temperature: float) -> str:
        key = request_key(messages, schema)
        with self._lock:
            answers = self._answers.get(key)
            if not answers:
                raise LLMError(f"{self.name}: no recorded answer for request {key} "
                               f"(first message: {messages[0]['content'][:60]!r})")
            return answers.popleft() if len(answers) > 1 else answers[0]


class RecordingLLM(ChatBackend):
    """Wraps a live backend and appends every raw exchange (retries included) to a JSONL file that
    ReplayLLM can serve."""

    def __init__(self, inner: ChatBackend, path: str | Path):
        self.inner, self.path = inner, Path(path)
        self.name = f"record:{self.path}+{inner.name}"
        self.retries = inner.retries
        self._lock = threading.Lock()

    def _complete(self, messages: Messages, schema: Optional[dict[str, Any]], max_tokens: int,
                  temperature: float) -> str:
        text = self.inner._complete(messages, schema, max_tokens, temperature)
        line = {"key": request_key(messages, schema), "messages": messages, "schema": schema, "response": text}
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return text
