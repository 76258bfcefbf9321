"""Execution: replay an expert (any Policy) on a live environment and record a verified Trajectory.

Per step: the observation before the action (the one the policy saw), the policy's seven-key output, the
environment's result. The first failing step ends the trajectory as failed. The observation after each
step comes back with the step's result, so each state is observed exactly once.

On disk, observations are kept compact: the STORED_CONTROLS best-ranked controls for the request and the
remaining plan, plus the step's target control, plus the full canvas (see compact_observation). The step
samples shown to a model use top_k <= STORED_CONTROLS of these, so nothing a sample needs is lost.
"""

from __future__ import annotations

import time
from typing import Optional

from lamfactory.agent.policy import Policy
from lamfactory.agent.rank import rank_controls
from lamfactory.core.env import Environment
from lamfactory.core.records import AgentOutput, Observation, Step, TaskInstance, Trajectory, Verdict

STORED_CONTROLS = 40
MAX_EXTRA_STEPS = 6  # a policy may take this many steps beyond the expert plan's length
CRASH_MARK = "soffice died"  # the environment's error when the application crashed (episode reset)


class EpisodeTimeout(RuntimeError):
    """The per-episode watchdog fired."""


def app_restarts(env: Environment) -> int:
    """How often the environment has restarted its application (LibreOffice envs count each crash or hang
    they recovered from). An episode during which this grew lost its document: the env reopened a fresh copy,
    so the actions so far are gone and the checker would judge the untouched copy."""
    return getattr(env, "restarts", 0)


def compact_observation(obs: Observation, query: str, keep_label: Optional[str]) -> Observation:
    ranked = rank_controls(query, obs.controls, STORED_CONTROLS)
    if keep_label and all(c.label != keep_label for c in ranked):
        ranked += [c for c in obs.controls if c.label == keep_label]
    return obs.model_copy(update={"controls": ranked})


def replay(env: Environment, task: TaskInstance, policy: Policy, *, timeout_s: float = 60.0,
           max_steps: Optional[int] = None) -> Trajectory:
    """Run one episode; the verdict is the task's checker on the resulting document."""
    t0 = time.perf_counter()
    policy.reset(task)
    obs = env.reset(task)
    restarts = app_restarts(env)  # after the reset: a restart while opening the document loses nothing
    acting_since = time.perf_counter()  # the watchdog times the acting: a reset has its own (a load hang)
    steps: list[Step] = []
    failure: Optional[str] = None
    limit = max_steps or len(task.expert_plan) + MAX_EXTRA_STEPS
    while True:
        if time.perf_counter() - acting_since > timeout_s:
            raise EpisodeTimeout(f"episode exceeded {timeout_s:.0f} s")
        if len(steps) >= limit:
            failure = "step-limit"
            break
        m0 = time.perf_counter()
        out = policy.act(task.request, obs, steps)
        model_ms = (time.perf_counter() - m0) * 1000
        if not out.function:  # the policy declares the task done without acting
            break
        result = env.step(out.action())
        if result.control is not None:
            out = out.model_copy(update={"control_label": result.control.label, "control_name": result.control.name})
        query = task.request + " " + " ".join(out.plan)
        steps.append(Step(index=len(steps), observation=compact_observation(obs, query, out.control_label),
                          output=out, result_ok=result.ok, error=result.error,
                          duration_ms=result.duration_ms, model_ms=model_ms))
        if not result.ok:
            failure = f"step {len(steps)}: {result.error}"
            break
        obs = result.observation if result.observation is not None else env.observe()
        if out.status == "FINISH":
            break
    if steps and failure is None:
        last = steps[-1]
        if last.output.status != "FINISH":
            steps[-1] = last.model_copy(update={"output": _finish(last.output)})
    verdict = env.check(task.check) if failure is None else Verdict(passed=False, details=[failure])
    if app_restarts(env) > restarts and CRASH_MARK not in (failure or ""):  # e.g. hung while saving for the check
        failure = f"{CRASH_MARK} during the episode (restarted, the document reopened)"
        verdict = Verdict(passed=False, details=[failure])
    if failure is None and not verdict.passed:
        failure = "checker: " + "; ".join(verdict.details)[:300]
    return Trajectory(task=task, policy=policy.name, steps=steps, verdict=verdict,
                      bucket="pass" if verdict.passed else "fail", failure=failure,
                      seconds=time.perf_counter() - t0)


def _finish(out: AgentOutput) -> AgentOutput:
    return out.model_copy(update={"status": "FINISH", "plan": []})


def is_crash(traj: Trajectory) -> bool:
    return bool(traj.failure and CRASH_MARK in traj.failure)
