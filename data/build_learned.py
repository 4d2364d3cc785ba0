"""Build ``restorer/data/learned_en.tsv``: rows learned from real spun pages and their originals.

Spinning software has a dictionary, and the same dictionary spins every story it is given: the
dev set's spun pages (``../shared/devset/*pairs*.jsonl``, 25 stories, about 30 spinning sites)
show the same swaps across stories and sites (``knowledge`` for ``data``, ``Home`` for
``House``, ``robust`` for ``strong``). ``restorer table learn`` aligns each spun page with its
original and counts its swaps (:func:`restorer.learn.learn_rows`); this script does that over
every dev pair and keeps what holds beyond one story:

* **Rows seen in at least** ``MIN_STORIES`` **stories.** A swap seen in one story only may be
  that story's words; one seen in two or more is the spinner's dictionary. (Leave one story
  out, ``benchmarks/run_quality.py --loso`` learns the rows it uses on a story from the other
  stories only, with this same function, so the figure it reports is what a user's new story
  gets.)
* **Short rows.** At most ``MAX_TOKENS`` tokens on either side: word and phrase swaps, never a
  passage of the pages the rows were learned from.
* **Priors scaled by** ``PRIOR_SCALE``. A learned prior (``c / (n + 1)``: how often the spun
  phrase was a swap where it appeared in spun pages) says how often a spinner's word is a swap
  *in spun text*; clean prose uses the same words for themselves (``because``, ``within``), and
  the scale keeps such rows from outweighing the document's low spin rate there. At 0.5
  they put 1.2 % of the dev set's clean paragraphs at detection risk ``medium`` or ``high``
  (``because`` -> ``as``, ``packages`` -> ``programs``; the guard is 1 %); at 0.3, 0.3 %.
* **The hand-written tables win.** A spun phrase the curated or rule tables already list, or a
  row that would undo one of theirs, is left out (``restorer table check`` stays clean).

The rows are facts about spinners' substitutions (word and phrase pairs), with their counts as
provenance; no sentence of the pages is kept. The output is deterministic for the same dev set.

Usage (from the repository root)::

    .venv/bin/python data/build_learned.py            # writes restorer/data/learned_en.tsv
    .venv/bin/python data/build_learned.py --devset DIR --out /tmp/learned.tsv
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEVSET = REPO.parent / "shared" / "devset"
OUT = REPO / "restorer" / "data" / "learned_en.tsv"
#: The dev set's files of aligned pairs (``id``, ``spun``, ``original``).
PAIR_FILES = ("real_pairs.jsonl", "seed_pairs.jsonl", "real_pairs_2.jsonl", "real_pairs_3.jsonl")
MIN_STORIES = 2
MAX_TOKENS = 3
PRIOR_SCALE = 0.3
#: Where a dev record's story ends in its id (``cnbc-johnsonbudget-02a``).
_VARIANT = "-"


def story_of(record_id: str) -> str:
    """``cnbc-johnsonbudget-02a`` -> ``cnbc-johnsonbudget`` (the id less its number)."""
    head, _sep, tail = record_id.rpartition(_VARIANT)
    return head if tail[:1].isdigit() else record_id


def learned_rows(
    records: Iterable[dict[str, str]],
    *,
    min_stories: int = MIN_STORIES,
    max_tokens: int = MAX_TOKENS,
    prior_scale: float = PRIOR_SCALE,
    exclude: Sequence[object] = (),
) -> list[object]:
    """Return the rows learned from dev records, kept and scaled as the module says.

    Args:
        records: dev records with ``id``, ``spun`` and ``original``.
        min_stories: keep a row only if its swap was seen in this many stories.
        max_tokens: longest phrase on either side, in tokens.
        prior_scale: factor on the learned priors.
        exclude: tables (``PhraseTable``) whose spun phrases the rows must not list again or undo.
    """
    from restorer.table import Row

    by_story: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rec in records:
        by_story[story_of(rec["id"])].append((rec["spun"], rec["original"]))
    stories_of: dict[tuple[str, str], int] = defaultdict(int)
    for pairs in by_story.values():
        for row in _learn(tuple(pairs), max_tokens):
            for canonical in row.canonicals:
                stories_of[row.spun.lower(), canonical.lower()] += 1
    taken: set[str] = set()
    undone: set[tuple[str, str]] = set()
    for table in exclude:
        for row in table.rows:  # type: ignore[attr-defined]
            taken.add(row.spun.lower())
            undone.update((c.lower(), row.spun.lower()) for c in row.canonicals)
    everything = tuple(p for pairs in by_story.values() for p in pairs)
    out = []
    for row in _learn(everything, max_tokens):
        spun = row.spun.lower()
        kept = tuple(
            c
            for c in row.canonicals
            if stories_of[spun, c.lower()] >= min_stories and (spun, c.lower()) not in undone
        )
        if not kept or spun in taken:
            continue
        stories = max(stories_of[spun, c.lower()] for c in kept)
        prior = round(max(0.005, row.prior * prior_scale), 3)
        source = f"{row.source.replace('dev pairs', 'spun pages')}, {stories} stories"
        out.append(Row(row.spun, kept, prior, source))
    return out


@functools.lru_cache(maxsize=64)
def _learn(pairs: tuple[tuple[str, str], ...], max_tokens: int) -> list[object]:
    """``learn_rows`` over ``pairs``, memoised.

    Leaving one story out learns each story's own rows again for every other story held out.
    """
    from restorer.learn import learn_rows

    return learn_rows(pairs, name="dev pairs", max_tokens=max_tokens)  # type: ignore[return-value]


def read_records(devset: Path) -> list[dict[str, str]]:
    """Every aligned pair of the dev set's pair files, in file order."""
    records: list[dict[str, str]] = []
    for name in PAIR_FILES:
        with (devset / name).open(encoding="utf-8") as fh:
            records.extend(json.loads(line) for line in fh if line.strip())
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devset", type=Path, default=DEVSET, help="dev set directory")
    parser.add_argument("--out", type=Path, default=OUT, help="table to write")
    args = parser.parse_args(argv)
    missing = [args.devset / n for n in PAIR_FILES if not (args.devset / n).is_file()]
    if missing:
        print(f"build_learned: missing {', '.join(map(str, missing))}", file=sys.stderr)
        return 2

    from restorer.table import PhraseTable

    data = REPO / "restorer" / "data"
    hand = [PhraseTable.load(data / "curated_en.tsv"), PhraseTable.load(data / "rules_en.tsv")]
    rows = learned_rows(read_records(args.devset), exclude=hand)
    digests = ", ".join(
        f"{n} sha256 {hashlib.sha256((args.devset / n).read_bytes()).hexdigest()[:12]}"
        for n in PAIR_FILES
    )
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("# restorer-phrases 1\n# spun\tcanonical\tprior\tsource\n")
        fh.write(
            "# Generated by data/build_learned.py; do not edit by hand. Swaps learned from real\n"
            "# spun pages aligned with their originals (the dev set beside the repository:\n"
            f"# {digests}),\n"
            f"# kept when seen in at least {MIN_STORIES} stories, at most {MAX_TOKENS} tokens a "
            f"side, priors x {PRIOR_SCALE}.\n"
        )
        for row in rows:
            fh.write(row.to_tsv() + "\n")  # type: ignore[attr-defined]
    print(f"build_learned: {len(rows)} rows -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
