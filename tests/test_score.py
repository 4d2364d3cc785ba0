"""Scoring and decoding: keeping the text is always possible, and choices are deterministic."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.candidates import Candidate, Slot, build_lattice
from restorer.decode import decode
from restorer.score import FrequencyScorer, Score, channel, estimate_spin_rate, prior_log_odds
from restorer.tokenize import tokenize

CASES = Path(__file__).parent / "cases"


def _case_texts(name: str, table: str = "tiny") -> list[str]:
    cases = json.loads((CASES / name).read_text(encoding="utf-8"))
    return [c["input"] for c in cases if c["table"] == table]


CLEAN = [t for t in _case_texts("negative.json") if t.strip()]
SPUN = _case_texts("synthetic.json")


# -- keeping the text ------------------------------------------------------------------------


@pytest.mark.parametrize("text", SPUN + CLEAN, ids=range(len(SPUN + CLEAN)))
def test_empty_table_changes_nothing(empty_restorer, text):
    result = empty_restorer.restore_and_explain(text)
    assert result.text == text
    assert result.edits == []


def test_keep_is_never_listed_as_a_candidate():
    table = PhraseTable([Row("foo", ("foo", "FOO", "bar"), 0.9, "test")])
    slots = build_lattice(tokenize("a foo here"), table)
    assert [c.text for s in slots for c in s.candidates] == ["bar"]


def test_row_whose_only_candidate_is_the_text_gives_no_slot():
    table = PhraseTable([Row("foo", ("Foo",), 0.9, "test")])
    assert build_lattice(tokenize("a foo here"), table) == []


# -- the spin rate -------------------------------------------------------------------------


# A clean sentence may hold one weak table hit (a capitalised "Home"), which nudges its rate
# above the prior (0.02) but must keep it far below spun text (see the tests below).
CLEAN_RATE_BOUND = 0.1


@pytest.mark.parametrize("text", CLEAN, ids=range(len(CLEAN)))
def test_clean_text_has_a_low_spin_rate(tiny_restorer, text):
    assert tiny_restorer.restore_and_explain(text).spin_rate < CLEAN_RATE_BOUND


def test_clean_text_joined_has_a_low_spin_rate(tiny_restorer):
    assert tiny_restorer.restore_and_explain(" ".join(CLEAN)).spin_rate < CLEAN_RATE_BOUND


def test_spun_text_has_a_higher_spin_rate_than_clean(tiny_restorer):
    spun = tiny_restorer.restore_and_explain(" ".join(SPUN)).spin_rate
    clean = tiny_restorer.restore_and_explain(" ".join(CLEAN)).spin_rate
    assert spun > 0.1 > clean


def test_more_evidence_gives_a_higher_spin_rate():
    cfg = RestorerConfig(default_table=False)
    rates = [
        estimate_spin_rate(100, [(i * 5, i * 5 + 1, 2.5) for i in range(k)], cfg)
        for k in range(0, 12)
    ]
    assert rates == sorted(rates)
    assert rates[-1] > rates[0]
    assert all(b > a for a, b in itertools.pairwise(rates) if b < cfg.max_spin_rate)


def test_stronger_evidence_gives_a_higher_spin_rate():
    cfg = RestorerConfig(default_table=False)
    rates = [estimate_spin_rate(50, [(0, 2, base), (9, 10, base)], cfg) for base in (-2, 0, 2, 4)]
    assert rates == sorted(rates)
    assert rates[-1] > rates[0]


def test_more_spun_phrases_give_a_higher_spin_rate(tiny_restorer):
    base = "The Related Press reported the story on Monday and again on Tuesday."
    more = base.replace("story", "entrance traces story").replace(
        "Monday", "Monday at the White Space"
    )
    assert (
        tiny_restorer.restore_and_explain(more).spin_rate
        > tiny_restorer.restore_and_explain(base).spin_rate
    )


def test_spin_rate_takes_each_tokens_best_covering_slot():
    """Overlapping slots: a token counts once, with the chance of the best slot covering it."""
    cfg = RestorerConfig(default_table=False)
    evidence = [(0, 3, -1.0), (1, 2, 3.0), (2, 5, 0.5), (4, 5, -2.0), (8, 9, 1.5)]
    best = {0: -1.0, 1: 3.0, 2: 0.5, 3: 0.5, 4: 0.5, 8: 1.5}

    def fixed_point(bases: list[float]) -> float:
        a, b = cfg.spin_prior * cfg.spin_prior_weight, cfg.spin_prior_weight
        rho = cfg.spin_prior
        for _ in range(50):
            ch = channel(rho)
            expected = sum(1 / (1 + math.exp(-(x + ch))) for x in bases) / cfg.coverage
            new = max(min(cfg.max_spin_rate, (expected + a) / (40 + b)), 1e-4)
            if abs(new - rho) < 1e-5:
                return new
            rho = new
        return rho

    assert estimate_spin_rate(40, evidence, cfg) == pytest.approx(
        fixed_point(list(best.values())), rel=1e-9
    )
    # the same evidence in another order gives the same rate
    assert estimate_spin_rate(40, evidence[::-1], cfg) == pytest.approx(
        estimate_spin_rate(40, evidence, cfg), rel=1e-12
    )


def test_spin_rate_stays_in_bounds():
    cfg = RestorerConfig(default_table=False)
    assert 0 < estimate_spin_rate(0, [], cfg) < 1
    evidence = [(i, i + 1, 10.0) for i in range(10)]
    assert estimate_spin_rate(10, evidence, cfg) <= cfg.max_spin_rate


def test_fixed_spin_rate_is_honoured(tiny_table):
    cfg = RestorerConfig(default_table=False, spin_rate=0.4)
    assert estimate_spin_rate(10, [(0, 1, 5.0)], cfg) == 0.4
    result = Restorer(cfg, table=tiny_table).restore_and_explain(SPUN[0] + "\n\n" + CLEAN[0])
    assert result.spin_rate == pytest.approx(0.4)
    assert result.edits
    for edit in result.edits:
        if edit.source.table == "tiny":
            assert edit.score["spin_rate"] == pytest.approx(0.4)
            assert edit.score["channel"] == pytest.approx(channel(0.4))


def test_a_high_fixed_spin_rate_restores_weak_swaps(tiny_table):
    text = "A spokesman mentioned the talks would resume next week."
    assert (
        Restorer(RestorerConfig(default_table=False), table=tiny_table).restore_text(text) == text
    )
    bold = Restorer(RestorerConfig(default_table=False, spin_rate=0.5), table=tiny_table)
    assert bold.restore_text(text) == "A spokesman said the talks would resume next week."


def test_min_margin_only_removes_edits(tiny_table):
    text = " ".join(SPUN)
    counts = []
    for margin in (0.0, 0.5, 1.0, 2.0, 5.0, 50.0):
        cfg = RestorerConfig(default_table=False, min_margin=margin)
        counts.append(len(Restorer(cfg, table=tiny_table).restore_and_explain(text).edits))
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > 0
    assert counts[-1] == 0


# -- score components ----------------------------------------------------------------------


def test_explained_total_is_the_sum_of_its_components(tiny_restorer):
    result = tiny_restorer.restore_and_explain(" ".join(SPUN))
    scored = [e for e in result.edits if e.source.table == "tiny"]
    assert scored
    for edit in scored:
        s = edit.score
        parts = s["frequency"] + s["prior"] + s["lemma"] + s["context"] + s["channel"]
        assert s["total"] == pytest.approx(parts)
        assert s["total"] > 0


def test_frequency_feature_is_clipped(tiny_table):
    cfg = RestorerConfig(default_table=False, freq_clip=1.5, freq_weight=1.0)
    table = PhraseTable([Row("zzqxv", ("the",), 0.5, "test"), Row("the", ("zzqxv",), 0.5, "test")])
    tokens = tokenize("zzqxv the")
    slots = build_lattice(tokens, table)
    scores = FrequencyScorer(cfg).score(tokens, slots)
    assert [s[0].frequency for s in scores] == [1.5, -1.5]
    # the weight scales the clipped feature
    half = FrequencyScorer(cfg.with_options(freq_weight=0.5)).score(tokens, slots)
    assert [s[0].frequency for s in half] == [0.75, -0.75]


def test_lemma_match_is_penalised(tiny_table):
    cfg = RestorerConfig(default_table=False, lemma_penalty=0.75)
    tokens = tokenize("they mention it and mentioned it")
    slots = build_lattice(tokens, tiny_table)
    scores = FrequencyScorer(cfg).score(tokens, slots)
    assert [s[0].lemma for s in scores] == [0.0, -0.75]


def test_prior_log_odds():
    assert prior_log_odds(0.5) == pytest.approx(0.0)
    assert prior_log_odds(0.9) == pytest.approx(math.log(9))
    assert prior_log_odds(1.0) == prior_log_odds(0.995) < math.inf


# -- decoding ------------------------------------------------------------------------------

ROW = Row("x", ("y",), 0.5, "test")


def _slot(start, end, *texts):
    return Slot(start, end, tuple(Candidate(t, ROW, False) for t in texts))


def _score(base):
    return Score(frequency=base, prior=0.0, lemma=0.0)


def test_ties_between_candidates_break_alphabetically():
    for texts in (("beta", "alpha"), ("alpha", "beta")):
        slots = [_slot(0, 1, *texts)]
        (choice,) = decode(3, slots, [[_score(1.0), _score(1.0)]], 0.0)
        assert choice.candidate.text == "alpha"


def test_keeping_wins_a_tie_with_an_edit():
    assert decode(3, [_slot(0, 1, "a")], [[_score(0.0)]], 0.0) == []
    assert decode(3, [_slot(0, 1, "a")], [[_score(1.0)]], -1.0) == []


def test_min_margin_must_be_beaten():
    assert decode(3, [_slot(0, 1, "a")], [[_score(1.0)]], 0.0, min_margin=1.0) == []
    assert len(decode(3, [_slot(0, 1, "a")], [[_score(1.01)]], 0.0, min_margin=1.0)) == 1


def test_joint_decoding_prefers_the_best_total():
    # one long span worth 3 against two short ones worth 2 each
    slots = [_slot(0, 3, "long"), _slot(0, 1, "a"), _slot(1, 3, "b")]
    chosen = decode(4, slots, [[_score(3.0)], [_score(2.0)], [_score(2.0)]], 0.0)
    assert [c.candidate.text for c in chosen] == ["a", "b"]
    chosen = decode(4, slots, [[_score(5.0)], [_score(2.0)], [_score(2.0)]], 0.0)
    assert [c.candidate.text for c in chosen] == ["long"]


def test_equal_totals_prefer_fewer_changed_tokens():
    slots = [_slot(0, 2, "long"), _slot(0, 1, "short")]
    chosen = decode(3, slots, [[_score(1.0)], [_score(1.0)]], 0.0)
    assert [c.candidate.text for c in chosen] == ["short"]


@st.composite
def lattices(draw):
    n = draw(st.integers(min_value=1, max_value=7))
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(1, 4)).map(
                lambda p: (p[0], min(n, p[0] + p[1]))
            ),
            unique=True,
            max_size=8,
        )
    )
    slots, scores = [], []
    for k, (start, end) in enumerate(spans):
        m = draw(st.integers(1, 3))
        slots.append(_slot(start, end, *(f"c{k}-{j}" for j in range(m))))
        scores.append(
            [_score(draw(st.sampled_from([-2.0, -0.5, 0.0, 0.5, 1.0, 1.5, 3.0]))) for _ in range(m)]
        )
    ch = draw(st.sampled_from([-1.0, 0.0, 0.5]))
    return n, slots, scores, ch


def _best_total(slots, scores, ch, margin=0.0):
    """Brute force: the best sum of gains over non-overlapping slots."""
    options = []
    for slot, sc in zip(slots, scores, strict=True):
        gain = max(s.base for s in sc) + ch
        if gain > margin:
            options.append((slot.start, slot.end, gain))
    best = 0.0
    for r in range(1, len(options) + 1):
        for combo in itertools.combinations(options, r):
            spans = sorted(combo)
            if all(a[1] <= b[0] for a, b in itertools.pairwise(spans)):
                best = max(best, sum(g for *_, g in combo))
    return best


@settings(max_examples=300, deadline=None)
@given(lattices(), st.sampled_from([0.0, 0.5, 1.0]))
def test_decode_never_overlaps_and_is_optimal(lattice, margin):
    n, slots, scores, ch = lattice
    chosen = decode(n, slots, scores, ch, margin)
    for a, b in itertools.pairwise(chosen):
        assert a.slot.end <= b.slot.start
    assert all(0 <= c.slot.start < c.slot.end <= n for c in chosen)
    assert all(c.gain > margin for c in chosen)
    assert sum(c.gain for c in chosen) == pytest.approx(_best_total(slots, scores, ch, margin))


@settings(max_examples=200, deadline=None)
@given(lattices(), st.randoms(use_true_random=False))
def test_decode_does_not_depend_on_slot_order(lattice, rnd):
    n, slots, scores, ch = lattice
    first = decode(n, slots, scores, ch)
    pairs = list(zip(slots, scores, strict=True))
    rnd.shuffle(pairs)
    again = decode(n, [p[0] for p in pairs], [p[1] for p in pairs], ch)
    assert [(c.slot.start, c.slot.end, c.candidate.text) for c in again] == [
        (c.slot.start, c.slot.end, c.candidate.text) for c in first
    ]


def test_restoring_twice_gives_the_same_edits(tiny_table):
    text = " ".join(SPUN)
    a = Restorer(RestorerConfig(default_table=False), table=tiny_table).restore_and_explain(text)
    b = Restorer(RestorerConfig(default_table=False), table=tiny_table).restore_and_explain(text)
    assert a == b
