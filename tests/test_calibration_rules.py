"""The rules the calibration scripts use to choose constants (benchmarks/, read by path)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def calibrate_fast() -> Iterator[Any]:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "calibrate_fast_under_test", BENCHMARKS / "calibrate_fast.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


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
