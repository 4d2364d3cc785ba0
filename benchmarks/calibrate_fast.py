"""Calibrate the fast tier's free constants on the dev set, and keep the run that chose them.

Runs ``run_quality.py`` over a small grid of ``RestorerConfig`` options and writes every point
to ``benchmarks/results/calibration-fast.json``. The chosen point is the one with the highest
micro error reduction among those whose clean-text damage (dev originals and clean paragraphs
combined) is zero *and* whose neighbours on the grid are damage-free too (see ``choose``).
Damage is the first criterion on purpose: a restorer that changes clean prose is worse than
none.

Usage::

    .venv/bin/python benchmarks/calibrate_fast.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    BENCHMARKS,
    RESULTS,
    choose_point,
    grid_points,
    quality_point,
    utc_now,
    write_result,
)

OUT = RESULTS / "calibration-fast.json"

GRID = {
    "coverage": [0.5, 0.3, 0.2, 0.15, 0.1],
    "spin_prior_weight": [40.0, 20.0],
    "freq_weight": [0.8, 1.0, 1.2],
}
# The margin around the chosen point is required along the axes of the spin-rate estimate,
# the constants most likely to be off for a user's documents.
MARGIN_AXES = ("coverage", "spin_prior_weight")


def run_quality(argv: list[str]) -> None:
    """Run ``run_quality.py`` in a fresh process, as a user would."""
    cmd = [sys.executable, str(BENCHMARKS / "run_quality.py"), *argv]
    subprocess.run(cmd, check=True, capture_output=True)


def choose(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Pick the best point whose damage is zero and whose grid neighbours' damage is zero too.

    A point on the edge of the damage-free region is one small data change away from damaging
    clean text, so it is passed over for a slightly less bold one with a margin around it.
    """
    return choose_point(
        points,
        GRID,
        MARGIN_AXES,
        max_damage=0.0,
        max_neighbour_damage=0.0,
        score=lambda p: p["micro"],
    )


def main() -> None:
    points = []
    for options in grid_points(GRID):
        point = quality_point(run_quality, [], options)
        if not point:
            print("dev set not found; nothing calibrated", file=sys.stderr)
            return
        points.append(point)
        print(json.dumps(point))
    chosen = choose(points)
    write_result(
        OUT,
        {
            "benchmark": "calibration-fast",
            "date": utc_now(),
            "rule": "max micro error reduction among points with zero clean-text damage "
            f"whose neighbours along {', '.join(MARGIN_AXES)} have zero damage too",
            "chosen": chosen,
            "points": points,
        },
    )
    print(f"chosen: {chosen}")


if __name__ == "__main__":
    main()
