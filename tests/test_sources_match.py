"""Finding the source of a spun text: the spin-proof fingerprint and the source index.

Every paragraph here is written for these tests (none comes from the dev set), and so is the
tiny synonym graph: the spun copy swaps about a third of its original's content words for
synonyms the graph links, as a thesaurus spinner would. Unit tests pass the graph as both the
"changeable" words and the synonyms, so they do not depend on the shipped tables; the tests of
the shipped defaults are named ``test_shipped_*``.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

import pytest

from restorer.graph import SynonymGraph
from restorer.sources import Match, SourceIndex, anchors, shingles
from restorer.sources.fingerprint import fingerprint, text_words
from restorer.sources.index import DEFAULT_THRESHOLD, aligned_share

PAIRS = [
    ("city", "town"),
    ("close", "shut"),
    ("old", "aged"),
    ("river", "stream"),
    ("find", "discover"),
    ("crack", "fracture"),
    ("beam", "girder"),
    ("say", "state"),
    ("work", "job"),
    ("take", "require"),
    ("driver", "motorist"),
    ("road", "street"),
    ("repair", "fix"),
    ("bread", "loaf"),
    ("warm", "hot"),
    ("approve", "pass"),
]


def graph_of(pairs: list[tuple[str, str]]) -> SynonymGraph:
    """A graph linking each pair both ways (as the symmetric thesaurus does)."""
    edges: dict[str, str] = {}
    for a, b in pairs:
        edges[a] = f"{edges[a]}|{b}" if a in edges else b
        edges[b] = f"{edges[b]}|{a}" if b in edges else a
    return SynonymGraph(edges)


GRAPH = graph_of(PAIRS)

ORIGINAL = (
    "The city council of Marlow voted on Tuesday to close the old bridge over the river for "
    "repairs. Engineers found cracks in two of the 14 steel beams last spring, and the mayor, "
    "Ellen Prout, said the work would take about six months. Drivers will have to use the "
    "ferry or a road through Hadley until the bridge opens again."
)
# twelve of its content words swapped for the graph's synonyms
SPUN = (
    "The town council of Marlow voted on Tuesday to shut the aged bridge over the stream for "
    "fixes. Engineers discovered fractures in two of the 14 steel girders last spring, and the "
    "mayor, Ellen Prout, stated the job would require about six months. Motorists will have to "
    "use the ferry or a street through Hadley until the bridge opens again."
)
UNRELATED = [
    "A new bakery opened on Main Street last week, selling bread made from grain grown on "
    "nearby farms. The owners, who moved here from Lyon, hope to hire four more bakers before "
    "the winter holidays.",
    "Scientists studying coral reefs off the coast of Belize reported that warmer water has "
    "bleached nearly half of the reef in the past decade. They plan to replant damaged areas "
    "with corals raised in tanks on shore.",
    "The school board approved a budget of 3.2 million dollars for next year, with most of the "
    "increase going to teacher salaries and to new laptops for students in the upper grades.",
    "Our hiking club meets at the trailhead at seven every Saturday morning. Bring water, a "
    "warm jacket and sturdy boots, because the path along the ridge is steep and often muddy.",
]
# the same story, written independently: the same names, none of the sentences
SAME_TOPIC = (
    "Repairs to the bridge across the river in Marlow are expected to start soon. Members of "
    "the council agreed on Tuesday that the crossing had become unsafe, and people who live in "
    "Hadley have been told to plan for long detours while crews replace parts of the structure."
)
QUOTE = (
    '"A town that reads together is a town that stays together, and this building belongs to '
    'every one of you."'
)
QUOTED_AT_OPENING = (
    f"At the opening of the new library on Friday, the mayor told the crowd: {QUOTE} The "
    "library cost 4 million dollars and took two years to build."
)
QUOTED_BY_CRITICS = (
    "Critics of the spending were not moved by the speech. The mayor insisted that the library "
    f'was worth its price. {QUOTE[:-2]}," she said, but several members of the council argued '
    "that the money should have gone to roads and schools instead, and they plan to vote "
    "against the next budget."
)


def tiny_index(**options: Any) -> SourceIndex:
    return SourceIndex(changeable=GRAPH, synonyms=GRAPH, **options)


@pytest.fixture
def index() -> SourceIndex:
    idx = tiny_index()
    for i, text in enumerate(UNRELATED):
        idx.add(f"other-{i}", text)
    idx.add("bridge", ORIGINAL)
    idx.add("library", QUOTED_AT_OPENING)
    return idx


# ---------------------------------------------------------------------------- fingerprint


def test_anchors_keep_numbers_names_unchangeable_and_function_words() -> None:
    words = anchors("Engineers found cracks in 14 beams, Ellen Prout said.", GRAPH)
    # "found" (lemma find), "cracks" (crack), "beams" (beam) and "said" (say) a row can change
    assert words == ["engineers", "in", "14", "ellen", "prout"]


def test_strict_anchors_drop_changeable_function_words() -> None:
    changeable = frozenset({"in", "said"})
    assert anchors("It was in May, she said.", changeable) == ["it", "was", "in", "may", "she"]
    assert anchors("It was in May, she said.", changeable, keep=frozenset()) == [
        "it",
        "was",
        "may",
        "she",
    ]


def test_changeable_names_are_anchors_only_on_request() -> None:
    changeable = frozenset({"house", "home"})
    text = "The House voted. House prices rose."
    assert "house" not in anchors(text, changeable)
    # a name inside a sentence is kept; "House" starting the second sentence is no name
    assert anchors(text, changeable, changeable_names=True).count("house") == 1


def test_spun_copy_keeps_its_anchors() -> None:
    assert anchors(SPUN, GRAPH) == anchors(ORIGINAL, GRAPH)


def test_shingles_are_ordered_and_stable_across_processes() -> None:
    here = sorted(shingles(["the", "cat", "sat"], 2))
    assert here == [12751395925395047360, 17813160964275894658]
    code = "from restorer.sources import shingles;print(sorted(shingles(['the', 'cat', 'sat'], 2)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert out.stdout.strip() == str(here)
    assert shingles(["cat", "the"], 2) != shingles(["the", "cat"], 2)
    with pytest.raises(ValueError, match="at least 1"):
        shingles(["a"], 0)


def test_fingerprint_of_empty_text() -> None:
    fp = fingerprint("", GRAPH)
    assert (fp.anchors, fp.shingles, fp.word_count) == ((), frozenset(), 0)
    assert fingerprint(" \n— ...", GRAPH).word_count == 0


# ---------------------------------------------------------------------------- verification


def test_aligned_share_counts_synonyms_in_order() -> None:
    assert aligned_share(text_words(SPUN), text_words(ORIGINAL), GRAPH) == 1.0
    # without the graph's links only the untouched words are found
    bare = aligned_share(text_words(SPUN), text_words(ORIGINAL), SynonymGraph({}))
    assert 0.6 < bare < 0.85
    # order matters: the same words backwards are mostly not in order
    backwards = list(reversed(text_words(ORIGINAL)))
    assert aligned_share(text_words(SPUN), backwards, GRAPH) < 0.3


def test_aligned_share_follows_a_link_listed_one_way_only() -> None:
    one_way = SynonymGraph({"mention": "say"})  # the thesaurus lists at most 30 per phrase
    assert aligned_share(["she", "mentioned", "it"], ["she", "said", "it"], one_way) == 1.0
    assert aligned_share(["she", "said", "it"], ["she", "mentioned", "it"], one_way) == 1.0
    assert aligned_share(["she", "said", "it"], ["she", "wrote", "it"], one_way) == 2 / 3


def test_aligned_share_finds_a_paragraph_inside_a_long_reference() -> None:
    long_reference = text_words(" ".join([*UNRELATED[:2], ORIGINAL, *UNRELATED[2:]]))
    assert aligned_share(text_words(SPUN), long_reference, GRAPH) == 1.0
    assert aligned_share([], long_reference, GRAPH) == 0.0
    assert aligned_share(text_words(SPUN), [], GRAPH) == 0.0


# ---------------------------------------------------------------------------- the index


def test_spun_copy_finds_its_original(index: SourceIndex) -> None:
    found = index.query(SPUN)
    assert found is not None
    assert found.id == "bridge"
    assert found.score >= 0.95
    # the unrelated paragraphs were candidates at most, far below the original
    others = [m for m in index.matches(SPUN) if m.id != "bridge"]
    assert all(m.score < DEFAULT_THRESHOLD for m in others)


def test_unrelated_and_same_topic_paragraphs_do_not_match(index: SourceIndex) -> None:
    unrelated = (
        "Volunteers collected more than 200 bags of litter from the beaches of Seacombe on "
        "Sunday, and the organisers hope to make the clean-up a monthly event next summer."
    )
    assert index.query(unrelated) is None
    assert index.query(SAME_TOPIC) is None
    # it shares the story's names, so it is a candidate: verification is what rejects it
    best = index.matches(SAME_TOPIC)
    assert best and best[0].id == "bridge"
    assert best[0].score < DEFAULT_THRESHOLD


def test_a_shared_quotation_alone_is_no_match(index: SourceIndex) -> None:
    assert index.query(QUOTED_BY_CRITICS) is None
    score = index.score(QUOTED_BY_CRITICS, "library")
    assert 0.3 < score < DEFAULT_THRESHOLD  # the quotation is found, the rest is not


def test_each_reference_matches_itself_and_exclude_leaves_it_out(index: SourceIndex) -> None:
    for ref_id in index.ids():
        assert index.query(index.text(ref_id)) == Match(ref_id, 1.0)
        other = index.query(index.text(ref_id), exclude={ref_id})
        assert other is None


def test_paragraph_matches_the_longer_document_holding_it() -> None:
    idx = tiny_index()
    idx.add("digest", "\n\n".join([*UNRELATED[:2], ORIGINAL, *UNRELATED[2:]]))
    idx.add("bakery", UNRELATED[0])
    assert len(fingerprint(idx.text("digest"), GRAPH).anchors) > 2 * 32  # several windows
    found = idx.query(SPUN)
    assert found is not None
    assert found.id == "digest"
    assert found.score >= 0.95


def test_empty_and_short_input_never_match_nor_crash(index: SourceIndex) -> None:
    for text in ["", "   ", "\n\n", "— … —", "Marlow", "The city council of Marlow voted."]:
        assert index.query(text) is None
        assert index.matches(text) == []
    empty = tiny_index()
    assert empty.query(SPUN) is None
    empty.add("blank", "")
    empty.add("dash", " — ")
    assert empty.query(SPUN) is None
    assert empty.score(SPUN, "blank") == 0.0


def test_ids_round_trip() -> None:
    records = [("b-2", ORIGINAL), ("a-1", UNRELATED[0]), ("ç/3 id", UNRELATED[1])]
    idx = SourceIndex.from_records(records, changeable=GRAPH, synonyms=GRAPH)
    assert idx.ids() == ["b-2", "a-1", "ç/3 id"]
    assert len(idx) == 3
    assert "a-1" in idx
    assert "zz" not in idx
    for ref_id, text in records:
        assert idx.text(ref_id) == text
    with pytest.raises(KeyError):
        idx.text("zz")
    with pytest.raises(ValueError, match="already"):
        idx.add("a-1", "another text")
    assert idx.text("a-1") == UNRELATED[0]


def test_index_pickles_for_worker_processes(index: SourceIndex) -> None:
    copy = pickle.loads(pickle.dumps(index))
    assert copy.ids() == index.ids()
    assert copy.query(SPUN) == index.query(SPUN)


def test_threshold_is_checked_and_can_be_overridden(index: SourceIndex) -> None:
    with pytest.raises(ValueError, match="threshold"):
        tiny_index(threshold=1.5)
    assert index.query(SAME_TOPIC, threshold=0.0) is not None
    assert tiny_index(threshold=1.0).threshold == 1.0


def _invented(n: int, salt: str) -> list[str]:
    """``n`` distinct invented words (no dictionary or graph knows them)."""
    syllables = ["ka", "lo", "mi", "nu", "pe", "ro", "su", "ti", "va", "zo"]
    return [
        salt + syllables[i % 10] + syllables[i // 10 % 10] + syllables[i // 100] for i in range(n)
    ]


def test_a_long_text_needs_a_lower_score_than_a_paragraph() -> None:
    from restorer.sources.index import LONG_THRESHOLD, LONG_WORDS, default_threshold

    words = _invented(LONG_WORDS + 40, "bo")
    # every third word is another one: two thirds of the words are found in order
    copy = [w if i % 3 else f"qe{w}" for i, w in enumerate(words)]
    idx = tiny_index()
    idx.add("long", " ".join(words))
    idx.add("short", " ".join(words[:60]))
    long_copy, short_copy = " ".join(copy), " ".join(copy[:60])
    assert LONG_THRESHOLD < idx.score(long_copy, "long") < DEFAULT_THRESHOLD
    assert LONG_THRESHOLD < idx.score(short_copy, "short") < DEFAULT_THRESHOLD
    assert default_threshold(len(text_words(long_copy))) == LONG_THRESHOLD
    found = idx.query(long_copy)
    assert found is not None and found.id == "long"
    assert idx.query(short_copy) is None  # a paragraph needs DEFAULT_THRESHOLD
    # an explicit threshold holds at every length
    assert idx.query(long_copy, threshold=DEFAULT_THRESHOLD) is None
    assert tiny_index(threshold=DEFAULT_THRESHOLD).needs(LONG_WORDS * 2) == DEFAULT_THRESHOLD


# ---------------------------------------------------------------------------- shipped data


def test_shipped_graph_links_a_spun_copy_to_its_original() -> None:
    idx = SourceIndex()
    for i, text in enumerate(UNRELATED):
        idx.add(f"other-{i}", text)
    idx.add("bridge", ORIGINAL)
    found = idx.query(SPUN)
    assert found is not None
    assert found.id == "bridge"
    assert idx.query(SAME_TOPIC) is None
