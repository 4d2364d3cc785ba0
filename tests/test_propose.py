"""Proposals no table lists: the synonym graph, the model's proposer, and how they are scored.

The language model is a tiny deterministic stand-in (``helpers.BigramModel``): its "most likely
tokens" at a position are the words it knows, ranked by a bigram table written here, so each
test says exactly what the model finds likely. The synonym graph is written here too.
"""

from __future__ import annotations

import pytest
from helpers import BigramModel

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.candidates import Candidate, Slot, merge_slots
from restorer.graph import Link, SynonymGraph, phrase_forms
from restorer.lm_score import NO_EVIDENCE, LMScorer
from restorer.propose import PROPOSAL_TABLE, ModelProposer
from restorer.tokenize import tokenize

# road ~ street and road ~ way (a thesaurus would list both); clock is no synonym of road
GRAPH = {
    "road": "street|way|route",
    "street": "road|avenue",
    "way": "road|path",
    "company": "firm|corporation",
    "corporation": "company|firm",
    "firm": "company|corporation",
    "take pictures": "shoot|photograph",
    "the vote": "vote|suffrage",
    "shoot": "take pictures|fire",
}
# The stand-in finds "Street" and "clock" far likelier after "Wall" than "Road"
PREFERRED = {
    ("wall", "street"): -0.2,
    ("wall", "clock"): -0.1,
    ("wall", "way"): -5.0,
    ("street", "journal"): -0.5,
    ("road", "journal"): -8.0,
    ("clock", "journal"): -9.0,
    ("the", "corporation"): -1.0,
    ("they", "shoot"): -1.0,
}
VOCABULARY = [" Street", " clock", " way", " Journal", " corporation", " shoot", " firm"]


def model() -> BigramModel:
    return BigramModel(PREFERRED, other=-9.0, vocabulary=VOCABULARY)


def config(**options: object) -> RestorerConfig:
    base = RestorerConfig(
        default_table=False,
        model="fast",
        compose=False,
        lm_propose_top=5,
        lm_propose_max=2,
        lm_propose_min_gain=1.0,
        lm_link_prior=0.3,
        lm_propose_evidence_offset=2.0,
        spin_rate=0.5,
    )
    return base.with_options(**options)


def restorer(table: PhraseTable | None = None, **options: object) -> Restorer:
    cfg = config(**options)
    return Restorer(
        cfg,
        table=table or PhraseTable([], name="empty"),
        scorer=LMScorer(cfg, model=model()),
        graph=SynonymGraph(GRAPH),
    )


def proposals(text: str, **options: object) -> list[tuple[str, list[str]]]:
    cfg = config(**options)
    scorer = LMScorer(cfg, model=model())
    tokens = tokenize(text)
    reading = scorer.read(tokens)
    slots = ModelProposer(SynonymGraph(GRAPH), cfg).propose(tokens, reading)
    return [
        (" ".join(t.text for t in tokens[s.start : s.end]), [c.text for c in s.candidates])
        for s in slots
    ]


# -- the graph ----------------------------------------------------------------------------------


def test_links_are_direct_two_hops_or_another_form() -> None:
    graph = SynonymGraph(GRAPH)
    assert graph.link("road", "street") is Link.DIRECT
    assert graph.link("route", "road") is Link.DIRECT  # listed the other way only
    assert graph.link("way", "street") is Link.TWO_HOPS  # way ~ road ~ street
    assert graph.link("roads", "road") is Link.SAME_LEMMA
    assert graph.link("road", "clock") is None
    assert graph.link("road", "road") is None


def test_links_are_lemma_aware_for_words_and_phrases() -> None:
    graph = SynonymGraph(GRAPH)
    assert graph.link("Roads", "streets") is Link.DIRECT
    assert graph.link("taking pictures", "shooting") is Link.DIRECT
    assert "taking pictures" in graph and "companies" in graph and "clocks" not in graph
    assert "take pictures" in phrase_forms("taking pictures")


def test_table_rows_link_both_ways() -> None:
    graph = SynonymGraph()
    graph.add_rows(PhraseTable([Row("mention", ("say",), 0.5, "t")]))
    assert graph.link("mentioned", "said") is Link.DIRECT
    assert graph.link("says", "mentions") is Link.DIRECT


def test_a_link_ranks_by_its_place_in_the_thesaurus_list_and_table_rows_first() -> None:
    graph = SynonymGraph(GRAPH)
    assert [graph.rank("road", w) for w in ("street", "way", "route")] == [1, 2, 3]
    assert graph.rank("Roads", "routes") == 3  # lemma-aware
    assert graph.rank("avenue", "street") == 2  # listed the other way only: street's list
    assert graph.rank("road", "clock") is None
    graph.add_rows(PhraseTable([Row("road", ("route",), 0.5, "t")]))
    assert graph.rank("road", "route") == 1  # a swap seen in spun text


# -- the proposer -------------------------------------------------------------------------------


def test_the_linked_word_is_proposed_and_the_unrelated_likely_word_refused() -> None:
    found = dict(proposals("It fell on Wall Road today.", lm_propose_min_gain=6.0))
    # "clock" is likelier still, but no spinner turns "clock" into "Road"
    assert found == {"Road": ["street"]}


def test_only_words_enough_likelier_than_the_written_one_are_proposed() -> None:
    # after "Wall": "Street" -0.2, "way" -5, "Road" -9 (gains of 8.8 and 4 nats)
    text = "It fell on Wall Road today."
    assert proposals(text, lm_propose_min_gain=3.0) == [("Road", ["street", "way"])]
    assert proposals(text, lm_propose_min_gain=3.0, lm_propose_max=1) == [("Road", ["street"])]
    assert proposals(text, lm_propose_min_gain=6.0) == [("Road", ["street"])]
    assert proposals(text, lm_propose_min_gain=9.0) == []


def test_a_phrase_is_replaced_by_a_proposed_word() -> None:
    found = dict(proposals("They take pictures of birds."))
    assert found.get("take pictures") == ["shoot"]


def test_a_proposal_never_just_drops_or_adds_words() -> None:
    # the thesaurus links "the vote" and "vote": not a swap a spinner makes
    model_ = BigramModel({("after", "vote"): -0.5}, -9.0, [" vote", " suffrage"])
    cfg = config()
    scorer = LMScorer(cfg, model=model_)
    tokens = tokenize("Soon after the vote ended.")
    slots = ModelProposer(SynonymGraph(GRAPH), cfg).propose(tokens, scorer.read(tokens))
    assert all("vote" not in [c.text for c in s.candidates] for s in slots)


def test_nothing_is_proposed_where_the_graph_knows_no_word() -> None:
    assert proposals("It fell on Wall Clock today.") == []


def test_a_proposal_must_fit_the_written_words_inflection() -> None:
    # "seasoned" reaches "while" through its lemma (season ~ while), and the model finds
    # "while" likely there; but a spinner replacing "while" would have written "season".
    # "mentioned" for "said" keeps the past tense, and "firms" for "companies" the plural.
    graph = SynonymGraph(
        {"season": "while", "while": "season", "mention": "say", "firm": "company"}
    )
    preferred = {("they", "while"): -0.5, ("they", "said"): -0.5, ("two", "companies"): -0.5}
    stand_in = BigramModel(preferred, other=-9.0, vocabulary=[" while", " said", " companies"])
    cfg = config()
    scorer = LMScorer(cfg, model=stand_in)

    def found(text: str) -> list[list[str]]:
        tokens = tokenize(text)
        slots = ModelProposer(graph, cfg).propose(tokens, scorer.read(tokens))
        return [[c.text for c in s.candidates] for s in slots]

    assert found("They seasoned it well.") == []
    assert found("They mentioned it well.") == [["said"]]
    assert found("The two firms merged.") == [["companies"]]


def test_a_proposal_listed_lower_in_the_thesaurus_gets_a_lower_prior() -> None:
    def priors(decay: float) -> dict[str, float]:
        cfg = config(lm_propose_min_gain=3.0, lm_link_rank_decay=decay)
        tokens = tokenize("It fell on Wall Road today.")
        reading = LMScorer(cfg, model=model()).read(tokens)
        (slot,) = ModelProposer(SynonymGraph(GRAPH), cfg).propose(tokens, reading)
        return {c.text: c.row.prior for c in slot.candidates}

    assert priors(0.0) == {"street": 0.3, "way": 0.3}
    assert priors(1.0) == {"street": 0.3, "way": 0.15}  # "way" is road's 2nd listed original
    assert priors(2.0) == {"street": 0.3, "way": 0.075}
    with pytest.raises(ValueError, match="lm_link_rank_decay"):
        config(lm_link_rank_decay=-1.0)


# -- restoring with proposals --------------------------------------------------------------------


def test_a_proposal_is_restored_and_explained() -> None:
    result = restorer().restore_and_explain("It fell on Wall Road Journal pages.")
    assert result.text == "It fell on Wall Street Journal pages."
    (edit,) = result.edits
    assert (edit.spun, edit.replacement) == ("Road", "Street")
    assert edit.source.table == PROPOSAL_TABLE
    # "clock" is the model's first choice there, and not linked
    assert "thesaurus synonym" in edit.source.kind and "2nd choice" in edit.source.kind
    assert edit.score["context"] > 0


def test_the_words_after_a_proposal_can_refuse_it() -> None:
    # after "Wall" the model wants "Street", but "Street" never goes on with "crossing"
    # (-9), and "Road" does: the right context outweighs the left
    preferred = {**PREFERRED, ("road", "crossing"): -0.1}
    cfg = config()
    r = Restorer(
        cfg,
        table=PhraseTable([], name="empty"),
        scorer=LMScorer(cfg, model=BigramModel(preferred, -9.0, VOCABULARY)),
        graph=SynonymGraph(GRAPH),
    )
    assert r.restore_text("It fell on Wall Road crossing.") == "It fell on Wall Road crossing."


def test_proposals_are_not_evidence_below_the_offset() -> None:
    cfg = config(spin_rate=None, lm_propose_max=1)
    stand_in = model()
    scorer = LMScorer(cfg, model=stand_in)
    tokens = tokenize("It fell on Wall Road Journal pages.")
    reading = scorer.read(tokens)
    (slot,) = ModelProposer(SynonymGraph(GRAPH), cfg).propose(tokens, reading)
    (score,) = scorer.score(tokens, [slot], reading)[0]
    # the model's preference (context, already weighted) beyond the offset is the evidence
    assert score.evidence == pytest.approx(score.context - 2.0 + min(score.frequency, 0.0))
    (low,) = LMScorer(cfg.with_options(lm_propose_evidence_offset=50.0), model=stand_in).score(
        tokens, [slot], reading
    )[0]
    assert low.evidence == NO_EVIDENCE


def test_only_the_models_first_choices_are_evidence_of_spinning() -> None:
    cfg = config(spin_rate=None, lm_propose_max=1, lm_propose_min_gain=6.0)
    stand_in = model()
    tokens = tokenize("It fell on Wall Road Journal pages.")
    reading = LMScorer(cfg, model=stand_in).read(tokens)
    (slot,) = ModelProposer(SynonymGraph(GRAPH), cfg).propose(tokens, reading)
    (cand,) = slot.candidates
    # after "Wall" the stand-in likes "clock" best, then "Street"
    assert (cand.text, cand.rank) == ("street", 2)

    def score(top: int):
        scorer = LMScorer(cfg.with_options(lm_propose_evidence_top=top), model=stand_in)
        return scorer.score(tokens, [slot], reading)[0][0]

    counted, deep, every = score(2), score(1), score(0)
    assert counted.evidence > 0 and every.evidence == counted.evidence
    assert deep.evidence == NO_EVIDENCE
    # the choice is still weighed like any other: only the spin rate's evidence differs
    assert deep.base == counted.base


def test_proposals_are_off_with_lm_propose_false_and_in_the_fast_tier() -> None:
    text = "It fell on Wall Road Journal pages."
    assert restorer(lm_propose=False).restore_text(text) == text
    cfg = config()
    fast = Restorer(cfg, table=PhraseTable([], name="empty"), graph=SynonymGraph(GRAPH))
    assert fast.proposer is None and fast.restore_text(text) == text


def test_an_allowed_phrase_gets_no_proposal(tmp_path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("Wall Road\n", encoding="utf-8")
    text = "It fell on Wall Road Journal pages."
    assert restorer(allow=(allow,)).restore_text(text) == text


def test_config_checks_the_proposal_options() -> None:
    with pytest.raises(ValueError, match="lm_link_prior"):
        RestorerConfig(lm_link_prior=0.0)
    with pytest.raises(ValueError, match="lm_propose_evidence_top"):
        RestorerConfig(lm_propose_evidence_top=-1)
    with pytest.raises(ValueError, match="lm_two_hop_prior"):
        RestorerConfig(lm_two_hop_prior=1.0)
    with pytest.raises(ValueError, match="lm_propose_span"):
        RestorerConfig(lm_propose_span=9)


# -- merging proposers' slots --------------------------------------------------------------------


def _slot(start: int, end: int, *texts: str, table: str = "t") -> Slot:
    row = Row("x", texts, 0.5, "t", table=table)
    return Slot(start, end, tuple(Candidate(t, row, False) for t in texts))


def test_merge_adds_new_texts_to_a_shared_span_and_keeps_order() -> None:
    tokens = tokenize("a b c d")
    tables = [_slot(0, 1, "x"), _slot(2, 4, "y")]
    model_slots = [_slot(0, 1, "X", "z", table="model"), _slot(2, 3, "w", table="model")]
    merged = merge_slots(tokens, tables, model_slots)
    assert [(s.start, s.end, [c.text for c in s.candidates]) for s in merged] == [
        (0, 1, ["x", "z"]),  # "X" is the table's "x" already
        (2, 4, ["y"]),
        (2, 3, ["w"]),
    ]


# -- the spin rate of short clean text -----------------------------------------------------------


def test_one_phrase_does_not_make_a_short_clean_paragraph_spun() -> None:
    # a 25-word clean paragraph holding one phrase a spinner also writes (issue 19: "In the
    # meantime" became "Meanwhile" at an estimated spin rate of 0.99)
    rows = PhraseTable([Row("in the meantime", ("meanwhile",), 0.3, "t")])
    text = (
        "In the meantime, the council will keep the library open on Saturdays while the "
        "roof over the reading room is repaired this spring."
    )
    results = {}
    for robust in (False, True):
        cfg = RestorerConfig(
            default_table=False, model="fast", lm_propose=False, lm_spin_robust=robust
        )
        scorer = LMScorer(cfg, model=BigramModel({("the", "meanwhile"): -1.0}, -5.0))
        results[robust] = Restorer(cfg, table=rows, scorer=scorer).restore_and_explain(text)
    assert results[False].spin_rate > 0.9 and results[False].text != text  # what went wrong
    assert results[True].spin_rate < 0.03 and results[True].text == text


def test_the_fast_tier_judges_on_every_phrase_unless_asked() -> None:
    rows = PhraseTable([Row("mention", ("say",), 0.5, "t"), Row("extra", ("more",), 0.5, "t")])
    text = "Officials mentioned the extra cost."
    fast = RestorerConfig(default_table=False, model="fast")
    rates = [
        Restorer(fast.with_options(spin_robust=robust), table=rows).restore_and_explain(text)
        for robust in (False, True)
    ]
    assert rates[0].spin_rate > rates[1].spin_rate


def test_a_spun_paragraph_with_several_phrases_stays_spun() -> None:
    rows = PhraseTable(
        [
            Row("in the meantime", ("meanwhile",), 0.3, "t"),
            Row("mention", ("say",), 0.5, "t"),
            Row("Related Press", ("Associated Press",), 0.98, "t"),
            Row("forward of", ("ahead of",), 0.85, "t"),
        ]
    )
    text = "The council mentioned the vote, the Related Press reported forward of the meeting."
    cfg = RestorerConfig(default_table=False, model="fast", lm_propose=False)
    scorer = LMScorer(cfg, model=BigramModel({}, -5.0))
    result = Restorer(cfg, table=rows, scorer=scorer).restore_and_explain(text)
    assert result.spin_rate > 0.5
    restored = "The council said the vote, the Associated Press reported ahead of the meeting."
    assert result.text == restored
