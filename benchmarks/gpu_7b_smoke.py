"""GPU smoke run of the 7B LoRA recipe (configs/train_7b_lora.yaml) with no hub access: a Qwen2.5-7B-shaped
model is built from a config with RANDOM weights (so losses say nothing about quality), with the project's
embedded BPE tokenizer; then `lamfactory train plan` and `lamfactory train imitate` run in-process for a few
optimizer steps on real records, and LAM2 is reloaded through the agent's HFPolicy to decode actions.
Prints one JSON object (also written to --report).

    python benchmarks/gpu_7b_smoke.py --data DIR_WITH_plans.jsonl_AND_steps.jsonl --work /tmp/gpu7b \
        [--size 7b|tiny] [--steps 10] [--report out.json]
"""

import argparse
import gc
import json
import random
import shutil
import statistics
import time
from pathlib import Path

import torch
import yaml
from transformers import AutoModelForCausalLM, Qwen2Config, TrainerCallback
from transformers import trainer as hf_trainer

from lamfactory.core.records import StepSample, TaskPlan, read_jsonl
from lamfactory.train.base import EmbeddedModel, build_embedded_base, load_dtype, load_tokenizer, on_gpu, save_model
from lamfactory.train.config import PromptSettings
from lamfactory.train.data import plan_example, step_example

ROOT = Path(__file__).resolve().parents[1]
SIZES = {  # Qwen2.5-7B's shape (vocab aside: ours); "tiny" checks the plumbing in seconds
    "7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
               num_key_value_heads=4),
    "tiny": dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
}


class StepTimer(TrainerCallback):
    """Wall time, input tokens and peak GPU memory per optimizer step, one record per trainer run."""

    def __init__(self):
        self.runs: list[dict] = []

    def on_init_end(self, args, state, control, **kw):
        args.include_num_input_tokens_seen = "non_padding"  # so state counts the tokens each step consumed

    def on_train_begin(self, args, state, control, model=None, **kw):
        if on_gpu():
            torch.cuda.reset_peak_memory_stats()
        params = list(model.parameters())
        self.runs.append({"parameters": sum(p.numel() for p in params),
                          "trainable": sum(p.numel() for p in params if p.requires_grad),
                          "activation_checkpointing": getattr(model, "is_activation_checkpointing", None),
                          "bf16": args.bf16, "device": str(next(model.parameters()).device),
                          "step_seconds": [], "step_tokens": [], "losses": []})
        self._tokens = 0

    def on_step_begin(self, args, state, control, **kw):
        _sync()
        self._t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        _sync()
        run = self.runs[-1]
        run["step_seconds"].append(time.perf_counter() - self._t0)
        run["step_tokens"].append(int(state.num_input_tokens_seen) - self._tokens)
        self._tokens = int(state.num_input_tokens_seen)

    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "loss" in logs:
            self.runs[-1]["losses"].append(logs["loss"])

    def on_train_end(self, args, state, control, **kw):
        if on_gpu():
            self.runs[-1]["peak_gib_train"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)


def _sync() -> None:
    if on_gpu():
        torch.cuda.synchronize()


def summarize(run: dict) -> dict:
    secs, toks = run.pop("step_seconds"), run.pop("step_tokens")
    later = secs[1:] or secs
    median = statistics.median(later)
    losses = run.pop("losses")
    return {**run, "steps": len(secs), "first_step_seconds": round(secs[0], 2),
            "median_step_seconds": round(median, 3), "tokens_per_step_median": statistics.median(toks[1:] or toks),
            "tokens_per_second": round(sum(toks[1:] or toks) / sum(later), 1),
            "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None}


def build_base(size: str, vocab: int, corpus: list[str], work: Path) -> tuple[Path, dict]:
    """The project's BPE builder (its tiny model is discarded) + a randomly initialised model made on the GPU."""
    t0 = time.time()
    build_embedded_base(EmbeddedModel(vocab_size=vocab, hidden_size=32, intermediate_size=64, layers=1, heads=2,
                                      kv_heads=1), corpus, work / "tok")
    tok = load_tokenizer(work / "tok")
    config = Qwen2Config(vocab_size=len(tok), max_position_embeddings=32768, rms_norm_eps=1e-6,
                         rope_parameters={"rope_type": "default", "rope_theta": 1e6}, tie_word_embeddings=False,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         **SIZES[size])
    torch.manual_seed(0)
    with torch.device("cuda" if on_gpu() else "cpu"):
        model = AutoModelForCausalLM.from_config(config, dtype=load_dtype())
    t1 = time.time()
    save_model(model, tok, work / "base")
    info = {"vocab": len(tok), "parameters": sum(p.numel() for p in model.parameters()),
            "dtype": str(next(model.parameters()).dtype), "build_seconds": round(t1 - t0, 1),
            "save_seconds": round(time.time() - t1, 1),
            "saved_gib": round(sum(f.stat().st_size for f in (work / "base").glob("*.safetensors")) / 2**30, 2)}
    del model
    gc.collect()
    if on_gpu():
        torch.cuda.empty_cache()
    return work / "base", info


def write_inputs(data: Path, work: Path, n_train: int, n_eval: int) -> tuple[list[str], list[StepSample]]:
    """Subsets sized for the wanted optimizer steps; returns the tokenizer corpus (as prepare_base builds it)."""
    rng = random.Random(0)
    plans = list(read_jsonl(data / "plans.jsonl", TaskPlan))
    steps = list(read_jsonl(data / "steps.jsonl", StepSample))
    train = [s for s in steps if s.split == "train" and s.reward != -1]
    test = [s for s in steps if s.split == "test" and s.reward != -1]
    chosen = rng.sample(train, n_train) + rng.sample(test, n_eval)
    (work / "plans.jsonl").write_text("".join(p.model_dump_json() + "\n" for p in rng.sample(plans, n_train)))
    (work / "steps.jsonl").write_text("".join(s.model_dump_json() + "\n" for s in chosen))
    prompt = PromptSettings()
    corpus = ([json.dumps(plan_example(p, prompt), ensure_ascii=False) for p in plans]
              + [json.dumps(step_example(s, prompt), ensure_ascii=False) for s in steps])
    return corpus, chosen[n_train:]


def write_config(recipe: dict, base: Path, work: Path, steps: int, eval_samples: int) -> Path:
    """The recipe with base.model = our local base and one epoch of `steps` optimizer steps per phase."""
    recipe = {**recipe, "base": {**recipe["base"], "model": str(base)}}
    for phase in ("plan", "imitate"):
        recipe[phase] = {**recipe[phase], "epochs": 1, "logging_steps": 1, "save_steps": steps,
                         "eval_samples": eval_samples}
    path = work / "train_7b_lora.override.yaml"
    path.write_text(yaml.safe_dump({"train": recipe}, sort_keys=False))
    return path


def run_cli(args: list[str]) -> float:
    from lamfactory.cli import app

    t0 = time.time()
    try:
        rc = app(args, standalone_mode=False)
    except SystemExit as e:
        rc = e.code
    if rc not in (None, 0):
        raise RuntimeError(f"lamfactory {' '.join(args)} exited {rc}")
    gc.collect()
    if on_gpu():
        torch.cuda.empty_cache()
    return round(time.time() - t0, 1)


def check_policy(lam2: Path, samples: list[StepSample]) -> dict:
    """Reload LAM2 with the agent's own loader and decode actions (offline evaluation's path)."""
    from lamfactory.agent.parse import parse_output
    from lamfactory.agent.policies import HFPolicy
    from lamfactory.evaluate.offline import predict_samples

    t0 = time.time()
    policy = HFPolicy(lam2)  # loads on the CPU (the agent has no device option); decode on the GPU
    if on_gpu():
        policy.model.to("cuda")
    load = time.time() - t0
    preds = predict_samples(policy, samples)
    try:  # the decoded text itself parses back to the returned action
        raw_ok = parse_output(policy.last_raw) == preds[-1].output
    except Exception as e:  # report, don't hide
        raw_ok = f"{type(e).__name__}: {e}"
    return {"load_seconds": round(load, 1), "model_device": str(policy.model.device),
            "model_dtype": str(policy.model.dtype), "decoded": len(preds),
            "errors": [p.error for p in preds if p.error], "model_ms": [round(p.model_ms) for p in preds],
            "last_raw_parses_to_output": raw_ok, "example": preds[-1].output.model_dump()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "train_7b_lora.yaml")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--size", choices=sorted(SIZES), default="7b")
    ap.add_argument("--steps", type=int, default=10, help="optimizer steps per phase")
    ap.add_argument("--vocab", type=int, default=32000, help="BPE vocabulary asked for (the corpus may give less)")
    ap.add_argument("--eval-samples", type=int, default=16)
    ap.add_argument("--policy-samples", type=int, default=3)
    ap.add_argument("--report", type=Path)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    report: dict = {"size": a.size, "device": torch.cuda.get_device_name() if on_gpu() else "cpu",
                    "torch": torch.__version__, "weights": "random-initialised (no hub access)"}
    timer = StepTimer()
    hf_trainer.DEFAULT_CALLBACKS.append(timer)  # every Trainer the CLI builds reports to it

    recipe = yaml.safe_load(a.config.read_text())["train"]
    per_step = recipe["imitate"]["batch_size"] * recipe["imitate"]["grad_accum"]  # examples per optimizer step
    corpus, eval_steps = write_inputs(a.data, a.work, a.steps * per_step, a.eval_samples)
    base, report["base"] = build_base(a.size, a.vocab, corpus, a.work)
    config = write_config(recipe, base, a.work, a.steps, a.eval_samples)
    common = ["--config", str(config), "--out", str(a.work / "run")]
    report["plan_seconds"] = run_cli(["train", "plan", *common, "--plans", str(a.work / "plans.jsonl")])
    shutil.rmtree(base)  # lam1 is imitate's input; frees disk for the next two 7B checkpoints
    report["imitate_seconds"] = run_cli(["train", "imitate", *common, "--steps", str(a.work / "steps.jsonl")])
    for phase, out, run in zip(("plan", "imitate"), ("lam1", "lam2"), timer.runs):
        metrics = json.loads((a.work / "run" / out / "metrics.json").read_text())
        report[phase] = {**summarize(run), "phase_metrics": metrics}
    report["policy"] = check_policy(a.work / "run" / "lam2", eval_steps[: a.policy_samples])
    if on_gpu():
        report["peak_gib_imitate_eval_policy"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    text = json.dumps(report, indent=1, default=str)
    if a.report:
        a.report.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
