"""The step loop: observation -> policy (prompt, model, parse) -> ground -> safety -> env.step -> memory.

    traj = run_episode(env, task, policy, max_steps=20)

Ends at FINISH, at the step limit, after MAX_CONSECUTIVE_ERRORS error steps in a row, or when the
environment itself fails (an exception from env.step: unrecoverable). Every error — unparseable output,
grounding failure, refused sensitive action, failed action — becomes a recorded Step whose error text the
policy sees in its history, so the model can replan. At the end the task's checker gives the Verdict.
"""

from __future__ import annotations

import time
from typing import Optional

from lamfactory.agent.ground import GroundingError, ground
from lamfactory.agent.policy import Policy
from lamfactory.agent.safety import Safety
from lamfactory.core.app import get_app
from lamfactory.core.env import Environment
from lamfactory.core.records import AgentOutput, Observation, Step, TaskInstance, Trajectory

NO_OUTPUT = ("model call failed", "the policy failed")  # LLMPolicy's last_error for a failed call; a raising policy
MAX_CONSECUTIVE_ERRORS = 5  # a policy that keeps failing is stopped instead of burning the step budget


def run_episode(env: Environment, task: TaskInstance, policy: Policy, max_steps: int = 20, *,
                confirm: Optional[Safety] = None, observation: Optional[Observation] = None,
                check: bool = True) -> Trajectory:
    """Run one episode of `policy` on `task` in `env`. `confirm` is the safety policy (default: the
    app's sensitive-action rules, non-interactive, i.e. every sensitive action is refused).
    Pass `observation` when the env was already reset (the CLI does, to open the user's document)."""
    safety = confirm or Safety(rules=tuple(get_app(task.app).safety_rules))
    start = time.perf_counter()
    policy.reset(task)
    obs = observation if observation is not None else env.reset(task)
    traj = Trajectory(task=task, policy=getattr(policy, "name", type(policy).__name__))
    history: list[Step] = traj.steps
    errors_in_row = 0
    finished = False
    while len(history) < max_steps:
        t0 = time.perf_counter()
        try:
            output = policy.act(task.request, obs, list(history))
            parse_error = getattr(policy, "last_error", None)
        except Exception as e:  # policies should not raise (policy.py); one that does costs a step, not the run
            output, parse_error = AgentOutput(), f"the policy failed: {type(e).__name__}: {e}"[:300]
        act_ms = (time.perf_counter() - t0) * 1000
        model_ms = getattr(policy, "last_model_ms", None)
        step = Step(index=len(history), observation=obs, output=output, result_ok=False,
                    model_ms=act_ms if model_ms is None else model_ms)
        try:
            new_obs = _execute(env, obs, output, history, safety, step, parse_error)
        except Exception as e:  # the application itself failed: nothing sensible left to do
            step.error = f"environment error: {type(e).__name__}: {e}"[:500]
            history.append(step)
            traj.failure = step.error
            break
        history.append(step)
        if new_obs is not None:
            obs = new_obs
        if step.result_ok and output.status == "FINISH":
            finished = True
            break
        errors_in_row = 0 if step.result_ok else errors_in_row + 1
        if errors_in_row >= MAX_CONSECUTIVE_ERRORS:
            traj.failure = f"{errors_in_row} errors in a row; last: {step.error}"
            break
    if traj.failure is None and not finished:
        traj.failure = "step-limit"
    if check and task.check:
        traj.verdict = env.check(task.check)
        traj.bucket = "pass" if traj.verdict.passed else "fail"
        if not traj.verdict.passed and traj.failure is None:
            traj.failure = "checker: " + "; ".join(traj.verdict.details)[:300]
    else:
        traj.bucket = "unsure" if finished else "fail"
    traj.seconds = time.perf_counter() - start
    return traj


def _execute(env: Environment, obs: Observation, output: AgentOutput, history: list[Step], safety: Safety,
             step: Step, parse_error: Optional[str]) -> Optional[Observation]:
    """Fill `step` with the outcome; return the next observation when the environment produced one."""
    if parse_error:
        no_output = parse_error.startswith(NO_OUTPUT)  # the model was not reached: nothing was parsed
        step.error = parse_error if no_output else f"unparseable output: {parse_error}"
        return None
    if output.status == "FINISH" and not output.function:
        step.result_ok = True  # finishing without a last action is a valid step
        return None
    try:
        action, control = ground(output, obs)
    except GroundingError as e:
        step.error = f"grounding failed: {e}"
        return None
    reason = safety.sensitive(action, control, history, output.status)
    if reason and not safety.allow(reason, action):
        step.error = f"refused: sensitive action ({reason}) needs the user's confirmation"
        return None
    result = env.step(action)
    step.result_ok = result.ok
    step.error = result.error
    step.duration_ms = result.duration_ms
    if result.observation is None and result.ok:  # an env that does not observe on step: look now
        return env.observe()
    return result.observation
