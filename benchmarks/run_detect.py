"""Detection benchmark: how well the spin score separates spun from clean paragraphs.

Positives are the dev set's spun paragraphs (every batch of pairs); negatives are their originals
and ``clean_paragraphs.jsonl`` (many outlets and topics). Figures:

* AUROC of the spin score (and, for comparison, of the restorer's own spin rate), computed as
  the Mann-Whitney statistic: the chance that a random spun paragraph scores above a random clean
  one, ties counting one half;
* the AUROC of spun paragraphs against their *own* originals, per batch (same story, same
  register: only spinning tells them apart);
* recall and precision at fixed low false-positive rates (1 % and 0 %): the threshold is the
  lowest score that keeps the false-positive rate at or below the target;
* the share of clean paragraphs at each risk level (target: ``none`` or ``low`` for >= 99 %),
  and the same for spun paragraphs;
* the same on whole documents: each clean page's paragraphs joined, and each spinner's copy of
  a story joined (a long document is where repeated words pile up);
* calibration: ``SPUN_FORM_COVERAGE`` measured on the aligned pairs, and the detection shift of
  the scorer's evidence (``EVIDENCE_CALIBRATION``) fitted by maximum likelihood of "this span is
  a real swap" (spans of spun paragraphs labelled by aligning them with their originals; every
  span of a clean paragraph is not a swap), with the AUROC it gives in-sample and
  leave-one-story-out: each story's paragraphs (spun and originals), with a share of the clean
  pages, are scored with the shift fitted on everything else;
* which signatures fire (broken articles, doubled prepositions), in spun and clean text;
* the spun paragraphs that score lowest and the clean ones that score highest (ids only).

The dev set is third-party text: it is read from its path at run time and never copied. The
result JSON holds numbers and record ids only.

Usage::

    .venv/bin/python benchmarks/run_detect.py
    .venv/bin/python benchmarks/run_detect.py --option coverage=0.6 --label "coverage 0.6"
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    BATCHES,
    CLEAN_FILE,
    DEFAULT_DEVSET,
    RESULTS,
    SPUN_FILES,
    TUNED_FILES,
    UNSEEN_FILES,
    WARM_UP,
    StoryTables,
    devset_missing,
    parse_options,
    read_jsonl,
    run_metadata,
    story_of,
    write_result,
)

FPR_TARGETS = (0.01, 0.0)
#: The cascade gate's operating points (issue 20): the share of look-alikes (a spun text's own
#: original, or any clean document) let through to the lm tier.
GATE_FPR = (0.02, 0.05)
SHOW = 10
#: Shifts tried when fitting the detection calibration (nats).
SHIFTS = tuple(i / 8 for i in range(0, 25))


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


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Doc:
    """One scored paragraph: its meter (to score at any shift) and its labelled lattice spans."""

    def __init__(self, rid: str, label: int, fold: str, meter: Any, spans: list[Any]) -> None:
        self.rid = rid
        self.label = label
        self.fold = fold
        self.meter = meter
        # (scorer evidence, share of a span, is a real swap) for every token a span covers
        self.spans = spans
        self._scores: dict[float, float] = {}

    def score(self, shift: float) -> float:
        """The spin score at a calibration ``shift`` (memoised)."""
        if shift not in self._scores:
            self._scores[shift] = self.meter.spin_score(calibration=shift)
        return self._scores[shift]


def measure(restorer: Any, text: str, original: str | None) -> tuple[Any, list[Any]]:
    """Return the meter of ``text`` and its lattice spans labelled against ``original``.

    A token of ``text`` counts as swapped where the token alignment with ``original`` (lower
    case) does not keep it; without an original nothing is swapped. Each token is labelled once,
    with the strongest lattice span covering it, weighted by one over that span's length.
    """
    from rapidfuzz.distance import Levenshtein

    from restorer.detect import SpinMeter
    from restorer.tokenize import split_segments, tokenize

    meter = SpinMeter(restorer)
    best: dict[int, tuple[float, int]] = {}  # character offset of a token -> (evidence, length)
    for offset, segment in split_segments(text, restorer.config.max_segment_chars):
        result = restorer.restore_segment(segment, offset)
        meter.add(result)
        if result.analysis is None:
            continue
        toks = result.analysis.tokens
        for slot, scores in zip(result.analysis.slots, result.analysis.scores, strict=True):
            ev = max(s.evidence for s in scores)
            for t in range(slot.start, slot.end):
                pos = toks[t].start + offset
                if pos not in best or ev > best[pos][0]:
                    best[pos] = (ev, slot.end - slot.start)
    swapped: set[int] = set()
    if original is not None:
        s_toks, o_toks = tokenize(text), tokenize(original)
        for op in Levenshtein.opcodes(
            [t.text.lower() for t in s_toks], [t.text.lower() for t in o_toks]
        ):
            if op.tag != "equal":
                swapped.update(s_toks[i].start for i in range(op.src_start, op.src_end))
    spans = [(ev, 1.0 / length, pos in swapped) for pos, (ev, length) in best.items()]
    return meter, spans


def log_likelihood(docs: Sequence[Doc], shift: float) -> float:
    """Log-likelihood of the swap labels under the spans' posteriors at ``shift``."""
    total = 0.0
    for doc in docs:
        rho = doc.score(shift)
        ch = math.log(rho / (1.0 - rho))
        for ev, weight, swapped in doc.spans:
            p = min(max(_sigmoid(ev + shift + ch), 1e-12), 1.0 - 1e-12)
            total += weight * math.log(p if swapped else 1.0 - p)
    return total


def fit_shift(docs: Sequence[Doc]) -> float:
    """The shift of :data:`SHIFTS` with the highest likelihood (the smaller one on a tie)."""
    return max(SHIFTS, key=lambda s: (round(log_likelihood(docs, s), 6), -s))


def auroc_of(docs: Sequence[Doc], value: Callable[[Doc], float]) -> float | None:
    return auroc([value(d) for d in docs if d.label], [value(d) for d in docs if not d.label])


def calibrate(docs: Sequence[Doc], shipped: float) -> dict[str, Any]:
    """Fit the detection shift, and measure the AUROC it gives in-sample and out of story."""
    fitted = fit_shift(docs)
    folds = sorted({d.fold for d in docs})
    per_fold: dict[str, float] = {}
    held_out: dict[str, float] = {}
    for fold in folds:
        shift = fit_shift([d for d in docs if d.fold != fold])
        per_fold[fold] = shift
        held_out.update((d.rid, d.score(shift)) for d in docs if d.fold == fold)
    return {
        "method": "maximum likelihood of span swap labels; shifts "
        f"{SHIFTS[0]}..{SHIFTS[-1]} step {SHIFTS[1] - SHIFTS[0]}",
        "evidence_shift_fitted": fitted,
        "EVIDENCE_CALIBRATION": shipped,
        "labelled_spans": sum(len(d.spans) for d in docs),
        "auroc_in_sample_at_shipped_shift": auroc_of(docs, lambda d: d.score(shipped)),
        "auroc_in_sample_at_fitted_shift": auroc_of(docs, lambda d: d.score(fitted)),
        "auroc_leave_one_story_out": auroc_of(docs, lambda d: held_out[d.rid]),
        "leave_one_story_out_shifts": per_fold,
        "folds": "each story's spun paragraphs and originals; clean pages spread over the "
        "stories by a hash of their host (crc32 mod the number of stories)",
        "auroc_by_shift": {str(s): auroc_of(docs, lambda d, s=s: d.score(s)) for s in SHIFTS},
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
    from restorer.spin import _canonical_table, _intact_spans
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


def signatures(docs: Sequence[Doc]) -> dict[str, Any]:
    """How many paragraphs each signature fires in, spun and clean, and how often."""
    out: dict[str, Any] = {}
    for kind in ("article", "preposition"):
        for group, label in (("spun", 1), ("clean", 0)):
            hits = [
                sum(1 for key in d.meter.evidence._spun if key.startswith(kind + ": "))
                for d in docs
                if d.label == label
            ]
            out[f"{kind}_{group}_paragraphs"] = sum(1 for h in hits if h)
            out[f"{kind}_{group}_hits"] = sum(hits)
    return out


def documents(
    restorer: Any,
    spun: Sequence[dict[str, Any]],
    clean: Sequence[dict[str, Any]],
    held: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score whole documents: clean pages, spinners' copies of stories, and their originals.

    A copy's original is its paragraphs' originals joined: the gate's look-alike (same story,
    not spun).

    ``held`` maps a story to the restorer that never saw it (``--loso``); story documents are
    scored with it, clean pages with ``restorer``.
    """
    from restorer.detect import RISK_LEVELS, detect

    held = held or {}
    pages: defaultdict[str, list[str]] = defaultdict(list)
    for r in clean:
        pages[r["url"]].append(r["text"])
    copies: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in spun:
        variant = r["id"][-1] if r["id"][-1] in "ab" else ""
        copies[story_of(r["id"]) + variant].append(r)

    def judge(story: str, text: str) -> Any:
        return detect(text, restorer=held.get(story, restorer))

    clean_reports = [detect("\n\n".join(t), restorer=restorer) for t in pages.values()]
    spun_reports = {
        k: judge(story_of(rs[0]["id"]), "\n\n".join(r["spun"] for r in rs))
        for k, rs in copies.items()
    }
    original_reports = {
        k: judge(story_of(rs[0]["id"]), "\n\n".join(dict.fromkeys(r["original"] for r in rs)))
        for k, rs in copies.items()
    }
    clean_risk = Counter(rep.risk for rep in clean_reports)
    spun_scores = [rep.spin_score for rep in spun_reports.values()]
    own_scores = [rep.spin_score for rep in original_reports.values()]
    clean_scores = [rep.spin_score for rep in clean_reports]
    return {
        "clean_pages": len(clean_reports),
        "spun_story_copies": len(spun_reports),
        "auroc": auroc(spun_scores, clean_scores),
        "auroc_vs_own_originals": auroc(spun_scores, own_scores),
        "gate_vs_own_originals": [at_fpr(spun_scores, own_scores, t) for t in GATE_FPR],
        "gate_vs_clean_documents": [
            at_fpr(spun_scores, own_scores + clean_scores, t) for t in GATE_FPR
        ],
        "clean_page_scores": distribution(clean_scores),
        "clean_page_risk": {lvl: clean_risk[lvl] / len(clean_reports) for lvl in RISK_LEVELS},
        "spun_copy_scores": {k: round(rep.spin_score, 4) for k, rep in spun_reports.items()},
        "original_copy_scores": {k: round(r.spin_score, 4) for k, r in original_reports.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    p.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="dev set directory")
    p.add_argument("--model", default="fast", help="RestorerConfig.model (default: fast)")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--out", type=Path, help="result JSON (default: results/detect-<model>.json)")
    p.add_argument("--label", default="", help="free text saved in the result JSON")
    p.add_argument(
        "--loso",
        action="store_true",
        help="score each story's spun paragraphs and originals with tables that never saw it "
        "(common.StoryTables); the calibration figures keep the shipped tables",
    )
    args = p.parse_args(argv)
    try:
        options = parse_options(args.option)
    except argparse.ArgumentTypeError as exc:
        p.error(str(exc))
    if devset_missing("run_detect", args.devset):
        return 0

    from restorer import Restorer, RestorerConfig
    from restorer.detect import RISK_BANDS, RISK_LEVELS, SPUN_FORM_COVERAGE, detect

    config = RestorerConfig(model=args.model).with_options(**options)
    restorer = Restorer(config)
    detect(WARM_UP, restorer=restorer)

    pairs = [r for name in SPUN_FILES for r in read_jsonl(args.devset / name)]
    clean_records = read_jsonl(args.devset / CLEAN_FILE)
    calibration = spun_form_coverage(restorer, [(r["spun"], r["original"]) for r in pairs])

    stories = sorted({story_of(r["id"]) for r in pairs})

    def page_fold(url: str) -> str:
        host = url.split("/")[2] if "//" in url else url
        return stories[zlib.crc32(host.removeprefix("www.").encode()) % len(stories)]

    started = time.perf_counter()
    results: dict[str, list[tuple[str, Any]]] = {}
    held: dict[str, Any] = {}
    if args.loso:
        tuned = {r["id"] for name in TUNED_FILES for r in read_jsonl(args.devset / name)}
        tables = StoryTables(pairs, tuned)
        held_config = config.with_options(default_table=False)
        held = {story: Restorer(held_config, table=tables.table(story)) for story in stories}

    def judge(rid: str, text: str) -> Any:
        return detect(text, restorer=held.get(story_of(rid.split(":")[0]), restorer))

    for group, items in (
        ("spun", [(r["id"], r["spun"]) for r in pairs]),
        ("originals", [(r["id"] + ":original", r["original"]) for r in pairs]),
    ):
        results[group] = [(rid, judge(rid, text)) for rid, text in items]
    results["clean"] = [(r["id"], detect(r["text"], restorer=restorer)) for r in clean_records]
    seconds = time.perf_counter() - started
    words = sum(rep.words for reps in results.values() for _rid, rep in reps)

    docs = [
        Doc(r["id"], 1, story_of(r["id"]), *measure(restorer, r["spun"], r["original"]))
        for r in pairs
    ]
    docs += [
        Doc(r["id"] + ":original", 0, story_of(r["id"]), *measure(restorer, r["original"], None))
        for r in pairs
    ]
    docs += [
        Doc(r["id"], 0, page_fold(r["url"]), *measure(restorer, r["text"], None))
        for r in clean_records
    ]
    meter_shift = docs[0].meter.calibration
    fitted = calibrate(docs, meter_shift)

    pos = [rep.spin_score for _rid, rep in results["spun"]]
    neg_items = results["originals"] + results["clean"]
    neg = [rep.spin_score for _rid, rep in neg_items]
    pos_rate = [rep.restore_spin_rate for _rid, rep in results["spun"]]
    neg_rate = [rep.restore_spin_rate for _rid, rep in neg_items]

    def risks(items: list[tuple[str, Any]]) -> dict[str, float]:
        counts = Counter(rep.risk for _rid, rep in items)
        return {level: counts[level] / len(items) for level in RISK_LEVELS}

    clean_risks = risks(neg_items)
    # spun paragraphs against their own originals, per batch (same stories, same register:
    # only spinning tells them apart), by the spin score and by the restorer's own rate
    file_of = {r["id"]: name for name in SPUN_FILES for r in read_jsonl(args.devset / name)}
    own: dict[str, Any] = {}
    for name, files in {**BATCHES, "batches 2+3": UNSEEN_FILES}.items():
        keep = [i for i, (rid, _r) in enumerate(results["spun"]) if file_of[rid] in files]
        own[name] = {
            what: auroc(
                [getattr(results["spun"][i][1], what) for i in keep],
                [getattr(results["originals"][i][1], what) for i in keep],
            )
            for what in ("spin_score", "restore_spin_rate")
        }
    result: dict[str, Any] = run_metadata("detect") | {
        "model": args.model,
        "options": options,
        "label": args.label,
        "leave_one_story_out": bool(args.loso),
        "devset": str(args.devset),
        "counts": {"spun": len(pos), "clean": len(neg), **{k: len(v) for k, v in results.items()}},
        "risk_bands": dict(RISK_BANDS),
        "calibration": calibration
        | {"SPUN_FORM_COVERAGE": SPUN_FORM_COVERAGE}
        | {"evidence_shift": fitted},
        "spin_score": {
            "auroc": auroc(pos, neg),
            "auroc_vs_originals": auroc(pos, [r.spin_score for _i, r in results["originals"]]),
            "auroc_vs_clean_paragraphs": auroc(pos, [r.spin_score for _i, r in results["clean"]]),
            "auroc_vs_own_originals_by_batch": own,
            "gate_vs_own_originals": [
                at_fpr(pos, [r.spin_score for _i, r in results["originals"]], t) for t in GATE_FPR
            ],
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
        "signatures": signatures(docs),
        "documents": documents(restorer, pairs, clean_records, held),
        "lowest_spun": sorted(
            ((rid, round(rep.spin_score, 4)) for rid, rep in results["spun"]), key=lambda x: x[1]
        )[:SHOW],
        "highest_clean": sorted(
            ((rid, round(rep.spin_score, 4)) for rid, rep in neg_items), key=lambda x: -x[1]
        )[:SHOW],
        "timing": {"seconds": seconds, "words": words, "words_per_s": words / seconds},
    }
    out: Path = args.out or RESULTS / f"detect-{args.model}{'-loso' if args.loso else ''}.json"
    write_result(out, result)

    s, rr = result["spin_score"], result["restore_spin_rate"]
    print(f"detect   model={args.model} options={options or '{}'} commit={result['git_commit']}")
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
    d = result["documents"]
    gates = [
        ("paragraphs vs own originals", s["gate_vs_own_originals"]),
        ("documents vs own originals", d["gate_vs_own_originals"]),
        ("documents vs every clean document", d["gate_vs_clean_documents"]),
    ]
    for what, figs in gates:
        print(
            f"  gate, {what}: "
            + "; ".join(f"recall {f['recall']:.3f} at {f['target_fpr']:.0%} passed" for f in figs)
        )
    print(f"  documents AUROC vs own originals {d['auroc_vs_own_originals']:.4f}")
    print(f"restore spin rate AUROC {rr['auroc']:.4f} (the restorer's own rate, for comparison)")
    for name, fig in s["auroc_vs_own_originals_by_batch"].items():
        print(
            f"  vs own originals, {name:<11} spin score {fig['spin_score']:.4f}, "
            f"restore spin rate {fig['restore_spin_rate']:.4f}"
        )
    print(
        "risk     clean: "
        + ", ".join(f"{k} {v:.1%}" for k, v in result["risk"]["clean"].items())
        + f" (none or low {result['risk']['clean_none_or_low']:.2%})"
    )
    print("risk     spun:  " + ", ".join(f"{k} {v:.1%}" for k, v in result["risk"]["spun"].items()))
    print(
        f"evidence shift   fitted {fitted['evidence_shift_fitted']} (shipped {meter_shift}); "
        f"AUROC in-sample {fitted['auroc_in_sample_at_shipped_shift']:.4f}, "
        f"leave-one-story-out {fitted['auroc_leave_one_story_out']:.4f} "
        f"(fold shifts {sorted(set(fitted['leave_one_story_out_shifts'].values()))})"
    )
    sig = result["signatures"]
    print(
        f"signatures       articles in {sig['article_spun_paragraphs']} spun / "
        f"{sig['article_clean_paragraphs']} clean paragraphs; doubled prepositions in "
        f"{sig['preposition_spun_paragraphs']} spun / {sig['preposition_clean_paragraphs']} clean"
    )
    d = result["documents"]
    print(
        f"documents        AUROC {d['auroc']:.4f}; {d['clean_pages']} clean pages, max score "
        f"{d['clean_page_scores']['max']:.3f}; risk "
        + ", ".join(f"{k} {v:.1%}" for k, v in d["clean_page_risk"].items())
    )
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
