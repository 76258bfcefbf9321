"""The shape of a sensitive-action rule: each app lists its own (agent/safety.py applies them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    control: str = ""  # regex on the control's "path > name" (case-insensitive); "" = no control match
    keys: str = ""  # regex on keyboard_input keys (case-insensitive); "" = no key match
