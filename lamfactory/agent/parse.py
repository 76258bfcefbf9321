"""Turn a model's text into an AgentOutput, repairing only what is unambiguous.

Repairs: code fences and prose around the object, trailing commas, single-quoted strings, Python literals
(True/False/None), a plan given as one string, a number label, missing keys (safe defaults: no control, no
args, CONTINUE, empty plan; a FINISH may name no function: "done, nothing left to do"). Anything else (no object, two different objects, no function) is a ParseError
whose message is fed back to the model as an error step. Model text is only ever *parsed*, never executed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from lamfactory.agent.prompt import TARGET_KEYS
from lamfactory.core.records import AgentOutput

MAX_DEPTH = 8  # the seven keys hold flat values; args a small object (the step log must serialize it)
MAX_CHARS = 20_000  # longer outputs are cut before parsing (a runaway generation must not stall the loop)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_STATUSES = ("CONTINUE", "FINISH", "CONFIRM")


class ParseError(ValueError):
    """The output cannot be read as one seven-key action without guessing."""


def parse_output(text: Any) -> AgentOutput:
    """Parse (and repair) one model output; raise ParseError with a one-line reason otherwise."""
    if not isinstance(text, str):
        raise ParseError(f"model output must be text, got {type(text).__name__}")
    data = _load_object(text[:MAX_CHARS])
    return _to_output(data)


def try_parse(text: Any) -> Optional[AgentOutput]:
    """parse_output, or None when the output cannot be read (training metrics and rewards count those)."""
    try:
        return parse_output(text)
    except ParseError:
        return None


def _load_object(text: str) -> dict[str, Any]:
    fenced = _FENCE.findall(text)
    candidates = fenced if fenced else [text]
    objects = []
    for chunk in candidates:
        objects += _objects_in(chunk)
    distinct = {json.dumps(o, sort_keys=True, default=str) for o in objects}
    if not objects:
        raise ParseError("no JSON object found in the output; reply with one JSON object")
    if len(distinct) > 1:
        raise ParseError(f"{len(distinct)} different JSON objects in the output; reply with exactly one")
    return objects[0]


def _objects_in(text: str) -> list[dict[str, Any]]:
    """Every top-level {...} span that loads (strictly, then with repairs)."""
    found = []
    for span in _brace_spans(text):
        obj = _load_span(span)
        if isinstance(obj, dict):
            found.append(obj)
    return found


def _brace_spans(text: str) -> list[str]:
    """Top-level balanced-brace spans, quote-aware for both quote kinds."""
    spans, depth, start, quote, escaped = [], 0, -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'" and depth > 0:
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start:i + 1])
    if depth > 0 and start >= 0:  # truncated output: close what is open only if it is just the braces
        spans.append(text[start:] + "}" * depth)
    return spans


def _load_span(span: str) -> Any:
    for attempt in (span, _TRAILING_COMMA.sub(r"\1", span)):
        try:
            return json.loads(attempt)
        except (json.JSONDecodeError, RecursionError):
            pass
    fixed = _requote(_TRAILING_COMMA.sub(r"\1", span))
    try:
        return json.loads(fixed)
    except (json.JSONDecodeError, RecursionError):
        return None


def _requote(span: str) -> str:
    """Single-quoted strings -> double-quoted; Python True/False/None -> JSON (outside strings only)."""
    out, quote, i = [], "", 0
    while i < len(span):
        ch = span[i]
        if quote:
            if ch == "\\" and i + 1 < len(span):
                nxt = span[i + 1]
                out.append("'" if (quote == "'" and nxt == "'") else ch + nxt)
                i += 2
                continue
            if ch == quote:
                out.append('"')
                quote = ""
            elif ch == '"' and quote == "'":
                out.append('\\"')
            else:
                out.append(ch)
        elif ch in "\"'":
            quote = ch
            out.append('"')
        else:
            out.append(ch)
        i += 1
    text = "".join(out)
    return re.sub(r"\b(True|False|None)\b", lambda m: {"True": "true", "False": "false", "None": "null"}[m[1]],
                  text)


def _to_output(data: dict[str, Any]) -> AgentOutput:
    if _depth(data) > MAX_DEPTH:  # the step log could not be written back (pydantic's serializer gives up)
        raise ParseError(f"the object is nested more than {MAX_DEPTH} levels deep; args are flat values")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") loads as text but cannot be written as UTF-8
        raise ParseError("the object holds invalid Unicode (a lone surrogate escape)") from None
    data = {str(k).strip().lower(): v for k, v in data.items()}
    unknown = set(data) - set(TARGET_KEYS)
    if unknown:
        raise ParseError(f"unexpected key(s) {_show(sorted(unknown))}; the keys are {', '.join(TARGET_KEYS)}")
    status = data.get("status", "CONTINUE")
    status = status.strip().upper() if isinstance(status, str) else status
    if status not in _STATUSES:
        raise ParseError(f"status must be CONTINUE, FINISH or CONFIRM, got {_show(status)}")
    function = data.get("function") or ""
    if not isinstance(function, str) or not (function.strip() or status == "FINISH"):
        raise ParseError("missing 'function'; every step names one function (only FINISH may have none)")
    args = data.get("args") or {}
    if not isinstance(args, dict):
        raise ParseError(f"'args' must be an object, got {type(args).__name__}")
    plan = data.get("plan") or []
    if isinstance(plan, str):
        plan = [plan]
    if not isinstance(plan, list):
        raise ParseError(f"'plan' must be a list of strings, got {type(plan).__name__}")
    thought = data.get("thought") or ""
    return AgentOutput(
        thought=thought if isinstance(thought, str) else json.dumps(thought, default=str),
        control_label=_optional_text(data.get("control_label"), "control_label"),
        control_name=_optional_text(data.get("control_name"), "control_name"),
        function=function.strip(),
        args={str(k): v for k, v in args.items()},
        status=status,
        plan=[p if isinstance(p, str) else json.dumps(p, default=str) for p in plan],
    )


def _depth(value: Any) -> int:
    """Nesting depth of lists and dicts, without recursion (a model can emit 50,000 brackets)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if d <= MAX_DEPTH:  # deeper is rejected anyway: stop walking
                stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _show(value: Any, limit: int = 80) -> str:
    """A model's value in an error message: repr (control characters escaped, one line), cut to `limit`."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _optional_text(value: Any, key: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ParseError(f"{key!r} must be a string, got {_show(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None
