"""Agent runtime figures on the real LibreOffice Writer; prints one JSON object.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/agent_bench.py [--episodes-per-family 2] [--out FILE]

1. Agent overhead per step: everything except the model call (observe, rank, prompt, parse, ground, safety,
   execute). The model is the family oracle behind the full LLM-policy path: its output is rendered as the
   model's JSON text and goes through the same prompt building and parsing as an endpoint's answer, so
   model time is ~0 and the rest is the runtime. Target: median <= 150 ms.
2. Recall@k of the control ranking on the real observations of those episodes: how often the control the
   oracle acted on survives the top-k cut. Rankers: "parts" (the default: request and each plan step
   embedded separately, best match), "joint" (one embedding of request + plan), "lexical" (rapidfuzz only).
3. Constrained vs unconstrained decoding per step with a tiny randomly-initialised Qwen2 (the CI model
   size) on the same observations: ms per step, ms per generated token, and how many outputs are valid.
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lamfactory.agent.loop import run_episode  # noqa: E402
from lamfactory.agent.policies import LLMPolicy  # noqa: E402
from lamfactory.agent.policy import Policy  # noqa: E402
from lamfactory.agent.prompt import render_target  # noqa: E402
from lamfactory.agent.rank import rank_controls, rank_step_controls  # noqa: E402
from lamfactory.llm.base import ChatBackend  # noqa: E402
from lamfactory.core.records import Template, TaskInstance  # noqa: E402

KS = (5, 10, 15, 20)


class Canned(ChatBackend):
    """Returns the text it was handed: the oracle's answer, as a model would have written it."""

    name, retries = "canned", 0
    answer = ""

    def _complete(self, messages, schema, max_tokens, temperature):
        return self.answer


class PromptedOracle(Policy):
    """The oracle's decisions through the LLM policy's whole path (rank, prompt, parse)."""

    name = "oracle-via-llm-path"

    def __init__(self):
        from lamfactory.agent.experts import OraclePolicy

        self.oracle, self.backend = OraclePolicy(), Canned()
        self.llm = LLMPolicy("canned", llm=self.backend)
        self.step_starts: list[float] = []
        self.prompt_side_ms: list[float] = []  # rank + prompt + parse: the policy's time minus the model's

    def reset(self, task):
        self.oracle.reset(task)
        self.step_starts = []

    def act(self, request, observation, history):
        self.step_starts.append(time.perf_counter())
        t0 = time.perf_counter()
        self.backend.answer = render_target(self.oracle.act(request, observation, history))
        oracle_ms = (time.perf_counter() - t0) * 1000
        out = self.llm.act(request, observation, history)
        self.last_model_ms = oracle_ms + self.llm.last_model_ms
        self.prompt_side_ms.append((time.perf_counter() - t0) * 1000 - self.last_model_ms)
        self.last_error = self.llm.last_error
        return out


def make_tasks(folder: Path, per_family: int) -> list[TaskInstance]:
    import docx

    from lamfactory.apps.writer.families import all_families
    from lamfactory.dataflow.instantiate import family_instance
    from lamfactory.apps.writer.templates import read_content

    d = docx.Document()
    d.add_heading("Annual Summary of the Regional Office", level=1)
    d.add_paragraph("The regional office reported steady growth in all product lines this year.")
    d.add_paragraph("Customer satisfaction improved after the new support process was introduced.")
    d.add_heading("Outlook and Priorities", level=2)
    d.add_paragraph("Next year the team will focus on training, quality and shorter delivery times.")
    d.add_paragraph("Budget requests must be submitted before the end of the first quarter.")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"Cell {r + 1}-{c + 1}"
    d.add_paragraph("Prepared by the planning group.")
    path = folder / "bench.docx"
    d.save(path)
    template = Template(template_id="bench", path=str(path), description="bench document")
    content = read_content(path)
    tasks = []
    for family in all_families().values():
        for seed in range(per_family):
            t = family_instance(family, template, content, seed=seed)
            if t is not None:
                tasks.append(t)
    return tasks


RANKERS = {
    "parts": lambda req, plan, cs, k: rank_step_controls(req, plan, cs, k),  # the default (agent/sample.py)
    "joint": lambda req, plan, cs, k: rank_controls(" ".join([req, *plan]), cs, k, "embedding"),
    "lexical": lambda req, plan, cs, k: rank_controls(" ".join([req, *plan]), cs, k, "lexical"),
}


def recall_at_k(trajs) -> dict:
    hits = {m: {k: 0 for k in KS} for m in RANKERS}
    total, sizes = 0, []
    for traj in trajs:
        for i, step in enumerate(traj.steps):
            label = step.output.control_label
            if not label or not step.result_ok:
                continue
            plan = traj.steps[i - 1].output.plan if i else []
            controls = step.observation.controls
            sizes.append(len(controls))
            total += 1
            for method in hits:
                for k in KS:
                    shown = RANKERS[method](traj.task.request, plan, controls, k)
                    hits[method][k] += any(c.label == label for c in shown)
    return {"steps": total, "controls_median": statistics.median(sizes) if sizes else 0,
            **{f"recall@{k}_{m}": round(hits[m][k] / total, 3) if total else None for m in hits for k in KS}}


def decoding(trajs, folder: Path, limit: int = 30) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_agent_decode import save_tiny_model  # the CI-size model and tokenizer recipe

    from lamfactory.agent.ground import GroundingError, ground
    from lamfactory.agent.policies import HFPolicy

    path = save_tiny_model(folder / "tiny", seed=0)
    policy = HFPolicy(path)
    states = [(t.task.request, s.observation, t.steps[:i]) for t in trajs for i, s in enumerate(t.steps)][:limit]
    policy.act(*states[0])  # warm-up (vocabulary tables, first forward)
    result = {}
    for mode in ("constrained", "unconstrained"):
        policy.constrained = mode == "constrained"
        ms, tokens, valid = [], 0, 0
        for request, obs, history in states:
            out = policy.act(request, obs, history)
            ms.append(policy.last_model_ms)
            tokens += len(policy.tokenizer(policy.last_raw, add_special_tokens=False)["input_ids"])
            try:
                if policy.last_error is None:
                    ground(out, obs)
                    valid += 1
            except GroundingError:
                pass
        result[mode] = {"steps": len(states), "ms_median": round(statistics.median(ms), 1),
                        "ms_per_output_token": round(sum(ms) / max(tokens, 1), 2), "valid_groundable": valid}
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes-per-family", type=int, default=2)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from lamfactory.core.app import get_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tasks = make_tasks(folder, args.episodes_per_family)
        env = get_app("writer").make_env()
        policy = PromptedOracle()
        trajs, overhead, model_ms, env_ms, own_ms = [], [], [], [], []
        try:
            run_episode(env, tasks[0], policy, 30)  # warm-up: embedding model load, name cache
            for task in tasks:
                traj = run_episode(env, task, policy, 30)
                trajs.append(traj)
                starts = policy.step_starts
                for step, t0, t1 in zip(traj.steps, starts, starts[1:]):
                    overhead.append((t1 - t0) * 1000 - step.model_ms)
                    own_ms.append(overhead[-1] - step.duration_ms)
                    model_ms.append(step.model_ms)
                    env_ms.append(step.duration_ms)
        finally:
            env.close()
        passed = sum(t.bucket == "pass" for t in trajs)
        report = {
            "episodes": len(trajs), "oracle_passed": passed,
            "agent_overhead_ms_median": round(statistics.median(overhead), 1),
            "agent_overhead_ms_p90": round(sorted(overhead)[int(0.9 * (len(overhead) - 1))], 1),
            "env_step_ms_median": round(statistics.median(env_ms), 1),
            "agent_ms_excluding_env_median": round(statistics.median(own_ms), 1),
            "agent_ms_excluding_env_p90": round(sorted(own_ms)[int(0.9 * (len(own_ms) - 1))], 1),
            "rank_prompt_parse_ms_median": round(statistics.median(policy.prompt_side_ms), 1),
            "oracle_failures": dict(Counter((t.failure or "")[:90] for t in trajs if t.bucket != "pass")),
            "model_ms_median (oracle + canned text)": round(statistics.median(model_ms), 2),
            "overhead_target_ms": 150,
            "load_average_1m": round(os.getloadavg()[0], 2),  # the machine is shared: read timings with it
            "ranking": recall_at_k(trajs),
            "decoding_tiny_qwen2": decoding(trajs, folder),
        }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
