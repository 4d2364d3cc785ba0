"""The ``lm`` tier: the scorer with a tiny deterministic stand-in model, and the real model.

The stand-in is a word-bigram model whose few preferences are written below; it scores a tree by
brute force (every branch as a whole sequence), so it checks the scorer's bookkeeping (forks,
windows, shared right context) independently of the runtime's cache sharing. Tests marked
``lm`` load SmolLM2 through llama.cpp and skip where it is not installed.
"""

from __future__ import annotations

import math
import os
import re
import signal
import time
from collections.abc import Sequence

import helpers
import pytest

from restorer import PhraseTable, Restorer, RestorerConfig, Row, apply_edits
from restorer.candidates import Slot, build_lattice, span_text
from restorer.errors import RestorerError
from restorer.lm import (
    MODEL_ENV,
    START_TOKEN,
    WEIGHTS_ENV,
    Branch,
    LMUnavailableError,
    lm_missing_reason,
    resolve_model,
)
from restorer.lm_score import LMScorer, looks_like_name
from restorer.score import (
    FrequencyScorer,
    Score,
    channel,
    estimate_spin_rate,
    quote_channels,
    quote_mask,
)
from restorer.tokenize import Token, count_words, tokenize

# Bigram log-probabilities the stand-in knows (lower-cased words); anything else is -6.
PREFERRED = {
    ("spy", "agency"): -0.5,
    ("main", "spy"): -1.0,
    ("agency", "said"): -0.7,
    ("said", "thursday"): -1.0,
    ("associated", "press"): -0.2,
    ("the", "associated"): -2.0,
    ("white", "house"): -0.3,
    ("the", "white"): -1.5,
}
OTHER = -6.0
WORD = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")


class BigramModel(helpers.BigramModel):
    """The stand-in with this module's bigram table."""

    def __init__(self) -> None:
        super().__init__(PREFERRED, OTHER)


def table(*rows: tuple[str, tuple[str, ...], float]) -> PhraseTable:
    return PhraseTable(
        [Row(s, c, p, "tests: lm", table="t", line=n) for n, (s, c, p) in enumerate(rows, 1)],
        name="t",
    )


TABLE = table(
    ("undercover agent company", ("spy agency",), 0.6),
    ("company", ("agency", "firm"), 0.3),
    ("mention", ("say",), 0.5),
    ("primary", ("main",), 0.4),
    ("Related Press", ("Associated Press",), 0.9),
    ("White Space", ("White House",), 0.9),
    ("house", ("home", "mansion"), 0.4),
)


def lm_config(**options: object) -> RestorerConfig:
    # the scorer's own mechanics: the model's proposals are tested in test_propose.py
    base = RestorerConfig(default_table=False, model="fast", compose=False, lm_propose=False)
    return base.with_options(**options) if options else base


def scorer_for(model: BigramModel | None = None, **options: object) -> LMScorer:
    return LMScorer(lm_config(**options), model=model or BigramModel())


def record_scoring(scorer: LMScorer) -> list[tuple[int, list[str]]]:
    """Make ``scorer`` note each call of ``score``: the tokens read and the slots' text."""
    calls: list[tuple[int, list[str]]] = []
    score = scorer.score

    def recording(tokens, slots, reading=None):  # type: ignore[no-untyped-def]
        calls.append((len(tokens), [span_text(tokens, s.start, s.end) for s in slots]))
        return score(tokens, slots, reading)

    scorer.score = recording  # type: ignore[method-assign]
    return calls


# -- the scorer with the stand-in ---------------------------------------------------------------


def test_context_is_the_log_probability_gain_of_the_whole_text() -> None:
    """With a bigram model and a right window >= 1, the window difference is the text one."""
    model = BigramModel()
    scorer = scorer_for(model, lm_window=2, lm_weight=1.0)
    text = "South Korea's primary undercover agent company mentioned Thursday. The company left."
    tokens = tokenize(text)
    slots = build_lattice(tokens, TABLE, 5)
    scores = scorer.score(tokens, slots)
    spun_lp = model.text_lp(text)
    checked = 0
    for slot, slot_scores in zip(slots, scores, strict=True):
        a, b = tokens[slot.start].start, tokens[slot.end - 1].end
        for cand, sc in zip(slot.candidates, slot_scores, strict=True):
            restored = text[:a] + cand.text + text[b:]
            assert sc.context == pytest.approx(model.text_lp(restored) - spun_lp)
            checked += 1
    assert checked >= 4


def test_context_prefers_what_the_model_prefers() -> None:
    tokens = tokenize("the main undercover agent company mentioned Thursday. The company left.")
    slots = build_lattice(tokens, TABLE, 5)
    scores = scorer_for().score(tokens, slots)
    by_text = {
        c.text: s.context
        for slot, sc in zip(slots, scores, strict=False)
        for c, s in zip(slot.candidates, sc, strict=False)
    }
    assert by_text["spy agency"] > 0  # "main spy agency said" is what the model knows
    assert by_text["firm"] <= 0  # nothing the model knows; no gain


def test_weight_scales_only_the_context() -> None:
    tokens = tokenize("the undercover agent company mentioned Thursday")
    slots = build_lattice(tokens, TABLE, 5)
    one = scorer_for(lm_weight=1.0).score(tokens, slots)
    two = scorer_for(lm_weight=2.0).score(tokens, slots)
    for a, b in zip((s for sc in one for s in sc), (s for sc in two for s in sc), strict=True):
        assert b.context == pytest.approx(2 * a.context)
        assert b.frequency == pytest.approx(2 * a.frequency)
        assert (b.prior, b.lemma) == (a.prior, a.lemma)


def test_frequency_takes_back_what_word_frequency_explains() -> None:
    tokens = tokenize("He additionally said so.")
    rows = table(("additionally", ("also",), 0.5))
    slots = build_lattice(tokens, rows, 5)
    (plain,) = scorer_for(lm_freq_weight=0.0).score(tokens, slots)
    (taken,) = scorer_for(lm_freq_weight=1.0).score(tokens, slots)
    assert plain[0].frequency == 0.0
    assert taken[0].frequency < 0  # "also" is far more common than "additionally"
    assert taken[0].context == plain[0].context


def test_small_windows_give_the_same_scores_as_one_big_window() -> None:
    text = " ".join(["The Related Press said the company mentioned it."] * 30)
    tokens = tokenize(text)
    slots = build_lattice(tokens, TABLE, 5)
    big_model, small_model = BigramModel(), BigramModel()
    big = scorer_for(big_model).score(tokens, slots)
    small = scorer_for(small_model, lm_max_tokens=64, lm_context=8).score(tokens, slots)
    assert small_model.calls > big_model.calls == 1
    flat = [s.context for sc in big for s in sc]
    assert flat == pytest.approx([s.context for sc in small for s in sc])


def test_evidence_discounts_small_preferences() -> None:
    tokens = tokenize("the undercover agent company mentioned Thursday")
    slots = build_lattice(tokens, TABLE, 5)
    for sc in scorer_for(lm_evidence_offset=3.0).score(tokens, slots):
        for s in sc:
            discounted = min(max(s.context, 0.0), 3.0)
            expected = min(s.frequency, 0.0) + s.prior + s.lemma + s.context - discounted
            assert s.evidence == pytest.approx(expected)


def test_names_pay_a_penalty_unless_the_row_is_about_names() -> None:
    text = "He met the Speaker of the House in the Related Press office."
    tokens = tokenize(text)
    slots = build_lattice(tokens, TABLE, 5)
    scores = scorer_for(lm_name_penalty=2.5).score(tokens, slots)
    priors = {
        (tokens[sl.start].text, c.text): s.prior
        for sl, sc in zip(slots, scores, strict=False)
        for c, s in zip(sl.candidates, sc, strict=False)
    }
    assert priors[("House", "home")] == pytest.approx(math.log(0.4 / 0.6) - 2.5)
    assert priors[("Related", "Associated Press")] == pytest.approx(math.log(0.9 / 0.1))


# -- a candidate that cannot be chosen is not read with its right context ----------------------

#: ``bureau`` loses 5.5 nats to ``agency`` after ``spy`` and 5.3 more before ``said``; ``main``
#: gains nothing on its own word but 5 nats on the word after it (``main spy``).
HOPELESS = table(("agency", ("bureau",), 0.1), ("primary", ("main",), 0.4))
HOPELESS_TEXT = "The primary spy agency said Thursday."


def scores_after_reading(slack: float) -> tuple[dict[str, Score], list[list[str]]]:
    """Score :data:`HOPELESS_TEXT` after reading it; return the scores and the branches read."""
    model = BigramModel()
    scorer = scorer_for(model, lm_weight=1.0, lm_freq_weight=0.0, lm_prune_slack=slack)
    tokens = tokenize(HOPELESS_TEXT)
    slots = build_lattice(tokens, HOPELESS, 5)
    reading = scorer.read(tokens, slots)
    branches: list[list[str]] = []
    score_tree = model.score_tree

    def recording(trunk, tree, wanted, top=(), k=0):  # type: ignore[no-untyped-def]
        branches.extend([model.piece(t).strip() for t in b.tokens] for b in tree)
        return score_tree(trunk, tree, wanted, top, k)

    model.score_tree = recording  # type: ignore[method-assign]
    scores = scorer.score(tokens, slots, reading)
    by_text = {
        c.text: s
        for sl, sc in zip(slots, scores, strict=True)
        for c, s in zip(sl.candidates, sc, strict=True)
    }
    return by_text, branches


#: The gain below which ``bureau`` (prior 0.1) cannot be chosen at the defaults' margin and
#: boldest spin rate, with the model's judgement weighted 1: written out, not taken from the code.
BUREAU_FLOOR = 2.0 - math.log(0.99 / 0.01) - math.log(0.1 / 0.9)


def test_a_candidate_that_cannot_be_chosen_keeps_its_left_context_gain() -> None:
    # bureau's left gain (-5.5) plus the slack falls just short of the floor
    scores, branches = scores_after_reading(slack=BUREAU_FLOOR + 5.5 - 0.1)
    assert scores["bureau"].context == pytest.approx(-6.0 - -0.5)  # left context only
    assert ["bureau", "said", "Thursday", "."] not in branches
    # main's own word gains nothing, but it is read on: the word after it gains 5 nats
    assert scores["main"].context == pytest.approx(5.0)
    assert ["main", "spy", "agency", "said", "Thursday"] in branches


@pytest.mark.parametrize("slack", [BUREAU_FLOOR + 5.5 + 0.1, math.inf])
def test_a_candidate_that_could_be_chosen_is_read_in_full(slack: float) -> None:
    scores, branches = scores_after_reading(slack=slack)
    assert scores["bureau"].context == pytest.approx(-5.5 + (-6.0 - -0.7))
    assert ["bureau", "said", "Thursday", "."] in branches
    unread = scorer_for(lm_weight=1.0, lm_freq_weight=0.0)
    tokens = tokenize(HOPELESS_TEXT)
    slots = build_lattice(tokens, HOPELESS, 5)
    plain = [s.context for sc in unread.score(tokens, slots) for s in sc]
    assert sorted(plain) == pytest.approx(sorted(s.context for s in scores.values()))


@pytest.mark.parametrize("slack", [-1.0, math.nan])
def test_the_prune_slack_is_checked(slack: float) -> None:
    with pytest.raises(ValueError, match="lm_prune_slack"):
        RestorerConfig(lm_prune_slack=slack)


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("He went to the House on Monday.", "House", True),
        ("House prices rose.", "House", False),
        ("Home Speaker Mike Johnson spoke.", "Home", True),
        ("He went home.", "home", False),
        ("THE HOUSE VOTED.", "HOUSE", False),
    ],
)
def test_looks_like_name(text: str, span: str, expected: bool) -> None:
    tokens = tokenize(text)
    i = next(k for k, t in enumerate(tokens) if t.text == span)
    assert looks_like_name(tokens, i, i + 1) is expected


def test_restorer_with_the_lm_scorer_restores_spun_and_keeps_clean_text() -> None:
    restorer = Restorer(lm_config(), table=TABLE, scorer=scorer_for())
    spun = (
        "South Korea's primary undercover agent company mentioned Thursday, the Related Press said."
    )
    out = restorer.restore_text(spun)
    assert "spy agency" in out
    assert "Associated Press" in out
    clean = "The company met on Monday; the house was sold."
    assert restorer.restore_text(clean) == clean


def test_the_lm_tier_has_its_own_spin_rate_bound() -> None:
    """``lm_max_spin_rate`` bounds the lm tier's estimate; the fast tier keeps ``max_spin_rate``."""
    spun = " ".join(["The Related Press and the White Space said the primary company."] * 3)
    rates = {}
    for cap in (0.6, 0.9):
        config = lm_config(lm_max_spin_rate=cap, lm_coverage=0.05)
        lm = Restorer(config, table=TABLE, scorer=LMScorer(config, model=BigramModel()))
        rates[cap] = lm.restore_and_explain(spun).spin_rate
        fast = Restorer(config.with_options(coverage=0.05), table=TABLE)
        assert fast.restore_and_explain(spun).spin_rate == pytest.approx(config.max_spin_rate)
    assert rates[0.6] == pytest.approx(0.6)
    assert rates[0.9] == pytest.approx(0.9)


def test_a_later_pass_scores_only_the_phrases_near_the_replacements() -> None:
    chain = table(
        ("within keeping with", ("in keeping with",), 0.95),
        ("in keeping with", ("according to",), 0.95),
        ("primary", ("main",), 0.95),
        ("results", ("outcomes",), 0.95),
        ("came", ("arrived",), 0.01),  # phrases judged and kept
        ("were", ("had been",), 0.01),
    )
    options = {"spin_rate": 0.5, "lm_passes": 3}
    scorer = scorer_for(**options)
    assert scorer.follow_up_reach == 0
    calls = record_scoring(scorer)
    restorer = Restorer(lm_config(**options), table=chain, scorer=scorer)
    text = "Came the news that primary results were within keeping with the rules."
    result = restorer.restore_and_explain(text)
    # the chain is followed to its end, and the explanation is one edit on the input
    assert result.text == "Came the news that main outcomes were according to the rules."
    assert [e.spun for e in result.edits] == ["primary", "results", "within keeping with"]
    # the first pass judged every phrase; the second only the one a replacement is part of
    scored = [slots for _read, slots in calls]
    assert scored[0] == ["Came", "primary", "results", "were", "within keeping with"]
    assert scored[1:] == [["in keeping with"]]


def test_the_lm_tier_reads_a_segment_once_unless_asked_for_more_passes() -> None:
    """One pass by default (``lm_passes``): a chain of rows stops after its first step."""
    chain = table(
        ("within keeping with", ("in keeping with",), 0.95),
        ("in keeping with", ("according to",), 0.95),
    )
    text = "Our plans were within keeping with the rules."
    seen = {}
    for passes in (1, 2, 3):
        scorer = scorer_for(spin_rate=0.5, lm_passes=passes)
        calls = record_scoring(scorer)
        config = lm_config(spin_rate=0.5, lm_passes=passes)
        out = Restorer(config, table=chain, scorer=scorer).restore_text(text)
        seen[passes] = (out, len(calls))
    assert seen == {
        1: ("Our plans were in keeping with the rules.", 1),
        # the second pass follows the chain; the third finds nothing left to change
        2: ("Our plans were according to the rules.", 2),
        3: ("Our plans were according to the rules.", 2),
    }
    assert RestorerConfig().lm_passes == 1
    with pytest.raises(ValueError, match="lm_passes"):
        RestorerConfig(lm_passes=0)


def test_a_later_pass_reaches_as_far_as_the_scorer_asks() -> None:
    class Reaching(FrequencyScorer):
        def __init__(self, config: RestorerConfig, reach: int) -> None:
            super().__init__(config)
            self.reach = reach
            self.scored: list[list[str]] = []

        @property
        def follow_up_reach(self) -> int | None:
            return self.reach

        def score(self, tokens, slots):  # type: ignore[no-untyped-def]
            self.scored.append([" ".join(t.text for t in tokens[s.start : s.end]) for s in slots])
            return super().score(tokens, slots)

    chain = table(
        ("within keeping with", ("in keeping with",), 0.95),
        ("in keeping with", ("according to",), 0.95),
        ("came", ("arrived",), 0.01),
        ("were", ("had been",), 0.01),
    )
    config = lm_config(spin_rate=0.5)
    text = "Came the news that we were within keeping with the rules."
    seen = {}
    for reach in (0, 1, 6):
        scorer = Reaching(config, reach)
        out = Restorer(config, table=chain, scorer=scorer).restore_text(text)
        assert out == "Came the news that we were according to the rules."
        seen[reach] = scorer.scored[1]
    assert seen == {
        0: ["in keeping with"],
        1: ["were", "in keeping with"],
        6: ["Came", "were", "in keeping with"],
    }


class _Eager(FrequencyScorer):
    """Takes every candidate, and follows replacements as the lm tier does."""

    @property
    def follow_up_reach(self) -> int | None:
        return 0

    def score(self, tokens, slots, reading=None):  # type: ignore[no-untyped-def]
        return [[Score(0.0, 10.0, 0.0) for _ in s.candidates] for s in slots]


def test_a_word_later_passes_put_back_as_it_was_is_no_edit() -> None:
    """``on`` -> ``at`` -> ``by`` -> ``on``: the text is unchanged, and no edit claims otherwise."""
    cycle = table(("on", ("at",), 0.95), ("at", ("by",), 0.95), ("by", ("on",), 0.95))
    config = lm_config(spin_rate=0.5)
    text = "We met on the corner and talked."
    result = Restorer(config, table=cycle, scorer=_Eager(config)).restore_and_explain(text)
    assert result.text == text
    assert result.edits == []
    # two steps of the same chain do change the text, and say so in one edit on the input
    chain = table(("on", ("at",), 0.95), ("at", ("by",), 0.95))
    result = Restorer(config, table=chain, scorer=_Eager(config)).restore_and_explain(text)
    assert result.text == "We met by the corner and talked."
    assert [(e.spun, e.replacement) for e in result.edits] == [("on", "by")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the spinner left the article: the noun comes back, and "a" agrees with it
        ("It was a raid by a international authorities.", "It was a raid by a foreign government."),
        # the spinner fixed the article: both come back
        ("They hired a company last year.", "They hired an agency last year."),
        # a row turning "a" into "an" before a word that is kept is no restoration either
        ("They hired a firm last year.", "They hired a firm last year."),
    ],
)
def test_an_article_edit_agrees_with_the_word_after_it_as_restored(text, expected) -> None:
    rows = table(
        ("a", ("an",), 0.95),
        ("international authorities", ("foreign government",), 0.95),
        ("company", ("agency",), 0.95),
    )
    config = lm_config(spin_rate=0.5)
    result = Restorer(config, table=rows, scorer=_Eager(config)).restore_and_explain(text)
    assert result.text == expected
    assert apply_edits(text, result.edits) == expected


@pytest.mark.parametrize(
    ("text", "spun", "replacement"),
    [
        ("They didn’t go.", "didn’t", "did not"),
        ("They didn't go.", "didn't", "did not"),
        ("They’re here.", "They’re", "They are"),
        ("We can’t go.", "can’t", "cannot"),
        ("We won’t go.", "won’t", "will not"),
    ],
)
def test_a_word_replacing_a_clitic_is_not_glued_on(text, spun, replacement) -> None:
    """``n't`` -> ``not`` gives ``did not``, not ``didnot``; the edit takes in the word before."""
    rows = table(("n’t", ("not",), 0.95), ("’re", ("are",), 0.95))
    config = lm_config(spin_rate=0.5)
    result = Restorer(config, table=rows, scorer=_Eager(config)).restore_and_explain(text)
    assert [(e.spun, e.replacement) for e in result.edits] == [(spun, replacement)]
    assert result.text == text.replace(spun, replacement)
    assert apply_edits(text, result.edits) == result.text


def test_the_model_reads_a_word_for_a_clitic_after_a_space() -> None:
    """The lm tier scores ``did not``, as it would be written, not ``didnot``."""
    seen: list[str] = []

    class Recording(BigramModel):
        def score_tree(self, trunk, branches, wanted, top=(), k=0):  # type: ignore[no-untyped-def]
            seen.extend(self.piece(t) for b in branches for t in b.tokens[:1])
            return super().score_tree(trunk, branches, wanted, top, k)

    scorer = scorer_for(Recording(), spin_rate=0.5)
    rows = table(("n’t", ("not",), 0.95))
    Restorer(lm_config(spin_rate=0.5), table=rows, scorer=scorer).restore_and_explain(
        "They didn’t go home."
    )
    assert " not" in seen


def test_a_later_pass_reads_only_as_far_as_its_phrases_need() -> None:
    """The words after the last replacement's phrases and lookahead are not read again."""

    class Blind(LMScorer):  # the same scorer, reading every later pass to the end
        @property
        def lookahead(self) -> int | None:
            return None

    chain = table(
        ("within keeping with", ("in keeping with",), 0.95),
        ("in keeping with", ("according to",), 0.95),
        ("came", ("arrived",), 0.01),
    )
    config = lm_config(spin_rate=0.5, lm_passes=3)
    tail = " and the news came later than the rest of it came" * 3
    text = "We were within keeping with the rules" + tail + "."
    outcomes = []
    for cls in (LMScorer, Blind):
        scorer = cls(config, model=BigramModel())
        calls = record_scoring(scorer)
        result = Restorer(config, table=chain, scorer=scorer).restore_and_explain(text)
        read = [n for n, _slots in calls]
        outcomes.append((result.text, [(e.start, e.end, e.score) for e in result.edits], read))
    (text_a, edits_a, read_a), (text_b, edits_b, read_b) = outcomes
    assert text_a == text_b == text.replace("within keeping with", "according to")
    assert edits_a == edits_b  # same edits, same scores
    assert read_a[0] == read_b[0] == read_b[1]  # a blind later pass reads to the end
    # "We were in keeping with": the phrase ends at token 5, and the scorer looks ahead
    lookahead = LMScorer(config, model=BigramModel()).lookahead
    assert lookahead == config.lm_window
    assert read_a[1] == 5 + lookahead < read_b[1]


def test_explanations_carry_the_context_component() -> None:
    restorer = Restorer(lm_config(), table=TABLE, scorer=scorer_for())
    res = restorer.restore_and_explain("It was reported by the White Space and the Related Press.")
    assert res.edits
    for e in res.edits:
        assert e.score["context"] > 0
        assert e.score["total"] == pytest.approx(
            e.score["prior"]
            + e.score["lemma"]
            + e.score["context"]
            + e.score["channel"]
            + e.score["frequency"]
        )


# -- quotations ----------------------------------------------------------------------------------


def test_quote_mask_straight_and_curly_and_line_breaks() -> None:
    tokens = tokenize('He said "the company left" and “the house” then.\nA "b\nc d')
    inside = {t.text for t, q in zip(tokens, quote_mask(tokens), strict=False) if q}
    assert {"company", "left", "house"} <= inside
    assert not {"He", "said", "and", "then", "c", "d"} & inside


def quoted(
    text: str, inside: float, outside: float
) -> tuple[list[Token], list[Slot], list[bool], list[tuple[int, int, float]]]:
    """Tokens, TABLE's slots, the quote mask, and evidence ``inside``/``outside`` the quotes."""
    tokens = tokenize(text)
    slots = build_lattice(tokens, TABLE, 5)
    mask = quote_mask(tokens)
    evidence = [(s.start, s.end, inside if mask[s.start] else outside) for s in slots]
    return tokens, slots, mask, evidence


def split_channels(
    chans: float | list[float], slots: Sequence[Slot], mask: Sequence[bool]
) -> tuple[list[float], list[float]]:
    """The channels of the slots inside and outside the quotes (one per slot expected)."""
    assert isinstance(chans, list)
    inside = [c for c, s in zip(chans, slots, strict=True) if mask[s.start]]
    outside = [c for c, s in zip(chans, slots, strict=True) if not mask[s.start]]
    return inside, outside


def test_quotes_get_their_own_spin_rate() -> None:
    """Quoted text with no evidence keeps a low rate although the text around it is spun."""
    config = lm_config(quotes="auto")
    text = 'The Related Press said "the house is fine" and the White Space agreed.'
    tokens, slots, mask, evidence = quoted(text, inside=-3.0, outside=5.0)
    chans = quote_channels(tokens, slots, evidence, 0.3, config)
    inside, outside = split_channels(chans, slots, mask)
    assert inside and outside and max(inside) < min(outside)
    # the same quote full of evidence gets a rate as high as the text around it
    strong = [(s.start, s.end, 5.0) for s in slots]
    chans2 = quote_channels(tokens, slots, strong, 0.3, config)
    assert isinstance(chans2, list)
    assert max(c for c, s in zip(chans2, slots, strict=False) if mask[s.start]) > max(inside)
    keep = quote_channels(tokens, slots, strong, 0.3, config.with_options(quotes="keep"))
    assert isinstance(keep, list)
    assert all(c == -math.inf for c, s in zip(keep, slots, strict=False) if mask[s.start])
    assert isinstance(
        quote_channels(tokens, slots, strong, 0.3, config.with_options(quotes="restore")), float
    )


def test_a_short_text_around_spun_quotes_follows_the_document() -> None:
    """Where the quote holds the evidence, the few words around it take the document's rate.

    Both sides of a quotation shrink toward the document's spin rate, not toward the clean
    prior: four words of attribution around a heavily spun quote say too little to be judged
    clean on their own.
    """
    config = lm_config(quotes="auto")
    text = 'The company mentioned: "the Related Press and the White Space and the house were fine".'
    tokens, slots, mask, evidence = quoted(text, inside=5.0, outside=0.0)
    rho = 0.9
    chans = quote_channels(tokens, slots, evidence, rho, config)
    _, outside = split_channels(chans, slots, mask)
    assert outside, "the table must match a word outside the quote"
    # the clean prior (spin_prior 0.02) would put the channel near log(0.02/0.98) = -3.9
    assert min(outside) > channel(0.5)


def test_no_part_of_a_document_is_judged_bolder_than_the_whole() -> None:
    """A short quote with a little evidence in clean prose keeps the document's low rate."""
    config = lm_config(quotes="auto")
    text = 'The firm said "the Related Press and the White Space" in a note on its plans today.'
    tokens, slots, mask, evidence = quoted(text, inside=3.0, outside=-3.0)
    assert any(mask[s.start] for s in slots)
    rho = 0.03
    chans = quote_channels(tokens, slots, evidence, rho, config)
    inside_chans, outside_chans = split_channels(chans, slots, mask)
    assert max(inside_chans + outside_chans) <= channel(rho)
    # on their own, the quote's words would be judged far bolder than the document
    inside = [e for e in evidence if mask[e[0]]]
    n_in = count_words(t for t, q in zip(tokens, mask, strict=True) if q)
    alone = estimate_spin_rate(n_in, inside, config.with_options(spin_prior=rho))
    assert channel(alone) > channel(rho) + 1


# -- choosing the tier ---------------------------------------------------------------------------


def test_auto_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_ENV, "fast")
    assert resolve_model("auto") == "fast"
    assert resolve_model("fast") == "fast"


def test_missing_weights_give_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "nope.gguf"))
    reason = lm_missing_reason()
    assert reason is not None and "\n" not in reason and "--model fast" in reason
    with pytest.raises(LMUnavailableError) as exc:
        resolve_model("lm")
    assert isinstance(exc.value, RestorerError)
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model("auto") == "fast"
    with pytest.raises(LMUnavailableError):
        Restorer(RestorerConfig(model="lm"))


def test_cli_refuses_lm_when_missing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from restorer.cli import app

    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "nope.gguf"))
    result = CliRunner().invoke(app, ["fix", "--model", "lm", "-"], input="text\n")
    assert result.exit_code == 2
    assert "--model fast" in result.output


# -- the real model (skipped where it is not installed) ------------------------------------------

needs_lm = pytest.mark.skipif(lm_missing_reason() is not None, reason="lm tier not installed")


@pytest.fixture(scope="module")
def real_model():  # type: ignore[no-untyped-def]
    from restorer.lm import load_model

    return load_model(gpu=False)


@pytest.mark.lm
@needs_lm
def test_real_tokenizer_is_lossless_per_piece(real_model) -> None:  # type: ignore[no-untyped-def]
    ids = real_model.tokenize(" agency said Thursday")
    assert len(ids) == 3
    assert real_model.tokenize("") == []


@pytest.mark.lm
@needs_lm
def test_real_branches_share_the_trunk_cache_exactly(real_model) -> None:  # type: ignore[no-untyped-def]
    """A branch that repeats the trunk's own continuation must score what the trunk scores."""
    ids = [START_TOKEN, *real_model.tokenize("South Korea's main spy agency said Thursday that")]
    n = len(ids)
    branches = [Branch(k, tuple(ids[k:])) for k in range(1, n - 1)]
    scored = real_model.score_tree(ids, branches, list(range(1, n)))
    for b, lp in zip(branches, scored.branches, strict=True):
        assert lp == pytest.approx(sum(scored.trunk[b.fork :]), abs=0.05)
    # and a plain trunk of the whole branch sequence agrees with the branch
    other = [START_TOKEN, *real_model.tokenize("South Korea's main spy company said Thursday")]
    alone = real_model.score_tree(other, [], list(range(1, len(other))))
    fork = next(i for i, (a, b) in enumerate(zip(ids, other, strict=False)) if a != b)
    tree = real_model.score_tree(ids, [Branch(fork, tuple(other[fork:]))], [])
    assert tree.branches[0] == pytest.approx(sum(alone.trunk[fork:]), abs=0.05)


@pytest.mark.lm
@needs_lm
def test_real_model_prefers_the_original(real_model) -> None:  # type: ignore[no-untyped-def]
    scorer = LMScorer(lm_config(), model=real_model)
    tokens = tokenize("South Korea's primary undercover agent company mentioned Thursday.")
    slots = build_lattice(tokens, TABLE, 5)
    scores = scorer.score(tokens, slots)
    by_text = {
        c.text: s.context
        for slot, sc in zip(slots, scores, strict=False)
        for c, s in zip(slot.candidates, sc, strict=False)
    }
    assert by_text["spy agency"] > 0
    assert by_text["main"] > 0


@pytest.mark.lm
@needs_lm
def test_real_lm_tier_end_to_end() -> None:
    restorer = Restorer(lm_config(model="lm"), table=TABLE)
    assert restorer.scorer.name == "lm"
    out = restorer.restore_text(
        "South Korea's primary undercover agent company mentioned Thursday, according to "
        "the Related Press."
    )
    assert "spy agency" in out and "Associated Press" in out
    clean = "The company said on Monday that the house on Elm Street was sold."
    assert restorer.restore_text(clean) == clean


@pytest.mark.lm
@needs_lm
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_real_model_works_in_a_forked_worker() -> None:
    """``restorer batch -j N`` forks after the parent used the model; the child must not hang."""
    restorer = Restorer(lm_config(model="lm"), table=TABLE)
    text = "It was reported by the Related Press."
    expected = restorer.restore_text(text)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: restore, report, leave at once
        try:
            os.write(write, restorer.restore_text(text).encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung using the lm model")
    got = os.read(read, 1 << 16).decode()
    os.close(read)
    assert got == expected


@pytest.mark.lm
@needs_lm
def test_real_cli_fix_with_the_lm_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from restorer.cli import app

    rows = tmp_path / "rows.tsv"
    rows.write_text(
        "# restorer-phrases 1\n# spun\tcanonical\tprior\tsource\n"
        "Related Press\tAssociated Press\t0.98\ttests: lm\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["fix", "--model", "lm", "-t", str(rows), "-"], input="Told to the Related Press.\n"
    )
    assert result.exit_code == 0, result.output
    assert "Associated Press" in result.output


@pytest.mark.lm
@needs_lm
def test_real_weights_are_converted_once_and_agree(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from restorer.lm import LlamaCppModel, converted_weights, find_weights

    source = find_weights()
    assert source is not None
    monkeypatch.setenv("RESTORER_CACHE_DIR", str(tmp_path / "cache"))
    first = converted_weights(source)
    assert first.parent == tmp_path / "cache" and first.suffix == ".gguf"
    mtime = first.stat().st_mtime_ns
    assert converted_weights(source) == first and first.stat().st_mtime_ns == mtime
    assert not list(first.parent.glob("*.tmp"))
    text = "South Korea's main spy agency said Thursday that the troops had left."
    lps = []
    for path in (source, first):
        model = LlamaCppModel(path, gpu=False, n_ctx=1024)
        ids = [START_TOKEN, *model.tokenize(text)]
        lps.append(model.score_tree(ids, [], list(range(1, len(ids)))).trunk[1:])
        model.close()
    diffs = [abs(a - b) for a, b in zip(*lps, strict=True)]
    assert sum(diffs) / len(diffs) < 0.3


@pytest.mark.lm
@needs_lm
def test_real_unwritable_cache_falls_back_to_the_shipped_file(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from restorer.lm import converted_weights, find_weights

    source = find_weights()
    assert source is not None
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("RESTORER_CACHE_DIR", str(blocker / "cache"))
    assert converted_weights(source) == source


def test_the_model_may_veto_but_not_push_a_change_of_style_only() -> None:
    """``cannot`` -> ``can't`` is style: an LM preference for it is no evidence."""

    class Likes(BigramModel):
        def __init__(self, liked: set[str]) -> None:
            super().__init__()
            self.liked = liked

        def lp(self, prev: int, tok: int) -> float:
            return -0.1 if self.words[tok].strip() in self.liked else OTHER

    rows = table(("cannot", ("can't",), 0.5), ("movement", ("motion",), 0.5))
    tokens = tokenize("We cannot stop the movement.")
    slots = build_lattice(tokens, rows, 5)

    def contexts(model: BigramModel) -> dict[str, float]:
        scores = scorer_for(model).score(tokens, slots)
        return {
            c.text: s.context
            for sl, sc in zip(slots, scores, strict=True)
            for c, s in zip(sl.candidates, sc, strict=True)
        }

    pushed = contexts(Likes({"can", "'", "t", "motion"}))
    assert pushed["can't"] == 0.0  # a preference for the contraction is ignored
    assert pushed["motion"] > 0  # a preference between different words is not
    vetoed = contexts(Likes({"cannot"}))
    assert vetoed["can't"] < 0  # the model may still say the change reads worse


def test_weights_fingerprint_follows_content_not_file_times(tmp_path) -> None:
    import os

    from restorer.lm import _fingerprint

    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"GGUF" + bytes(range(256)) * 20_000)
    key = _fingerprint(weights)
    os.utime(weights, ns=(1, 1))  # a reinstall of the same wheel
    assert _fingerprint(weights) == key
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # another model: different last bytes
    weights.write_bytes(bytes(data))
    assert _fingerprint(weights) != key


def test_pruning_keeps_the_new_copy_and_the_newest_other(tmp_path) -> None:
    import os

    from restorer.lm import _prune_copies

    names = [
        "M.Q4_1-98362432-1795700866401932477.f16.gguf",  # an old size-and-mtime copy
        "M.Q4_1-aaaa.f16.gguf",
        "M.Q4_1-bbbb.f16.gguf",
        "M.Q4_1-cccc.f16.gguf",  # the one just written
        "Other-dddd.f16.gguf",  # another model
        "M.Q4_1-eeee.f16.gguf.123.tmp",  # a conversion in progress elsewhere
    ]
    for age, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(b"x")
        os.utime(path, ns=(age, age))
    _prune_copies(tmp_path / "M.Q4_1-cccc.f16.gguf", keep=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["M.Q4_1-bbbb.f16.gguf", "M.Q4_1-cccc.f16.gguf", "Other-dddd.f16.gguf", names[-1]]
    )


@pytest.mark.lm
@needs_lm
def test_real_model_reuses_the_last_trunk_and_agrees_with_a_fresh_read() -> None:  # type: ignore[no-untyped-def]
    """A second pass shares the first pass's prefix; its scores must not depend on that."""
    from restorer.lm import Branch, LlamaCppModel, find_weights

    source = find_weights()
    assert source is not None
    first = "The primary undercover agent company mentioned Thursday that the troops had left."
    second = "The main spy agency mentioned Thursday that the troops had left the area."
    warm = LlamaCppModel(source, gpu=False, n_ctx=1024)
    fresh = LlamaCppModel(source, gpu=False, n_ctx=1024)
    try:
        a = [START_TOKEN, *warm.tokenize(first)]
        b = [START_TOKEN, *warm.tokenize(second)]
        fork = 6
        branches = [Branch(fork, tuple(warm.tokenize(" said Thursday")))]
        wanted = list(range(1, len(b)))
        warm.score_tree(a, [Branch(fork, (a[fork],))], list(range(1, len(a))))
        reused = warm.score_tree(b, branches, wanted)
        again = warm.score_tree(b, branches, wanted)  # the whole trunk is the cached prefix
        plain = fresh.score_tree(b, branches, wanted)
    finally:
        warm.close()
        fresh.close()
    for got in (reused, again):
        assert got.trunk[1:] == pytest.approx(plain.trunk[1:], abs=0.05)
        assert got.branches == pytest.approx(plain.branches, abs=0.05)


def test_the_model_top_tokens_are_the_k_largest_logits_wherever_they_are() -> None:
    """The floor from the row's first logits never drops a token of the true top k."""
    np = pytest.importorskip("numpy")
    from restorer.lm import top_tokens

    rng = np.random.default_rng(7)
    rows = [rng.normal(size=49_152).astype(np.float32) for _ in range(3)]
    late = np.full(49_152, -5.0, dtype=np.float32)
    late[-20:] = np.arange(20, dtype=np.float32)  # every likely token after the sample
    rows.append(late)
    tied = np.zeros(49_152, dtype=np.float32)  # everything ties at the floor
    tied[30_000] = 1.0
    rows.append(tied)
    rows.append(rng.normal(size=300).astype(np.float32))  # a row shorter than the sample
    for row in rows:
        for k in (1, 10, 50):
            got = top_tokens(row, 0.0, k)
            want = sorted(range(row.shape[0]), key=lambda i: -float(row[i]))[:k]
            assert len(got) == k
            assert [lp for _t, lp in got] == [float(row[i]) for i in want]
            assert all(float(row[t]) == lp for t, lp in got)
            if len(set(row.tolist())) == row.shape[0]:  # no ties: the very same tokens
                assert [t for t, _lp in got] == want
    assert [t for t, _lp in top_tokens(late, 0.0, 20)] == list(range(49_151, 49_131, -1))
    assert top_tokens(late, 0.0, 0) == ()
