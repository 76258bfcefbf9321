"""What a request states on its surface: quoted spans and numbers (shared by every app's state view and the
agent's argument candidates)."""

from __future__ import annotations

import re

# Straight and typographic quotes. A single quote opens only where no letter precedes it and closes only where
# none follows, so apostrophes ("the chair's notes", ‘the chair’s notes’) stay inside a span and never pair up.
_QUOTED = re.compile(r"\"([^\"]{1,200})\"|“([^”]{1,200})”"
                     r"|(?<!\w)'((?:[^'\n]|'(?=\w)){1,200}?)'(?!\w)"
                     r"|‘((?:[^’\n]|’(?=\w)){1,200}?)’(?!\w)")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")  # "paragraph 5." states 5
DIMENSIONS = re.compile(r"(?<=\d)[x×](?=\d)")  # "a 3x4 table" states 3 and 4
QUOTES = (('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"))  # the styles quoted_spans reads (open, close)


def quoted_spans(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]


def quotable(value: str, style: tuple[str, str]) -> bool:
    """Whether `value` quoted in `style` reads back whole through quoted_spans."""
    opening, closing = style
    return quoted_spans(f"x {opening}{value}{closing} x") == [value]


def numbers_in(text: str) -> list[str]:
    """The numbers a text states, in order, as written (paragraph 17, 2.0 cm)."""
    return NUMBER.findall(DIMENSIONS.sub(" x ", text))


def mentioned(texts: list[str], request: str, min_chars: int = 2) -> list[str]:
    """The texts the request contains (at least `min_chars` characters, ignoring case)."""
    low = request.casefold()
    return [t for t in texts if len(t) >= min_chars and t.casefold() in low]
