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


# -- lemminflect's tables, read lazily ------------------------------------------------------------


def test_lemminflect_tables_are_read_lazily():
    """The start-up saving is in use with the installed lemminflect (not the silent fallback)."""
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    from restorer.inflect import _LazyLookup, _lemminflect

    _lemminflect()
    assert isinstance(Lemmatizer().lemma_dict, _LazyLookup)
    assert isinstance(Inflections().infl_dict, _LazyLookup)


@pytest.mark.parametrize("table", ["lemmas", "inflections"])
def test_lazy_tables_answer_as_lemminflect_loads_them(table):
    """Every entry, parsed on demand, equals lemminflect's own eager loading of the file."""
    from lemminflect import config
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    from restorer.inflect import _lemminflect

    _lemminflect()
    if table == "lemmas":
        lazy, eager = Lemmatizer().lemma_dict, LemmaLUCodec.load(config.lemma_lu_fn)
    else:
        lazy, eager = Inflections().infl_dict, InflectionLUCodec.load(config.inflection_lu_fn)
    assert lazy.keys() == set(eager)
    assert all(lazy.get(key) == value for key, value in eager.items())
    assert lazy.get("zzqx-not-a-word", {}) == {}


def test_lazy_lookup_merges_a_words_lines_in_file_order(tmp_path):
    """A key on several lines gets them all, in order; fixed entries override the file."""
    import gzip

    from restorer.inflect import _LazyLookup

    path = tmp_path / "table.csv.gz"
    path.write_bytes(gzip.compress(b"run,verb,a\nwalk,verb,b\nrun,noun,c\n\nbe,verb,x\n"))
    lazy = _LazyLookup(str(path), lambda lines: {"lines": lines}, {"be": {"fixed": True}})
    assert lazy.get("run") == {"lines": ["run,verb,a", "run,noun,c"]}
    assert lazy.get("walk") == {"lines": ["walk,verb,b"]}
    assert lazy.get("be") == {"fixed": True}
    assert lazy.get("swim") is None
    assert lazy.keys() == {"run", "walk", "be"}


def _words_to_check(table, overrides):
    keys = set(table.keys()) | set(overrides)
    odd = {"", "'s", "n't", "3rd", "e-mail", "Said", "SAID", "ǆemal", "straße", "zzqx"}
    return sorted(keys | {k.lower() for k in keys} | odd)


def test_direct_lemma_lookups_equal_lemminflect():
    """Every word of the table (as written and lower-cased), in order of POS, as lemminflect."""
    import lemminflect
    from lemminflect.core.Lemmatizer import Lemmatizer

    from restorer.inflect import _all_lemmas, _lookups

    assert _lookups() is not None  # the direct path is in use, not the fallback
    lemmatizer = Lemmatizer()
    words = _words_to_check(lemmatizer.lemma_dict, lemmatizer._getOverridesDict())
    direct = _all_lemmas.__wrapped__
    for word in words:
        assert list(direct(word).items()) == list(lemminflect.getAllLemmas(word).items()), word


@pytest.mark.parametrize("upos", ["VERB", "NOUN", "ADJ", "ADV", "AUX", "PROPN"])
def test_direct_inflection_lookups_equal_lemminflect(upos):
    """Every lemma of the table (as written and lower-cased), for each POS, as lemminflect."""
    import lemminflect
    from lemminflect.core.Inflections import Inflections

    from restorer.inflect import _all_inflections

    inflections = Inflections()
    words = _words_to_check(inflections.infl_dict, inflections._getOverridesDict())
    direct = _all_inflections.__wrapped__
    for word in words:
        want = lemminflect.getAllInflections(word, upos=upos)
        assert list(direct(word, upos).items()) == list(want.items()), word
