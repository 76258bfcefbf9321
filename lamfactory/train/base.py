"""Base models: any Hugging Face causal LM (hub id or local path), or the embedded default built locally with
no download (a small Qwen2/Llama from a config + a byte-level BPE tokenizer trained on the project's corpus)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Literal

import torch
from pydantic import Field

from lamfactory.train.config import Config, LoraSettings

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
# ChatML with {% generation %} markers (assistant masks for TRL's assistant_only_loss).
CHATML = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|im_start|>assistant\n"
    "{% generation %}{{ message['content'] }}<|im_end|>{% endgeneration %}\n"
    "{% else %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class EmbeddedModel(Config):
    """The CPU default: sized so all four phases fit the demo's budget on 2 cores (see the train benchmark)."""

    arch: Literal["qwen2", "llama"] = "qwen2"
    vocab_size: int = 4096
    hidden_size: int = 128
    intermediate_size: int = 512
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    max_position: int = 1024
    seed: int = 0


class BaseSettings(Config):
    model: str = "embedded"  # "embedded", a Hugging Face hub id or a local path
    embedded: EmbeddedModel = Field(default_factory=EmbeddedModel)


def on_gpu() -> bool:
    return torch.cuda.is_available()


def use_bf16() -> bool:
    return on_gpu() and torch.cuda.is_bf16_supported()


def train_precision() -> dict:
    """TrainingArguments for the machine: bf16 on a GPU that has it, fp32 on CPU."""
    return {"bf16": use_bf16(), "use_cpu": not on_gpu()}


def load_dtype() -> torch.dtype:
    return torch.bfloat16 if use_bf16() else torch.float32


def build_embedded_base(cfg: EmbeddedModel, corpus: Iterable[str], out_dir: str | Path) -> Path:
    """Train the tokenizer on `corpus` and save a freshly initialised model + tokenizer to out_dir."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, LlamaConfig, PreTrainedTokenizerFast, Qwen2Config

    out_dir = Path(out_dir)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=cfg.vocab_size, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                                  pad_token="<|pad|>", unk_token=None)
    tok.chat_template = CHATML
    common = dict(vocab_size=len(tok), hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
                  num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads, num_key_value_heads=cfg.kv_heads,
                  max_position_embeddings=cfg.max_position, tie_word_embeddings=True,
                  bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    config = Qwen2Config(**common) if cfg.arch == "qwen2" else LlamaConfig(**common)
    torch.manual_seed(cfg.seed)
    model = AutoModelForCausalLM.from_config(config)
    save_model(model, tok, out_dir)
    return out_dir


def load_tokenizer(path: str | Path):
    """The model's tokenizer with a chat template (ChatML when it has none) and a pad token."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(path))
    if not tok.chat_template:
        tok.chat_template = CHATML
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def gpu_placement() -> dict:
    """from_pretrained kwargs that load straight onto this process's GPU (LOCAL_RANK's under accelerate launch):
    without them the model stays on the CPU, where the Trainer moves it but the post-training eval generates."""
    return {"device_map": f"cuda:{os.environ.get('LOCAL_RANK', 0)}"} if on_gpu() else {}


def load_causal_lm(path: str | Path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(path), dtype=load_dtype(), **gpu_placement())


def peft_config(lora: LoraSettings | None, task_type: str = "CAUSAL_LM"):
    if lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                      target_modules=lora.target_modules, task_type=task_type)


def save_model(model, tok, out_dir: str | Path) -> None:
    """Save a plain checkpoint (LoRA merged) that AutoModel*.from_pretrained loads; stop generation at eos."""
    from peft import PeftModel

    if isinstance(model, PeftModel):
        model = model.merge_and_unload()
    model.config.pad_token_id = tok.pad_token_id
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tok.pad_token_id
        im_end = tok.convert_tokens_to_ids("<|im_end|>") if "<|im_end|>" in tok.get_vocab() else None
        model.generation_config.eos_token_id = sorted({tok.eos_token_id, im_end} - {None})
    model.save_pretrained(str(out_dir))
    tok.save_pretrained(str(out_dir))


def describe_model(model) -> dict:
    return {"class": type(model).__name__, "parameters": sum(p.numel() for p in model.parameters()),
            "config": json.loads(model.config.to_json_string())}
