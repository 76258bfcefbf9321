"""How a `lamfactory` command ends on an error: one line on stderr, "error: ...", and an exit code for its kind.

- BAD_INPUT (2, as click's own usage errors): the command cannot go on with what it was given (a file, an option,
  a config key, a record of a JSONL file, a model it cannot load). Every stage's CLI and `run` use it.
- RUN_FAILED (1): the input was fine and the command started, but something outside it stopped the run (soffice
  crashed in both tries of `run`).
"""

from __future__ import annotations

from typing import NoReturn

import typer

BAD_INPUT = 2
RUN_FAILED = 1


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
