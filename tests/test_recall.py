"""The candidate-recall benchmark (benchmarks/run_recall.py), on pairs written for these tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from restorer import PhraseTable, Row

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run_recall.py"


@pytest.fixture(scope="module")
def rr():
    spec = importlib.util.spec_from_file_location("run_recall", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_recall"] = module
    spec.loader.exec_module(module)
    return module


def _table(*rows):
    return PhraseTable(
        [Row(s, tuple(c.split("|")), 0.5, "test: recall", "t", n) for n, (s, c) in enumerate(rows)]
    )


def _swaps(rr, spun, original, table):
    rec = {"id": "story-01", "spun": spun, "original": original}
    return [
        (s["spun"], s["original"], s["covered"], s["kind"]) for s in rr.record_swaps(rec, table, 5)
    ]


def test_best_path_cost(rr):
    s = ["a", "x", "y", "b"]
    o = ["a", "p", "b"]
    proposals = {1: [(3, ("p",))]}
    assert rr.best_path_cost(s, o, (0, 4), (0, 3), [(0, 0)], {(4, 3)}, proposals) == 0
    # without the proposal: two spun tokens and one original token are left unexplained
    assert rr.best_path_cost(s, o, (0, 4), (0, 3), [(0, 0)], {(4, 3)}, {}) == 2
    assert rr.best_path_cost(s, o, (0, 4), (0, 3), [(0, 0)], {(4, 3)}, {}, exact=True) > 2


def test_swaps_covered_by_one_or_several_slots(rr):
    table = _table(("primary", "main"), ("undercover agent company", "spy agency"))
    got = _swaps(
        rr,
        "Its primary undercover agent company spoke.",
        "Its main spy agency spoke.",
        table,
    )
    assert got == [("primary undercover agent company", "main spy agency", True, "multi-word")]
    missing = _table(("primary", "main"))
    assert (
        _swaps(
            rr, "Its primary undercover agent company spoke.", "Its main spy agency spoke.", missing
        )[0][2]
        is False
    )


def test_a_candidate_may_reach_into_unchanged_words(rr):
    table = _table(("Home flooring", "House floor"))
    got = _swaps(rr, "On the Home flooring today.", "On the House floor today.", table)
    assert [g[2] for g in got] == [True]


def test_a_candidate_may_span_a_neighbouring_swap(rr):
    table = _table(("at the entrance traces", "on the front lines"))
    got = _swaps(
        rr, "They fought at the entrance traces.", "They fought on the front lines.", table
    )
    assert [(g[0], g[2]) for g in got] == [("at", True), ("entrance traces", True)]


def test_lemma_rows_cover_inflected_swaps(rr):
    table = _table(("mention", "say"))
    got = _swaps(rr, "Police mentioned it.", "Police said it.", table)
    assert got == [("mentioned", "said", True, "single word")]


@pytest.mark.parametrize(
    ("spun", "orig", "kind"),
    [
        (["5"], ["five"], "numbers/contractions/spelling"),
        (["is", "not"], ["is", "n't"], "numbers/contractions/spelling"),
        (["organisation"], ["organization"], "numbers/contractions/spelling"),
        (["Home"], ["House"], "proper names"),
        (["regardless", "of"], ["despite"], "function words"),
        (["or", "not"], [], "function words"),
        (["undercover", "agent"], ["spy"], "multi-word"),
        (["mentioned"], ["said"], "single word"),
    ],
)
def test_classify(rr, spun, orig, kind):
    from restorer.learn import words_of

    orig_tokens = words_of("The " + " ".join(orig) + " x")
    assert rr.classify(spun, orig, orig_tokens, 1) == kind


def _devset(tmp_path):
    # Story "a" and story "b" share the swap invoice -> bill; only story "a" has cross -> pass.
    real = [
        {
            "id": "a-story-01",
            "spun": "The invoice would cross.",
            "original": "The bill would pass.",
        },
        {"id": "a-story-02", "spun": "An invoice may cross.", "original": "A bill may pass."},
        {"id": "b-story-01", "spun": "The invoice was late.", "original": "The bill was late."},
    ]
    seed = [{"id": "c-story-01", "spun": "Home prices rose.", "original": "Home prices rose."}]
    folder = tmp_path / "devset"
    folder.mkdir()
    for name, records in (("real_pairs.jsonl", real), ("seed_pairs.jsonl", seed)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return folder


def test_main_leave_one_story_out(rr, tmp_path, capsys):
    out = tmp_path / "recall.json"
    code = rr.main(
        ["--devset", str(_devset(tmp_path)), "--out", str(out), "--sets", "learned", "--show", "5"]
    )
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    learned = result["sets"]["learned"]
    misses = {(m["spun"], m["original"]) for m in learned["misses"]}
    # "cross -> pass" occurs only in story a: rows learned from the other stories lack it
    assert ("cross", "pass") in misses
    # "invoice -> bill" in story b is covered by rows learned from story a, and vice versa
    assert ("invoice", "bill") not in misses
    assert set(learned["per_kind"]) == set(rr.KINDS)
    assert learned["swaps"] == 5  # "An invoice" -> "A bill" is one stretch
    assert "misses of 'learned'" in capsys.readouterr().out


def test_main_skips_without_a_devset(rr, tmp_path, capsys):
    assert rr.main(["--devset", str(tmp_path / "none"), "--out", str(tmp_path / "r.json")]) == 0
    assert "skipping" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_main_measures_a_thesaurus_file_given(rr, tmp_path):
    table = tmp_path / "my_thesaurus.tsv"
    table.write_text(
        "# restorer-phrases 1\ninvoice\tbill\t0.08\tthesaurus: test\n", encoding="utf-8"
    )
    out = tmp_path / "recall.json"
    code = rr.main(
        [
            *("--devset", str(_devset(tmp_path)), "--out", str(out)),
            *("--sets", "thesaurus", "--thesaurus", str(table), "--show", "0"),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    misses = {(m["spun"], m["original"]) for m in result["sets"]["thesaurus"]["misses"]}
    assert ("invoice", "bill") not in misses  # the given table's row covers it
    assert ("cross", "pass") in misses
    assert result["thesaurus_file"] == str(table)


# -- benchmarks/run_link_rank.py: proposals by their place in the thesaurus list ---------------


@pytest.fixture(scope="module")
def lr(rr):  # loads after run_recall, which it imports
    path = SCRIPT.with_name("run_link_rank.py")
    spec = importlib.util.spec_from_file_location("run_link_rank", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_link_rank_buckets_cover_every_place_once(lr):
    places = {p: lr.bucket(p) for p in range(1, 40)}
    assert [places[p] for p in (1, 5, 6, 10, 11, 20, 21, 39)] == [
        "1",
        "5",
        "6-10",
        "6-10",
        "11-20",
        "11-20",
        "21+",
        "21+",
    ]
    assert set(places.values()) == set(lr.BUCKETS)


def test_link_rank_skips_without_a_devset(lr, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert lr.main(["--devset", str(tmp_path / "none"), "--out", str(out)]) == 0
    assert "skipping" in capsys.readouterr().err
    assert not out.exists()
