"""Constrained decoding for local Hugging Face LAMs: the output is always one valid seven-key object.

Tiny models learn the JSON shape quickly but cannot copy free-text arguments, so the decoder lets the
model *choose* wherever a closed set exists, field by field, over a token trie of the allowed strings and
one KV cache (greedy):

    {"thought":"<free text>","control_label":<a shown label or null>,"control_name":<that control's name>,
     "function":"<a known function>","args":{<candidate values per argument>},"status":"<CONTINUE|FINISH>",
     "plan":[<free text items>]}

Free text (thought, plan items) is generated token by token and ends at the first quote; special tokens and
tokens with a backslash or a control character are masked out, so the text needs no JSON escaping. A choice whose
trie has one path left is fed in one forward pass (forced tokens cost one model call, not one each).
The result is built from the choices (not re-parsed), so it is valid by construction.

Why not outlines with a per-step JSON schema (enums of the shown labels/names): measured on the CI-size
tiny Qwen2, one thread, busy machine: 1.3-1.6 s per step (an index is compiled for every new schema, and
every observation makes a new one; 57 s for the first call), it lets a label and a name disagree, and it
allows free whitespace the model never saw in training. This decoder: ~50-180 ms per step, every output
valid and groundable (benchmarks/agent_bench.py).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Collection, Optional

import torch

from lamfactory.agent.candidates import ArgCandidates
from lamfactory.agent.retrieval.memory import Hint, named_value
from lamfactory.agent.settings import DecodeSettings
from lamfactory.agent.retrieval.transfer import NAMED
from lamfactory.agent.sample import describe_action
from lamfactory.core import actions
from lamfactory.core.records import AgentOutput, Control

MAX_THOUGHT_TOKENS = 32
MAX_PLAN_ITEMS = 4
MAX_PLAN_ITEM_TOKENS = 24
MAX_ARG_COMBOS = 4000  # product of per-argument candidates; beyond it the last candidates are dropped


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _Vocab:
    """Per-tokenizer token facts, computed once per decoder: which tokens may appear in free text, which
    contain a quote (and where)."""

    free_mask: torch.Tensor  # True where the token is allowed inside free text
    digitless_mask: torch.Tensor  # free_mask without tokens that contain a digit
    quote_pos: dict[int, int]  # token id -> index of the first '"' in its text
    texts: list[str]


def _vocab(tokenizer, size: int) -> _Vocab:
    texts = [tokenizer.decode([i]) if i < len(tokenizer) else "" for i in range(size)]
    special = set(tokenizer.all_special_ids)
    mask = torch.zeros(size, dtype=torch.bool)
    quote_pos = {}
    for i, t in enumerate(texts):
        if i in special or not t or "\\" in t or "\ufffd" in t or any(ord(ch) < 32 for ch in t):
            continue
        mask[i] = True
        if '"' in t:
            quote_pos[i] = t.index('"')
    digits = torch.tensor([any(ch.isdigit() for ch in t) for t in texts], dtype=torch.bool)
    return _Vocab(mask, mask & ~digits, quote_pos, texts)


class ConstrainedDecoder:
    """Greedy field-by-field decoding of one AgentOutput with a model and its tokenizer."""

    def __init__(self, model, tokenizer, settings: DecodeSettings = DecodeSettings(), thought_numbers: bool = True):
        self.model = model
        self.tok = tokenizer
        self.thought_numbers = thought_numbers  # PromptSettings.thought_numbers of the model
        # the priors' weights (agent/settings.py says what each fuses), as attributes a caller may set
        self.rank_prior, self.arg_prior = settings.rank_prior, settings.arg_prior
        self.example_prior = settings.example_prior
        self.vocab = _vocab(tokenizer, model.get_output_embeddings().weight.shape[0])

    @torch.no_grad()
    def decode(self, prompt_ids: list[int], shown: list[Control], cands: ArgCandidates,
               hint: Optional[Hint] = None, avoid: Collection[str] = ()) -> tuple[AgentOutput, str]:
        """Return the output and the text the model was fed (for the step log). `hint`: the retrieved example's
        next step, fused into the choices with example_prior. `avoid`: actions that failed in the current state
        (agent/sample.failed_just_now): never repeated, so an error makes the agent try its next best."""
        agree = self._agreement(hint)
        self._cache = None
        self._text: list[str] = []
        self._feed(list(prompt_ids), record=False)
        self._feed_text('{"thought":"')
        thought, pre = self._free_text(MAX_THOUGHT_TOKENS, digits=self.thought_numbers)

        control_opts = [(c, f'{pre}","control_label":{_json(c.label)},"control_name":{_json(c.name)},"function":"')
                        for c in shown]
        control_opts.append((None, f'{pre}","control_label":null,"control_name":null,"function":"'))
        wanted = {c.label for c in hint.wanted(shown)} if hint is not None else set()
        priors = [-self.rank_prior * math.log(1 + i) + agree("control", c.label in wanted) for i, c in enumerate(shown)]
        control = self._choose(control_opts, priors + [agree("control", hint is not None and hint.control is None)])

        arg_options = {f.name: self._arg_options(f, control, cands, hint, avoid) for f in cands.functions.values()
                       if control is not None or not f.needs_control}
        fns = [name for name, opts in arg_options.items() if opts]
        if not fns:  # everything possible on this control failed just now: let the model repeat itself
            return self.decode(prompt_ids, shown, cands, hint)
        fn = self._choose([(cands.functions[name], f'{name}","args":{{') for name in fns],
                          [agree("function", name) for name in fns])
        options = arg_options[fn.name]
        args = self._choose([(a, text) for a, text, _ in options], [prior for _, _, prior in options])

        status = self._choose([("CONTINUE", 'CONTINUE","plan":['), ("FINISH", 'FINISH","plan":[]}')],
                              [agree("last", False), agree("last", True)])
        plan: list[str] = []
        if status == "CONTINUE":
            more = self._choose([(True, '"'), (False, "]}")])
            while more:
                item, pre = self._free_text(MAX_PLAN_ITEM_TOKENS)
                plan.append(item)
                if len(plan) >= MAX_PLAN_ITEMS:
                    self._feed_text(pre + '"]}')
                    break
                more = self._choose([(True, pre + '","'), (False, pre + '"]}')])
        out = AgentOutput(thought=thought, control_label=control.label if control else None,
                          control_name=control.name if control else None, function=fn.name, args=args,
                          status=status, plan=plan)
        self._cache = None
        return out, "".join(self._text)

    # ------------------------------------------------------------------ grammar pieces

    def _agreement(self, hint: Optional[Hint]):
        """agree(field, value) -> example_prior where the hint's next step has that value (for "control": whether
        the option is the control it wants, Hint.wanted), else 0."""
        def agree(field: str, value) -> float:
            if hint is None or not self.example_prior or (field != "last" and hint.function is None):
                return 0.0
            same = value if field == "control" else getattr(hint, field) == value
            return self.example_prior if same else 0.0
        return agree

    def _arg_options(self, fn: actions.Function, control: Optional[Control], cands: ArgCandidates,
                     hint: Optional[Hint] = None, avoid: Collection[str] = ()) -> list[tuple[dict, str, float]]:
        """(args, option text, prior): the prior sums -arg_prior * log(1 + position) over the arguments'
        candidate lists, which come most likely first (agent/candidates.py); the hint's next step's values, as
        they carry over to this request (Hint.transfer_args), are moved to the front, and an option holding all
        of them and no other argument gains example_prior as the hint's control and function do. An action in
        `avoid` (described as agent/sample.describe_action does) is no option."""
        use_hint = hint is not None and self.example_prior and hint.function == fn.name
        preferred = hint.transfer_args(cands.referenced) if use_hint else {}
        per_arg = []
        for a in fn.args:
            values = cands.for_arg(fn.name, a, control)
            if preferred.get(a.name) == NAMED:  # the text this request names (a font or style it mentions)
                named = named_value(values, cands)
                if named is not None:
                    preferred[a.name] = named
                else:
                    del preferred[a.name]
            if a.name in preferred:  # the hint's value first: the position prior then favours it
                values = [preferred[a.name]] + [v for v in values if v != preferred[a.name]]
            per_arg.append(list(enumerate(values if a.required and values else [_OMIT, *values])))
        options = []
        for combo in itertools.islice(itertools.product(*per_arg), MAX_ARG_COMBOS):
            args = {a.name: v for a, (_, v) in zip(fn.args, combo) if v is not _OMIT}
            if any(a.required and a.name not in args for a in fn.args):
                continue
            if avoid and describe_action(AgentOutput(function=fn.name, control_name=control.name if control else None,
                                                     args=args)) in avoid:
                continue  # it failed just now, in this same state
            body = ",".join(f"{_json(k)}:{_json(v)}" for k, v in args.items())
            prior = -self.arg_prior * sum(math.log(1 + pos) for pos, _ in combo)
            if preferred and all(args.get(k) == v for k, v in preferred.items()) and set(args) <= set(hint.step.args):
                prior += self.example_prior  # the hint's values and no argument it did without (occurrence)
            options.append((args, body + '},"status":"', prior))
        return options

    # ------------------------------------------------------------------ model plumbing

    def _feed(self, ids: list[int], record: bool = True) -> None:
        if not ids:
            return
        out = self.model(input_ids=torch.tensor([ids], device=self.model.device), cache=self._cache, use_cache=True)
        self._cache = out.cache
        self._logits = out.logits[0, -1].cpu()  # the choices index it with CPU tensors (a no-op on a CPU model)
        if record:
            self._text.append(self.tok.decode(ids))

    def _feed_text(self, text: str) -> None:
        self._feed(self.tok(text, add_special_tokens=False)["input_ids"])

    def _free_text(self, max_tokens: int, digits: bool = True) -> tuple[str, str]:
        """Generate until a token contains a quote. Returns (text, the part of the last token before the
        quote) — that part is not fed yet: it prefixes the next choice so the stream stays one string."""
        pieces: list[str] = []
        allowed = self.vocab.free_mask if digits else self.vocab.digitless_mask
        for _ in range(max_tokens):
            logits = self._logits.masked_fill(~allowed, float("-inf"))
            token = int(torch.argmax(logits))
            if token in self.vocab.quote_pos:
                pre = self.vocab.texts[token][: self.vocab.quote_pos[token]]
                pieces.append(pre)
                return "".join(pieces), pre
            pieces.append(self.vocab.texts[token])
            self._feed([token])
        return "".join(pieces), ""

    def _choose(self, options: list[tuple[Any, str]], priors: Optional[list[float]] = None):
        """Let the model pick one option string, token by token over their token trie. With `priors` (one
        log-weight per option) a branch scores its token's log-probability plus the best prior below it."""
        if len(options) == 1:
            self._feed_text(options[0][1])
            return options[0][0]
        seqs = self.tok([s for _, s in options], add_special_tokens=False)["input_ids"]
        trie: dict = {}
        best_prior: dict[int, float] = {}  # id(node) -> best prior of the options through it
        for n, seq in enumerate(seqs):
            node = trie
            for t in seq:
                node = node.setdefault(t, {})
                if priors is not None:
                    best_prior[id(node)] = max(best_prior.get(id(node), -math.inf), priors[n])
            node.setdefault(_END, n)
        node, pending = trie, []
        while True:
            branches = [t for t in node if t != _END]
            if len(branches) == 1 and _END not in node:  # one way on: force it (fed in one call later)
                pending.append(branches[0])
                node = node[branches[0]]
                continue
            self._feed(pending)
            pending = []
            if _END in node:  # an option ends here (options never prefix each other, see _arg_options)
                return options[node[_END]][0]
            if priors is None:
                scores = self._logits[torch.tensor(branches)]
            else:
                scores = torch.log_softmax(self._logits, -1)[torch.tensor(branches)] + torch.tensor(
                    [best_prior[id(node[t])] for t in branches])
            best = branches[int(torch.argmax(scores))]
            pending.append(best)
            node = node[best]

_OMIT = object()
_END = -1
