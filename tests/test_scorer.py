"""The scorer LAM (agent/scorer, train/scorer.py): the pretrained MiniLM encoder from the installed wheel, a real head
trained by the four phases on synthetic Writer records, loaded back as a policy."""

import json

import pytest

from lamfactory.agent.candidates import sample_candidates
from lamfactory.agent.policies import make_policy
from lamfactory.agent.retrieval.memory import MEMORY_FILE
from lamfactory.agent.scorer import SCORER_FILE
from lamfactory.agent.scorer.options import options
from lamfactory.agent.scorer.policy import ScorerPolicy
from lamfactory.agent.settings import MODEL_ONLY
from lamfactory.apps.writer.synthetic import make_synthetic, trajectory_samples
from lamfactory.evaluate.offline import evaluate_offline
from lamfactory.train.data import TrainData
from lamfactory.train.pipeline import parse_config, train_phases
from lamfactory.train.scorer import find_target, step_items

FAST = {"batch_size": 8, "eval_samples": 8}


@pytest.fixture(scope="module")
def data():
    syn = make_synthetic(n_pass=30, n_fail=8, n_plans=20, seed=3, test_fraction=0.2)
    return syn, TrainData(plans=syn.plans, steps=syn.steps, passed=syn.passed, failed=syn.failed)


def test_the_expert_action_is_among_the_options(data):
    _, train_data = data
    steps = train_data.train_steps()
    found = 0
    for s in steps:
        shown, cands = sample_candidates(s)
        found += find_target(s, options(shown, cands)) is not None
    items, stats = step_items(steps)
    assert found / len(steps) >= 0.9 and stats["option_coverage"] == found / len(steps)
    assert len(items) == len(steps) and all(i.options[i.target] for i in items)


def test_four_phases_train_a_scorer_that_acts(tmp_path, data):
    syn, train_data = data
    cfg = parse_config({"kind": "scorer", "prompt": {"examples": True},
                        "scorer": {"model": {"hidden": 64, "layers": 1},
                                   "plan": {**FAST, "epochs": 1}, "imitate": {**FAST, "epochs": 20, "learning_rate": 3e-3, "eval_samples": 16},
                                   "boost": {**FAST, "epochs": 1, "extra_train_tasks": 2, "max_tasks": 4},
                                   "reward": {**FAST, "epochs": 1}, "rl": {**FAST, "epochs": 1, "max_states": 6}}})

    def rollout(model_dir, tasks):  # LAM2 is handed over as a loadable policy; synthetic successes stand in
        assert isinstance(make_policy(model_dir), ScorerPolicy)
        return [make_synthetic(1, 0, 0, seed=100 + i).passed[0].model_copy(update={"task": t})
                for i, t in enumerate(tasks)]

    results = train_phases(train_data, tmp_path, cfg, rollout_fn=rollout,
                           to_samples=lambda t, k: trajectory_samples(t, k))
    assert list(results) == ["plan", "imitate", "boost", "reward", "rl"]
    lam2 = results["imitate"].metrics
    assert lam2["train_loss_end"] < lam2["train_loss_start"], lam2
    assert lam2["eval_step_exact"] > 0.3, lam2  # chance is ~1 / 60 options
    assert results["boost"].metrics["boost_rollouts"] > 0
    assert 0 <= results["reward"].metrics["reward_heldout_accuracy"] <= 1
    assert results["rl"].metrics["rl_states"] > 0
    for sub in ("lam1", "lam2", "lam3", "lam4"):
        assert (tmp_path / sub / SCORER_FILE).is_file()
        assert json.loads((tmp_path / sub / "lamfactory.json").read_text())["phase"]
    assert (tmp_path / "lam2" / MEMORY_FILE).exists() and (tmp_path / "lam4" / MEMORY_FILE).exists()

    test = train_data.test_steps()
    alone = evaluate_offline(make_policy(str(tmp_path / "lam2"), decode=MODEL_ONLY), test)
    assert alone["steps"] == len(test) and alone["unparseable_rate"] == 0.0
    assert alone["step_success_rate"] > 0.3, alone

    again = train_phases(train_data, tmp_path, cfg, rollout_fn=rollout,
                         to_samples=lambda t, k: trajectory_samples(t, k))
    assert all(r.skipped for r in again.values())  # same fingerprints: nothing is retrained


def test_a_sample_offers_what_the_live_agent_offers():
    """A sample built from an observation keeps its state: offline candidates equal the live ones (whole
    sentences of a long paragraph, not the summary's 40 characters), each text says where it is, each control
    option its rank; the match inputs mark the request's words in an option."""
    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.agent.sample import build_sample
    from lamfactory.agent.scorer.model import Scorer, ScorerSettings
    from lamfactory.core.records import Control, Observation

    long = "The hall opens at nine. Parking is available behind the church on Saturdays only."
    state = {"paragraphs": [{"index": 1, "text": "Spring Fair", "style": "Title"},
                            {"index": 2, "text": long, "style": "Default Paragraph Style"}]}
    controls = [Control(label="1", name="Bold", type="TOGGLE_BUTTON"), Control(label="2", name="Format", type="MENU")]
    request = "Please make the sentence about parking bold."
    obs = Observation(app="writer", controls=controls, state=state)
    sample = build_sample(request, obs, [], top_k=15)
    shown, cands = sample_candidates(sample)
    live = arg_candidates(request, obs, [c for c in controls if c.label in {s.label for s in shown}])
    assert cands.texts == live.texts and "Parking is available behind the church on Saturdays only." in cands.texts
    assert cands.places["Parking is available behind the church on Saturdays only."].startswith("P2/2")
    opts = options(shown, cands)
    assert any(o.text.startswith("click_input Bold [TOGGLE_BUTTON] ranked 1") for o in opts)
    assert any("@ P2/2" in o.text for o in opts if o.function == "select_text")

    import torch

    scorer = Scorer(ScorerSettings(hidden=32, layers=1))
    sentence = next(o.text for o in opts if "Parking is" in o.text and o.function == "select_text")
    context = (request, "nothing yet", "")
    parts = [scorer.encoder.encode([text], n) for text, n in zip(context, scorer.settings.context_tokens)]
    ids = scorer.encoder.encode([sentence], scorer.settings.option_tokens)[0][1]
    flags = scorer._matches([context], parts, [ids], torch.zeros(1, dtype=torch.long), 208, len(ids))
    said = flags["option_match"][0, :, 0]
    words = scorer.encoder.tok.convert_ids_to_tokens(ids.tolist())
    assert said[words.index("parking")] == 1 and said[words.index("church")] == 0


def test_the_encoders_top_layers_train_with_the_head_and_load_back(tmp_path, data):
    """tune_layers: the top encoder layer is the scorer's own (trained at its own rate, saved beside the head);
    the frozen layers below are shared and unchanged, and the loaded scorer scores as the trained one did."""
    import torch

    from lamfactory.agent.scorer.model import Scorer, ScorerSettings
    from lamfactory.train.scorer import ScorerPhase, train_head

    _, train_data = data
    items, _ = step_items(train_data.train_steps()[:24])
    scorer = Scorer(ScorerSettings(hidden=32, layers=1, tune_layers=1))
    frozen = {k: v.clone() for k, v in scorer.encoder.model.state_dict().items()}
    before = {k: v.clone() for k, v in scorer.top.state_dict().items()}
    context, opts = items[0].context, items[0].options
    first, _ = scorer.score(context, opts)
    assert torch.allclose(first, scorer.score(context, opts)[0])  # the final-state cache serves the same states
    metrics = train_head(scorer, items, ScorerPhase(epochs=2, batch_size=8, encoder_learning_rate=1e-3))
    assert metrics["train_loss_end"] < metrics["train_loss_start"], metrics
    assert any(not torch.equal(v, before[k]) for k, v in scorer.top.state_dict().items())
    assert all(torch.equal(v, frozen[k]) for k, v in scorer.encoder.model.state_dict().items())
    trained, _ = scorer.score(context, opts)
    assert not torch.allclose(trained, first)
    scorer.save(tmp_path / "m")
    loaded = Scorer.load(tmp_path / "m", encoder=scorer.encoder)
    assert loaded.settings.tune_layers == 1 and torch.allclose(loaded.score(context, opts)[0], trained, atol=1e-5)
    with pytest.raises(ValueError, match="tune_layers 7"):
        Scorer(ScorerSettings(tune_layers=7), encoder=scorer.encoder)


def test_a_number_naming_a_paragraph_takes_only_the_documents_and_shows_its_text():
    """Arg.refers: select_paragraph's index is one of the document's paragraphs (never a number the request
    writes for something else) and the scorer reads that paragraph's words with it; no table, no select_table."""
    from lamfactory.agent.candidates import arg_candidates
    from lamfactory.core.records import Control, Observation

    state = {"paragraphs": [{"index": 1, "text": "Minutes of the meeting", "style": "Title"},
                            {"index": 2, "text": "The balance stands at £4,820 after the fete."}], "tables": []}
    controls = [Control(label="1", name="Bold", type="TOGGLE_BUTTON")]
    obs = Observation(app="writer", controls=controls, state=state)
    cands = arg_candidates("Could you make the £4,820 balance bold?", obs, controls)
    texts = [o.text for o in options(controls, cands) if o.function in ("select_paragraph", "select_table")]
    assert texts == ['select_paragraph @ "Minutes of the meeting" index=1',
                     'select_paragraph @ "The balance stands at £4,820 after the fete." index=2'], texts
