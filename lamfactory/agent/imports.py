"""Importing ML libraries in a process that already talks to LibreOffice.

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
