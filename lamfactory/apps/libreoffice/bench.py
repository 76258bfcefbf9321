"""The scripted-episode loop behind each LibreOffice app's `env bench` (apps/*/bench.py): reliability and
latency figures for an environment; `echo_bench` is the command's output."""

from __future__ import annotations

import json
import statistics
import time
from typing import Any, Callable, Optional

import typer

from lamfactory.apps.libreoffice.env import OfficeEnv
from lamfactory.apps.libreoffice.soffice import OfficeDied
from lamfactory.core.exits import fail
from lamfactory.core.records import Action, TaskInstance


def run_episodes(env: OfficeEnv, task: TaskInstance, actions: list[Action], episodes: int, toolbar: str,
                 **extra: Any) -> dict:
    """Run `episodes` episodes of `actions` on `task` (reset, observe, the steps, check); counts and latency
    medians (ms), the steps on the `toolbar` control's apart; `extra` goes into the result before the restarts."""
    resets, observes, steps, toolbar_steps, episode_s, failures = [], [], [], [], [], []
    ok = 0
    for n in range(episodes):
        t0 = time.perf_counter()
        env.reset(task)
        resets.append((time.perf_counter() - t0) * 1000)
        t1 = time.perf_counter()
        env.observe()
        observes.append((time.perf_counter() - t1) * 1000)
        error = None
        for action in actions:
            r = env.step(action)
            steps.append(r.duration_ms)
            if action.control_name == toolbar:
                toolbar_steps.append(r.duration_ms)
            if not r.ok:
                error = f"{action.function}({action.control_name or ''}): {r.error}"
                break
        if error is None:
            verdict = env.check(task.check)
            error = None if verdict.passed else "check: " + "; ".join(verdict.details)
        if error is None:
            ok += 1
        else:
            failures.append(f"episode {n}: {error}")
        episode_s.append(time.perf_counter() - t0)
    return {"episodes": episodes, "episodes_ok": ok, "reset_ms_median": _median(resets),
            "observe_ms_median": _median(observes), "step_ms_median": _median(steps),
            "toolbar_step_ms_median": _median(toolbar_steps),
            "episode_s_median": round(statistics.median(episode_s), 3) if episode_s else None,
            **extra, "restarts": env.restarts, "failures": failures[:10]}


def _median(values: list[float]) -> Optional[float]:
    return round(statistics.median(values), 1) if values else None


def echo_bench(run: Callable[[], dict], as_json: bool) -> None:
    """Print run()'s figures as JSON (indented unless `as_json`); a one-line error if LibreOffice failed."""
    try:
        result = run()
    except OfficeDied as e:
        fail(f"LibreOffice failed: {e}")
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
