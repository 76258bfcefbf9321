"""`lamfactory run`: carry out a task on the user's own document.

The environment opens a copy of the document; the result is saved to --out (default IN.lam.SUFFIX beside the
input) and every step is logged as JSONL (default OUT.steps.jsonl). The input is overwritten only with
--in-place. Sensitive actions are asked about on the terminal, or refused when stdin is not a terminal.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from lamfactory.core.exits import RUN_FAILED, fail as _fail


class _OneLineLog(logging.Handler):
    """lamfactory's own log records (the environment's crash recovery: "soffice died ...; restarting") as one line
    each on stderr. Without a handler Python's last-resort one printed them bare: a cause with a newline as two
    lines, and log.exception's whole traceback (the step log has the error)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = " ".join(record.getMessage().split())
            if record.exc_info and record.exc_info[1] is not None:
                line += f": {type(record.exc_info[1]).__name__}: {_first_line(record.exc_info[1])}"
            typer.echo(line[:500], err=True)
        except Exception:
            self.handleError(record)


@contextmanager
def _one_line_logs():
    """While the command runs (a decorator too): lamfactory's warnings as one line each."""
    handler, logger = _OneLineLog(logging.WARNING), logging.getLogger("lamfactory")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@_one_line_logs()
def run_command(
    doc: Path = typer.Option(..., "--doc", help="The document to work on (a file type of --app); it is not modified."),
    task: str = typer.Option(..., "--task", help="What to do, in plain words."),
    model: Optional[str] = typer.Option(None, "--model", help="A trained checkpoint folder or a policy spec."),
    llm: Optional[str] = typer.Option(None, "--llm", help="An LLM backend, e.g. openai:gpt-4o[@URL]."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the result (default IN.lam.SUFFIX)."),
    in_place: bool = typer.Option(False, "--in-place", help="Overwrite the input document with the result."),
    max_steps: int = typer.Option(20, "--max-steps", min=1, help="Stop after this many steps."),
    log: Optional[Path] = typer.Option(None, "--log", help="Step log, JSONL (default OUT.steps.jsonl)."),
    yes: bool = typer.Option(False, "--yes", help="Allow sensitive actions without asking (never by default)."),
    app_name: Optional[str] = typer.Option(None, "--app", help="The application the document belongs to "
                                           "(default: the registered one that opens its file type)."),
    decode: Optional[list[str]] = typer.Option(None, "--decode", help="KEY=VALUE overriding a decode setting of "
                                               "the model (agent/settings.DecodeSettings), e.g. retrieval=false; "
                                               "repeatable."),
):
    from lamfactory.agent.policies import make_policy
    from lamfactory.agent.safety import Safety, terminal_confirm
    from lamfactory.agent.settings import parse_overrides
    from lamfactory.core.app import AppCrashed, AppError, app_for, get_app
    from lamfactory.core.records import TaskInstance, write_jsonl

    try:
        app = get_app(app_name) if app_name else app_for(doc)
    except AppError as e:
        _fail(str(e))
    try:
        overrides = parse_overrides(decode or [])
    except ValueError as e:
        _fail(f"--decode {e}")
    doc = doc.expanduser()
    if not doc.is_file():
        _fail(f"--doc {doc}: no such file")
    try:
        app.check_suffix(doc)
    except AppError as e:
        _fail(f"--doc {e}")
    if not task.strip():
        _fail("--task is empty")
    if bool(model) == bool(llm):
        _fail("give exactly one of --model (checkpoint or policy) and --llm (backend spec)")
    if in_place and out is not None:
        _fail("--in-place and --out exclude each other")
    target = doc if in_place else (out or doc.with_name(f"{doc.stem}.lam{doc.suffix}")).expanduser()
    if target.resolve() == doc.resolve() and not in_place:
        _fail(f"--out {target} is the input document; pass --in-place to overwrite it")
    log = log or target.with_name(target.name + ".steps.jsonl")
    instance = TaskInstance(task_id="user", app=app.name, request=task.strip(), template_id="user",
                            doc_path=str(doc.resolve()))
    confirm = terminal_confirm if sys.stdin.isatty() else None
    if yes:
        confirm = lambda reason, action: True  # noqa: E731  (the user said so explicitly)
    safety = Safety(rules=tuple(app.safety_rules), work_dir=target.resolve().parent, confirm=confirm)
    env = app.make_env()
    try:
        try:  # the document first: a corrupt or mis-named file fails before a model is loaded
            obs = env.reset(instance)
        except AppError as e:
            _fail(f"--doc {e}")
        except AppCrashed as e:  # it died (or hung) while opening the document, and in both restarts too
            _fail(f"{app.display_name} failed while opening {doc}: {_first_line(e)} — run the same command again",
                  code=RUN_FAILED)
        try:
            policy = make_policy(model or llm, decode=overrides)
        except Exception as e:  # a bad spec, a checkpoint that does not load, a backend error: one line
            _fail(f"cannot load the policy {model or llm}: {_first_line(e)}")
        try:
            traj, crashes = _run_and_save(env, instance, policy, max_steps, safety, obs, target)
        except AppCrashed:  # died again while the document was reopened or saved, and its restarts failed
            traj, crashes = None, 2
    finally:
        env.close()
    if traj is None:
        _fail(f"soffice crashed twice during the run ({crashes}); no result was written, {doc} is untouched "
              "— run the same command again", code=RUN_FAILED)
    write_jsonl(log, traj.steps)
    ok = sum(s.result_ok for s in traj.steps)
    again = " (soffice crashed once; ran the task again on a fresh copy)" if crashes else ""
    typer.echo(f"{len(traj.steps)} steps ({ok} ok), {'finished' if traj.bucket != 'fail' else traj.failure}; "
               f"result: {target}; step log: {log}{again}")
    refused = [s.error for s in traj.steps if s.error and s.error.startswith("refused")]
    for r in refused:
        typer.echo(r, err=True)


def _run_and_save(env, instance, policy, max_steps: int, safety, obs, target: Path):
    """The episode, then its result saved to `target` through a temporary file beside it (renamed into place):
    when soffice died meanwhile (the env restarted it and reopened an untouched copy, so the edits so far are
    gone, and a save would store the untouched copy) the task is run once more from a fresh copy. Returns
    (trajectory, crashes) or (None, crashes) after a second crash, nothing written."""
    from lamfactory.agent.loop import run_episode

    crashes = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part{target.suffix}")
    for attempt in range(2):
        if attempt:
            obs = env.reset(instance)
        restarts = getattr(env, "restarts", 0)
        traj = run_episode(env, instance, policy, max_steps, confirm=safety, observation=obs, check=False)
        if getattr(env, "restarts", 0) == restarts:
            try:
                env.save(part)
                if getattr(env, "restarts", 0) == restarts:
                    part.replace(target)
                    return traj, crashes
            finally:
                part.unlink(missing_ok=True)
        crashes += 1
        if attempt == 0:
            typer.echo("soffice died during the run: the edits so far were lost; running the task again", err=True)
    return None, crashes


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
