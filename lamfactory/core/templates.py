"""A template library on disk: the documents plus an index of Template records (each app builds its own)."""

from __future__ import annotations

from pathlib import Path

from lamfactory.core.records import Template, read_jsonl

INDEX_FILE = "templates.jsonl"


def load_templates(dir_: str | Path) -> list[Template]:
    index = Path(dir_) / INDEX_FILE
    if not index.is_file():
        raise FileNotFoundError(f"no template library at {dir_} (expected {INDEX_FILE}; "
                                "build one with `lamfactory dataflow templates --out DIR`)")
    return list(read_jsonl(index, Template))
