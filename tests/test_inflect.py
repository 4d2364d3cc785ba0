"""Lemmas and re-inflection: mentioned -> mention -> say -> said."""

from __future__ import annotations

import pytest

from restorer.inflect import analyses, inflect_phrase, lemmas


@pytest.mark.parametrize(
    ("word", "lemma", "tags"),
    [
        ("mentioned", "mention", {"VBD", "VBN"}),
        ("mentions", "mention", {"VBZ", "NNS"}),
        ("despatched", "despatch", {"VBD", "VBN"}),
        ("said", "say", {"VBD", "VBN"}),
        ("agencies", "agency", {"NNS"}),
        ("stated", "state", {"VBD", "VBN"}),
    ],
    ids=["mentioned", "mentions", "despatched", "said", "agencies", "stated"],
)
def test_analyses_of_inflected_forms(word, lemma, tags):
    found = analyses(word)
    assert {a.tag for a in found if a.lemma == lemma} >= tags
    assert not any(a.is_base for a in found if a.lemma == lemma and a.tag in tags)


@pytest.mark.parametrize("word", ["mention", "say", "put", "agency"])
def test_base_readings_come_first(word):
    found = analyses(word)
    assert found
    assert found[0].is_base
    assert found[0].lemma == word


def test_unknown_word_has_no_analyses():
    assert analyses("zzqx") == ()


def test_lemmas_include_the_form_itself():
    assert lemmas("mentioned") == frozenset({"mentioned", "mention"})
    assert lemmas("zzqx") == frozenset({"zzqx"})


@pytest.mark.parametrize(
    ("phrase", "upos", "tag", "expected"),
    [
        ("say", "VERB", "VBD", "said"),
        ("say", "VERB", "VBN", "said"),
        ("say", "VERB", "VBZ", "says"),
        ("say", "VERB", "VBG", "saying"),
        ("send", "VERB", "VBD", "sent"),
        ("go", "VERB", "VBD", "went"),
        ("figure out", "VERB", "VBD", "figured out"),
        ("figure out", "VERB", "VBG", "figuring out"),
        ("spy agency", "NOUN", "NNS", "spy agencies"),
        ("front line", "NOUN", "NNS", "front lines"),
        ("good", "ADJ", "JJR", "better"),
        ("Say", "VERB", "VBD", "Said"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_inflect_phrase(phrase, upos, tag, expected):
    assert inflect_phrase(phrase, upos, tag) == expected


@pytest.mark.parametrize(
    ("phrase", "upos", "tag"),
    [("zzqx", "VERB", "VBD"), ("the of", "VERB", "VBD")],
    ids=["unknown-word", "no-verb-in-phrase"],
)
def test_inflect_phrase_gives_up_rather_than_guess(phrase, upos, tag):
    assert inflect_phrase(phrase, upos, tag) is None
