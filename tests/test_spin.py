"""The detector's spin rate (``restorer.spin``) and the ``lm`` tier's rate it bounds from below.

Sentences and rows are written for these tests; the language model is the bigram stand-in
with no preferences, so the ``lm`` tier decides on its table priors and word frequencies.
"""

from __future__ import annotations

import helpers
import pytest

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.detect import SpinMeter
from restorer.lm_score import LMScorer
from restorer.spin import EVIDENCE_CALIBRATION, SpinEvidence

ROWS = [
    ("mentioned", ("said",), 0.6),
    ("company", ("agency",), 0.5),
    ("primary", ("main",), 0.5),
    ("undercover agent", ("spy",), 0.7),
    ("state", ("say",), 0.3),
]
TABLE = PhraseTable(
    [Row(s, c, p, "tests: spin", table="t", line=n) for n, (s, c, p) in enumerate(ROWS, 1)],
    name="t",
)
# spun: four swaps in eleven words, and not one original left standing
SPUN = "The primary undercover agent company mentioned the talks had stalled."
# clean: the originals stand, and no row matches
CLEAN = "The main spy agency said the talks had stalled and would say more."
# the lm tier's own estimate, made plain (every swap seen), so that the floor is what moves
BASE = RestorerConfig(default_table=False, model="fast", compose=False, lm_propose=False)


def lm_restorer(**options: object) -> Restorer:
    config = BASE.with_options(lm_coverage=1.0, **options)
    scorer = LMScorer(config, model=helpers.BigramModel({}))
    return Restorer(config, table=TABLE, scorer=scorer)


def detector_score(text: str) -> float:
    """The spin score ``restorer detect`` gives ``text`` with the fast tier and these rows."""
    fast = Restorer(BASE, table=TABLE)
    meter = SpinMeter(fast)
    meter.add(fast.restore_segment(text))
    return meter.spin_score()


def test_spin_evidence_alone_gives_the_meters_score():
    fast = Restorer(BASE, table=TABLE)
    analysis = fast.restore_segment(SPUN).analysis
    assert analysis is not None
    evidence = SpinEvidence(TABLE, BASE, EVIDENCE_CALIBRATION["fast"])
    spans = evidence.add(analysis)
    assert {s.key for s in spans} >= {"span: primary", "span: mentioned"}
    assert evidence.spin_score() == pytest.approx(detector_score(SPUN))
    # intact originals count against spinning: the clean sentence scores below the prior
    clean = SpinEvidence(TABLE, BASE, EVIDENCE_CALIBRATION["fast"])
    clean_analysis = fast.restore_segment(CLEAN).analysis
    assert clean_analysis is not None
    clean.add(clean_analysis)
    assert clean.spin_score() < BASE.spin_prior < evidence.spin_score()


def test_the_detector_lifts_a_short_spun_paragraphs_rate():
    alone = lm_restorer(lm_detector_weight=0.0).restore_segment(SPUN)
    lifted = lm_restorer(lm_detector_weight=4.0).restore_segment(SPUN)
    excess = detector_score(SPUN) - BASE.spin_prior
    assert alone.spin_rate < 4.0 * excess  # the tier's own estimate stays lower
    assert lifted.spin_rate == pytest.approx(min(4.0 * excess, BASE.lm_max_spin_rate))
    assert len(lifted.edits) > len(alone.edits)  # the swaps come back only with the floor


def test_the_detector_leaves_clean_text_at_the_tiers_own_rate():
    alone = lm_restorer(lm_detector_weight=0.0).restore_segment(CLEAN)
    lifted = lm_restorer(lm_detector_weight=4.0).restore_segment(CLEAN)
    assert detector_score(CLEAN) < BASE.spin_prior  # nothing beyond the prior to count
    assert lifted.spin_rate == alone.spin_rate
    assert lifted.restored == CLEAN


def test_the_fast_tier_has_no_floor():
    fast = Restorer(BASE.with_options(lm_detector_weight=4.0), table=TABLE)
    plain = Restorer(BASE.with_options(lm_detector_weight=0.0), table=TABLE)
    assert fast.restore_segment(SPUN).spin_rate == plain.restore_segment(SPUN).spin_rate


def test_a_negative_weight_is_refused():
    with pytest.raises(ValueError, match="lm_detector_weight"):
        RestorerConfig(lm_detector_weight=-1.0)
