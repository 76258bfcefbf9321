"""The dataflow stage end to end: plans -> instances -> live execution -> verdicts -> buckets -> samples.

    summary = run_dataflow("runs/x/plans", "runs/x/dataflow", DataflowConfig(workers=1, seed=0))

Outputs in out_dir:
  templates/            the template library (built on first use unless --templates is given)
  tasks.jsonl           every TaskInstance with its split; rejected.jsonl: every rejection with its reason
  pass.jsonl, fail.jsonl, unsure.jsonl   Trajectory records (bucket files, appended per finished task)
  done.jsonl            one mark per finished task (what makes a rerun resume)
  steps.jsonl, dataset/ step-wise samples (export.py); summary.json

Experts (`expert`): "expert" = the documentation-plan expert only; "oracle" = the family oracle only;
"expert+oracle" (default) = the doc-plan expert attempts every task and its failures are kept in
fail.jsonl (the honest failures phases 3-4 learn from); the oracle then attempts the tasks the expert
failed, so pass.jsonl holds a demonstration of every feasible task. Each Trajectory records its policy,
so phase 3 can leave out oracle rescues of tasks it wants to self-boost on. With `shortest` (default), a
doc-plan pass that took more steps than the task's own plan is tried by the oracle too and the shorter verified
demonstration is kept: the help pages' detours (Tools > Chapter Numbering after setting a heading, AutoCorrect's
replacement table before Find & Replace) passed the document check and taught the LAM to wander.

Resumable: instantiation is deterministic given the seed, so a rerun rebuilds the same task list and skips
the tasks in done.jsonl. Counts in summary.json are recomputed from the files, so an interrupted and
resumed run reports what an uninterrupted run reports.

Parallel: a local process pool (one soffice per worker) when workers > 1; Ray when ray_address is given
(`pip install lamfactory[ray]`; each Ray actor owns one environment; same records in and out).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from lamfactory.agent import judge as judging
from lamfactory.dataflow.execute import EpisodeTimeout, is_crash, replay
from lamfactory.agent.experts import DocPlanExpertPolicy, OraclePolicy
from lamfactory.dataflow.export import export, read_trajectories
from lamfactory.dataflow.instantiate import Instantiator
from lamfactory.core.app import DEFAULT_APP, App, get_app
from lamfactory.core.templates import INDEX_FILE, load_templates
from lamfactory.core.records import Record, TaskInstance, TaskPlan, Trajectory, append_jsonl, read_jsonl, write_json, \
    write_jsonl

log = logging.getLogger(__name__)

EXPERTS = ("expert", "oracle", "expert+oracle")
BUCKETS = ("pass", "fail", "unsure")


class DataflowError(ValueError):
    """Bad input for the dataflow stage (message is one line, fit for the CLI)."""


class Rejected(Record):
    task_id: str
    reason: str
    detail: str = ""


class Done(Record):
    task_id: str
    outcome: str  # pass | fail | unsure | error: ...
    seconds: float = 0.0


@dataclass
class DataflowConfig:
    app: str = DEFAULT_APP  # the registered application the tasks run in
    templates_dir: Optional[str] = None
    limit: Optional[int] = None  # at most this many task instances (after instantiation, in order)
    workers: int = 1
    ray_address: Optional[str] = None
    llm_roles: dict[str, str] = field(default_factory=dict)  # role -> backend spec (filter, prefill, judge)
    seed: int = 0
    expert: str = "expert+oracle"
    per_plan: int = 3
    episode_timeout_s: float = 60.0
    top_k: int = 15
    progress: bool = True
    dataset: bool = True
    paraphrases: bool = True  # training samples again under the other training phrasings (export.py)
    shortest: bool = True  # keep the shorter of a detouring doc-plan pass and the oracle's (see the module doc)


# ---------------------------------------------------------------- inputs


def load_plans(plans: str | Path) -> list[TaskPlan]:
    path = Path(plans)
    if path.is_dir():
        path = path / "plans.jsonl"
    if not path.is_file():
        raise DataflowError(f"plans file not found: {path} (give the plans stage's output folder or a .jsonl file)")
    try:
        records = list(read_jsonl(path, TaskPlan))
    except ValueError as e:
        raise DataflowError(str(e).splitlines()[0]) from None
    if not records:
        raise DataflowError(f"{path}: no task-plan records")
    return records


def templates_for(out_dir: Path, templates_dir: Optional[str], app: App):
    if templates_dir:
        return load_templates(templates_dir)
    own = out_dir / "templates"
    return load_templates(own) if (own / INDEX_FILE).is_file() else app.build_templates(own)


# ---------------------------------------------------------------- one task


def collect(env, task: TaskInstance, expert: str, judge_llm=None, timeout_s: float = 60.0,
            shortest: bool = True) -> list[Trajectory]:
    """Trajectories for one task (one per policy tried; with `shortest`, a detouring pass gives way to a
    shorter one). Raises EpisodeTimeout / RuntimeError on infra trouble."""
    policies = {"expert": [DocPlanExpertPolicy], "oracle": [OraclePolicy],
                "expert+oracle": [DocPlanExpertPolicy, OraclePolicy]}[expert]
    out = []
    for n, make_policy in enumerate(policies):
        traj = replay(env, task, make_policy(), timeout_s=timeout_s)
        if is_crash(traj):  # a crashed soffice costs one retry (the environment restarted it)
            traj = replay(env, task, make_policy(), timeout_s=timeout_s)
            if is_crash(traj):
                raise RuntimeError(f"soffice crashed twice: {traj.failure}")
        if judge_llm is not None:
            verdict, reason = judging.judge_trajectory(judge_llm, traj, env.observe())
            traj.verdict = traj.verdict.model_copy(update={"judge": verdict, "judge_reason": reason})
            traj.bucket = judging.bucket(traj.verdict.passed, verdict)
        if out and out[-1].bucket == "pass":  # the earlier pass detoured: the shorter verified one stays
            return [traj] if traj.bucket == "pass" and len(traj.steps) < len(out[-1].steps) else out
        out.append(traj)
        detoured = shortest and len(traj.steps) > len(task.expert_plan) and n + 1 < len(policies)
        if traj.bucket == "pass" and not detoured:
            break
    return out


def _task_result(env, task_json: str, cfg: dict, judge_llm=None) -> tuple[str, list[str], Optional[str], float]:
    task = TaskInstance.model_validate_json(task_json)
    t0 = time.perf_counter()
    try:
        trajs = collect(env, task, cfg["expert"], judge_llm, cfg["episode_timeout_s"], cfg["shortest"])
    except EpisodeTimeout as e:
        return task.task_id, [], f"timeout: {e}", time.perf_counter() - t0
    except Exception as e:  # an environment that cannot recover: record it, keep the run going
        # expected failures (a hung dialog, twice) get one line; the traceback only at debug level
        log.warning("task %s failed: %s", task.task_id, e)
        log.debug("task %s failed", task.task_id, exc_info=True)
        return task.task_id, [], f"error: {type(e).__name__}: {str(e)[:200]}", time.perf_counter() - t0
    return task.task_id, [t.model_dump_json() for t in trajs], None, time.perf_counter() - t0


# ---------------------------------------------------------------- executors


def _judge(cfg: dict):
    spec = cfg["llm_roles"].get("judge")
    if not spec:
        return None
    from lamfactory.llm import make_llm

    return make_llm(spec)


def _run_local(tasks: list[TaskInstance], cfg: dict) -> Iterator[tuple]:
    env = get_app(cfg["app"]).make_env()
    judge_llm = _judge(cfg)
    try:
        for t in tasks:
            result = _task_result(env, t.model_dump_json(), cfg, judge_llm)
            env = _renewed_after_error(env, result, cfg["app"])
            yield result
    finally:
        env.close()


def _renewed_after_error(env, result: tuple, app: str):
    """A task that ended in an unexpected error may have left soffice broken in a way its watchdog does not
    see (measured: after a C++ std::bad_alloc every later call failed the same way): start a fresh one."""
    if not (result[2] or "").startswith("error"):
        return env
    env.close()
    return get_app(app).make_env()


_WORKER: dict = {}


def _init_worker(cfg: dict) -> None:
    from multiprocessing.util import Finalize

    _WORKER["env"] = get_app(cfg["app"]).make_env()
    _WORKER["cfg"] = cfg
    _WORKER["judge"] = _judge(cfg)
    Finalize(None, lambda: _WORKER["env"].close(), exitpriority=10)  # the current env (renewed after errors)


def _pool_task(task_json: str):
    result = _task_result(_WORKER["env"], task_json, _WORKER["cfg"], _WORKER["judge"])
    _WORKER["env"] = _renewed_after_error(_WORKER["env"], result, _WORKER["cfg"]["app"])
    return result


def _run_pool(tasks: list[TaskInstance], cfg: dict) -> Iterator[tuple]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(cfg["workers"], initializer=_init_worker, initargs=(cfg,)) as pool:
        yield from pool.imap_unordered(_pool_task, [t.model_dump_json() for t in tasks])
        pool.close()
        pool.join()


class _RayWorker:
    """One environment per Ray actor."""

    def __init__(self, cfg: dict):
        _init_worker(cfg)

    def run(self, task_json: str):
        return _pool_task(task_json)


def _run_ray(tasks: list[TaskInstance], cfg: dict) -> Iterator[tuple]:
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise DataflowError("--ray needs Ray: pip install 'lamfactory[ray]'") from None
    ray.init(address=cfg["ray_address"], ignore_reinit_error=True)
    actor = ray.remote(_RayWorker)
    pool = ActorPool([actor.remote(cfg) for _ in range(max(1, cfg["workers"]))])
    yield from pool.map_unordered(lambda a, t: a.run.remote(t), [t.model_dump_json() for t in tasks])


# ---------------------------------------------------------------- the stage


def run_dataflow(plans_dir: str | Path, out_dir: str | Path, cfg: Optional[DataflowConfig] = None,
                 **overrides) -> dict:
    cfg = cfg or DataflowConfig()
    for k, v in overrides.items():
        setattr(cfg, k, v)
    if cfg.expert not in EXPERTS:
        raise DataflowError(f"unknown expert {cfg.expert!r}; choose one of {', '.join(EXPERTS)}")
    if cfg.workers < 1:
        raise DataflowError("workers must be >= 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = get_app(cfg.app)
    plans = [p for p in load_plans(plans_dir) if p.app == app.name]
    if not plans:
        raise DataflowError(f"{plans_dir}: no task-plan records for the app {app.name!r}")
    stage_t0 = time.perf_counter()  # the whole stage's clock: templates, instantiation, execution, export
    templates = templates_for(out, cfg.templates_dir, app)

    t0 = time.perf_counter()
    from lamfactory.llm import make_llm

    inst = Instantiator(templates, app, seed=cfg.seed, per_plan=cfg.per_plan,
                        filter_llm=make_llm(cfg.llm_roles["filter"]) if cfg.llm_roles.get("filter") else None,
                        prefill_llm=make_llm(cfg.llm_roles["prefill"]) if cfg.llm_roles.get("prefill") else None)
    tasks, rejections = inst.instantiate(plans)
    if cfg.limit is not None:
        tasks = tasks[: cfg.limit]
    write_jsonl(out / "tasks.jsonl", tasks)
    write_jsonl(out / "rejected.jsonl", [Rejected(task_id=r.task_id, reason=r.reason, detail=r.detail)
                                         for r in rejections])
    instantiate_s = time.perf_counter() - t0

    done_file = out / "done.jsonl"
    for own in [done_file, *(out / f"{b}.jsonl" for b in BUCKETS)]:
        if drop_torn_tail(own):
            log.warning("%s: dropped a torn last line (an interrupted write); its task runs again", own)
    # tasks that ended in an infrastructure error are tried again by a rerun (timeouts and verdicts are final)
    done = {d.task_id for d in _latest_done(done_file) if not d.outcome.startswith("error")}
    pending = [t for t in tasks if t.task_id not in done]
    cfg_dict = asdict(cfg)
    if cfg.ray_address:
        results = _run_ray(pending, cfg_dict)
    elif cfg.workers > 1:
        results = _run_pool(pending, cfg_dict)
    else:
        results = _run_local(pending, cfg_dict)

    t1 = time.perf_counter()
    executed = passing = 0
    for task_id, traj_jsons, error, seconds in _progress(results, len(pending), cfg.progress):
        trajs = [Trajectory.model_validate_json(j) for j in traj_jsons]
        for traj in trajs:
            append_jsonl(out / f"{traj.bucket}.jsonl", [traj])
        executed += len(trajs)
        passing += sum(t.bucket == "pass" for t in trajs)
        outcome = error or (trajs[-1].bucket if trajs else "error: no trajectory")
        append_jsonl(done_file, [Done(task_id=task_id, outcome=outcome, seconds=round(seconds, 3))])
    run_s = time.perf_counter() - t1

    counts = export(out, cfg.top_k, cfg.dataset, cfg.paraphrases)
    summary = summarize(out, tasks, rejections_file=out / "rejected.jsonl")
    stage_s = time.perf_counter() - stage_t0
    summary.update({"samples": counts, "executed_this_run": executed, "passing_this_run": passing,
                    "instantiate_seconds": round(instantiate_s, 1), "execute_seconds": round(run_s, 1),
                    "stage_seconds": round(stage_s, 1),
                    # executed trajectories (failed ones included) per minute of the execution phase
                    "executed_per_minute_execution": _per_minute(executed, run_s),
                    # verified passing trajectories per minute of the whole stage: what the stage yields
                    "passing_per_minute_stage": _per_minute(passing, stage_s),
                    "config": {k: v for k, v in cfg_dict.items() if k != "llm_roles"} | {"llm_roles": sorted(cfg.llm_roles)}})
    write_json(out / "summary.json", summary)
    return summary


def _per_minute(n: int, seconds: float) -> Optional[float]:
    return round(n / seconds * 60, 1) if seconds > 0 and n else None


def _progress(results: Iterator[tuple], total: int, show: bool) -> Iterator[tuple]:
    if not show:
        yield from results
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    tally: Counter = Counter()
    with Progress(TextColumn("dataflow"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeRemainingColumn()) as bar:
        job = bar.add_task("", total=total)
        for r in results:
            tally["error" if r[2] else "ok"] += 1
            bar.update(job, advance=1, description=f"{len(r[1])} traj, errors {tally['error']}")
            yield r


def drop_torn_tail(path: Path) -> bool:
    """Cut a last line without its newline (a write a kill interrupted) off a file this stage appends to.
    Its task's done mark comes after its trajectories, so that task is simply run again. True if one was cut."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb+") as f:
        f.seek(-1, 2)
        if f.read(1) == b"\n":
            return False
        data = path.read_bytes()
        f.truncate(data.rfind(b"\n") + 1)
    return True


def _latest_done(path: Path) -> list[Done]:
    """The last outcome per task (a task retried after an error has two records)."""
    if not path.is_file():
        return []
    return list({d.task_id: d for d in read_jsonl(path, Done)}.values())


def summarize(out: Path, tasks: list[TaskInstance], rejections_file: Path) -> dict:
    """Counts recomputed from the files on disk (the same for a resumed and an uninterrupted run)."""
    buckets = {b: read_trajectories(out / f"{b}.jsonl") for b in BUCKETS}
    per_family: dict[str, Counter] = {}
    failures: Counter = Counter()
    agree = Counter()
    for b, trajs in buckets.items():
        for t in trajs:
            for f in t.task.families:
                per_family.setdefault(f, Counter())[b] += 1
            if b == "fail":
                failures[_reason(t.failure)] += 1
            if t.verdict and t.verdict.judge:
                a = judging.agrees(t.verdict.passed, t.verdict.judge)
                agree["unsure" if a is None else ("agree" if a else "disagree")] += 1
    rejected = Counter(r.reason for r in read_jsonl(rejections_file, Rejected)) if rejections_file.is_file() else Counter()
    done = _latest_done(out / "done.jsonl")
    errors = Counter(d.outcome.split(":")[0] for d in done if d.outcome.startswith(("error", "timeout")))
    passed_tasks = {t.task.task_id for t in buckets["pass"]}
    by_policy = Counter(f"{t.policy}:{b}" for b, ts in buckets.items() for t in ts)
    return {
        "tasks": len(tasks), "tasks_done": len(done), "tasks_passed": len(passed_tasks),
        "buckets": {b: len(ts) for b, ts in buckets.items()},
        "by_policy": dict(sorted(by_policy.items())),
        "families": {f: dict(c) for f, c in sorted(per_family.items())},
        "families_with_pass": sum(1 for c in per_family.values() if c["pass"]),
        "templates_with_pass": len({t.task.template_id for t in buckets["pass"]}),
        "rejections": dict(rejected), "failure_reasons": dict(failures.most_common(20)), "errors": dict(errors),
        "judge_agreement": dict(agree),
        "split": dict(Counter(t.split for t in tasks)),
    }


def _reason(failure: Optional[str]) -> str:
    """A failure message reduced to its kind (for counting)."""
    if not failure:
        return "unknown"
    if failure.startswith("checker"):
        return "checker"
    if "no control named" in failure:
        return "control-not-found"
    if failure == "step-limit":
        return "step-limit"
    text = failure.split(":", 1)[1] if failure.startswith("step") else failure
    return text.strip().split(":")[0][:40]
