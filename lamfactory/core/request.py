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


# words a phrase neither starts nor ends with ("to 27 April" is the phrase "27 April")
EDGE_WORDS = frozenset("a an the of to in on at by for from with and or but as is are be that this these those "
                       "it its your you if then than so not no please into instead".split())
_EDGE_PUNCT = ".,;:!?()[]{}\"'“”‘’"
# a phrase ends where a clause does: at ; ! ? ( ) a quote, a comma or colon not inside a number ("£4,820", "7:30"),
# or a full stop that ends a word ("7.30" is one)
_PHRASE_BREAK = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|[;!?()\[\]{}\"“”|]|(?<=\w)\.(?!\w)|(?<!\w)['‘’]|['‘’](?!\w)")
MAX_PHRASE_WORDS = 6


def phrases(request: str, max_words: int = MAX_PHRASE_WORDS) -> list[str]:
    """The request's own phrases as it writes them, in order: every run of up to `max_words` of its words that
    crosses no punctuation and no quote (quoted spans are candidates whole), edge function words trimmed. What
    a user asks to type or points at without quoting it is one of them ("change 13 April to 27 April",
    "bold Tuesday"); a model chooses among them, as it chooses among quoted spans."""
    for q in quoted_spans(request):
        request = request.replace(q, " | ")
    out: dict[str, None] = {}
    for segment in _PHRASE_BREAK.split(request):
        words = [w.strip(_EDGE_PUNCT) for w in segment.split()]
        words = [w for w in words if w]
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + max_words) + 1):
                span = words[i:j]
                if span[0].lower() not in EDGE_WORDS and span[-1].lower() not in EDGE_WORDS:
                    out[" ".join(span)] = None
    return list(out)
