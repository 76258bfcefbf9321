"""Process-wide settings for ML code that runs beside LibreOffice: imports and torch threads.

pyuno replaces builtins.__import__ with a hook that turns every ModuleNotFoundError into a plain
ImportError; libraries that probe optional modules (tqdm's `except ModuleNotFoundError`, accelerate's
find_spec of google.colab) then fail to import. Heavy imports made after the environment started go through
`plain_imports()`, which restores Python's own import for their duration.
"""

from __future__ import annotations

import builtins
import sys
from contextlib import contextmanager


@contextmanager
def plain_imports():
    hook = builtins.__import__
    uno = sys.modules.get("uno")
    original = getattr(uno, "_builtin_import", None) if uno is not None else None
    if original is not None and hook is getattr(uno, "_uno_import", None):
        builtins.__import__ = original
    try:
        yield
    finally:
        builtins.__import__ = hook


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
