"""Corpus benchmark: a few spun documents among many clean ones, as a scraped corpus has them.

Issue 20 asks what the cascade (``restorer.cascade``) costs and keeps against the two tiers on
the same input. The corpus is built from the dev set: the clean documents are the clean pages
(``clean_paragraphs.jsonl``'s paragraphs joined by page) and the documentation prose of
``benchmarks/data/clean_registers.jsonl`` (joined by source page); the spun documents are the
spinners' copies of the dev stories (a copy's paragraphs joined, as ``run_quality.py
--documents`` makes them). For each share of spun documents (1 %, 2 %, 10 %, 50 %) the mix
keeps every clean document and takes spun copies in a fixed order (repeating none: at shares
the copies cannot fill, clean documents are dropped instead, from the end).

For each tier (``fast``, ``lm``, ``cascade``) and each mix, one run over the same documents in
the same order, after a warm-up (model and tables loaded) that is not timed:

* words per second over the whole mix, and the ratio of each tier's rate to ``fast``'s;
* error reduction on the spun documents (micro, against their originals; the tables are the
  shipped ones, so this is in sample: the held-out figures are ``run_quality.py --loso``'s);
* damage on the clean documents: tokens changed per 1,000, and documents changed;
* for the cascade, how many documents each tier decided.

``--tiers`` and ``--shares`` pick a subset (the ``lm`` tier over the whole mix takes minutes);
``--cascade-gate`` sets the cascade's gate (``RestorerConfig.cascade_gate``).
Writes ``results/corpus.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    CLEAN_FILE,
    DEFAULT_DEVSET,
    RESULTS,
    WARM_UP,
    changed_tokens,
    devset_missing,
    distance,
    normalise,
    per_thousand,
    read_jsonl,
    reduction,
    run_metadata,
    spun_files,
    tokens,
    write_result,
)

CLEAN_REGISTERS = Path(__file__).resolve().parent / "data" / "clean_registers.jsonl"
SHARES = (0.01, 0.02, 0.10, 0.50)
TIERS = ("fast", "lm", "cascade")


def clean_documents(devset: Path) -> list[str]:
    """The clean pages and documentation pages, each one document, in input order."""
    pages: defaultdict[str, list[str]] = defaultdict(list)
    for r in read_jsonl(devset / CLEAN_FILE):
        pages[r["url"]].append(r["text"])
    if CLEAN_REGISTERS.is_file():
        for r in read_jsonl(CLEAN_REGISTERS):
            pages[str(r.get("url") or r.get("source") or r["id"])].append(r["text"])
    return ["\n\n".join(texts) for texts in pages.values()]


def spun_documents(devset: Path) -> list[dict[str, str]]:
    """Each spinner's copy of a story, whole, with its original (``run_quality.documents``)."""
    from run_quality import documents

    pairs = [r for name in spun_files(devset) for r in read_jsonl(devset / name)]
    return documents({"all": pairs})["all"]


def mix(clean: list[str], spun: list[dict[str, str]], share: float) -> list[tuple[str, Any]]:
    """Clean and spun documents at ``share`` spun, spun ones spread evenly through the mix."""
    n_spun = max(1, round(share * len(clean) / (1 - share)))
    if n_spun > len(spun):  # too few copies: keep them all and drop clean documents instead
        n_spun = len(spun)
        clean = clean[: max(1, round(n_spun * (1 - share) / share))]
    docs: list[tuple[str, Any]] = [("clean", text) for text in clean]
    step = len(docs) / n_spun
    for i, doc in enumerate(spun[:n_spun]):
        docs.insert(int((i + 0.5) * step) + i, ("spun", doc))
    return docs


def make(tier: str, options: dict[str, Any] | None = None) -> Any:
    """A Restorer of ``tier``, or a Cascade: built as ``run_quality.py --model TIER`` builds it."""
    from run_quality import restorer_factory

    from restorer import RestorerConfig

    return restorer_factory(tier)(RestorerConfig().with_options(**(options or {})), None)


def run(
    tier: str, docs: list[tuple[str, Any]], options: dict[str, Any] | None = None
) -> dict[str, Any]:
    restorer = make(tier, options)
    restorer.restore_and_explain(WARM_UP)
    words = d0 = d1 = clean_tokens = clean_changed = clean_docs_changed = 0
    tiers: Counter[str] = Counter()
    started = time.perf_counter()
    for kind, doc in docs:
        text = doc if kind == "clean" else doc["spun"]
        result = restorer.restore_and_explain(text)
        words += len(text.split())
        tiers[result.model or tier] += 1
        if kind == "spun":
            orig = tokens(normalise(doc["original"]))
            d0 += distance(tokens(normalise(text)), orig)
            d1 += distance(tokens(normalise(result.text)), orig)
        else:
            before = tokens(normalise(text))
            clean_tokens += len(before)
            if result.text != text:
                clean_docs_changed += 1
                clean_changed += changed_tokens(before, tokens(normalise(result.text)))
    seconds = time.perf_counter() - started
    return {
        "words": words,
        "seconds": round(seconds, 3),
        "words_per_second": round(words / seconds, 1) if seconds else None,
        "spun_error_reduction": reduction(d0, d1),
        "clean_changed_per_1000_tokens": per_thousand(clean_changed, clean_tokens),
        "clean_documents_changed": clean_docs_changed,
        "decided_by": dict(tiers),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    p.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    p.add_argument("--tiers", nargs="+", default=list(TIERS), choices=TIERS)
    p.add_argument("--shares", nargs="+", type=float, default=list(SHARES))
    p.add_argument("--out", type=Path, default=RESULTS / "corpus.json")
    p.add_argument(
        "--cascade-gate",
        type=float,
        default=None,
        help="RestorerConfig.cascade_gate (default: shipped)",
    )
    args = p.parse_args(argv)
    options = {} if args.cascade_gate is None else {"cascade_gate": args.cascade_gate}
    if devset_missing("run_corpus", args.devset):
        return 0
    from restorer.lm import lm_missing_reason

    tiers = [t for t in args.tiers if t == "fast" or lm_missing_reason() is None]
    clean = clean_documents(args.devset)
    spun = spun_documents(args.devset)
    result: dict[str, Any] = run_metadata("corpus") | {
        "clean_documents": len(clean),
        "spun_documents": len(spun),
        "options": options,
        "mixes": {},
    }
    for share in args.shares:
        docs = mix(clean, spun, share)
        n_spun = sum(kind == "spun" for kind, _ in docs)
        figures: dict[str, Any] = {"documents": len(docs), "spun": n_spun}
        for tier in tiers:
            figures[tier] = run(tier, docs, options)
            fig = figures[tier]
            print(
                f"{share:.0%} spun ({n_spun}/{len(docs)}) {tier:<8} "
                f"{fig['words_per_second']:>9,.0f} words/s  ER {fig['spun_error_reduction']:.3f}  "
                f"clean {fig['clean_documents_changed']} changed  {fig['decided_by']}",
                flush=True,
            )
        fast = figures.get("fast", {}).get("words_per_second")
        for tier in tiers:
            rate = figures[tier]["words_per_second"]
            figures[tier]["rate_vs_fast"] = round(rate / fast, 4) if fast and rate else None
        result["mixes"][f"{share:.2f}"] = figures
    write_result(args.out, result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
