"""Restoring from a source: how much of the spinning does ``restore_from_source`` undo?

For every dev pair (``id``, ``spun``, ``original``) the spun paragraph is restored from its own
original (:func:`restorer.sources.restore.restore_from_source`) and scored with the token
metrics of ``run_quality.py`` (``common.normalise``, ``tokens``, ``distance``): error
reduction ``(d(spun, original) - d(restored, original)) / d(spun, original)``, micro (over all
tokens) and macro (the mean of each story's micro figure, ``common.story_of``), overall and per
dev file. What the restorer left alone is listed by reason, with a few examples given as
record ids and offsets only: the dev set is third-party text, and no snippet of it goes into a
result.

Three checks go with it:

* **clean text**: a paragraph restored from itself must get no edit (each original, and the
  clean paragraphs when given);
* **replay**: ``apply_edits(spun, edits)`` must give the restored text, for every pair;
* **a long document**: every spun paragraph joined into one document, restored from every
  original joined the same way, timed (the alignment must stay fast on long texts).

``benchmarks/run_sources.py`` imports :func:`restore_figures`; run standalone, this prints the
figures::

    .venv/bin/python benchmarks/sources_restore.py
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    CLEAN_FILE,
    DEFAULT_DEVSET,
    SPUN_FILES,
    devset_missing,
    distance,
    normalise,
    read_jsonl,
    reduction,
    spun_files,
    story_of,
    tokens,
)

#: Examples kept per reason (ids and offsets only).
EXAMPLES = 5


def _d(text: str, original_tokens: list[str]) -> int:
    return distance(tokens(normalise(text)), original_tokens)


def _er(rows: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    """Micro and macro-by-story error reduction of ``(id, d0, d1)`` rows."""
    stories: dict[str, list[tuple[str, int, int]]] = {}
    for row in rows:
        stories.setdefault(story_of(row[0]), []).append(row)
    per_story = [reduction(sum(r[1] for r in rs), sum(r[2] for r in rs)) for rs in stories.values()]
    known = [v for v in per_story if v is not None]
    return {
        "pairs": len(rows),
        "stories": len(stories),
        "d0": sum(r[1] for r in rows),
        "d1": sum(r[2] for r in rows),
        "micro": reduction(sum(r[1] for r in rows), sum(r[2] for r in rows)),
        "macro": statistics.fmean(known) if known else None,
    }


def restore_figures(
    pairs: list[dict[str, Any]],
    *,
    clean: Sequence[dict[str, Any]] = (),
    **options: Any,
) -> dict[str, Any]:
    """Restore each pair's spun text from its original and report the figures.

    Args:
        pairs: dev pairs with ``id``, ``spun`` and ``original``; an optional ``file`` field (the
            dev file's name) gives per-file figures too.
        clean: clean paragraphs (``id``, ``text``), each restored from itself besides the
            originals.
        **options: keyword arguments for ``restore_from_source`` (``max_tokens=4``).

    Returns:
        Error reduction (``overall``, ``per_file``), edits, coverage, what was left by reason
        (counts, and examples as ids and offsets), the clean-text and replay checks, and the
        long-document timing.
    """
    from restorer.edits import apply_edits
    from restorer.sources.restore import restore_from_source

    rows: list[tuple[str, int, int]] = []
    by_file: dict[str, list[tuple[str, int, int]]] = {}
    left: Counter[str] = Counter()
    examples: dict[str, list[dict[str, Any]]] = {}
    replay_failures: list[str] = []
    coverage: list[float] = []
    n_edits = 0
    started = time.perf_counter()
    for pair in pairs:
        result = restore_from_source(pair["spun"], pair["original"], pair["id"], **options)
        orig = tokens(normalise(pair["original"]))
        row = (pair["id"], _d(pair["spun"], orig), _d(result.text, orig))
        rows.append(row)
        by_file.setdefault(pair.get("file", ""), []).append(row)
        n_edits += len(result.edits)
        coverage.append(result.coverage)
        if apply_edits(pair["spun"], result.edits) != result.text:
            replay_failures.append(pair["id"])
        for diff in result.differences:
            left[diff.reason] += 1
            kept = examples.setdefault(diff.reason, [])
            if len(kept) < EXAMPLES:
                kept.append(
                    {
                        "id": pair["id"],
                        "spun": [diff.start, diff.end],
                        "source": [diff.source_start, diff.source_end],
                    }
                )
    seconds = time.perf_counter() - started
    return {
        "options": options,
        "overall": _er(rows),
        "per_file": {name: _er(rs) for name, rs in sorted(by_file.items()) if name},
        "exact": sum(1 for r in rows if r[2] == 0),
        "edits": n_edits,
        "coverage": {"mean": statistics.fmean(coverage), "min": min(coverage)}
        if coverage
        else None,
        "left": {"by_reason": dict(left.most_common()), "examples": examples},
        "replay_failures": replay_failures,
        "clean": _clean_check(pairs, clean, options),
        "document": _document(pairs, options),
        "seconds": round(seconds, 3),
    }


def held_out_graphs(pairs: Sequence[dict[str, Any]]) -> Callable[[str], Any]:
    """Return ``story -> synonym graph`` of the tables a restorer that never saw it would have.

    The synonym graph vouches for renamed names, reworded numbers, chains of swaps and moved
    words; the shipped tables hold rows learned from (and curated on) the dev pairs, so a
    figure with them is in-sample. A story's graph is the thesaurus and the tables
    :class:`common.StoryTables` gives for that story held out (learned rows learned again from
    the other stories, rows tuned on it left out). ``pairs`` need their dev ``file``.
    """
    from common import TUNED_FILES, StoryTables

    from restorer.graph import load_graph

    tuned = {p["id"] for p in pairs if p.get("file") in TUNED_FILES}
    tables = StoryTables(pairs, tuned)
    return functools.cache(lambda story: load_graph([tables.table(story)]))


def held_out_figures(
    pairs: Sequence[dict[str, Any]],
    graph_of: Callable[[str], Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Restore each pair from its original with the graph of its story held out (the headline).

    ``graph_of`` is :func:`held_out_graphs` of the same pairs, where the caller has built it
    already (its graphs are learned and loaded once per story); ``options`` as for
    ``restore_from_source``.
    """
    from restorer.sources.restore import restore_from_source

    graph_of = graph_of or held_out_graphs(pairs)
    rows = []
    started = time.perf_counter()
    for pair in pairs:
        graph = graph_of(story_of(pair["id"]))
        result = restore_from_source(
            pair["spun"], pair["original"], pair["id"], graph=graph, **options
        )
        orig = tokens(normalise(pair["original"]))
        rows.append((pair["id"], _d(pair["spun"], orig), _d(result.text, orig)))
    return {**_er(rows), "seconds": round(time.perf_counter() - started, 1)}


def _clean_check(
    pairs: Sequence[dict[str, Any]], clean: Sequence[dict[str, Any]], options: dict[str, Any]
) -> dict[str, Any]:
    """Restore each original (and each clean paragraph) from itself: any edit is damage."""
    from restorer.sources.restore import restore_from_source

    texts = [(p["id"], p["original"]) for p in pairs] + [(c["id"], c["text"]) for c in clean]
    changed = []
    for ident, text in texts:
        result = restore_from_source(text, text, ident, **options)
        if result.edits or result.differences or result.text != text:
            changed.append(ident)
    return {"paragraphs": len(texts), "changed": changed}


def _document(pairs: Sequence[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    """Restore all spun paragraphs as one document from all originals as one; time it."""
    from restorer.sources.restore import restore_from_source

    spun = "\n\n".join(p["spun"] for p in pairs)
    original = "\n\n".join(p["original"] for p in pairs)
    started = time.perf_counter()
    result = restore_from_source(spun, original, "document", **options)
    seconds = time.perf_counter() - started
    orig = tokens(normalise(original))
    return {
        "tokens": len(tokens(spun)),
        "seconds": round(seconds, 3),
        "error_reduction": reduction(_d(spun, orig), _d(result.text, orig)),
    }


def load_pairs(devset: Path = DEFAULT_DEVSET) -> list[dict[str, Any]]:
    """The dev pairs of every spun file there, each with its file's name in ``file``."""
    return [
        {**record, "file": name}
        for name in spun_files(devset)
        for record in read_jsonl(devset / name)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures (JSON) for the dev set, or skip cleanly without it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--max-one-sided", type=int, default=None)
    args = parser.parse_args(argv)
    if devset_missing("sources_restore.py", args.devset, SPUN_FILES[:1]):
        return 0
    options = {
        name: value
        for name, value in (("max_tokens", args.max_tokens), ("max_one_sided", args.max_one_sided))
        if value is not None
    }
    clean_path = args.devset / CLEAN_FILE
    clean = read_jsonl(clean_path) if clean_path.is_file() else []
    pairs = load_pairs(args.devset)
    figures = restore_figures(pairs, clean=clean, **options)
    figures["held_out"] = held_out_figures(pairs, **options)
    print(json.dumps(figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
