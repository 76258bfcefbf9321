"""How people point at a paragraph without quoting it, both ways: the phrases a sampler may use for a
paragraph (by role, by position, by a distinctive word) and the paragraphs a request's phrases point at.

Works on anything with index, text, style, is_list (the template's ParaInfo, the state's Paragraph), so the
samplers and the state view (state.py) count the same way:
- position: "the second paragraph" counts body paragraphs (text, no heading/title, not a list item);
  "the third bullet" counts list items, named only where the document has one list;
- role: "the title" (the one Title paragraph), "the subtitle", "the heading" (the only heading),
  "the sign-off" (a letter's closing line);
- content: "the paragraph about <word>" names a word no other paragraph or table cell contains.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Protocol, Sequence

from lamfactory.core.request import quoted_spans

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
HEADING_STYLES = ("Heading", "Title", "Subtitle")
SIGN_OFF = re.compile(r"^(?:yours (?:sincerely|faithfully|truly)|sincerely|(?:kind |best |warm )?regards|"
                      r"best wishes|with (?:kind |best )?regards|cheers|thank you)\b", re.I)
STOPWORDS = frozenset(
    "about above after again against also although among because before being below between both cannot could "
    "does doing down during each either every from further have having here into itself just like made make "
    "many more most much must never only other otherwise over same should since some such than that their "
    "them then there these they this those through under until upon very were what when where whether which "
    "while with within without would your yours you the and for are but not can all any its our out use used "
    "using one two may will shall".split())
MIN_WORD = 5  # a distinctive word has at least this many letters ("anchor", "Navigator")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘(])")
_CUE = re.compile(r"\b(?:about|mentions?|mentioning|contains?|containing|with the word|that talks about|"
                  r"on the subject of|referring to|that refers to)\s+(?:the\s+word\s+)?[\"'“‘]?([A-Za-z][\w'-]*)",
                  re.I)
_ORDINAL = re.compile(r"\bthe\s+(" + "|".join(ORDINALS) + r"|last|final)\s+(paragraph|bullet(?: point)?|list item|"
                      r"item|heading)s?\b", re.I)
_ROLE = re.compile(r"\bthe\s+(?:document\s+)?(title|subtitle|heading|sign-off|sign off|closing line|closing)\b", re.I)


class Para(Protocol):
    index: int
    text: str
    style: str
    is_list: bool


def is_heading(p: Para) -> bool:
    return p.style.startswith(HEADING_STYLES)


def body(paras: Iterable[Para]) -> list[Para]:
    """The paragraphs a reader counts as "paragraphs": text, not a heading or title, not a list item."""
    return [p for p in paras if p.text.strip() and not is_heading(p) and not p.is_list]


def list_items(paras: Sequence[Para]) -> Optional[list[Para]]:
    """The list items, when the document has exactly one list (a run of items with no other text between)."""
    items = [p for p in paras if p.is_list and p.text.strip()]
    if not items:
        return None
    between = [p for p in paras if items[0].index < p.index < items[-1].index and p.text.strip() and not p.is_list]
    return None if between else items


def headings(paras: Iterable[Para]) -> list[Para]:
    return [p for p in paras if p.style.startswith("Heading") and p.text.strip()]


def sentences(text: str) -> list[str]:
    """A paragraph's sentences as written (each a substring of the text)."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def stem(word: str) -> str:
    """A crude stem, so that "icons" is not distinctive where another paragraph says "icon"."""
    return word.casefold()[:6]


def distinctive_words(target: str, others: Iterable[str]) -> list[str]:
    """Words of `target` (as written, first occurrence) that no other text contains: what "the paragraph about
    <word>" can name. Long content words only, so the word reads as a topic."""
    taken = {stem(w) for t in others for w in words(t)}
    seen: set[str] = set()
    out = []
    for w in _WORD.findall(target):
        key = w.casefold()
        if len(w) >= MIN_WORD and "'" not in w and key not in STOPWORDS and stem(w) not in taken and key not in seen:
            seen.add(key)
            out.append(w)
    return out


def ordinal(n: int, total: int) -> str:
    """"second" for the 2nd of several, "last" for the last one; "" past tenth."""
    if n == total and total > 1:
        return "last"
    return ORDINALS[n - 1] if n <= len(ORDINALS) else ""


def position_phrases(p: Para, paras: Sequence[Para]) -> list[str]:
    """The positional phrases that name exactly this paragraph ("the second paragraph", "the last bullet")."""
    out = []
    frame = body(paras)
    if p in frame:
        word = ordinal(frame.index(p) + 1, len(frame))
        out += [f"the {word} paragraph"] if word else []
        if word == "last" and len(frame) <= len(ORDINALS):
            out.append(f"the {ORDINALS[len(frame) - 1]} paragraph")
    items = list_items(paras)
    if items and p in items:
        word = ordinal(items.index(p) + 1, len(items))
        noun = "bullet" if "bullet" in p.style.lower() else "list item"
        out += [f"the {word} {noun}"] if word else []
    heads = headings(paras)
    if p in heads and len(heads) > 1:
        word = ordinal(heads.index(p) + 1, len(heads))
        out += [f"the {word} heading"] if word else []
    return out


def role_phrases(p: Para, paras: Sequence[Para]) -> list[str]:
    """The roles that name exactly this paragraph ("the title", "the sign-off")."""
    out = []
    for style, names in (("Title", ["the title", "the document title"]), ("Subtitle", ["the subtitle"])):
        same = [q for q in paras if q.style == style and q.text.strip()]
        if same == [p]:
            out += names
    if headings(paras) == [p]:
        out.append("the heading")
    closing = [q for q in paras if SIGN_OFF.match(q.text.strip())]
    if closing and closing[-1] is p:
        out += ["the sign-off", "the closing line"]
    return out


# ---------------------------------------------------------------- reading a request

_EDGE_PUNCT = ".,;:!?()\"'“”‘’"
MIN_UNQUOTED_WORDS = 2  # a single unquoted word is too easily read as part of the sentence
# an unquoted phrase must show where it starts and ends: plain words, not opening or closing on a function word
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9' -]*[A-Za-z0-9]$")
FUNCTION_WORDS = frozenset("a an the of to in on at by for from with and or but as is are be that this these "
                           "those it its your you if then than so not no".split())


def unambiguous(phrase: str) -> bool:
    """Whether a phrase reads as one thing without quotes: several plain words, none at its edges a function
    word (the voice drops quotes only around such phrases; the state view finds them back, said_runs)."""
    toks = phrase.split()
    return (len(toks) >= MIN_UNQUOTED_WORDS and " ".join(toks) == phrase and bool(_PLAIN.match(phrase))
            and toks[0].lower() not in FUNCTION_WORDS and toks[-1].lower() not in FUNCTION_WORDS)


def said_runs(text: str, request: str) -> list[str]:
    """The unambiguous phrases of the text that the request contains unquoted, as the text writes them ("bold
    Quarterly results please"): each longest run of its words the request contains, edge function words
    trimmed."""
    for q in quoted_spans(request):  # a quoted phrase is found as it is quoted, not again in pieces
        request = request.replace(q, " | ")
    said = f" {_words_only(request)} "
    toks = text.split()
    out: list[str] = []
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and f" {_words_only(' '.join(toks[i:j + 1]))} " in said:
            j += 1
        if j - i >= MIN_UNQUOTED_WORDS:
            run = _trim(" ".join(toks[i:j]).strip(_EDGE_PUNCT).split())
            if unambiguous(run) and run not in out:
                out.append(run)
        i = max(j, i + 1)
    return out


def _words_only(text: str) -> str:
    """The text's words, lowercased, one space apart (whole-word matching)."""
    return " ".join(re.findall(r"[\w'-]+", text.casefold()))


def _trim(toks: list[str]) -> str:
    while toks and toks[0].lower() in FUNCTION_WORDS:
        toks = toks[1:]
    while toks and toks[-1].lower() in FUNCTION_WORDS:
        toks = toks[:-1]
    return " ".join(toks)


def pointed(paras: Sequence[Para], request: str) -> list[int]:
    """The indices of the paragraphs the request names by role, position or a distinctive word, in order."""
    out: list[int] = []
    frames = {"paragraph": body(paras), "heading": headings(paras)}
    for word, noun in _ORDINAL.findall(request):
        noun = noun.lower()
        frame = frames.get(noun) if noun in frames else list_items(paras) or []
        if frame:
            word = word.lower()
            k = len(frame) - 1 if word in ("last", "final") else ORDINALS.index(word)
            out += [frame[k].index] if k < len(frame) else []
    for role in _ROLE.findall(request):
        role = role.lower().replace(" ", "-")
        if role in ("title", "subtitle"):
            out += [q.index for q in paras if q.style == role.capitalize() and q.text.strip()][:1]
        elif role == "heading" and len(headings(paras)) == 1:
            out.append(headings(paras)[0].index)
        elif role in ("sign-off", "closing", "closing-line"):
            out += [q.index for q in paras if SIGN_OFF.match(q.text.strip())][-1:]
    for word in _CUE.findall(request):
        key = word.casefold()
        if len(key) >= MIN_WORD - 1 and key not in STOPWORDS:
            out += [q.index for q in paras if key in words(q.text)]
    return list(dict.fromkeys(out))
