"""Process-wide settings for ML code that runs beside LibreOffice: torch threads."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def torch_threads(n: int):
    """Run a block with `n` torch intra-op threads. Batch-1 inference of small models gains nothing from
    more, and on a busy 2-core machine extra threads spin-wait: a tiny-model decode step measured 50-90 ms
    with one thread and 420-1760 ms with two; a MiniLM query embedding 24 ms vs 490 ms."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
