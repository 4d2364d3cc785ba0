"""Calibrate the ``lm`` tier's constants on the dev set, and keep the run that chose them.

Runs ``run_quality.py --model lm --loso --documents`` over a small grid of ``lm_*`` options and
writes every point to ``benchmarks/results/calibration-lm.json``. The language model's log
probabilities do not depend on these options, so they are computed once and memoised
(``CachedLM``, kept in the user cache directory between runs); each grid point then costs about
as much as a ``fast`` run.

Constants are chosen leave one story out (``common.choose_loso``), on whole documents (each
spinner's copy of a story, its paragraphs joined: pages are what users restore): for each
story, the highest micro + macro error reduction on the *other* stories (where documents tie,
on those stories' paragraphs: constants only short texts feel cannot move a page) among points
that edit no clean text at all (dev originals, clean paragraphs, clean pages, clean
registers) and whose neighbours along the spin-rate axes stay within 0.5 per 1,000 tokens; the
story is measured at that point. The tables are held out too (``run_quality.py --loso``).
The held-out figures are the headline; the point chosen on every story is the shipped
default. The fast tier's constants are not touched.

Usage::

    .venv/bin/python benchmarks/calibrate_lm.py               # the grid
    .venv/bin/python benchmarks/calibrate_lm.py --fill-only   # just compute the LM scores
    .venv/bin/python benchmarks/calibrate_lm.py --final       # quality-lm.json at the defaults
    .venv/bin/python benchmarks/calibrate_lm.py --point lm_propose_top=50 --point ...
        # chosen points off the grid, held out, beside the defaults (calibration-lm-points.json;
        # --out PATH keeps another direction's points apart)
    .venv/bin/python benchmarks/calibrate_lm.py --grid evidence-top
        # a direction's own grid, chosen by the same rule (calibration-lm-evidence-top.json);
        # it sets no default: the main grid does
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
from common import (
    RESULTS,
    choose_loso,
    figures,
    grid_points,
    parse_options,
    quality_point,
    utc_now,
    write_result,
)

OUT = RESULTS / "calibration-lm.json"
POINTS_OUT = RESULTS / "calibration-lm-points.json"

GRID: dict[str, list[Any]] = {
    "lm_propose_evidence_offset": [3.0, 4.0],
    # 50 (the model's 50 likeliest tokens) edited clean text at every point in the round that
    # counted all of them as evidence of spinning; counting only the first 10 is safe, and
    # with the link prior falling by the thesaurus place every fold chooses 50
    # (EXTRA_GRIDS["link-rank"]; with one prior for every link, 10: "evidence-top")
    "lm_propose_top": [50],
    "lm_coverage": [0.03, 0.05],
    "lm_max_spin_rate": [0.99],
    "lm_detector_weight": [0.0, 2.0, 4.0, 6.0],
}
#: The same without the model's proposals, for comparison (not chosen from).
BASELINE_GRID: dict[str, list[Any]] = {
    "lm_propose": [False],
    "lm_detector_weight": [0.0],
    "lm_coverage": [0.03, 0.05, 0.1],
    "lm_max_spin_rate": [0.99],
}
#: Grids for a direction that has not (or not yet) earned a place in ``GRID``: each is run and
#: chosen from by the same rule, into ``calibration-lm-NAME.json``.
EXTRA_GRIDS: dict[str, dict[str, list[Any]]] = {
    # The model's 50 likeliest tokens as proposals, only its first 10 choices counted as
    # evidence of spinning (``lm_propose_evidence_top``; counting all 50 edits clean text at
    # every point of GRID).
    "evidence-top": {**GRID, "lm_propose_top": [10, 50], "lm_propose_evidence_top": [10]},
    # A direct link's prior by the proposal's place in the thesaurus's list for the word
    # written (``lm_link_rank_decay``): of the dev set's proposals, 36 % of those listed first
    # are the original, 1.3 % of those listed 11th to 20th (results/link-rank.json). With the
    # model's deeper and less preferred words let in (``lm_propose_top`` 50,
    # ``lm_propose_min_gain`` 1), for the prior to sort. The other axes at their shipped values.
    "link-rank": {
        "lm_propose_top": [10, 50],
        "lm_propose_min_gain": [1.0, 3.0],
        "lm_link_prior": [0.002, 0.02],
        "lm_link_rank_decay": [0.0, 1.0, 2.0],
    },
    # Tokens of right context read after a span only the model proposes for
    # (``lm_propose_window``; 2 since the proposals came in). Measured beside the defaults
    # (``--point``), 3 restored more paragraphs (0.286 against 0.281) and 1 less (0.277), at
    # one more or one less token per proposal. The other axes at their shipped values.
    "propose-window": {"lm_propose_window": [1, 2, 3]},
}
MARGIN_AXES = (
    "lm_propose_evidence_offset",
    "lm_coverage",
    "lm_max_spin_rate",
    "lm_detector_weight",
)
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
        # the most likely tokens after a prefix (by the prefix's key), and how many were kept
        self.top: dict[bytes, tuple[tuple[int, float], ...]] = {}
        self.pieces: dict[int, str] = {}
        self.misses = 0
        self.lm_seconds = 0.0
        if path.is_file():
            with path.open("rb") as fh:
                memo = pickle.load(fh)
            self.tokens, self.positions, self.branches = memo[:3]
            if len(memo) > 3:
                self.top, self.pieces = memo[3:]

    def save(self) -> None:
        """Write the memo to its pickle (atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            memo = (self.tokens, self.positions, self.branches, self.top, self.pieces)
            pickle.dump(memo, fh)
        tmp.replace(self.path)

    def piece(self, token: int) -> str:
        """The text of a token, memoised."""
        text = self.pieces.get(token)
        if text is None:
            text = self.pieces[token] = self.model.piece(token)
        return text

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text``, memoised."""
        ids = self.tokens.get(text)
        if ids is None:
            ids = self.tokens[text] = self.model.tokenize(text)
        return ids

    def score_tree(
        self,
        trunk: Sequence[int],
        branches: Sequence[Any],
        wanted: Sequence[int],
        top: Sequence[int] = (),
        k: int = 0,
    ) -> Any:
        """Score like the wrapped model, computing only what is not memoised yet.

        A memoised top list shorter than ``k`` was made for a smaller ``k``: it is computed
        again at ``k`` (and kept at that length), so a grid point asking for the model's 50
        likeliest tokens never gets the 10 an earlier point asked for. Each call gets ``k``.
        """
        from restorer.lm import TreeScores

        keys = _prefix_keys(trunk)
        want = [i for i in wanted if 1 <= i < len(trunk) and keys[i] not in self.positions]
        tops = [i for i in top if 1 <= i < len(trunk) and k] if k else []
        want_top = [i for i in tops if len(self.top.get(keys[i - 1], ())) < k]
        missing = list(
            dict.fromkeys(b for b in branches if (keys[b.fork - 1], b.tokens) not in self.branches)
        )
        if want or missing or want_top:
            self.misses += 1
            start = time.perf_counter()
            scored = self.model.score_tree(trunk, missing, want, want_top, k)
            self.lm_seconds += time.perf_counter() - start
            for i in want:
                self.positions[keys[i]] = scored.trunk[i]
            for b, lp in zip(missing, scored.branches, strict=True):
                self.branches[(keys[b.fork - 1], b.tokens)] = lp
            for i in want_top:
                self.top[keys[i - 1]] = scored.top[i]
            if self.misses % 50 == 0:
                self.save()
        trunk_lp = [self.positions.get(key, float("nan")) for key in keys]
        trunk_lp[0] = 0.0
        found = {i: self.top[keys[i - 1]][:k] for i in tops}
        return TreeScores(
            trunk_lp, [self.branches[(keys[b.fork - 1], b.tokens)] for b in branches], found
        )


def install_cache() -> CachedLM:
    """Make every ``LMScorer`` of this process use one memoising model."""
    import restorer.lm_score
    from restorer.lm import cache_dir, load_model

    cached = CachedLM(load_model(), cache_dir() / "calibrate-lm-f16-scores.pkl")
    restorer.lm_score.load_model = lambda **_kw: cached  # type: ignore[assignment]
    return cached


def run_point(options: dict[str, Any], label: str = "") -> dict[str, Any]:
    """One grid point, leave one story out, in this process (the LM cache serves every point).

    Paragraphs and whole documents (each spinner's copy of a story) are both measured; the
    constants are chosen on the documents, which are what users restore.
    """
    import run_quality

    argv = ["--model", "lm", "--loso", "--documents", "--label", label]
    return quality_point(run_quality.main, argv, options)


def choose(points: list[dict[str, Any]], grid: dict[str, list[Any]]) -> dict[str, Any]:
    """Constants chosen leave one story out, on documents (see :func:`common.choose_loso`)."""
    return choose_loso(
        points,
        grid,
        MARGIN_AXES,
        max_damage=SAFE_DAMAGE,
        max_neighbour_damage=MAX_DAMAGE,
        on="doc_records",
    )


def measure_points(extra: list[dict[str, Any]], out: Path = POINTS_OUT) -> None:
    """Measure the defaults and each of ``extra``, held out, and write them side by side.

    For trying a direction off the grid before it earns an axis: the figures are the
    held-out ones (tables left out per story), but comparing points and keeping the best is a
    choice made on every story; the grid's leave-one-story-out choice is what sets defaults.
    """
    cached = install_cache()
    rows = []
    for options in [{}, *extra]:
        start = time.perf_counter()
        misses = cached.misses
        point = run_point(options, "point")
        cached.save()
        if not point:
            return
        docs = point["doc_records"]
        rows.append(
            {
                "options": options,
                "paragraphs": figures(point["records"]),
                "documents": figures(docs),
                "damage_combined": point["damage_combined"],
                "clean_changed": point["changed"],
                "edit_precision": point["edit_precision"],
                "new_lm_calls": cached.misses - misses,
                "seconds": time.perf_counter() - start,
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    write_result(
        out,
        {
            "benchmark": out.stem,
            "date": utc_now(),
            "note": "held out (run_quality.py --model lm --loso --documents, memoised LM); the "
            "first point is the defaults; nothing here is chosen",
            "points": rows,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill-only", action="store_true", help="only compute the LM scores")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="choose again among the points of the last run (results/calibration-lm.json)",
    )
    parser.add_argument(
        "--final",
        action="store_true",
        help="run run_quality.py --model lm with the current defaults (memoised LM), in sample "
        "(results/quality-lm.json) and leaving one story out (results/quality-lm-loso.json)",
    )
    parser.add_argument(
        "--point",
        action="append",
        default=[],
        metavar="NAME=VALUE[,NAME=VALUE...]",
        help="measure this point (options off the grid) held out beside the defaults, and "
        "write results/calibration-lm-points.json (or --out); nothing is chosen",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="with --point or --grid: where to write, so that one direction's points do not "
        "replace another's",
    )
    parser.add_argument(
        "--grid",
        choices=sorted(EXTRA_GRIDS),
        default=None,
        help="run this direction's grid instead of the main one, into "
        "results/calibration-lm-NAME.json (the defaults are not chosen from it)",
    )
    args = parser.parse_args()
    grid = EXTRA_GRIDS[args.grid] if args.grid else GRID
    out = args.out or (RESULTS / f"calibration-lm-{args.grid}.json" if args.grid else OUT)
    if args.point:
        measure_points([parse_options(p.split(",")) for p in args.point], args.out or POINTS_OUT)
        return
    if args.reuse:
        saved = json.loads(out.read_text())
        points, baseline = saved["points"], saved.get("baseline", [])
    else:
        cached = install_cache()
        if args.final:
            import run_quality

            for loso, name in (([], "quality-lm.json"), (["--loso"], "quality-lm-loso.json")):
                label = "lm defaults (LM scores memoised by calibrate_lm.py --final)"
                argv = ["--model", "lm", "--documents", *loso, "--label", label]
                run_quality.main([*argv, "--out", str(RESULTS / name)])
                cached.save()
            return
        start = time.perf_counter()
        first = run_point({}, "fill")
        cached.save()
        print(
            f"fill: {time.perf_counter() - start:.0f}s, {cached.misses} LM calls, "
            f"{cached.lm_seconds:.0f}s in the LM",
            file=sys.stderr,
        )
        if not first or args.fill_only:
            return
        points, baseline = [], []
        for axes, into in ((grid, points), (BASELINE_GRID, baseline)):
            for options in grid_points(axes):
                point = run_point(options)
                into.append(point)
                cached.save()
                summary = {k: point[k] for k in ("options", "micro", "macro", "damage_combined")}
                print(json.dumps(summary), file=sys.stderr)
    chosen = choose(points, grid)
    base = choose_loso(
        baseline,
        BASELINE_GRID,
        MARGIN_AXES,
        max_damage=SAFE_DAMAGE,
        max_neighbour_damage=MAX_DAMAGE,
        on="doc_records",
    )
    spanned = ", ".join(axis for axis in MARGIN_AXES if axis in grid)
    write_result(
        out,
        {
            "benchmark": out.stem,
            "date": utc_now(),
            "rule": "leave one story out, on whole documents (each spinner's copy of a story): "
            "for each story, the best micro + macro error reduction on the other stories' "
            "documents (ties broken on their paragraphs) among points that edit no clean text "
            "(dev originals of the other stories, clean paragraphs and pages, clean registers) "
            f"and whose neighbours along {spanned or '(no axis of this grid)'} "
            f"stay <= {MAX_DAMAGE} per 1,000 tokens; tables are held out too "
            "(run_quality.py --loso)",
            "grid": grid,
            "loso": chosen,
            "baseline_grid": BASELINE_GRID,
            "baseline_loso": base,
            "points": points,
            "baseline": baseline,
        },
    )
    for name in ("documents_held_out", "held_out", "documents_in_sample", "in_sample"):
        fig = chosen[name]
        print(
            f"{name}: micro {fig['micro']:.3f} macro {fig['macro']:.3f} "
            f"batches 2+3 {fig['per_batch']['batches 2+3']:.3f}"
        )
    print(f"chosen (all stories): {chosen['chosen']}")


if __name__ == "__main__":
    main()
