"""Keep stdout for a benchmark's one JSON result line.

    with stdout_to_stderr():
        result = work()      # whatever it (or a library, or soffice) prints goes to stderr
    print(json.dumps(result), flush=True)

fd 1 itself is pointed at stderr while working, so child processes and C libraries are redirected too, not only
Python's sys.stdout.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager


@contextmanager
def stdout_to_stderr():
    real_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(real_stdout, 1)
        os.close(real_stdout)
