"""Restoring a spun text from its source: :func:`restorer.sources.restore.restore_from_source`.

The sentences here are written for these tests (not taken from the dev set). The synonym graph
is a small one written here too, so no test depends on the shipped tables or thesaurus: a
capitalised word the graph does not know is a proper name (see the module's rules).
"""

from __future__ import annotations

import pytest

from restorer.edits import Edit, apply_edits
from restorer.graph import SynonymGraph
from restorer.learn import align_swaps, words_of
from restorer.sources.restore import Difference, SourceRestoration, restore_from_source

#: Thesaurus pairs, linked both ways (as the shipped thesaurus is).
PAIRS = [
    ("city", "metropolis"),
    ("say", "mention"),
    ("new", "brand new"),
    ("official", "officer"),
    ("expect", "anticipate"),
    ("traffic", "visitors"),
    ("during", "throughout"),
    ("first", "primary"),
    ("storm", "tempest"),
    ("people", "individuals"),
    ("power", "energy"),
    ("company", "firm"),
    ("employee", "staff"),
    ("truth", "reality"),
    ("social", "community"),
    ("senator", "legislator"),
    ("smith", "blacksmith"),
    ("house", "home"),
    ("space", "area"),
    ("white", "pale"),
    ("year", "12 months"),
    ("bridge", "span"),
    ("should", "ought to"),
    ("handle", "deal with"),
    ("home", "residence"),
]


def _graph() -> SynonymGraph:
    edges: dict[str, str] = {}
    for a, b in PAIRS:
        edges[a] = f"{edges[a]}|{b}" if a in edges else b
        edges[b] = f"{edges[b]}|{a}" if b in edges else a
    return SynonymGraph(edges)


GRAPH = _graph()

SOURCE = (
    "The city council said on Monday that the new bridge will open in spring. "
    "Officials expect heavy traffic during the first weeks."
)
SPUN = (
    "The metropolis council mentioned on Monday that the brand new bridge will open in spring. "
    "Officers anticipate heavy visitors throughout the primary weeks."
)


def restore(spun: str, source: str, source_id: str = "src-1", **kw: object) -> SourceRestoration:
    return restore_from_source(spun, source, source_id, graph=GRAPH, **kw)  # type: ignore[arg-type]


def reasons(result: SourceRestoration) -> list[tuple[str, str, str]]:
    return [(d.spun, d.source, d.reason) for d in result.differences]


def test_a_spun_paragraph_is_restored_exactly():
    result = restore(SPUN, SOURCE)
    assert result.text == SOURCE
    assert result.differences == []
    pairs = [(e.spun, e.replacement) for e in result.edits]
    assert ("metropolis", "city") in pairs
    assert ("primary", "first") in pairs
    assert 0.0 < result.coverage < 1.0


def test_edits_replay_and_survive_json():
    result = restore(SPUN, SOURCE)
    assert apply_edits(SPUN, result.edits) == result.text
    again = [Edit.from_json(e.to_json()) for e in result.edits]
    assert again == result.edits
    assert apply_edits(SPUN, again) == SOURCE


def test_edits_name_the_source_and_where_its_wording_lies():
    result = restore(SPUN, SOURCE, "story-42")
    assert result.edits
    for edit in result.edits:
        assert edit.source.table == "source"
        assert edit.source.row == f"{edit.spun} -> {edit.replacement}"
        kind, ident, where = edit.source.kind.split(" ")
        assert (kind, ident) == ("source", "story-42")
        start, end = map(int, where.strip("[]").split(":"))
        assert SOURCE[start:end] == edit.replacement
        assert SPUN[edit.start : edit.end] == edit.spun


def test_without_a_source_id_the_kind_still_gives_the_offsets():
    result = restore_from_source("The firm mentioned it.", "The company said it.", graph=GRAPH)
    assert [e.source.kind for e in result.edits] == ["source [4:16]"]


def test_an_added_sentence_is_kept_and_reported():
    extra = " Readers can find more of our stories on this site every day."
    spun = SPUN.replace(" Officers", extra + " Officers")
    result = restore(spun, SOURCE)
    assert result.text == SOURCE.replace(" Officials", extra + " Officials")
    (diff,) = result.differences
    assert diff.reason == "added"
    assert diff.spun == extra.strip()
    assert diff.source == ""
    assert spun[diff.start : diff.end] == diff.spun


def test_a_sentence_the_copy_dropped_is_reported_not_put_back():
    result = restore(SPUN.split(". ")[0] + ".", SOURCE)
    assert result.text == SOURCE.split(". ")[0] + "."
    assert [d.reason for d in result.differences] == ["dropped"]
    assert "Officials expect heavy traffic" in result.differences[0].source


def test_a_dateline_the_copy_added_is_kept():
    spun = "LONDON (Wire) — " + SPUN
    result = restore(spun, SOURCE)
    assert result.text == "LONDON (Wire) — " + SOURCE
    assert [d.reason for d in result.differences] == ["added"]


def test_a_changed_number_is_kept_and_reported():
    source = "The storm left 12 people without power."
    spun = "The tempest left 15 individuals without energy."
    result = restore(spun, source)
    assert result.text == "The storm left 15 people without power."
    assert reasons(result) == [("15", "12", "number")]


def test_a_number_written_another_way_is_restored():
    source = "Five officials said the storm lasted a year."
    spun = "5 officers mentioned the tempest lasted a 12 months."
    assert restore(spun, source).text == source


def test_a_roman_numeral_written_in_digits_is_restored():
    source = "The law dates from World War II and the city council kept it."
    spun = "The law dates from World War 2 and the metropolis council kept it."
    assert restore(spun, source).text == source
    updated = restore("The law dates from World War 1 and the council kept it.", source)
    assert [d.reason for d in updated.differences] == ["number"]


def test_swapped_words_beside_an_updated_number_are_still_restored():
    source = "The company said 10 employees left."
    spun = "The firm mentioned 12 staff left."
    result = restore(spun, source)
    assert result.text == "The company said 12 employees left."
    assert reasons(result) == [("12", "10", "number")]


def test_identical_texts_make_no_edit():
    result = restore(SOURCE, SOURCE)
    assert result == SourceRestoration(SOURCE, [], [], 1.0)


@pytest.mark.parametrize(
    ("spun", "source", "reason"),
    [("", "", None), ("", "Some words here.", "dropped"), ("Some words here.", "", "added")],
)
def test_empty_inputs(spun, source, reason):
    result = restore(spun, source)
    assert result.text == spun
    assert result.edits == []
    assert [d.reason for d in result.differences] == ([reason] if reason else [])


def test_curly_and_straight_quotes_are_not_spinning():
    source = 'He said "it is done" and left.'
    spun = "He said \u201cit is done\u201d and left."
    result = restore(spun, source)
    assert result.text == spun
    assert result.edits == []
    assert result.differences == []


def test_a_no_break_space_is_not_spinning():
    result = restore("It cost 5\u00a0dollars.", "It cost 5 dollars.")
    assert result.edits == []


def test_punctuation_and_spacing_are_left_and_reported():
    result = restore("The U.S. council met.", "The US council met.")
    assert result.edits == []
    assert reasons(result) == [("U.S.", "US", "punctuation")]


@pytest.mark.parametrize(
    ("spun", "restored"),
    [
        ("The {city council met on Monday.", "The city council met on Monday."),
        ("The city council} met on Monday.", "The city council met on Monday."),
        ("The metropolis|city council met.", "The city council met."),
        ("The with out {delay council met.", "The without delay council met."),
    ],
)
def test_spintax_debris_is_taken_out(spun, restored):
    source = restored
    result = restore(spun, source)
    assert result.text == restored
    assert result.differences == []


def test_an_apostrophe_a_spinner_stripped_is_put_back():
    result = restore(
        "The agencys budget and the stations crew.", "The agency's budget and the station’s crew."
    )
    assert result.text == "The agency's budget and the station’s crew."


def test_an_apostrophe_only_the_spun_side_has_is_left():
    result = restore("The agency's budget grew.", "The agencys budget grew.")
    assert result.edits == []
    assert [d.reason for d in result.differences] == ["punctuation"]


def test_case_only_differences_are_left_and_reported():
    result = restore("the city council met.", "The City council met.")
    assert result.edits == []
    assert [(d.spun, d.source, d.reason) for d in result.differences] == [
        ("the city", "The City", "case")
    ]


def test_a_contraction_is_replaced_as_whole_words():
    result = restore("It is late, she mentioned.", "It\u2019s late, she said.")
    assert result.text == "It\u2019s late, she said."
    assert [e.spun for e in result.edits] == ["It is", "mentioned"]


def test_a_word_the_spinner_added_is_taken_out_with_a_neighbour():
    result = restore("She asked whether or not it mattered.", "She asked whether it mattered.")
    assert result.text == "She asked whether it mattered."
    (edit,) = result.edits
    assert (edit.spun, edit.replacement) == ("whether or not", "whether")


def test_the_spun_texts_whitespace_is_kept():
    spun = "The  metropolis\ncouncil   mentioned it."
    result = restore(spun, "The city council said it.")
    assert result.text == "The  city\ncouncil   said it."


def test_a_name_the_thesaurus_could_have_spun_is_restored():
    result = restore("She posted on Reality Social again.", "She posted on Truth Social again.")
    assert result.text == "She posted on Truth Social again."


def test_a_different_name_is_left():
    # "Smith" is a word the thesaurus knows, "Jones" is not: a proper name, another person
    result = restore("They met Legislator Jones today.", "They met Senator Smith today.")
    assert result.text == "They met Senator Jones today."
    assert reasons(result) == [("Jones", "Smith", "name")]


def test_names_both_known_but_not_linked_are_left():
    result = restore("The Home voted.", "The Space voted.")
    assert result.edits == []
    assert reasons(result) == [("Home", "Space", "name")]


def test_a_short_addition_holding_a_proper_name_is_left():
    result = restore("The bridge of Acme will open.", "The bridge will open.")
    assert result.text == "The bridge of Acme will open."
    assert reasons(result) == [("of Acme", "", "added")]


def test_a_long_rewrite_is_left():
    source = "Officials said the new plan would cut the costs sharply, a report says."
    spun = (
        "Officers mentioned the proposal is widely expected to greatly reduce overall "
        "spending over several years, a report says."
    )
    result = restore(spun, source)
    assert [d.reason for d in result.differences] == ["long rewrite"]
    assert result.text.startswith("Officials said the ")
    assert result.text.endswith("years, a report says.")


def test_a_chain_of_linked_swaps_longer_than_max_tokens_is_restored():
    # seven words for five, but each piece a swap the graph links: spinning, not a rewrite
    source = "Officials should handle storm traffic."
    assert restore("Officers ought to deal with tempest visitors.", source).text == source


def test_a_chain_with_a_piece_the_graph_does_not_link_is_a_long_rewrite():
    spun = "Officers ought to deal with bad weather visitors."
    result = restore(spun, "Officials should handle storm traffic.")
    assert result.text == spun
    assert [d.reason for d in result.differences] == ["long rewrite"]


def test_words_a_spinner_moved_are_put_back_in_the_sources_order():
    source = "Across the whole city, officials expect heavy traffic on the bridge."
    spun = "Officials expect heavy traffic on the bridge across the whole metropolis."
    result = restore(spun, source)
    assert result.text == source
    assert result.differences == []
    # both ends of the move say so: one takes the copy's words out, the other puts them back
    assert [e.source.kind.endswith("(moved)") for e in result.edits] == [True, True]


def test_an_edit_that_is_no_move_does_not_say_moved():
    result = restore(SPUN, SOURCE)
    assert result.edits and not any("moved" in e.source.kind for e in result.edits)


def test_two_stretches_that_traded_places_are_put_back():
    source = "The launch is set for Tuesday, July 21, officials said."
    spun = "The launch is set for the 21st of July, Tuesday, officers mentioned."
    assert restore(spun, source).text == source
    # with another date it is an update, not a move: both stretches are left
    updated = restore(spun.replace("21st", "22nd"), source)
    assert updated.text.startswith("The launch is set for the 22nd of July, Tuesday,")
    assert [d.reason for d in updated.differences] == ["number", "number"]


def test_house_style_in_two_places_is_no_move():
    spun = "The U.S. team met the US envoy."
    result = restore(spun, "The US team met the U.S. envoy.")
    assert result.text == spun
    assert [d.reason for d in result.differences] == ["punctuation", "punctuation"]


def test_a_moved_passage_needs_the_same_content_words():
    # the copy dropped "On Monday" and added a clause of its own: nothing moved
    source = "On Monday, traffic stopped during the storm."
    spun = "Traffic stopped throughout the tempest, officers mentioned on Monday."
    result = restore(spun, source)
    assert result.text.endswith("officers mentioned on Monday.")
    assert ("", "On Monday,", "dropped") in reasons(result)


def test_a_number_and_a_half_is_the_same_number_in_digits():
    source = "The spacewalk lasted 3.5 hours."
    assert restore("The spacewalk lasted three and a half hours.", source).text == source
    updated = restore("The spacewalk lasted three and a half hours.", "It lasted 4.5 hours.")
    assert ("three and a half", "4.5", "number") in reasons(updated)


def test_a_name_two_thesaurus_hops_away_is_restored():
    # residence ~ home ~ house: the spinner's thesaurus is not the shipped one
    source = "A statement from the White House followed."
    assert restore("A statement from the White Residence followed.", source).text == source


def test_max_tokens_sets_how_long_a_swap_may_be():
    source = "She said it was quick."
    spun = "She mentioned it was one thing that happened in a very short time."
    assert restore(spun, source, max_tokens=12).text == source
    assert restore(spun, source, max_tokens=3).text.startswith("She said it was one thing")


def test_differences_serialise():
    result = restore("The storm left 15 people.", "The storm left 12 people.")
    (diff,) = result.differences
    assert diff.to_json() == {
        "start": 15,
        "end": 17,
        "spun": "15",
        "source_start": 15,
        "source_end": 17,
        "source": "12",
        "reason": "number",
    }
    assert isinstance(diff, Difference)


def test_a_long_document_is_restored_whole():
    spun = "\n\n".join([SPUN] * 300)
    source = "\n\n".join([SOURCE] * 300)
    result = restore(spun, source)
    assert result.text == source
    assert apply_edits(spun, result.edits) == source


def test_the_fast_alignment_finds_the_same_stretches_as_difflib():
    spun, source = words_of(SPUN), words_of(SOURCE)
    slow = [(s.spun, s.original) for s in align_swaps(spun, source)]
    fast = [(s.spun, s.original) for s in align_swaps(spun, source, fast=True)]
    assert fast == slow


def test_a_number_that_only_one_side_has_keeps_its_stretch_whole():
    # "12"/"a" and "months"/"year" pair up token by token, but restoring "year" alone would
    # give "12 year": the stretch is left whole
    result = restore("It took 12 months.", "It took a year.")
    assert result.text == "It took 12 months."
    assert reasons(result) == [("12 months", "a year", "number")]
