"""The rules the calibration scripts use to choose constants (benchmarks/, read by path)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _benchmark(name: str) -> Iterator[Any]:
    """A benchmark script loaded by path, with its folder on ``sys.path`` meanwhile."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            f"{name}_under_test", BENCHMARKS / f"{name}.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def calibrate_fast() -> Iterator[Any]:
    yield from _benchmark("calibrate_fast")


def _points(
    module: Any, micro: dict[tuple[Any, ...], float], damaged: set[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    points = []
    for options in module.grid_points(module.GRID):
        key = tuple(options.values())
        points.append(
            {
                "options": options,
                "micro": micro.get(key, 0.1),
                "damage_combined": 1.0 if key in damaged else 0.0,
            }
        )
    return points


def test_the_thesaurus_check_passes_over_a_point_that_runs_away(calibrate_fast: Any) -> None:
    grid = calibrate_fast.GRID
    corner = tuple(axis[len(axis) // 2] for axis in grid.values())
    other = tuple(axis[0] for axis in grid.values())
    points = _points(calibrate_fast, {corner: 0.5, other: 0.4}, set())
    asked = []

    def thesaurus(options: dict[str, Any]) -> dict[str, Any]:
        asked.append(tuple(options.values()))
        damage = 2.0 if tuple(options.values()) == corner else 0.0
        return {"micro": 0.0, "macro": 0.0, "damage_combined": damage}

    chosen = calibrate_fast.choose(points, thesaurus)
    assert asked == [corner, other]  # best first, and only as far as needed
    assert tuple(chosen["options"].values()) == other
    assert chosen["thesaurus"]["damage_combined"] == 0.0


def test_a_point_next_to_damage_is_not_chosen(calibrate_fast: Any) -> None:
    grid = calibrate_fast.GRID
    names = list(grid)
    best = tuple(axis[1] for axis in grid.values())
    axis = calibrate_fast.MARGIN_AXES[0]
    k = names.index(axis)
    neighbour = list(best)
    neighbour[k] = grid[axis][2]
    points = _points(calibrate_fast, {best: 0.9}, {tuple(neighbour)})

    def clean(options: dict[str, Any]) -> dict[str, Any]:
        return {"micro": 0.0, "macro": 0.0, "damage_combined": 0.0}

    chosen = calibrate_fast.choose(points, clean)
    assert tuple(chosen["options"].values()) != best


def test_a_point_where_the_thesaurus_makes_spun_text_worse_is_passed_over(
    calibrate_fast: Any,
) -> None:
    grid = calibrate_fast.GRID
    bold = tuple(axis[-1] for axis in grid.values())
    calm = tuple(axis[0] for axis in grid.values())
    points = _points(calibrate_fast, {bold: 0.6, calm: 0.3}, set())

    def thesaurus(options: dict[str, Any]) -> dict[str, Any]:
        micro = -0.7 if tuple(options.values()) == bold else 0.05
        return {"micro": micro, "macro": micro, "damage_combined": 0.0}

    chosen = calibrate_fast.choose(points, thesaurus)
    assert tuple(chosen["options"].values()) == calm


@pytest.fixture(scope="module")
def common() -> Iterator[Any]:
    yield from _benchmark("common")


# A toy grid of one constant and three stories, two records each (d0 10 per record). At "bold"
# story "a" gains a lot and "b", "c" lose; at "mild" everything gains a little.
_TOY_GRID = {"k": ["mild", "bold", "wild"]}
_D1 = {
    "mild": {"a": 8, "b": 8, "c": 8},
    "bold": {"a": 0, "b": 9, "c": 9},
    "wild": {"a": 0, "b": 0, "c": 0},
}


def _toy_points(damaged: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    points = []
    for k in _TOY_GRID["k"]:
        records = [
            [f"{s}-0{n}", s, "real_pairs.jsonl", 10, _D1[k][s]] for s in "abc" for n in (1, 2)
        ]
        changed = (damaged or {}).get(k, [])
        points.append(
            {
                "options": {"k": k},
                "records": records,
                "changed": changed,
                "damage_combined": 1.0 if changed else 0.0,
            }
        )
    return points


def test_loso_chooses_each_story_on_the_others(common: Any) -> None:
    # "wild" edits clean text, so it is never chosen; "bold" wins on "a" alone, which makes it
    # the in-sample choice for the others but not when "a" is held out
    points = _toy_points({"wild": ["dev-clean-news-001"]})
    out = common.choose_loso(points, _TOY_GRID, ["k"], max_damage=0.0, max_neighbour_damage=9.0)
    assert out["chosen_by_story"] == {"a": {"k": "mild"}, "b": {"k": "bold"}, "c": {"k": "bold"}}
    # held out: a at mild (d1 8), b and c at bold (d1 9): (60 - 52) / 60
    assert out["held_out"]["micro"] == pytest.approx(8 / 60)
    assert out["chosen"] == {"k": "bold"}
    assert out["in_sample"]["micro"] == pytest.approx((60 - 36) / 60)
    assert out["held_out"]["micro"] < out["in_sample"]["micro"]


def test_loso_ignores_damage_to_the_held_out_storys_own_originals(common: Any) -> None:
    # "wild" changes one original of story "a" only: on the folds that hold "a" out that is
    # the held-out story's own text and does not count; on the others it rules "wild" out
    points = _toy_points({"wild": ["a-01"]})
    out = common.choose_loso(points, _TOY_GRID, ["k"], max_damage=0.0, max_neighbour_damage=9.0)
    assert out["chosen_by_story"]["a"] == {"k": "wild"}
    assert out["chosen_by_story"]["b"] == {"k": "bold"}


def test_loso_respects_damaged_neighbours(common: Any) -> None:
    # the neighbour of "bold" ("wild") damages clean text beyond the margin: "bold" is out too
    points = _toy_points({"wild": ["dev-clean-news-001"]})
    out = common.choose_loso(points, _TOY_GRID, ["k"], max_damage=0.0, max_neighbour_damage=0.5)
    assert set(map(str, out["chosen_by_story"].values())) == {str({"k": "mild"})}


def test_an_axis_the_grid_does_not_span_has_no_neighbours(common: Any) -> None:
    # a direction's own grid holds the spin-rate axes at their shipped values: naming them as
    # margin axes must neither crash nor find neighbours; the grid's own axis still counts
    points = _toy_points({"wild": ["dev-clean-news-001"]})
    bold = next(p for p in points if p["options"]["k"] == "bold")
    assert common.grid_neighbours(bold, points, _TOY_GRID, ["coverage"]) == []
    assert common.grid_neighbours(bold, points, _TOY_GRID, ["coverage", "k"]) != []
    out = common.choose_loso(
        points, _TOY_GRID, ["coverage", "k"], max_damage=0.0, max_neighbour_damage=0.5
    )
    assert set(map(str, out["chosen_by_story"].values())) == {str({"k": "mild"})}


def test_loso_can_choose_on_documents_and_reports_both(common: Any) -> None:
    # documents favour "mild" everywhere; paragraphs as in the toy above favour "bold" on b, c
    points = _toy_points({"wild": ["dev-clean-news-001"]})
    for point in points:
        k = point["options"]["k"]
        d1 = 5 if k == "mild" else 9
        point["doc_records"] = [[f"{s}-x-00", s, "real_pairs.jsonl", 20, d1] for s in "abc"]
    out = common.choose_loso(
        points, _TOY_GRID, ["k"], max_damage=0.0, max_neighbour_damage=9.0, on="doc_records"
    )
    assert out["chosen_on"] == "doc_records"
    assert set(map(str, out["chosen_by_story"].values())) == {str({"k": "mild"})}
    assert out["documents_held_out"]["micro"] == pytest.approx(15 / 20)
    assert out["held_out"]["micro"] == pytest.approx((60 - 48) / 60)  # paragraphs at "mild"


def test_a_tie_on_documents_is_broken_on_paragraphs(common: Any) -> None:
    # documents tie between "mild" and "bold" (a constant only short texts feel); paragraphs,
    # as in the toy above, favour "bold" on b and c, so the folds that hold out b or c take it
    points = _toy_points({"wild": ["dev-clean-news-001"]})
    for point in points:
        d1 = 9 if point["options"]["k"] == "wild" else 5
        point["doc_records"] = [[f"{s}-x-00", s, "real_pairs.jsonl", 20, d1] for s in "abc"]
    out = common.choose_loso(
        points, _TOY_GRID, ["k"], max_damage=0.0, max_neighbour_damage=9.0, on="doc_records"
    )
    assert out["chosen_by_story"] == {"a": {"k": "mild"}, "b": {"k": "bold"}, "c": {"k": "bold"}}
    assert out["chosen"] == {"k": "bold"}


@pytest.fixture(scope="module")
def run_corpus() -> Iterator[Any]:
    yield from _benchmark("run_corpus")


@pytest.mark.parametrize("share", [0.01, 0.02, 0.10, 0.50])
def test_corpus_mix_has_the_share_asked_for_and_repeats_nothing(run_corpus, share):
    clean = [f"clean {i}" for i in range(200)]
    spun = [{"spun": f"spun {i}", "original": f"original {i}"} for i in range(30)]
    docs = run_corpus.mix(clean, spun, share)
    kinds = [kind for kind, _ in docs]
    n_spun = kinds.count("spun")
    assert abs(n_spun / len(docs) - share) <= 0.01 + 1 / len(docs)
    texts = [doc if kind == "clean" else doc["spun"] for kind, doc in docs]
    assert len(set(texts)) == len(texts)  # no document twice
    assert [t for t in texts if t.startswith("clean")] == clean[: kinds.count("clean")]
    if n_spun > 1:  # spread through the mix, not bunched at one end
        where = [i for i, kind in enumerate(kinds) if kind == "spun"]
        assert where[0] < len(docs) / 2 < where[-1]


class _TopModel:
    """A stand-in model: the top list at any position is tokens 0, 1, 2, ... (k of them)."""

    name = "stand-in"

    def __init__(self) -> None:
        self.calls = 0

    def score_tree(self, trunk: Any, branches: Any, wanted: Any, top: Any = (), k: int = 0) -> Any:
        from restorer.lm import TreeScores

        self.calls += 1
        found = {i: tuple((t, -float(t)) for t in range(k)) for i in top}
        return TreeScores([0.0] * len(trunk), [0.0] * len(branches), found)


def test_the_lm_memo_never_serves_a_shorter_top_list_than_asked(tmp_path: Path) -> None:
    # a grid point asking for the model's 50 likeliest tokens must not get the 10 an earlier
    # point memoised at the same place
    for module in _benchmark("calibrate_lm"):
        model = _TopModel()
        cached = module.CachedLM(model, tmp_path / "memo.pkl")
        trunk = [5, 6, 7, 8]
        assert len(cached.score_tree(trunk, [], [], top=[2], k=2).top[2]) == 2
        assert len(cached.score_tree(trunk, [], [], top=[2], k=4).top[2]) == 4
        calls = model.calls
        assert len(cached.score_tree(trunk, [], [], top=[2], k=3).top[2]) == 3
        assert model.calls == calls  # a longer memo serves a shorter ask


def test_every_lm_grid_point_is_a_valid_configuration() -> None:
    # a misspelt axis or a value out of range would only fail an hour into a grid run
    from restorer import RestorerConfig

    for module in _benchmark("calibrate_lm"):
        grids = [module.GRID, module.BASELINE_GRID, *module.EXTRA_GRIDS.values()]
        for grid in grids:
            assert set(grid) <= set(RestorerConfig.__dataclass_fields__)
            for options in module.grid_points(grid):
                RestorerConfig(**options)
        assert set(module.MARGIN_AXES) <= set(module.GRID)


def test_a_result_with_an_infinite_option_is_strict_json(common: Any, tmp_path: Path) -> None:
    import json
    import math

    out = tmp_path / "r.json"
    common.write_result(out, {"points": [{"options": {"lm_prune_slack": math.inf}}], "x": 0.5})
    text = out.read_text(encoding="utf-8")
    assert "Infinity" not in text
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-JSON {name}"))
    assert data == {"points": [{"options": {"lm_prune_slack": "inf"}}], "x": 0.5}
    assert common.parse_value(data["points"][0]["options"]["lm_prune_slack"]) == math.inf
