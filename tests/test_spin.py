"""The detector's spin rate (``restorer.spin``) and the ``lm`` tier's rate it bounds from below.

Sentences and rows are written for these tests; the language model is the bigram stand-in
with no preferences, so the ``lm`` tier decides on its table priors and word frequencies.
"""

from __future__ import annotations

import os
import subprocess
import sys

import helpers
import pytest

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.detect import SpinMeter
from restorer.lm_score import LMScorer
from restorer.spin import EVIDENCE_CALIBRATION, SpinEvidence
from restorer.tokenize import tokenize

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


_INTACT_CODE = """
from restorer import PhraseTable, Row, RestorerConfig
from restorer.spin import _canonical_table, _intact_spans
from restorer.tokenize import tokenize
rows = [Row("mentioned", ("said",), 0.6, "t", table="t", line=1),
        Row("state", ("say",), 0.3, "t", table="t", line=2)]
table = PhraseTable(rows, name="t")
tokens = tokenize("She said it again.")
print(_intact_spans(tokens, _canonical_table(table), RestorerConfig()))
"""


def test_an_intact_word_weighs_the_same_in_every_process() -> None:
    """``said`` is both the ``said`` original and a form of ``say``: the higher prior counts.

    Which of the two rows a lookup found first once followed the order of a set of strings,
    which Python shuffles per process (``PYTHONHASHSEED``), so the same document got a
    different spin score, and the cascade a different tier, from one run to the next.
    """
    seen = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", _INTACT_CODE], env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        seen.add(out.stdout.strip())
    assert seen == {"[(1, 2, 0.6)]"}


def test_rows_built_in_memory_match_in_the_order_of_their_phrases() -> None:
    """Rows sharing a table and a line (0) come back by phrase, not by a set's order."""
    rows = [Row(spun, ("x",), 0.5, "t", table="t") for spun in ("say", "said")]
    tokens = tokenize("said")
    for order in (rows, rows[::-1]):
        matches = PhraseTable(order, name="t").lookup(tokens, 0)
        assert [m.row.spun for m in matches] == ["said", "say"]
