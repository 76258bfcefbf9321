"""Post-processing: trajectories -> step-wise samples (the paper's format) and a Hugging Face dataset.

Samples are built with agent.sample.build_sample, the same function the agent uses at run time, so train
and test inputs never drift apart. The target control is kept in the shown top-k (must_include).
Rewards for the reward model: +1 for steps of passing trajectories, -1 for failing ones.
The split comes from the task (instantiate.py keeps whole tasks together and holds out templates and a
phrasing for test).
"""

from __future__ import annotations

from pathlib import Path

from lamfactory.agent.prompt import render_target, render_user
from lamfactory.agent.sample import build_sample
from lamfactory.core.records import StepSample, Trajectory, read_jsonl, write_jsonl

DEFAULT_TOP_K = 15
REWARD = {"pass": 1.0, "fail": -1.0}


def trajectory_to_samples(traj: Trajectory, top_k: int = DEFAULT_TOP_K) -> list[StepSample]:
    samples = []
    for i, st in enumerate(traj.steps):
        s = build_sample(traj.task.request, st.observation, traj.steps[:i], task_id=traj.task.task_id,
                         target=st.output, top_k=top_k, must_include=st.output.control_label)
        samples.append(s.model_copy(update={
            "family": "+".join(traj.task.families), "template_id": traj.task.template_id,
            "split": traj.task.split, "reward": REWARD.get(traj.bucket)}))
    return samples


def paraphrased_samples(traj: Trajectory, top_k: int = DEFAULT_TOP_K) -> list[StepSample]:
    """Paraphrase augmentation: a passing training trajectory's steps again under each other training
    phrasing of its request (same observations and actions; the controls are re-ranked for the new wording).
    Requests will be worded in ways the families never used; more wordings per state help a small model."""
    from lamfactory.dataflow.instantiate import rephrasings

    if traj.bucket != "pass" or traj.task.split != "train":
        return []
    out = []
    for n, request in enumerate(rephrasings(traj.task), 1):
        task = traj.task.model_copy(update={"request": request, "task_id": f"{traj.task.task_id}~p{n}"})
        out += [s.model_copy(update={"paraphrased": True})
                for s in trajectory_to_samples(traj.model_copy(update={"task": task}), top_k)]
    return out


def read_trajectories(path: Path) -> list[Trajectory]:
    """Trajectories of a bucket file, the last record per (task, policy) winning (a resumed run may
    have appended one twice if it was killed between two appends)."""
    if not path.is_file():
        return []
    latest: dict[tuple[str, str], Trajectory] = {}
    for t in read_jsonl(path, Trajectory):
        latest[(t.task.task_id, t.policy)] = t
    return list(latest.values())


def export(out_dir: str | Path, top_k: int = DEFAULT_TOP_K, dataset: bool = True,
           paraphrases: bool = True) -> dict[str, int]:
    """steps.jsonl (all samples, pass and fail, with split and reward; plus paraphrased training samples,
    task ids ending in ~pN) and dataset/ (prompt/completion)."""
    out_dir = Path(out_dir)
    samples: list[StepSample] = []
    for name in ("pass", "fail"):
        for traj in read_trajectories(out_dir / f"{name}.jsonl"):
            samples += trajectory_to_samples(traj, top_k)
            if paraphrases:
                samples += paraphrased_samples(traj, top_k)
    samples.sort(key=lambda s: (s.task_id, s.reward or 0, s.step))
    write_jsonl(out_dir / "steps.jsonl", samples)
    counts = {"samples": len(samples), "train": sum(s.split == "train" for s in samples),
              "test": sum(s.split == "test" for s in samples), "paraphrased": sum(s.paraphrased for s in samples)}
    if dataset and samples:
        save_dataset(samples, out_dir / "dataset")
    return counts


def save_dataset(samples: list[StepSample], path: Path) -> None:
    """A DatasetDict (train/test) with prompt/completion columns for TRL and the sample's metadata."""
    import shutil

    from datasets import Dataset, DatasetDict

    def rows(split: str):
        return [{"task_id": s.task_id, "step": s.step, "family": s.family, "template_id": s.template_id,
                 "reward": s.reward, "prompt": render_user(s), "completion": render_target(s.target),
                 "sample": s.model_dump_json()} for s in samples if s.split == split]

    dd = DatasetDict({split: Dataset.from_list(r) for split in ("train", "test") if (r := rows(split))})
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    dd.save_to_disk(str(tmp))
    shutil.rmtree(path, ignore_errors=True)
    tmp.replace(path)
