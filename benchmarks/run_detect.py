"""Detection benchmark: how well the spin score separates spun from clean paragraphs.

Positives are the dev set's spun paragraphs (``real_pairs.jsonl`` and ``seed_pairs.jsonl``);
negatives are their originals and ``clean_paragraphs.jsonl`` (many outlets and topics). Figures:

* AUROC of the spin score (and, for comparison, of the restorer's own spin rate), computed as
  the Mann-Whitney statistic: the chance that a random spun paragraph scores above a random clean
  one, ties counting one half;
* recall and precision at fixed low false-positive rates (1 % and 0 %): the threshold is the
  lowest score that keeps the false-positive rate at or below the target;
* the share of clean paragraphs at each risk level (target: ``none`` or ``low`` for >= 99 %),
  and the same for spun paragraphs;
* the spun paragraphs that score lowest and the clean ones that score highest (ids only).

The dev set is third-party text: it is read from its path at run time and never copied. The
result JSON holds numbers and record ids only.

Usage::

    .venv/bin/python benchmarks/run_detect.py
    .venv/bin/python benchmarks/run_detect.py --option coverage=0.6 --label "coverage 0.6"
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"
SPUN_FILES = ("real_pairs.jsonl", "seed_pairs.jsonl")
CLEAN_FILE = "clean_paragraphs.jsonl"
FPR_TARGETS = (0.01, 0.0)
SHOW = 10


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Mann-Whitney AUROC with ties counted one half, by ranks (O(n log n)).

    >>> auroc([0.9, 0.8], [0.1, 0.8])
    0.875
    """
    if not positives or not negatives:
        return None
    pooled = sorted([(v, 1) for v in positives] + [(v, 0) for v in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2.0  # ranks i+1..j share their mean
        rank_sum += mid_rank * sum(label for _v, label in pooled[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    u = rank_sum - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def at_fpr(positives: Sequence[float], negatives: Sequence[float], target: float) -> dict[str, Any]:
    """Recall and precision when "spun" means ``score > threshold`` and FPR <= ``target``.

    The threshold is the smallest negative score such that at most ``target`` of the negatives
    lie strictly above it.
    """
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(target * len(ordered) + 1e-9)
    threshold = ordered[allowed] if allowed < len(ordered) else -math.inf
    tp = sum(p > threshold for p in positives)
    fp = sum(n > threshold for n in negatives)
    return {
        "target_fpr": target,
        "threshold": threshold,
        "fpr": fp / len(negatives),
        "recall": tp / len(positives),
        "precision": tp / (tp + fp) if tp + fp else None,
        "true_positives": tp,
        "false_positives": fp,
    }


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "mean": sum(ordered) / len(ordered),
        "p10": pct(0.1),
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "max": ordered[-1],
    }


def spun_form_coverage(restorer: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Measure ``detect.SPUN_FORM_COVERAGE`` on aligned (spun, original) pairs.

    For every word of an original that the tables know as a canonical, align the pair by tokens;
    if the spinner changed it, see whether any candidate span of the spun text overlaps the
    tokens that replaced it. The share that do is how often the tables know the spinner's form
    of a word whose original they know. (A candidate need not propose the *right* original to
    count: any span there is evidence the detector sees.)
    """
    from rapidfuzz.distance import Levenshtein

    from restorer.candidates import build_lattice
    from restorer.detect import _canonical_table, _intact_spans
    from restorer.tokenize import tokenize

    canonicals = _canonical_table(restorer.table)
    known = swapped = seen = 0
    for spun, original in pairs:
        s_toks, o_toks = tokenize(spun), tokenize(original)
        ops = [
            op
            for op in Levenshtein.opcodes(
                [t.text.lower() for t in s_toks], [t.text.lower() for t in o_toks]
            )
            if op.tag != "equal"
        ]
        covered = set()
        for slot in build_lattice(s_toks, restorer.table, restorer.config.max_span_tokens):
            covered.update(range(slot.start, slot.end))
        for start, end, _weight in _intact_spans(o_toks, canonicals, restorer.config):
            known += 1
            # ops whose original side overlaps the word: the spinner changed it
            hit = [op for op in ops if op.dest_start < end and start < op.dest_end]
            if not hit:
                continue
            swapped += 1
            if any(t in covered for op in hit for t in range(op.src_start, op.src_end)):
                seen += 1
    return {
        "canonical_words_in_originals": known,
        "swapped_by_the_spinner": swapped,
        "swapped_share": swapped / known if known else None,
        "swapped_with_a_candidate_span": seen,
        "spun_form_coverage": seen / swapped if swapped else None,
    }


def parse_options(items: Sequence[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"--option wants NAME=VALUE, got {item!r}")
        try:
            options[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            options[name.strip()] = raw
    return options


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="dev set directory")
    p.add_argument("--model", default="fast", help="RestorerConfig.model (default: fast)")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--out", type=Path, help="result JSON (default: results/detect-<model>.json)")
    p.add_argument("--label", default="", help="free text saved in the result JSON")
    args = p.parse_args(argv)
    try:
        options = parse_options(args.option)
    except argparse.ArgumentTypeError as exc:
        p.error(str(exc))

    needed = [args.devset / f for f in (*SPUN_FILES, CLEAN_FILE)]
    missing = [str(x) for x in needed if not x.is_file()]
    if missing:
        print(f"run_detect: dev set not found ({', '.join(missing)}); skipping", file=sys.stderr)
        return 0

    from restorer import Restorer, RestorerConfig, __version__
    from restorer.detect import RISK_BANDS, RISK_LEVELS, SPUN_FORM_COVERAGE, detect

    config = RestorerConfig(model=args.model).with_options(**options)
    restorer = Restorer(config)
    detect("The Home Division mentioned the invoice would pass.", restorer=restorer)  # warm-up

    spun = [(r["id"], r["spun"]) for name in SPUN_FILES for r in read_jsonl(args.devset / name)]
    originals = [
        (r["id"] + ":original", r["original"])
        for name in SPUN_FILES
        for r in read_jsonl(args.devset / name)
    ]
    clean = [(r["id"], r["text"]) for r in read_jsonl(args.devset / CLEAN_FILE)]

    pairs = [
        (r["spun"], r["original"]) for name in SPUN_FILES for r in read_jsonl(args.devset / name)
    ]
    calibration = spun_form_coverage(restorer, pairs)

    started = time.perf_counter()
    results: dict[str, list[tuple[str, Any]]] = {}
    for group, items in (("spun", spun), ("originals", originals), ("clean", clean)):
        results[group] = [(rid, detect(text, restorer=restorer)) for rid, text in items]
    seconds = time.perf_counter() - started
    words = sum(rep.words for reps in results.values() for _rid, rep in reps)

    pos = [rep.spin_score for _rid, rep in results["spun"]]
    neg_items = results["originals"] + results["clean"]
    neg = [rep.spin_score for _rid, rep in neg_items]
    pos_rate = [rep.restore_spin_rate for _rid, rep in results["spun"]]
    neg_rate = [rep.restore_spin_rate for _rid, rep in neg_items]

    def risks(items: list[tuple[str, Any]]) -> dict[str, float]:
        counts = Counter(rep.risk for _rid, rep in items)
        return {level: counts[level] / len(items) for level in RISK_LEVELS}

    clean_risks = risks(neg_items)
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "restorer")
    result: dict[str, Any] = {
        "benchmark": "detect",
        "restorer_version": __version__,
        "git_commit": commit,
        "git_restorer_dirty": None if dirty is None else bool(dirty),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": args.model,
        "options": options,
        "label": args.label,
        "python": platform.python_version(),
        "machine": platform.platform(),
        "devset": str(args.devset),
        "counts": {"spun": len(pos), "clean": len(neg), **{k: len(v) for k, v in results.items()}},
        "risk_bands": dict(RISK_BANDS),
        "calibration": calibration | {"SPUN_FORM_COVERAGE": SPUN_FORM_COVERAGE},
        "spin_score": {
            "auroc": auroc(pos, neg),
            "auroc_vs_originals": auroc(pos, [r.spin_score for _i, r in results["originals"]]),
            "auroc_vs_clean_paragraphs": auroc(pos, [r.spin_score for _i, r in results["clean"]]),
            "at_fpr": [at_fpr(pos, neg, t) for t in FPR_TARGETS],
            "spun": distribution(pos),
            "clean": distribution(neg),
        },
        "restore_spin_rate": {
            "auroc": auroc(pos_rate, neg_rate),
            "at_fpr": [at_fpr(pos_rate, neg_rate, t) for t in FPR_TARGETS],
        },
        "risk": {
            "clean": clean_risks,
            "clean_none_or_low": clean_risks["none"] + clean_risks["low"],
            "spun": risks(results["spun"]),
        },
        "lowest_spun": sorted(
            ((rid, round(rep.spin_score, 4)) for rid, rep in results["spun"]), key=lambda x: x[1]
        )[:SHOW],
        "highest_clean": sorted(
            ((rid, round(rep.spin_score, 4)) for rid, rep in neg_items), key=lambda x: -x[1]
        )[:SHOW],
        "timing": {"seconds": seconds, "words": words, "words_per_s": words / seconds},
    }
    out: Path = args.out or REPO / "benchmarks" / "results" / f"detect-{args.model}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    s, rr = result["spin_score"], result["restore_spin_rate"]
    print(f"detect   model={args.model} options={options or '{}'} commit={commit}")
    print(
        f"spin score       AUROC {s['auroc']:.4f} (vs originals {s['auroc_vs_originals']:.4f}, "
        f"vs clean paragraphs {s['auroc_vs_clean_paragraphs']:.4f}); {len(pos)} spun, "
        f"{len(neg)} clean"
    )
    for fig in s["at_fpr"]:
        prec = "n/a" if fig["precision"] is None else f"{fig['precision']:.3f}"
        print(
            f"  at FPR <= {fig['target_fpr']:.2%}: threshold {fig['threshold']:.4f}, "
            f"recall {fig['recall']:.3f}, precision {prec}"
        )
    print(f"restore spin rate AUROC {rr['auroc']:.4f} (the restorer's own rate, for comparison)")
    print(
        "risk     clean: "
        + ", ".join(f"{k} {v:.1%}" for k, v in result["risk"]["clean"].items())
        + f" (none or low {result['risk']['clean_none_or_low']:.2%})"
    )
    print("risk     spun:  " + ", ".join(f"{k} {v:.1%}" for k, v in result["risk"]["spun"].items()))
    print(f"lowest spun: {result['lowest_spun'][:5]}")
    print(f"highest clean: {result['highest_clean'][:5]}")
    cal = result["calibration"]
    print(
        f"calibration: the tables know the spinner's form of {cal['spun_form_coverage']:.2f} of "
        f"the swapped words whose original they know (SPUN_FORM_COVERAGE = "
        f"{SPUN_FORM_COVERAGE}); the spinner swapped {cal['swapped_share']:.2f} of those words"
    )
    print(f"speed    {words} words in {seconds:.2f}s = {words / seconds:.0f} words/s")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
