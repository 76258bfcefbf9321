"""Requests worded as people write them (families/voice.py, families/refs.py): every family instantiates into
many distinct, well-formed requests; quotes in every style read back; each by-content, by-role or
by-position reference names one paragraph of its template, and the state view points at it and offers the
argument the task needs."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from lamfactory.apps.writer.families import all_families, refs
from lamfactory.apps.writer.families.samplers import paragraph, sentence_ref, span
from lamfactory.apps.writer.families.voice import requote, say
from lamfactory.apps.writer.state import Canvas, Paragraph, WriterState
from lamfactory.apps.writer.templates import build_templates, read_content
from lamfactory.core.request import QUOTES, quoted_spans
from lamfactory.dataflow.instantiate import PHRASINGS, family_instance

SEEDS = 6
MIN_DISTINCT = 8  # distinct requests per family over the seeds, templates and phrasing slots
_MALFORMED = re.compile(r"\{|\}|  |\bthe the\b|\ba the\b|\?\.|\.\?|\.\.$|,,|\bthe (?:words|phrase|text) the\b", re.I)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    return [(t, read_content(t.path)) for t in build_templates(out, help_pages=8, ott=False)]


@pytest.fixture(scope="module")
def instances(library):
    """Every family's tasks over seeds x templates x phrasing slots."""
    out = {}
    for name, family in sorted(all_families().items()):
        out[name] = [task for seed in range(SEEDS) for template, content in library for ph in range(PHRASINGS)
                     if (task := family_instance(family, template, content, seed=seed, phrasing=ph)) is not None]
    return out


def test_every_family_has_many_distinct_well_formed_requests(instances):
    for name, tasks in instances.items():
        requests = [t.request for t in tasks]
        assert len(set(requests)) >= MIN_DISTINCT, (name, sorted(set(requests)))
        bad = [r for r in requests if _MALFORMED.search(r) or not r[:1].strip()]
        assert not bad, (name, bad[:5])


def test_requests_vary_in_quotes_register_and_form(instances):
    requests = [t.request for tasks in instances.values() for t in tasks]
    opening = Counter(next((o for o, _ in QUOTES if o in r), None) for r in requests)
    assert all(opening[o] > 0.03 * len(requests) for o, _ in QUOTES), opening
    share = lambda pattern: sum(bool(re.search(pattern, r)) for r in requests) / len(requests)
    assert share(r"^(?:Could|Can|Would) you|^Please|, please|^Kindly|^I'd like") > 0.15
    assert share(r"^[a-z]") > 0.1  # casual: lowercase start
    assert share(r"[a-z0-9”’'\"]$") > 0.1  # no final punctuation
    for word in ("embolden", "italicise", "centre", "get rid of", "swap", "strike out"):
        assert any(word in r.lower() for r in requests), word
    for form in ("the title", "the second paragraph", "the last paragraph", "the sentence about", "paragraph about"):
        assert any(form in r.lower() for r in requests), form


def test_every_quoted_value_reads_back_in_its_style(instances):
    """A value the request quotes is found whole by quoted_spans, whichever style the voice drew."""
    for name, tasks in instances.items():
        for t in tasks:
            params = next(iter(t.params["families"].values()))
            for key in ("span", "new", "comment", "text", "cell", "old"):
                value = params.get(key)
                if isinstance(value, str) and value in t.request and not t.request.endswith(value):
                    written = t.request[t.request.index(value) - 1]
                    if written in "\"'“‘":
                        assert value in quoted_spans(t.request), (name, t.request, value)


def test_quoted_spans_reads_every_style_and_leaves_apostrophes_alone():
    for opening, closing in QUOTES:
        assert quoted_spans(f"Make {opening}Quarterly results{closing} bold.") == ["Quarterly results"]
    assert quoted_spans("Bold the chair's notes and the table's legs.") == []
    assert quoted_spans("Bold ‘the chair’s notes’ now") == ["the chair’s notes"]
    assert quoted_spans("Bold 'the chair's notes' and 'Total'") == ["the chair's notes", "Total"]
    assert quoted_spans("the chair’s and the table’s notes") == []


def test_requote_keeps_a_value_that_a_style_cannot_carry():
    params = {"span": "the users' notes"}
    assert requote('Bold "the users\' notes".', params, ("'", "'")) == 'Bold "the users\' notes".'
    assert requote('Bold "Quarterly results".', {"span": "Quarterly results"}, None) == "Bold Quarterly results."
    # unquoted only where the edges are clear: a phrase starting with "the" keeps its quotes
    assert requote('Bold "the summary table".', {"span": "the summary table"}, None) == 'Bold "the summary table".'


def test_a_voice_never_changes_a_value():
    rng = random.Random(0)
    for _ in range(200):
        text = say("Make {what} bold.", {"span": "Quarterly Results", "what": '"Quarterly Results"'}, rng)
        assert "Quarterly Results" in text


def test_every_content_reference_names_one_paragraph_of_its_template(library):
    """The sampled reference, read back by the state view's rules, points at the sampled paragraph alone."""
    checked = Counter()
    for _, content in library:
        paras = [Paragraph(index=p.index, text=p.text, style=p.style, is_list=p.is_list)
                 for p in content.paragraphs]
        for seed in range(40):
            params = paragraph(content, random.Random(seed), {}, plain=seed % 2 == 0)
            if params is None or params["para"].startswith(("paragraph ", "the paragraph start", "the paragraph beg",
                                                            "the paragraph that beg", "the paragraph that start")):
                continue
            assert refs.pointed(paras, params["para"]) == [params["index"]], params
            checked[params["para"].split()[1]] += 1
    assert sum(checked.values()) >= 40, checked


def test_every_sentence_reference_names_one_sentence(library):
    for _, content in library:
        for seed in range(20):
            params = sentence_ref(content, random.Random(seed))
            if params is None:
                continue
            word = params["word"].casefold()
            holding = [s for p in content.paragraphs for s in refs.sentences(p.text) if word in refs.words(s)]
            cells = [c for t in content.tables for r in t for c in r if word in refs.words(c)]
            assert holding == [params["span"]] and not cells, params
            assert content.count(params["span"]) == 1


def test_the_state_view_points_at_a_referenced_paragraph_and_offers_its_argument(library):
    """For span tasks named by a sentence, role or unquoted phrase, the text to select is a candidate."""
    view = WriterState()
    seen = Counter()
    for template, content in library:
        state = Canvas(paragraphs=[Paragraph(index=p.index, text=p.text, style=p.style, is_list=p.is_list)
                                   for p in content.paragraphs]).model_dump()
        for seed in range(30):
            family = all_families()["bold"]
            task = family_instance(family, template, content, seed=seed, phrasing=seed % PHRASINGS)
            if task is None:
                continue
            target = task.params["families"]["bold"]["span"]
            hints = view.hints(state, task.request)
            assert target in quoted_spans(task.request) or target in hints.texts, task.request
            holder = next(p.index for p in content.paragraphs if target in p.text)
            assert holder in hints.referenced, (task.request, holder, hints.referenced)
            seen["unquoted" if target not in quoted_spans(task.request) else "quoted"] += 1
    assert seen["unquoted"] >= 5 and seen["quoted"] >= 5, seen


def test_ordinals_roles_and_words_in_a_request_point_at_paragraphs():
    paras = [Paragraph(index=1, text="Positioning Objects", style="Title"),
             Paragraph(index=2, text="An anchor determines the reference point."),
             Paragraph(index=3, text=""),
             Paragraph(index=4, text="Moving an Anchor", style="Heading 2"),
             Paragraph(index=5, text="Insert a shape and the frame moves."),
             Paragraph(index=6, text="First step", style="List Bullet", is_list=True),
             Paragraph(index=7, text="Second step", style="List Bullet", is_list=True),
             Paragraph(index=8, text="Kind regards")]
    cases = {"Center the second paragraph.": [5], "bold the title": [1], "Italicise the last paragraph": [8],
             "Underline the second bullet": [7], "Make the heading italic": [4], "Bold the sign-off.": [8],
             "Indent the paragraph about shapes": [], "Indent the paragraph about frame": [5],
             "Bold the sentence mentioning anchor": [2, 4]}
    for request, expected in cases.items():
        assert refs.pointed(paras, request) == expected, request


def test_two_edit_requests_join_their_clauses():
    from lamfactory.apps.writer.families.voice import compose

    families = all_families()
    named = [("underline", {"span": "Quarterly results", "what": '"Quarterly results"', "voice": 1}),
             ("italic", {"span": "next steps", "what": '"next steps"', "voice": 2})]
    texts = {compose(families, named, ph) for ph in range(PHRASINGS)}
    assert len(texts) >= 3
    for text in texts:
        assert text.count("?") <= 1 and ", then could" not in text.lower() and "{" not in text
        spans = [s for s in quoted_spans(text)] or ["Quarterly results", "next steps"]
        assert all(s in text for s in spans)
        assert text.index("Quarterly results") < text.index("next steps")
