"""Detection evidence: doubled prepositions, phrases counted once, the calibration shift, the deny
list, and detection reading the analysis restoring already made (no second lattice)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from helpers import signature_spans

from restorer import Restorer, RestorerConfig
from restorer.candidates import Slot
from restorer.detect import (
    EVIDENCE_CALIBRATION,
    PREPOSITION_EVIDENCE,
    RISK_BANDS,
    SpinMeter,
    detect,
)
from restorer.score import FrequencyScorer, Score
from restorer.tokenize import Token

# -- doubled prepositions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        # a swap that ends in a preposition, in front of the original's own
        ("Staff should seek the advice of with their lawyer first.", True),
        ("The firm kept persevering with to grow its sales.", True),
        ("It signed deals, together with with two banks.", True),
        ("The plan is a course of to cut costs.", True),
        ("WE SPOKE OF WITH CARE.", True),
        # ordinary English
        ("Staff should consult with their lawyer first.", False),
        ("A total of at least 50 people came, armed with at least a sign.", False),
        ("The team with by far the best record won a prize of about 30 pounds.", False),
        ("It was thought of as the farthest galaxy, a distance of from 2 to 5 miles.", False),
        ("There was a lot of to-do about nothing.", False),
        ("They met with, to be fair, little success.", False),
        ("The list of\nto do items grew.", False),
    ],
)
def test_doubled_prepositions_are_evidence(empty_restorer, text, flagged):
    found = signature_spans(empty_restorer, text, "signature: doubled preposition")
    assert bool(found) == flagged
    assert all(e.evidence == pytest.approx(PREPOSITION_EVIDENCE) for e in found)
    report = detect(text, restorer=empty_restorer)
    if flagged:
        assert report.spin_score > empty_restorer.config.spin_prior
    else:
        assert report.spin_score <= empty_restorer.config.spin_prior + 1e-9


def test_doubled_preposition_inside_markup_is_not_evidence(empty_restorer):
    report = detect("Run `grep of with` to search.", restorer=empty_restorer)
    assert report.evidence == ()


# -- each phrase counts once ---------------------------------------------------------------------


def test_repeating_a_text_does_not_change_its_score(tiny_restorer):
    once = "The Related Press said the House and the agency sent extra staff."
    for text in (once, "We bought extra chairs for the hall, said the House clerk."):
        single = detect(text, restorer=tiny_restorer).spin_score
        repeated = detect(" ".join([text] * 12), restorer=tiny_restorer).spin_score
        assert repeated == pytest.approx(single)


def test_one_weak_word_repeated_counts_like_one(tiny_restorer):
    # A clean page about one subject says its word again and again ("extra" here, a weak row):
    # one reason, not many, so the page stays as low as a single use makes it.
    base = "The House said the agency met. "
    one = detect(base + "They sold extra seats.", restorer=tiny_restorer)
    many = detect(base + " ".join(["They sold extra seats."] * 15), restorer=tiny_restorer)
    assert many.spin_score == pytest.approx(one.spin_score)
    two = detect(base + "They sold extra seats to staff.", restorer=tiny_restorer)
    assert two.spin_score > one.spin_score  # a second, different phrase is new evidence


# -- the calibration shift -----------------------------------------------------------------------


def test_fast_tier_has_a_positive_shift_and_the_meter_uses_it(tiny_restorer):
    assert tiny_restorer.scorer.name == "fast"
    assert EVIDENCE_CALIBRATION["fast"] > 0
    assert SpinMeter(tiny_restorer).calibration == EVIDENCE_CALIBRATION["fast"]
    assert SpinMeter(tiny_restorer, calibration=0.25).calibration == 0.25


def test_shift_raises_the_score_of_weak_evidence_only(tiny_restorer, empty_restorer):
    meter = SpinMeter(tiny_restorer)
    meter.add(tiny_restorer.restore_segment("The report said extra staff came on Monday."))
    scores = [meter.spin_score(calibration=shift) for shift in (0.0, 1.0, 2.0)]
    assert scores[0] < scores[1] < scores[2]
    # signatures are not scorer evidence: the shift leaves them alone
    meter = SpinMeter(empty_restorer)
    meter.add(empty_restorer.restore_segment("A spokesman said a authorities account is wrong."))
    assert meter.spin_score(calibration=0.0) == pytest.approx(meter.spin_score(calibration=2.0))


def test_calibrated_evidence_is_what_the_report_shows(tiny_restorer):
    text = "The Related Press said so."
    plain = SpinMeter(tiny_restorer, calibration=0.0)
    shifted = SpinMeter(tiny_restorer, calibration=1.0)
    for meter in (plain, shifted):
        meter.add(tiny_restorer.restore_segment(text))
    (a,) = plain.report().evidence
    (b,) = shifted.report().evidence
    assert b.evidence == pytest.approx(a.evidence + 1.0)


def test_an_unmeasured_tier_gets_no_shift(tiny_table):
    class OtherScorer(FrequencyScorer):
        name = "other"

    config = RestorerConfig(default_table=False)
    r = Restorer(config, table=tiny_table, scorer=OtherScorer(config))
    assert "other" not in EVIDENCE_CALIBRATION
    assert SpinMeter(r).calibration == 0.0


# -- the deny list -------------------------------------------------------------------------------


def test_flagged_deny_phrases_are_certain_evidence(tmp_path, tiny_table):
    deny = tmp_path / "deny.txt"
    deny.write_text("purple monkey dishwasher\n", encoding="utf-8")
    r = Restorer(RestorerConfig(default_table=False, deny=(deny,)), table=tiny_table)
    text = "The House said the purple monkey dishwasher was sold on Monday."
    report = detect(text, restorer=r)
    (found,) = [e for e in report.evidence if e.source.kind == "deny list"]
    assert found.spun == "purple monkey dishwasher"
    assert not found.edited
    assert report.risk in ("medium", "high")
    plain = Restorer(RestorerConfig(default_table=False), table=tiny_table)
    assert detect(text, restorer=plain).spin_score < RISK_BANDS["low"]


# -- detection reads what restoring computed -----------------------------------------------------


class CountingScorer(FrequencyScorer):
    """The fast scorer, counting the tokens it is asked to score."""

    def __init__(self, config: RestorerConfig) -> None:
        super().__init__(config)
        self.calls = 0

    def score(self, tokens: Sequence[Token], slots: Sequence[Slot]) -> list[list[Score]]:
        self.calls += 1
        return super().score(tokens, slots)


def test_detection_scores_each_segment_no_more_often_than_restoring(tiny_table):
    config = RestorerConfig(default_table=False)
    scorer = CountingScorer(config)
    r = Restorer(config, table=tiny_table, scorer=scorer)
    text = "The Related Press mentioned the White Space had despatched extra staff."
    r.restore_and_explain(text)
    restoring = scorer.calls
    scorer.calls = 0
    detect(text, restorer=r)
    assert restoring > 0
    assert scorer.calls == restoring


def test_a_result_without_its_analysis_gives_the_same_report(tiny_restorer):
    text = "The Related Press said a authorities account had extra staff, together with with me."
    result = tiny_restorer.restore_segment(text)
    assert result.analysis is not None
    with_analysis, without = SpinMeter(tiny_restorer), SpinMeter(tiny_restorer)
    with_analysis.add(result)
    without.add(result._replace(analysis=None))
    assert without.report() == with_analysis.report()


def test_analysis_holds_the_first_pass_of_the_input(tiny_restorer):
    text = "The Related Press mentioned the White Space."
    result = tiny_restorer.restore_segment(text, offset=100)
    analysis = result.analysis
    assert analysis is not None
    assert "".join(t.text + t.ws for t in analysis.tokens) == text
    assert len(analysis.slots) == len(analysis.scores)
    spans = {" ".join(t.text for t in analysis.tokens[s.start : s.end]) for s in analysis.slots}
    assert {"Related Press", "mentioned", "White Space"} <= spans
    assert analysis.denied == ()


def test_not_english_segments_carry_no_analysis(tiny_restorer):
    text = "Der Hund schläft im Garten und die Katze sitzt auf dem Dach des Hauses."
    result = tiny_restorer.restore_segment(text)
    if result.notes:  # the language guess needs enough words to be sure
        assert result.analysis is None
        assert detect(text, restorer=tiny_restorer).evidence == ()
