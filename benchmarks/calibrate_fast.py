"""Calibrate the fast tier's free constants on the dev set, and keep the run that chose them.

Runs ``run_quality.py`` over a small grid of ``RestorerConfig`` options and writes every point
to ``benchmarks/results/calibration-fast.json``. The chosen point is the one with the highest
micro error reduction among those whose clean-text damage (dev originals and clean paragraphs
combined) is zero, whose neighbours on the grid are damage-free too, and which with the
optional thesaurus loaded still damages no clean text and leaves spun text no worse (see
``choose``). Damage is the first criterion on purpose: a restorer that changes clean prose is
worse than none.

Usage::

    .venv/bin/python benchmarks/calibrate_fast.py
    .venv/bin/python benchmarks/calibrate_fast.py --reuse   # choose again, same grid points
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
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
    "max_spin_rate": [0.6, 0.8, 0.95],
}
# The margin around the chosen point is required along the axes of the spin-rate estimate,
# the constants most likely to be off for a user's documents.
MARGIN_AXES = ("coverage", "spin_prior_weight", "max_spin_rate")


def run_quality(argv: list[str]) -> None:
    """Run ``run_quality.py`` in a fresh process, as a user would."""
    cmd = [sys.executable, str(BENCHMARKS / "run_quality.py"), *argv]
    subprocess.run(cmd, check=True, capture_output=True)


def with_thesaurus(options: dict[str, Any]) -> dict[str, Any]:
    """Quality with the optional thesaurus loaded too, at the same constants."""
    point = quality_point(run_quality, [], {**options, "thesaurus": True})
    return {k: point[k] for k in ("micro", "macro", "damage_combined")}


def choose(
    points: list[dict[str, Any]],
    thesaurus: Callable[[dict[str, Any]], dict[str, Any]] = with_thesaurus,
) -> dict[str, Any] | None:
    """Pick the best point that damages no clean text, nor do its neighbours or the thesaurus.

    A point on the edge of the damage-free region is one small data change away from damaging
    clean text, so it is passed over for a slightly less bold one with a margin around it.
    ``thesaurus=True`` shares these constants, and its many weak rows are where an eager
    spin-rate estimate runs away: on a clean paragraph (at ``max_spin_rate`` 0.95 and
    ``spin_prior_weight`` 20 one got 27 edits) or on spun text, which it then makes worse than
    it was (error reduction below zero). So the best candidates are run again with it, in
    order, until one neither damages clean text nor makes spun text worse; each such run takes
    a minute or two, too long for the whole grid. The runs are kept in the candidates'
    ``thesaurus`` field.
    """
    remaining = list(points)
    while remaining:
        best = choose_point(
            remaining,
            GRID,
            MARGIN_AXES,
            max_damage=0.0,
            max_neighbour_damage=0.0,
            score=lambda p: p["micro"],
        )
        if best is None:
            return None
        best["thesaurus"] = thesaurus(best["options"])
        print(json.dumps({"candidate": best["options"], "thesaurus": best["thesaurus"]}))
        if best["thesaurus"]["damage_combined"] == 0 and best["thesaurus"]["micro"] >= 0:
            return best
        remaining.remove(best)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="choose again among the points of the last run (results/calibration-fast.json) "
        "instead of measuring the grid again",
    )
    args = parser.parse_args()
    if args.reuse:
        points = json.loads(OUT.read_text())["points"]
        for point in points:
            point.pop("thesaurus", None)
    else:
        points = measure()
    if not points:
        return
    chosen = choose(points)
    write_result(
        OUT,
        {
            "benchmark": "calibration-fast",
            "date": utc_now(),
            "rule": "max micro error reduction among points with zero clean-text damage whose "
            f"neighbours along {', '.join(MARGIN_AXES)} have zero damage too, and that with the "
            "optional thesaurus damage no clean text and leave spun text no worse (checked "
            "best first)",
            "chosen": chosen,
            "points": points,
        },
    )
    print(f"chosen: {chosen}")


def measure() -> list[dict[str, Any]]:
    """Run the whole grid (without the thesaurus); empty where the dev set is absent."""
    points = []
    for options in grid_points(GRID):
        point = quality_point(run_quality, [], options)
        if not point:
            print("dev set not found; nothing calibrated", file=sys.stderr)
            return []
        points.append(point)
        print(json.dumps(point))
    return points


if __name__ == "__main__":
    main()
