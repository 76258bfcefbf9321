"""The training phases on a tiny embedded model and tiny synthetic Writer data (real TRL/transformers runs)."""

import json

import pytest
import torch
import yaml
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, TrainerCallback
from typer.testing import CliRunner

from lamfactory.agent.retrieval.memory import MEMORY_FILE, Memory
from lamfactory.agent.policies import make_policy
from lamfactory.evaluate.offline import evaluate_offline
from lamfactory.train.base import EmbeddedModel, load_tokenizer
from lamfactory.train.config import PromptSettings
from lamfactory.agent.parse import try_parse
from lamfactory.train.data import TrainData, generate, step_messages
from lamfactory.train.imitate import ImitateConfig, imitate
from lamfactory.train.pipeline import ConfigError, TrainConfig, parse_config, prepare_base, train_phases
from lamfactory.apps.writer.synthetic import make_synthetic, trajectory_samples

TINY = {"base": {"embedded": {"vocab_size": 1024, "hidden_size": 64, "intermediate_size": 128, "layers": 2,
                              "heads": 2, "kv_heads": 1}},
        "prompt": {"system": False, "thought_max_words": 4, "examples": True}}
FAST = {"learning_rate": 3e-3, "batch_size": 8, "logging_steps": 1, "max_length": 384, "save_steps": 1000,
        "eval_samples": 8}


@pytest.fixture(scope="module")
def data():
    syn = make_synthetic(n_pass=40, n_fail=12, n_plans=24, seed=1, test_fraction=0.2)
    return syn, TrainData(plans=syn.plans, steps=syn.steps, passed=syn.passed, failed=syn.failed)


def replay_rollouts(syn):
    """A rollout_fn over synthetic records: the model 'succeeds' on every task the expert failed
    (a fresh passing trajectory from the synthetic expert for the same request)."""
    fixed = {t.task.task_id: make_synthetic(1, 0, 0, seed=i + 100).passed[0] for i, t in enumerate(syn.failed)}

    def rollout(model_dir, tasks):
        assert (AutoModelForCausalLM.from_pretrained(model_dir) is not None)  # it is handed a loadable LAM2
        return [fixed[t.task_id].model_copy(update={"task": t}) if t.task_id in fixed else
                next(p for p in syn.passed if p.task.task_id == t.task_id).model_copy(update={"bucket": "fail"})
                for t in tasks]
    return rollout


def test_all_phases_chain_and_reload(tmp_path, data):
    syn, train_data = data
    cfg = parse_config({**TINY, "plan": {**FAST, "max_steps": 8}, "imitate": {**FAST, "max_steps": 12},
                        "boost": {**FAST, "max_steps": 6, "extra_train_tasks": 4},
                        "reward": {**FAST, "learning_rate": 2e-3, "max_steps": 10, "eval_samples": 0},
                        "rl": {"batch_size": 4, "max_states": 8, "max_new_tokens": 48, "learning_rate": 1e-4,
                               "save_steps": 1, "logging_steps": 1, "sft_coef": 0.5, "eval_samples": 4}})
    results = train_phases(train_data, tmp_path, cfg, rollout_fn=replay_rollouts(syn),
                           to_samples=lambda t, k: trajectory_samples(t, k))
    assert list(results) == ["plan", "imitate", "boost", "reward", "rl"]
    for name in ("plan", "imitate"):
        m = results[name].metrics
        assert m["train_loss_end"] < m["train_loss_start"], (name, m)
        assert m["tokens_per_second"] > 0 and m["seconds"] > 0
    boost = results["boost"].metrics
    expert_failed_train = sum(t.task.split == "train" for t in syn.failed)
    assert boost["boost_new_successes"] == expert_failed_train > 0
    assert boost["boost_new_samples"] >= 2 * expert_failed_train
    rm = results["reward"].metrics
    assert rm["heldout_samples"] > 0 and 0 <= rm["heldout_accuracy"] <= 1 and rm["heldout_auc"] is not None
    rl = results["rl"].metrics
    assert rl["updates"] == 2 and rl["reward_start"] is not None and "eval_parseable" in rl

    for sub in ("lam1", "lam2", "lam3", "lam4"):  # every phase's checkpoint is a plain causal LM that generates
        d = tmp_path / sub
        assert json.loads((d / "lamfactory.json").read_text())["prompt"]["system"] is False
        model, tok = AutoModelForCausalLM.from_pretrained(d), load_tokenizer(d)
        assert isinstance(generate(model, tok, [step_messages(train_data.steps[0], cfg.prompt)], 8)[0], str)
        assert not (d / "checkpoints").exists()
    head = AutoModelForSequenceClassification.from_pretrained(tmp_path / "reward")
    assert head.config.num_labels == 1
    # the experience memory (expert data) travels with LAM2..LAM4, not with LAM1 (plans only); boost's verified
    # successes join it
    assert not (tmp_path / "lam1" / MEMORY_FILE).exists()
    assert json.loads((tmp_path / "lam1" / "lamfactory.json").read_text())["prompt"]["examples"] is False
    sizes = {sub: len(Memory.load(tmp_path / sub).items) for sub in ("lam2", "lam3", "lam4")}
    assert sizes["lam2"] > 0 and sizes["lam4"] == sizes["lam3"] > sizes["lam2"], sizes
    test = train_data.test_steps()[:4]
    m = evaluate_offline(make_policy(str(tmp_path / "lam4")), test)  # retrieval + constrained decoding
    assert m["steps"] == len(test) > 0 and m["unparseable_rate"] == 0.0

    again = train_phases(train_data, tmp_path, cfg, rollout_fn=replay_rollouts(syn),
                         to_samples=lambda t, k: trajectory_samples(t, k))
    assert all(r.skipped for r in again.values())  # same config fingerprint: nothing is retrained


def test_grpo_against_the_reward_model(tmp_path, data):
    syn, train_data = data
    checked = []

    def checker(prompts, completions, sample, **_):  # an extra reward function, as the env checker would be
        checked.extend(sample)
        return [1.0 if try_parse(c[-1]["content"]) else 0.0 for c in completions]

    cfg = parse_config({**TINY, "plan": {**FAST, "max_steps": 2}, "imitate": {**FAST, "max_steps": 2},
                        "boost": {**FAST, "max_steps": 1}, "reward": {**FAST, "max_steps": 2},
                        "rl": {"method": "grpo", "batch_size": 4, "max_new_tokens": 24, "logging_steps": 1,
                               "eval_samples": 0, "grpo": {"num_generations": 4, "max_steps": 2}}})
    results = train_phases(train_data, tmp_path, cfg, extra_reward=checker)
    assert results["rl"].metrics["updates"] == 2 and checked
    assert AutoModelForCausalLM.from_pretrained(tmp_path / "lam4") is not None


class Interrupt(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == 4:
            raise KeyboardInterrupt


def test_interrupted_phase_resumes_from_its_checkpoint(tmp_path, data):
    syn, _ = data
    cfg = TrainConfig.model_validate(TINY)
    base = prepare_base(cfg, TrainData(plans=syn.plans, steps=syn.steps), tmp_path)
    steps = [s for s in syn.steps if s.reward == 1 and s.split == "train"]
    icfg = ImitateConfig(**{**FAST, "max_steps": 8, "save_steps": 2, "eval_samples": 0})
    with pytest.raises(KeyboardInterrupt):
        imitate(base, steps, icfg, out_dir=tmp_path / "lam2", prompt=cfg.prompt, callbacks=[Interrupt()])
    assert (tmp_path / "lam2" / "checkpoints" / "checkpoint-4").exists()
    assert not (tmp_path / "lam2" / "lamfactory.json").exists()
    r = imitate(base, steps, icfg, out_dir=tmp_path / "lam2", prompt=cfg.prompt)
    assert r.metrics["resumed_from"].endswith("checkpoint-4") and r.metrics["steps"] == 8
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "lam2")
    ids = torch.tensor([[1, 2, 3]])
    assert torch.equal(model(ids).logits, AutoModelForCausalLM.from_pretrained(tmp_path / "lam2")(ids).logits)


def test_bad_config_key_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"imitate\.learnin_rate: Extra inputs are not permitted"):
        parse_config({"imitate": {"learnin_rate": 1e-4}})
    with pytest.raises(ConfigError, match=r"rl\.method"):
        parse_config({"rl": {"method": "dpo"}})
    from lamfactory.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"train": {"reward": {"lora": {"rank": 8}}}}))
    res = CliRunner().invoke(app, ["train", "reward", "--config", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 2  # bad input, as every command (core/exits.py)
    assert res.output.strip().splitlines() == [f"error: {bad}: reward.lora.rank: Extra inputs are not permitted"]


def test_shipped_configs_are_valid():
    from pathlib import Path

    from lamfactory.train.pipeline import load_config

    root = Path(__file__).resolve().parents[1] / "configs"
    cpu, gpu = load_config(root / "train_cpu.yaml"), load_config(root / "train_7b_lora.yaml")
    assert cpu.base.model == "embedded" and gpu.base.model != "embedded"
    assert gpu.imitate.learning_rate == 2e-5 and gpu.imitate.batch_size * gpu.imitate.grad_accum == 16
    assert (gpu.reward.lora.r, gpu.reward.lora.alpha) == (8, 32)
    assert (gpu.rl.learning_rate, gpu.rl.ppo_epochs, gpu.rl.batch_size, gpu.rl.target_kl, gpu.rl.init_kl_coef) == \
        (1.4e-5, 4, 8, 0.1, 0.2)
