"""Rank candidate controls against the request and plan; the prompt shows only the top-k (as MindAct)."""

from __future__ import annotations

from rapidfuzz import fuzz

from lamfactory.records import Control


def rank_controls(query: str, controls: list[Control], k: int) -> list[Control]:
    """Lexical baseline ranking (token-set similarity of the query to the control's name and path)."""
    if len(controls) <= k:
        return list(controls)
    scored = [(fuzz.token_set_ratio(query, " ".join([c.name, *c.path])), -i, c) for i, c in enumerate(controls)]
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    keep = {id(c) for _, _, c in scored[:k]}
    return [c for c in controls if id(c) in keep]  # observation order, so labels read naturally
