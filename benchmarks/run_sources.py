"""Source matching benchmark: does a spun paragraph find the article it was spun from?

Issue 21 ("Find the original"). The reference is every distinct dev original and every clean
paragraph; the queries are:

* every spun dev paragraph (all batches): **recall@1**, the share whose match (the index's
  answer at its threshold) is the right original; an original with the same text as the right
  one counts as right. Beside it: the share whose best verified candidate is right whatever its
  score (ranking), and the share whose right original is among the verified candidates at all
  (what LSH found). Target: recall@1 >= 0.95.
* every clean paragraph, against the reference less itself: how many **match anything** at the
  threshold. Target: none.

Also reported:

* the score distributions (a spun paragraph against its own original, exactly, found or not; a
  clean paragraph against its best other candidate) and a threshold sweep, so the choice of
  ``DEFAULT_THRESHOLD`` is visible with its margin;
* **documents**: the same queries against a reference of whole documents (each story's
  distinct originals joined, each clean page's paragraphs joined): a paragraph must find the
  document it is part of, and a clean paragraph must match no *other* page;
* **anchor variants**: the candidate recall and end-to-end figures of the other anchor
  definitions (strict: no function words kept; names a row can change kept as names);
* the **baseline**: plain word 5-gram MinHash (datasketch, 128 permutations, lower-cased
  words), each query against every reference by estimated Jaccard (all pairs, so no LSH loss),
  at its best threshold (the one with the highest recall@1 and no clean match);
* wall time and queries per second.

The dev set is third-party text: it is read from its path at run time and never copied. The
result JSON holds numbers and record ids only.

Usage::

    .venv/bin/python benchmarks/run_sources.py
    .venv/bin/python benchmarks/run_sources.py --no-variants --no-baseline   # quicker
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    CLEAN_FILE,
    DEFAULT_DEVSET,
    RESULTS,
    devset_missing,
    distribution,
    normalise,
    parse_options,
    read_jsonl,
    run_metadata,
    spun_files,
    story_of,
    tokens,
    write_result,
)
from sources_restore import _d, _er, held_out_figures, held_out_graphs, restore_figures

#: Thresholds swept (the shipped default is among them).
SWEEP = tuple(round(0.5 + 0.025 * i, 3) for i in range(17))
#: Word n-gram size and permutations of the baseline.
BASELINE_N = 5
BASELINE_PERM = 128
SHOW = 10


@dataclass
class Dev:
    """The dev set as the benchmark uses it: pairs, clean paragraphs and the reference."""

    pairs: list[dict[str, Any]]
    clean: list[dict[str, Any]]
    #: reference id -> text (distinct texts: the first record with a text names it)
    reference: dict[str, str] = field(default_factory=dict)
    #: text -> reference id (an original's text -> its document, in the documents section)
    ids: dict[str, str] = field(default_factory=dict)
    #: reference id -> the words of each paragraph it holds
    parts: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    def add(self, ref_id: str, text: str, paragraphs: Sequence[str] = ()) -> None:
        """Add a reference text (a document: with its paragraphs), unless its text is in."""
        from restorer.sources.fingerprint import text_words

        if text not in self.ids:
            self.ids[text] = ref_id
            self.reference[ref_id] = text
            self.parts[ref_id] = {tuple(text_words(p)) for p in paragraphs or [text]}

    def right(self, ref_id: str, original: str) -> bool:
        """Whether ``ref_id`` is a right answer for a copy of ``original``.

        The original's own reference is, and so is any other holding a paragraph with the same
        words (quote glyphs aside: two outlets carrying the same paragraph).
        """
        from restorer.sources.fingerprint import text_words

        if ref_id == self.ids[original]:
            return True
        return tuple(text_words(original)) in self.parts.get(ref_id, set())


def load_dev(devset: Path) -> Dev:
    pairs = [{**r, "file": name} for name in spun_files(devset) for r in read_jsonl(devset / name)]
    dev = Dev(pairs, read_jsonl(devset / CLEAN_FILE))
    for r in dev.pairs:
        dev.add(f"original:{r['id']}", r["original"])
    for r in dev.clean:
        dev.add(r["id"], r["text"])
    return dev


# ---------------------------------------------------------------------------- paragraphs


def needed(threshold: float | None, text: str) -> float:
    """The score ``text`` needs to match: ``threshold``, or the index's rule by its length."""
    from restorer.sources.fingerprint import text_words
    from restorer.sources.index import default_threshold

    return threshold if threshold is not None else default_threshold(len(text_words(text)))


def spun_figures(index: Any, dev: Dev, threshold: float | None) -> dict[str, Any]:
    """Recall@1, ranking, candidate recall and own scores of the spun paragraphs."""
    rows = []
    t0 = time.perf_counter()
    for r in dev.pairs:
        right = dev.ids[r["original"]]  # for the exact own score
        found = index.matches(r["spun"])
        best = found[0] if found else None
        rows.append(
            {
                "id": r["id"],
                "need": needed(threshold, r["spun"]),
                "words": len(r["spun"].split()),
                "own": index.score(r["spun"], right),
                "best": best.score if best else 0.0,
                "ranked_first": best is not None and dev.right(best.id, r["original"]),
                "candidate": any(dev.right(m.id, r["original"]) for m in found),
            }
        )
    seconds = time.perf_counter() - t0
    n = len(rows)
    misses = [x for x in rows if not (x["ranked_first"] and x["best"] >= x["need"])]
    return {
        "queries": n,
        "recall_at_1": sum(x["ranked_first"] and x["best"] >= x["need"] for x in rows) / n,
        "ranked_first": sum(x["ranked_first"] for x in rows) / n,
        "candidate_recall": sum(x["candidate"] for x in rows) / n,
        "own_score": distribution([x["own"] for x in rows]) | low_tail([x["own"] for x in rows]),
        "misses": [
            {k: x[k] for k in ("id", "words", "own", "best", "ranked_first", "candidate")}
            for x in sorted(misses, key=lambda x: x["own"])
        ],
        "seconds": seconds,
        "queries_per_second": n / seconds if seconds else None,
        "rows": rows,
    }


def clean_figures(
    index: Any, dev: Dev, threshold: float | None, own: Callable[[str], set[str]]
) -> Any:
    """The best other score of each clean paragraph and how many match at ``threshold``.

    ``own(record_id)`` gives the reference ids a clean paragraph may match (itself; its page in
    the documents section).
    """
    rows = []
    t0 = time.perf_counter()
    for r in dev.clean:
        found = index.matches(r["text"], exclude=own(r["id"]))
        rows.append(
            {
                "id": r["id"],
                "best": found[0].score if found else 0.0,
                "with": found[0].id if found else None,
                "need": needed(threshold, r["text"]),
            }
        )
    seconds = time.perf_counter() - t0
    ranked = sorted(rows, key=lambda x: -x["best"])
    return {
        "queries": len(rows),
        "matches": sum(x["best"] >= x["need"] for x in rows),
        "best_other_score": distribution([x["best"] for x in rows])
        | high_tail([x["best"] for x in rows]),
        "highest": [{k: x[k] for k in ("id", "best", "with")} for x in ranked[:SHOW]],
        "seconds": seconds,
        "queries_per_second": len(rows) / seconds if seconds else None,
        "rows": rows,
    }


def low_tail(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p5": ordered[int(0.05 * len(ordered))],
        "p10": ordered[int(0.1 * len(ordered))],
        "min": ordered[0],
    }


def high_tail(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]}


def sweep(spun: dict[str, Any], clean: dict[str, Any]) -> list[dict[str, Any]]:
    """Recall@1 and clean matches at each threshold of ``SWEEP``."""
    n = len(spun["rows"])
    return [
        {
            "threshold": t,
            "recall_at_1": sum(x["ranked_first"] and x["best"] >= t for x in spun["rows"]) / n,
            "clean_matches": sum(x["best"] >= t for x in clean["rows"]),
        }
        for t in SWEEP
    ]


def measure(
    index: Any, dev: Dev, threshold: float | None, own: Callable[[str], set[str]]
) -> dict[str, Any]:
    """Spun and clean paragraphs at ``threshold`` (None: the index's rule by length)."""
    from restorer.sources.index import DEFAULT_THRESHOLD

    spun = spun_figures(index, dev, threshold)
    clean = clean_figures(index, dev, threshold, own)
    out = {
        "threshold": threshold if threshold is not None else "by length",
        "spun": spun,
        "clean": clean,
        "sweep": sweep(spun, clean),
    }
    safe = [p for p in out["sweep"] if p["clean_matches"] == 0]
    out["lowest_threshold_without_clean_match"] = safe[0]["threshold"] if safe else None
    paragraph = threshold if threshold is not None else DEFAULT_THRESHOLD
    out["margin_over_clean_max"] = paragraph - clean["best_other_score"]["max"]
    spun.pop("rows")
    clean.pop("rows")
    return out


def build(records: Sequence[tuple[str, str]], **options: Any) -> tuple[Any, float]:
    from restorer.sources.index import SourceIndex

    t0 = time.perf_counter()
    index = SourceIndex.from_records(records, **options)
    return index, time.perf_counter() - t0


# ---------------------------------------------------------------------------- documents


def documents(dev: Dev) -> tuple[Dev, dict[str, str]]:
    """The dev set with a reference of documents, and each clean record's page.

    Each story's distinct originals, in id order, joined as one document; each clean page's
    paragraphs joined as another.
    """
    docs: dict[str, list[str]] = {}
    for r in sorted(dev.pairs, key=lambda r: r["id"]):
        texts = docs.setdefault(f"story:{story_of(r['id'])}", [])
        if r["original"] not in texts:
            texts.append(r["original"])
    page_of: dict[str, str] = {}
    first: dict[str, str] = {}  # a page is named by its first record's id (no URLs in results)
    for r in dev.clean:
        page_of[r["id"]] = f"page:{first.setdefault(r['url'], r['id'])}"
        docs.setdefault(page_of[r["id"]], []).append(r["text"])
    out = Dev(dev.pairs, dev.clean)
    for ref_id, paragraphs in docs.items():
        out.add(ref_id, "\n\n".join(paragraphs), paragraphs)
    out.ids |= {r["original"]: f"story:{story_of(r['id'])}" for r in dev.pairs}
    return out, page_of


def document_figures(dev: Dev, threshold: float | None, options: dict[str, Any]) -> dict[str, Any]:
    doc_dev, page_of = documents(dev)
    index, seconds = build(list(doc_dev.reference.items()), **options)
    out = measure(index, doc_dev, threshold, lambda rid: {page_of[rid]})
    out["documents"] = len(doc_dev.reference)
    out["build_seconds"] = seconds
    out["whole"] = whole_document_figures(index, doc_dev, threshold)
    return out


def whole_document_figures(index: Any, doc_dev: Dev, threshold: float | None) -> dict[str, Any]:
    """Whole documents as queries: each spinner's copy of a story, and the look-alikes.

    A spun copy must find its story; a story's original (against the *other* stories and the
    pages: another outlet's account of the same news is the nearest look-alike) and a clean
    page (against every other document) must match nothing. Scores by length show why a long
    query needs less (``restorer.sources.index.default_threshold``).
    """
    from run_quality import documents as copies

    spun = []
    for doc in copies({"all": doc_dev.pairs})["all"]:
        found = index.matches(doc["spun"])
        story = f"story:{story_of(doc['id'])}"
        spun.append(
            {
                "id": doc["id"],
                "words": len(doc["spun"].split()),
                "own": index.score(doc["spun"], story),
                "right": bool(found) and found[0].id == story,
                "best": found[0].score if found else 0.0,
                "need": needed(threshold, doc["spun"]),
            }
        )
    alike = []
    for ref_id, text in doc_dev.reference.items():
        found = index.matches(text, exclude={ref_id})
        alike.append(
            {
                "id": ref_id,
                "words": len(text.split()),
                "best": found[0].score if found else 0.0,
                "with": found[0].id if found else None,
                "need": needed(threshold, text),
            }
        )
    long_alike = [x["best"] for x in alike if x["words"] >= 100]
    return {
        "spun_copies": len(spun),
        "recall_at_1": sum(x["right"] and x["best"] >= x["need"] for x in spun) / len(spun),
        "own_score": distribution([x["own"] for x in spun]) | low_tail([x["own"] for x in spun]),
        "lowest": sorted(
            ({k: x[k] for k in ("id", "words", "own", "best", "right")} for x in spun),
            key=lambda x: x["own"],
        )[:SHOW],
        "look_alikes": len(alike),
        "look_alike_matches": sum(x["best"] >= x["need"] for x in alike),
        "look_alike_best": distribution([x["best"] for x in alike]),
        "look_alike_best_100_words_or_more": distribution(long_alike) if long_alike else None,
        "highest_look_alikes": sorted(
            ({k: x[k] for k in ("id", "words", "best", "with")} for x in alike),
            key=lambda x: -x["best"],
        )[:SHOW],
    }


# ---------------------------------------------------------------------------- variants


def variant_figures(dev: Dev, threshold: float | None, options: dict[str, Any]) -> dict[str, Any]:
    """The other anchor definitions, measured the same way (paragraph reference)."""
    variants: dict[str, dict[str, Any]] = {
        "strict: no function words kept": {"keep": frozenset()},
        "names a row can change kept": {"changeable_names": True},
        "strict, names a row can change kept": {"keep": frozenset(), "changeable_names": True},
    }
    records = list(dev.reference.items())
    out: dict[str, Any] = {}
    for name, variant in variants.items():
        index, _seconds = build(records, **(options | variant))
        out[name] = summary(measure(index, dev, threshold, own_paragraph(dev)))
        out[name]["anchors_per_spun_paragraph"] = anchors_per_paragraph(dev, **variant)
    return out


def anchors_per_paragraph(dev: Dev, **variant: Any) -> float:
    """The mean number of anchors of a spun paragraph (``keep``/``changeable_names`` as given)."""
    from restorer.sources.fingerprint import anchors

    return statistics.fmean(len(anchors(r["spun"], **variant)) for r in dev.pairs)


def own_paragraph(dev: Dev) -> Callable[[str], set[str]]:
    """A clean record's own reference id (the first record with its text)."""
    texts = {r["id"]: r["text"] for r in dev.clean}
    return lambda record_id: {dev.ids[texts[record_id]]}


def summary(fig: dict[str, Any]) -> dict[str, Any]:
    return {
        "recall_at_1": fig["spun"]["recall_at_1"],
        "ranked_first": fig["spun"]["ranked_first"],
        "candidate_recall": fig["spun"]["candidate_recall"],
        "clean_matches": fig["clean"]["matches"],
        "clean_max": fig["clean"]["best_other_score"]["max"],
    }


# ---------------------------------------------------------------------------- baseline


def baseline_figures(dev: Dev) -> dict[str, Any]:
    """Word 5-gram MinHash: every query against every reference, by estimated Jaccard."""
    import numpy as np
    from datasketch import MinHash

    from restorer.sources.fingerprint import text_words

    def sketch(text: str) -> Any:
        words = text_words(text)
        grams = {" ".join(words[i : i + BASELINE_N]) for i in range(len(words) - BASELINE_N + 1)}
        m = MinHash(num_perm=BASELINE_PERM)
        m.update_batch([g.encode("utf-8") for g in grams or {" ".join(words)}])
        return m

    ref_ids = list(dev.reference)
    matrix = np.array([sketch(dev.reference[i]).hashvalues for i in ref_ids])

    def scores(text: str) -> Any:
        return (matrix == sketch(text).hashvalues).mean(axis=1)

    t0 = time.perf_counter()
    spun = []
    for r in dev.pairs:
        s = scores(r["spun"])
        best = int(s.argmax())
        spun.append((dev.reference[ref_ids[best]] == r["original"], float(s[best])))
    clean = []
    for r in dev.clean:
        s = scores(r["text"])
        s[ref_ids.index(dev.ids[r["text"]])] = -1.0
        clean.append(float(s.max()))
    seconds = time.perf_counter() - t0
    clean_max = max(clean)
    n = len(spun)
    recall_above = sum(ok and s > clean_max for ok, s in spun) / n
    return {
        "method": f"word {BASELINE_N}-gram MinHash, {BASELINE_PERM} permutations, all pairs",
        "ranked_first": sum(ok for ok, _s in spun) / n,
        "best_threshold": "just above the clean maximum",
        "clean_max": clean_max,
        "recall_at_1_at_best_threshold": recall_above,
        "clean_matches_at_best_threshold": 0,
        "own_jaccard": distribution([s for ok, s in spun if ok]),
        "recall_at_jaccard": {
            str(t): {
                "recall_at_1": sum(ok and s >= t for ok, s in spun) / n,
                "clean_matches": sum(c >= t for c in clean),
            }
            for t in (0.05, 0.1, 0.2, 0.3, 0.5)
        },
        "seconds": seconds,
    }


# ---------------------------------------------------------------------------- main


def match_figures(dev: Dev, args: argparse.Namespace) -> dict[str, Any]:
    from restorer.sources.fingerprint import shipped_synonyms

    threshold = args.threshold  # None: the index's own rule, by the query's length
    t0 = time.perf_counter()
    shipped_synonyms()
    load_seconds = time.perf_counter() - t0
    options = parse_options(args.option)
    index, seconds = build(list(dev.reference.items()), **options)
    out = measure(index, dev, threshold, own_paragraph(dev))
    out |= {
        "options": options,
        "anchors_per_spun_paragraph": anchors_per_paragraph(dev),
        "reference": len(dev.reference),
        "graph_load_seconds": load_seconds,
        "build_seconds": seconds,
        "references_per_second": len(dev.reference) / seconds if seconds else None,
    }
    if args.documents:
        out["documents"] = document_figures(dev, threshold, options)
    if args.variants:
        out["variants"] = variant_figures(dev, threshold, options)
    if args.baseline:
        out["baseline"] = baseline_figures(dev)
    return out


def report(match: dict[str, Any]) -> None:
    spun, clean = match["spun"], match["clean"]
    print(
        f"threshold {match['threshold']}: recall@1 {spun['recall_at_1']:.3f} "
        f"(ranked first {spun['ranked_first']:.3f}, candidates {spun['candidate_recall']:.3f}); "
        f"clean matches {clean['matches']} of {clean['queries']} "
        f"(max {clean['best_other_score']['max']:.3f})"
    )
    own = spun["own_score"]
    print(f"  own score p5 {own['p5']:.3f} p10 {own['p10']:.3f} median {own['p50']:.3f}")
    print(
        f"  lowest threshold without a clean match: {match['lowest_threshold_without_clean_match']}"
    )
    for p in match["sweep"]:
        print(
            f"    {p['threshold']:.3f}: recall@1 {p['recall_at_1']:.3f}, clean {p['clean_matches']}"
        )
    qps = spun["queries_per_second"], clean["queries_per_second"]
    print(f"  queries/s {qps[0]:.1f} (spun), {qps[1]:.1f} (clean)")
    if "documents" in match:
        d = match["documents"]
        print(
            f"documents: recall@1 {d['spun']['recall_at_1']:.3f}, "
            f"clean matches {d['clean']['matches']} "
            f"(max {d['clean']['best_other_score']['max']:.3f})"
        )
        w = d["whole"]
        print(
            f"whole documents: recall@1 {w['recall_at_1']:.3f} of {w['spun_copies']} copies "
            f"(own score min {w['own_score']['min']:.3f}); look-alike matches "
            f"{w['look_alike_matches']} of {w['look_alikes']} "
            f"(max {w['look_alike_best']['max']:.3f})"
        )
    for name, fig in match.get("variants", {}).items():
        print(f"variant {name}: {fig}")
    if "baseline" in match:
        b = match["baseline"]
        print(
            f"baseline {b['method']}: ranked first {b['ranked_first']:.3f}, "
            f"recall@1 {b['recall_at_1_at_best_threshold']:.3f} "
            f"above clean max {b['clean_max']:.3f}"
        )


def _row(pair: dict[str, Any], restored: str) -> tuple[str, int, int]:
    """``(id, d0, d1)``: the pair's distance to its original before and after restoring."""
    orig = tokens(normalise(pair["original"]))
    return pair["id"], _d(pair["spun"], orig), _d(restored, orig)


def batch_reference_figures(
    dev: Dev, model: str = "auto", graph_of: Callable[[str], Any] | None = None
) -> dict[str, Any]:
    """``restorer batch --reference`` on the spun paragraphs, through the real job.

    The spun paragraphs are restored against a reference of every distinct original and every
    clean paragraph. Then the clean paragraphs are run as a corpus against the originals (not
    against themselves, where each would find itself): a clean text must come out unchanged,
    whatever look-alike the reference holds. A record without a source falls back to the
    restorer's tier (``model``: ``auto``, the command's default, is ``lm`` where installed).
    ``graph_of`` is ``sources_restore.held_out_graphs`` of ``dev.pairs`` where the caller has
    built it already.
    """
    import json
    import tempfile

    from restorer import Restorer, RestorerConfig
    from restorer.batch import run_batch
    from restorer.sources.index import SourceIndex

    def run(records: list[dict[str, Any]], reference: dict[str, str]) -> list[dict[str, Any]]:
        index = SourceIndex.from_records(reference.items())
        with tempfile.TemporaryDirectory() as tmp:
            source, out = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
            with source.open("w", encoding="utf-8") as fh:
                for r in records:
                    fh.write(json.dumps({"id": r["id"], "text": r["text"]}) + "\n")
            run_batch(source, out, restorer, mode="both", sources=index, id_field="id")
            return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    restorer = Restorer(RestorerConfig(model=model))
    started = time.perf_counter()
    spun = run([{"id": r["id"], "text": r["spun"]} for r in dev.pairs], dict(dev.reference))
    seconds = time.perf_counter() - started
    rows, sourced, right = [], 0, 0
    for pair, rec in zip(dev.pairs, spun, strict=True):
        rows.append(_row(pair, rec["text"]))
        found = rec["restorer"]["source"]
        sourced += found is not None
        right += found is not None and dev.right(found["id"], pair["original"])
    originals = {k: v for k, v in dev.reference.items() if k.startswith("original:")}
    clean = run([{"id": r["id"], "text": r["text"]} for r in dev.clean], originals)
    changed = [r["id"] for r, c in zip(clean, dev.clean, strict=True) if r["text"] != c["text"]]
    # whole documents: each spinner's copy of a story against the stories and the clean pages
    from run_quality import documents as copies

    docs = copies({"all": dev.pairs})["all"]
    doc_reference = documents(dev)[0].reference
    out_docs = run([{"id": d["id"], "text": d["spun"]} for d in docs], doc_reference)
    doc_rows = [_row(doc, rec["text"]) for doc, rec in zip(docs, out_docs, strict=True)]
    graph_of = graph_of or held_out_graphs(dev.pairs)

    def held_out(
        records: Sequence[dict[str, Any]], outs: Sequence[dict[str, Any]], reference: dict[str, str]
    ) -> dict[str, Any]:
        """The figure with each sourced record restored again, its story's graph held out.

        What the job does, but with the synonym graph of tables that never saw the story
        (``sources_restore.held_out_graphs``); unsourced records keep the tier's output.
        """
        from restorer.sources.restore import restore_from_source

        rows = []
        for rec, out in zip(records, outs, strict=True):
            found, text = out["restorer"]["source"], out["text"]
            if found is not None:
                graph = graph_of(story_of(rec["id"]))
                text = restore_from_source(
                    rec["spun"], reference[found["id"]], found["id"], graph=graph
                ).text
            rows.append(_row(rec, text))
        return _er(rows)

    return {
        "held_out": {
            "paragraphs": held_out(dev.pairs, spun, dev.reference),
            "documents": held_out(docs, out_docs, doc_reference),
            "what": "sourced records restored with each story's tables held out "
            "(sources_restore.held_out_graphs); the match itself uses the shipped graph",
        },
        "documents": {
            "error_reduction": _er(doc_rows),
            "sourced": sum(r["restorer"]["source"] is not None for r in out_docs),
            "records": len(docs),
        },
        "fallback_model": restorer.scorer.name,
        "error_reduction": _er(rows),
        "records": len(rows),
        "sourced": sourced,
        "sourced_right": right,
        "seconds": round(seconds, 2),
        "clean": {
            "records": len(clean),
            "sourced": sum(r["restorer"]["source"] is not None for r in clean),
            "changed": changed,
        },
    }


def report_restore(result: dict[str, Any]) -> None:
    own = result["restore_from_own_original"]["overall"]
    batch = result["batch_reference"]
    er = batch["error_reduction"]
    held = result["restore_from_own_original"]["held_out"]
    print(
        f"restore  from own original: held out micro {held['micro']:.3f}, "
        f"macro {held['macro']:.3f} (in sample {own['micro']:.3f}, {own['macro']:.3f})"
    )
    print(
        f"batch --reference ({batch['fallback_model']} otherwise): micro {er['micro']:.3f}, "
        f"macro {er['macro']:.3f}; "
        f"{batch['sourced']}/{batch['records']} sourced ({batch['sourced_right']} right); "
        f"clean: {len(batch['clean']['changed'])} changed, {batch['clean']['sourced']} sourced"
    )
    docs = batch["documents"]
    print(
        f"batch --reference on documents: micro {docs['error_reduction']['micro']:.3f}, "
        f"macro {docs['error_reduction']['macro']:.3f}; {docs['sourced']}/{docs['records']} sourced"
    )
    held_batch = batch["held_out"]
    print(
        "batch --reference, tables held out: paragraphs micro "
        f"{held_batch['paragraphs']['micro']:.3f}, macro {held_batch['paragraphs']['macro']:.3f}; "
        f"documents micro {held_batch['documents']['micro']:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=RESULTS / "sources.json")
    parser.add_argument("--threshold", type=float, default=None, help="default: the shipped one")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="SourceIndex option (lsh_threshold=0.05, window=24, ...), repeatable",
    )
    parser.add_argument(
        "--fallback-model",
        default="auto",
        choices=("auto", "fast", "lm"),
        help="batch --reference: the tier of records without a source (default: auto)",
    )
    parser.add_argument("--no-documents", dest="documents", action="store_false")
    parser.add_argument("--no-variants", dest="variants", action="store_false")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    args = parser.parse_args(argv)
    if devset_missing("run_sources", args.devset, (CLEAN_FILE,)) or not spun_files(args.devset):
        return 0
    dev = load_dev(args.devset)
    result = run_metadata("sources") | {
        "devset": str(args.devset),
        "files": spun_files(args.devset),
    }
    result["match"] = match_figures(dev, args)
    report(result["match"])
    # each spun paragraph restored from its own original: the ceiling of restoring from sources
    result["restore_from_own_original"] = restore_figures(dev.pairs, clean=dev.clean)
    # one held-out graph per story, for both figures that restore with it
    graph_of = held_out_graphs(dev.pairs)
    result["restore_from_own_original"]["held_out"] = held_out_figures(dev.pairs, graph_of)
    result["batch_reference"] = batch_reference_figures(dev, args.fallback_model, graph_of)
    report_restore(result)
    write_result(args.out, result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
