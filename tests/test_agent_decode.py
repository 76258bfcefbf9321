"""Constrained decoding with a tiny randomly-initialised Qwen2 and a tokenizer trained in the test:
whatever the (untrained) model prefers, the output is a valid, groundable seven-key AgentOutput."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lamfactory.agent.ground import ground
from lamfactory.agent.parse import parse_output
from lamfactory.agent.policies import HFPolicy, make_policy
from lamfactory.agent.prompt import render_target, system_prompt
from lamfactory.apps.writer.actions import ACTIONS
from lamfactory.apps.writer.state import Canvas, Paragraph, Table
from lamfactory.core.records import AgentOutput, Control, Observation

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
NAMES = ["Bold", "Italic", "Underline", "Font Name", "Font Size", "Paragraph Style", "Center", "Insert Table...",
         "Table", "File", "Edit", "Format", "Page Break", "Comment", "Columns:", "Rows:", "Insert", "Cancel"]
TYPES = ["TOGGLE_BUTTON", "PUSH_BUTTON", "COMBO_BOX", "MENU", "MENU_ITEM", "SPIN_BOX"]


def save_tiny_model(path: Path, seed: int) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    corpus = [system_prompt("writer"), CHATML] + [render_target(AgentOutput(thought="t", control_label=str(i), control_name=n,
                                                           function=f, args={"text": n}, plan=[n]))
                                 for i, n in enumerate(NAMES) for f in ACTIONS.functions]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus * 3, trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|pad|>",
                                     bos_token="<|endoftext|>")
    hf_tok.chat_template = CHATML
    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=len(hf_tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         tie_word_embeddings=True)
    Qwen2ForCausalLM(config).save_pretrained(path)
    hf_tok.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> list[Path]:
    return [save_tiny_model(tmp_path_factory.mktemp(f"tiny{s}"), seed=s) for s in (0, 1)]


def random_observation(rng: random.Random) -> tuple[str, Observation]:
    names = rng.sample(NAMES, rng.randint(1, len(NAMES)))
    controls = [Control(label=str(i + 1), name=n, type=rng.choice(TYPES),
                        items=["Heading 1", "Heading 2", "Title"] if n == "Paragraph Style" else [])
                for i, n in enumerate(names)]
    words = ["Quarterly", "report", "sales", "north", "Summary", "Totals"]
    paras = [Paragraph(index=i + 1, text=" ".join(rng.sample(words, 3))) for i in range(rng.randint(0, 5))]
    tables = [Table(index=1, rows=2, cols=3)] if rng.random() < 0.5 else []
    request = rng.choice(['Make "{w}" bold', "Insert a table with {n} rows and {m} columns",
                          "Set the font size of paragraph {n} to {m}", 'Type "{w} {w}" at the end', "Center it"])
    request = request.format(w=rng.choice(words), n=rng.randint(1, 9), m=rng.randint(10, 30))
    return request, Observation(controls=controls, state=Canvas(paragraphs=paras, tables=tables).model_dump())


def test_constrained_output_is_always_valid_and_groundable(tiny_models):
    rng = random.Random(7)
    seen_functions = set()
    for path in tiny_models:
        policy = make_policy(str(path))
        assert isinstance(policy, HFPolicy) and policy.constrained
        for _ in range(15):
            request, obs = random_observation(rng)
            out = policy.act(request, obs, [])
            assert policy.last_error is None
            assert out.function in ACTIONS.functions and out.status in ("CONTINUE", "FINISH")
            assert out.control_label is None or out.control_label in {c.label for c in obs.controls}
            action, control = ground(out, obs)  # never a GroundingError: every field came from a closed set
            ACTIONS.validate(action)
            assert parse_output(render_target(out)) == out
            assert parse_output(policy.last_raw) == out  # the text the model was fed is that same object
            assert policy.last_model_ms > 0
            seen_functions.add(out.function)
    assert seen_functions  # different random models/prompts pick different functions


def test_unconstrained_generation_goes_through_repair_or_error(tiny_models):
    policy = HFPolicy(tiny_models[0], constrained=False, max_new_tokens=40)
    request, obs = random_observation(random.Random(3))
    out = policy.act(request, obs, [])
    # an untrained model's free text is not an action: the policy reports it instead of crashing
    assert policy.last_error is not None and isinstance(out, AgentOutput)


def test_offline_evaluation_of_a_checkpoint(tiny_models):
    """The offline path (StepSample only, no live observation) also decodes valid outputs."""
    from lamfactory.agent.sample import build_sample
    from lamfactory.evaluate.offline import evaluate_offline

    rng = random.Random(11)
    samples = []
    for i in range(6):
        request, obs = random_observation(rng)
        target = AgentOutput(control_label=obs.controls[0].label, control_name=obs.controls[0].name,
                             function="click_input")
        samples.append(build_sample(request, obs, [], task_id=f"t{i // 2}", target=target).model_copy(
            update={"split": "test"}))
    m = evaluate_offline(make_policy(str(tiny_models[0])), samples)
    assert m["steps"] == 6 and m["tasks"] == 3 and m["unparseable_rate"] == 0.0
    assert 0.0 <= m["step_success_rate"] <= m["object_accuracy"] <= 1.0


def test_rank_prior_pulls_the_control_choice_to_the_ranker_top(tiny_models):
    """With a dominant prior the untrained model's choice is the ranker's first control (or none); with no
    prior it is the model's own, which for these random models is not always the first."""
    from lamfactory.agent.sample import build_sample

    rng = random.Random(5)
    picks = {0.0: [], 100.0: []}
    policy = make_policy(str(tiny_models[0]))
    for _ in range(12):
        request, obs = random_observation(rng)
        first = build_sample(request, obs, []).controls[0].label
        for weight in picks:
            policy.decoder.rank_prior = weight
            out = policy.act(request, obs, [])
            picks[weight].append(out.control_label in (first, None))
    assert all(picks[100.0])
    assert not all(picks[0.0])


def test_the_retrieved_example_steers_function_control_status_and_constant_args(tiny_models):
    """With a dominant EXAMPLE_PRIOR the untrained model does what the hint's next step did: its function and
    control, FINISH on its last step, and its keys (a value its request did not contain); with none it need not."""
    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.agent.retrieval.memory import Hint
    from lamfactory.agent.sample import build_sample
    from lamfactory.core.records import Experience

    rng = random.Random(9)
    policy = make_policy(str(tiny_models[0]))
    steps = [AgentOutput(function="keyboard_input", args={"keys": "^{END}"}),
             AgentOutput(function="click_input", control_label="1", control_name="Italic")]
    memory_task = Experience(task_id="t", request="Go to the end and emphasise it.", steps=steps)
    agreed = {0.0: [], 100.0: []}
    for _ in range(8):
        request, obs = random_observation(rng)
        obs.controls.append(Control(label="99", name="Italic", type="TOGGLE_BUTTON"))
        ids = policy.prompt_ids(build_sample(request, obs, []))
        for weight in agreed:
            policy.decoder.example_prior = weight
            first, _ = policy.decoder.decode(ids, obs.controls, arg_candidates(request, obs, obs.controls),
                                             Hint(memory_task, 0))
            second, _ = policy.decoder.decode(ids, obs.controls, arg_candidates(request, obs, obs.controls),
                                              Hint(memory_task, 1))
            agreed[weight].append((first.function, first.args, first.status, second.control_name, second.status)
                                  == ("keyboard_input", {"keys": "^{END}"}, "CONTINUE", "Italic", "FINISH"))
    assert all(agreed[100.0])
    assert not all(agreed[0.0])



def test_an_action_that_just_failed_is_not_repeated(tiny_models):
    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.agent.sample import build_sample, describe_action, failed_just_now

    assert failed_just_now(["click_input(Bold) -> ok", "click_input(Table) -> error: disabled",
                            "select_text(text=x) -> error: not found"]) == {"click_input(Table)", "select_text(text=x)"}
    assert failed_just_now(["click_input(Table) -> error: disabled", "click_input(Bold) -> ok"]) == set()
    rng = random.Random(3)
    policy = make_policy(str(tiny_models[1]))
    for _ in range(6):
        request, obs = random_observation(rng)
        ids = policy.prompt_ids(build_sample(request, obs, []))
        cands = arg_candidates(request, obs, obs.controls)
        first, _ = policy.decoder.decode(ids, obs.controls, cands)
        second, _ = policy.decoder.decode(ids, obs.controls, cands, avoid={describe_action(first)})
        assert describe_action(second) != describe_action(first)
