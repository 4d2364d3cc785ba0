"""Calibrate the ``lm`` tier's constants on the dev set, and keep the run that chose them.

Runs ``run_quality.py --model lm`` over a grid of ``lm_*`` options and writes every point to
``benchmarks/results/calibration-lm.json``. The language model's log probabilities do not depend
on these options, so they are computed once and memoised (``CachedLM``, kept in the user cache
directory between runs); each grid point then costs about as much as a ``fast`` run.

The chosen point has the highest micro + macro error reduction among points whose clean-text
damage (dev originals and clean paragraphs together) is at most ``SAFE_DAMAGE`` per 1,000 tokens
(zero: a point that edits clean prose is not chosen, however small the damage) and whose
neighbours along the spin-rate axes stay within the issue's bound of 0.5: a point on the edge of
the damage-free region is one data change away from damaging clean text. The fast tier's
constants are not touched.

Usage::

    .venv/bin/python benchmarks/calibrate_lm.py               # the grid
    .venv/bin/python benchmarks/calibrate_lm.py --fill-only   # just compute the LM scores
    .venv/bin/python benchmarks/calibrate_lm.py --final       # quality-lm.json at the defaults
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import RESULTS, choose_point, grid_points, quality_point, utc_now, write_result

OUT = RESULTS / "calibration-lm.json"

GRID: dict[str, list[float]] = {
    "lm_weight": [0.5, 1.0],
    "lm_freq_weight": [0.0, 0.5],
    "lm_evidence_offset": [2.0, 4.0],
    "lm_coverage": [0.03, 0.04, 0.05, 0.06, 0.07, 0.1, 0.15],
    "lm_margin": [0.0, 1.0, 2.0, 3.0],
    "lm_max_spin_rate": [0.6, 0.8, 0.9, 0.95, 0.98, 0.99],
}
MARGIN_AXES = ("lm_evidence_offset", "lm_coverage", "lm_max_spin_rate")
SAFE_DAMAGE = 0.0  # the chosen point edits no clean text (the project's first rule)
MAX_DAMAGE = 0.5


def _prefix_keys(ids: Sequence[int]) -> list[bytes]:
    """Return ``keys`` where ``keys[i]`` identifies ``ids[: i + 1]``.

    The model is causal: a log probability at a position depends only on the tokens up to it,
    whatever the window around it.
    """
    keys = []
    h = b""
    for tok in ids:
        h = hashlib.blake2b(h + array("i", [tok]).tobytes(), digest_size=16).digest()
        keys.append(h)
    return keys


class CachedLM:
    """A memoising wrapper around a :class:`restorer.lm.LanguageModel`.

    Keyed by prefixes (the model is causal): the log probability of trunk token ``i`` by the
    key of ``trunk[: i + 1]``, a branch by the key of ``trunk[: fork]`` and its tokens. So a
    window that grows or shrinks when the tables change still finds what was computed before.
    Results persist in a pickle, so later runs only score what is new.
    """

    def __init__(self, model: Any, path: Path) -> None:
        self.model = model
        self.name = f"cached {model.name}"
        self.path = path
        self.tokens: dict[str, list[int]] = {}
        self.positions: dict[bytes, float] = {}
        self.branches: dict[tuple[bytes, tuple[int, ...]], float] = {}
        self.misses = 0
        self.lm_seconds = 0.0
        if path.is_file():
            with path.open("rb") as fh:
                self.tokens, self.positions, self.branches = pickle.load(fh)

    def save(self) -> None:
        """Write the memo to its pickle (atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((self.tokens, self.positions, self.branches), fh)
        tmp.replace(self.path)

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text``, memoised."""
        ids = self.tokens.get(text)
        if ids is None:
            ids = self.tokens[text] = self.model.tokenize(text)
        return ids

    def score_tree(
        self, trunk: Sequence[int], branches: Sequence[Any], wanted: Sequence[int]
    ) -> Any:
        """Score like the wrapped model, computing only what is not memoised yet."""
        from restorer.lm import TreeScores

        keys = _prefix_keys(trunk)
        want = [i for i in wanted if 1 <= i < len(trunk) and keys[i] not in self.positions]
        missing = list(
            dict.fromkeys(b for b in branches if (keys[b.fork - 1], b.tokens) not in self.branches)
        )
        if want or missing:
            self.misses += 1
            start = time.perf_counter()
            scored = self.model.score_tree(trunk, missing, want)
            self.lm_seconds += time.perf_counter() - start
            for i in want:
                self.positions[keys[i]] = scored.trunk[i]
            for b, lp in zip(missing, scored.branches, strict=True):
                self.branches[(keys[b.fork - 1], b.tokens)] = lp
            if self.misses % 50 == 0:
                self.save()
        trunk_lp = [self.positions.get(k, float("nan")) for k in keys]
        trunk_lp[0] = 0.0
        return TreeScores(trunk_lp, [self.branches[(keys[b.fork - 1], b.tokens)] for b in branches])


def install_cache() -> CachedLM:
    """Make every ``LMScorer`` of this process use one memoising model."""
    import restorer.lm_score
    from restorer.lm import cache_dir, load_model

    cached = CachedLM(load_model(), cache_dir() / "calibrate-lm-f16-scores.pkl")
    restorer.lm_score.load_model = lambda **_kw: cached  # type: ignore[assignment]
    return cached


def run_point(options: dict[str, Any], label: str = "") -> dict[str, Any]:
    """One grid point, in this process: the installed LM cache serves every point."""
    import run_quality

    return quality_point(run_quality.main, ["--model", "lm", "--label", label], options)


def choose(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Best micro + macro among safe points whose spin-rate neighbours are within bounds."""
    return choose_point(
        points,
        GRID,
        MARGIN_AXES,
        max_damage=SAFE_DAMAGE,
        max_neighbour_damage=MAX_DAMAGE,
        score=lambda p: p["micro"] + p["macro"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill-only", action="store_true", help="only compute the LM scores")
    parser.add_argument(
        "--final",
        action="store_true",
        help="run run_quality.py --model lm with the current defaults (memoised LM) and write "
        "results/quality-lm.json",
    )
    args = parser.parse_args()
    cached = install_cache()
    if args.final:
        import run_quality

        run_quality.main(
            [
                "--model",
                "lm",
                "--label",
                "lm defaults (LM scores memoised by calibrate_lm.py --final)",
                "--out",
                str(RESULTS / "quality-lm.json"),
                "--show",
                "10",
            ]
        )
        cached.save()
        return
    start = time.perf_counter()
    first = run_point({}, "fill")
    cached.save()
    print(
        f"fill: {time.perf_counter() - start:.0f}s, {cached.misses} LM calls, "
        f"{cached.lm_seconds:.0f}s in the LM: {json.dumps(first)}",
        file=sys.stderr,
    )
    if not first or args.fill_only:
        return
    points = []
    for options in grid_points(GRID):
        point = run_point(options)
        points.append(point)
        print(json.dumps(point), file=sys.stderr)
    cached.save()
    chosen = choose(points)
    write_result(
        OUT,
        {
            "benchmark": "calibration-lm",
            "date": utc_now(),
            "rule": f"max micro + macro error reduction among points with clean-text damage "
            f"<= {SAFE_DAMAGE} per 1,000 tokens whose neighbours along "
            f"{', '.join(MARGIN_AXES)} stay <= {MAX_DAMAGE}",
            "grid": GRID,
            "chosen": chosen,
            "points": points,
        },
    )
    print(f"chosen: {chosen}")


if __name__ == "__main__":
    main()
