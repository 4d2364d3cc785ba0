"""How often the model's proposals are the original, by the link's place in the thesaurus list.

The ``lm`` tier proposes words the model finds likely and the synonym graph links to the word
written (``restorer/propose.py``). The thesaurus lists each phrase's originals likeliest first;
this measures whether a spinner's original sits high in that list, which is what
``lm_link_rank_decay`` (a direct link's prior falling with its place) rests on.

Every spun paragraph and its original is read by the ``lm`` tier with its story's tables held
out (``StoryTables``), as ``run_recall.py``'s ``lm`` set does; each direct-link proposal is
counted by its place (``SynonymGraph.rank``: 1 for a row of the tables in use) as

* ``original``: on a spun span the alignment pairs with an original, and it is that original;
* ``wrong``: on a swapped span, but another word;
* ``intact``: on words the spinner left as they were, or in an original paragraph.

Usage::

    .venv/bin/python benchmarks/run_link_rank.py [--option lm_propose_top=50 ...]

Writes ``results/link-rank.json`` (or ``--out``): counts only, no dev-set text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    DEFAULT_DEVSET,
    RESULTS,
    SPUN_FILES,
    TUNED_FILES,
    StoryTables,
    lm_skip_reason,
    parse_options,
    read_jsonl,
    run_metadata,
    story_of,
    write_result,
)

BUCKETS = ("1", "2", "3", "4", "5", "6-10", "11-20", "21+")


def bucket(place: int) -> str:
    """The place's bucket in :data:`BUCKETS`."""
    if place <= 5:
        return str(place)
    return "6-10" if place <= 10 else "11-20" if place <= 20 else "21+"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=RESULTS / "link-rank.json")
    parser.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE", help="RestorerConfig"
    )
    args = parser.parse_args(argv)
    reason = lm_skip_reason(args.devset)
    if reason:
        print(f"run_link_rank: {reason}; skipping", file=sys.stderr)
        return 0
    from run_recall import model_slots

    from restorer import Restorer, RestorerConfig
    from restorer.graph import Link
    from restorer.learn import align_swaps, words_of

    options = parse_options(args.option)
    pairs = [r for name in SPUN_FILES for r in read_jsonl(args.devset / name)]
    tuned = {r["id"] for name in TUNED_FILES for r in read_jsonl(args.devset / name)}
    tables = StoryTables(pairs, tuned)
    config = RestorerConfig(model="lm", default_table=False).with_options(**options)
    counts: dict[str, Counter[str]] = {b: Counter() for b in BUCKETS}
    restorer: Any = None
    current = None
    started = time.perf_counter()
    for rec in pairs:
        story = story_of(rec["id"])
        if story != current:  # the pairs come story by story
            restorer, current = Restorer(config, table=tables.table(story)), story
        graph = restorer.proposer.graph
        for text, truth in ((rec["spun"], rec["original"]), (rec["original"], None)):
            swapped: dict[tuple[int, int], str] = {}
            if truth is not None:
                spun_t, orig_t = words_of(text), words_of(truth)
                for swap in align_swaps(spun_t, orig_t):
                    (i1, i2), (j1, j2) = swap.spun, swap.original
                    if i2 > i1:
                        span = (spun_t[i1].start, spun_t[i2 - 1].end)
                        swapped[span] = " ".join(t.text for t in orig_t[j1:j2]).lower()
            for start, end, texts in model_slots(restorer, text):
                spun = text[start:end]
                for proposal in texts:
                    if graph.link(spun, proposal) is not Link.DIRECT:
                        continue
                    place = graph.rank(spun, proposal)
                    if place is None:  # direct through a lemma the lists do not hold
                        continue
                    original = swapped.get((start, end))
                    kind = (
                        "intact"
                        if original is None
                        else "original"
                        if original == proposal.lower()
                        else "wrong"
                    )
                    counts[bucket(place)][kind] += 1
    by_place = {
        b: {
            "original": c["original"],
            "wrong": c["wrong"],
            "intact": c["intact"],
            "share_original": round(c["original"] / max(sum(c.values()), 1), 4),
        }
        for b, c in counts.items()
    }
    result = {
        **run_metadata("link-rank"),
        "devset": str(args.devset),
        "options": options,
        "note": "direct-link model proposals on the dev set's spun paragraphs and originals, "
        "tables held out by story; place 1 includes rows of the tables in use",
        "by_place": by_place,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_result(args.out, result)
    print("place: original, wrong, intact (share original)")
    for b, row in by_place.items():
        counts_text = f"{row['original']}, {row['wrong']}, {row['intact']}"
        print(f"  {b:>5}: {counts_text} ({row['share_original']})")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
