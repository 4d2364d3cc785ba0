"""Candidate-recall benchmark: how many of the spinner's swaps do the tables even propose?

A restorer can only put back what its tables propose, so this is the ceiling of any scorer.
For every dev pair (``../shared/devset``, spun and original) the two texts are aligned token by
token; every stretch that differs is a *swap* (``spun -> original``). A swap is *covered* when the
candidate lattice the restorer builds for the spun text (``build_lattice``, with the same
lemma-aware lookup, conditions and compositions as a real run) can produce the original stretch:
a path of table candidates and unchanged tokens from the spun stretch to the original one, where
a candidate may also reach up to four unchanged tokens to either side (``Home flooring`` ->
``House floor`` covers the ``flooring`` -> ``floor`` swap), or across a neighbouring swap up to
eight tokens away (``at the entrance traces`` -> ``on the front lines`` covers ``at -> on`` and
``entrance traces -> front lines``). The scorer does not take part.

Figures per table set:

* ``swaps``: covered swaps / all swaps (punctuation-only stretches are left out and counted
  apart);
* ``tokens``: token-weighted, with partial credit (a swap of weight ``max(len spun, len
  original)`` earns the share of its tokens a best path accounts for);
* the same per kind: ``numbers/contractions/spelling``, ``proper names``, ``function words``,
  ``multi-word`` and ``single word`` (first that applies, in that order);
* the misses, most frequent first.

Table sets: ``curated`` (``restorer/data/curated_en.tsv``), ``rules`` (the rule-generated
``restorer/data/rules_en.tsv``), ``thesaurus`` (the generated open thesaurus table, or the one
``--thesaurus`` names), ``learned`` (every row ``restorer table learn`` finds in the dev pairs,
leave-one-story-out: the rows used on a story were learned from the *other* stories only),
``shipped in sample`` (what ``load_table()`` loads by default, in sample: its curated and learned
rows saw every story), ``shipped`` (what ships, less what came from the story measured:
``common.StoryTables``, the tables ``run_quality.py --loso`` restores with), ``shipped+learned``,
``shipped+thesaurus`` (what ``RestorerConfig(thesaurus=True)`` loads, held out), ``lm`` (the
``lm`` tier's default candidates: the held-out tables and the language model's own proposals,
:mod:`restorer.propose`; needs the ``lm`` tier installed) and ``all`` (held out, the optional
thesaurus and every learned row).

The dev set is third-party text: it is read by path and never copied. The result JSON holds
numbers, record ids and short swap phrases (as ``run_quality.py`` holds edit pairs).

Usage::

    .venv/bin/python benchmarks/run_recall.py --show 40
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    BATCHES,
    DEFAULT_DEVSET,
    REPO,
    RESULTS,
    TUNED_FILES,
    StoryTables,
    lm_skip_reason,
    parse_options,
    read_jsonl,
    run_metadata,
    spun_files,
    story_of,
)

CURATED = REPO / "restorer" / "data" / "curated_en.tsv"
RULES = REPO / "restorer" / "data" / "rules_en.tsv"
THESAURUS_NAMES = ("thesaurus_en.tsv.gz", "thesaurus_en.tsv")
THESAURUS_DIRS = (REPO / "restorer" / "data", REPO / "restorer" / "data" / "optional")
CONTEXT = 4
REACH = 8
KINDS = (
    "numbers/contractions/spelling",
    "proper names",
    "function words",
    "multi-word",
    "single word",
)

FUNCTION_WORDS = frozenset(
    """a an the this that these those some any each every no other another such what which who whom
    whose whoever whatever whichever i me my mine we us our ours you your yours he him his she her
    hers it its they them their theirs one ones myself ourselves yourself himself herself itself
    themselves of in on at by for with from to into onto upon over under above below about against
    between among through throughout during before after since until till within without toward
    towards across along around behind beyond beside besides near off out up down via per than as
    like unlike despite regarding concerning including following plus minus and or but nor so yet
    if whether because although though while whereas unless once when whenever where wherever why
    how then thus hence therefore however moreover furthermore also too either neither not only
    just even still already again ever never always often sometimes soon now here there very quite
    rather more most less least much many few several all both half enough is are was were be been
    being am have has had having do does did doing will would shall should can could may might must
    ought need dare 's 're 've 'll 'd 'm n't s re ve ll d m nt yes no according due order addition
    instead whereby thereby whilst amid amidst additionally likewise nevertheless nonetheless
    otherwise meanwhile afterwards afterward earlier later""".split()  # noqa: SIM905
)
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions trillion first second
    third fourth fifth sixth seventh eighth ninth tenth dozen dozens half quarter ii iii iv
    """.split()  # noqa: SIM905
)
CLITICS = ("n't", "'re", "'ve", "'ll", "'d", "'m")
SENTENCE_END = frozenset({".", "!", "?", ":", '"', "“", "”"})


# ---------------------------------------------------------------------------- helpers


def lm_proposals(
    records: Sequence[dict[str, Any]], tables: dict[str, Any], options: dict[str, Any]
) -> dict[str, list[tuple[int, int, list[str]]]]:
    """The model's proposals for every spun record, with its story's held-out tables."""
    from restorer import Restorer, RestorerConfig

    config = RestorerConfig(model="lm", default_table=False).with_options(**options)
    out: dict[str, list[tuple[int, int, list[str]]]] = {}
    restorer = None
    current = None
    for rec in records:
        story = story_of(rec["id"])
        if story != current:
            restorer, current = Restorer(config, table=tables[story]), story
        assert restorer is not None
        out[rec["id"]] = model_slots(restorer, rec["spun"])
    return out


def thesaurus_path() -> Path | None:
    for folder in THESAURUS_DIRS:
        for name in THESAURUS_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def is_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def spelling_variant(a: str, b: str) -> bool:
    """Two one-word spellings of the same word (organisation/organization, 5/five is not)."""
    from rapidfuzz.distance import Levenshtein

    if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < 4:
        return False
    return Levenshtein.normalized_similarity(a, b) >= 0.75 and a[:3] == b[:3]


def classify(spun: Sequence[str], orig: Sequence[str], orig_tokens: Sequence[Any], j1: int) -> str:
    """Return the kind of a swap (first that applies, in the order of ``KINDS``)."""
    low_s = [w.lower() for w in spun]
    low_o = [w.lower() for w in orig]
    both = low_s + low_o
    if (
        any(any(c.isdigit() for c in w) for w in both)
        or any(w in NUMBER_WORDS for w in both)
        or any(w.replace("’", "'").endswith(CLITICS) for w in both)
        or (len(spun) == 1 and len(orig) == 1 and spelling_variant(low_s[0], low_o[0]))
    ):
        return KINDS[0]
    for k, word in enumerate(orig):
        j = j1 + k
        initial = j == 0 or orig_tokens[j - 1].text in SENTENCE_END
        if word[:1].isupper() and not initial and word.lower() not in FUNCTION_WORDS:
            return KINDS[1]
    words_s = [w for w in low_s if is_word(w)]
    words_o = [w for w in low_o if is_word(w)]
    if (words_s and all(w.replace("’", "'") in FUNCTION_WORDS for w in words_s)) or (
        words_o and all(w.replace("’", "'") in FUNCTION_WORDS for w in words_o)
    ):
        return KINDS[2]
    if len(words_s) > 1 or len(words_o) > 1:
        return KINDS[3]
    return KINDS[4]


# ---------------------------------------------------------------------------- coverage


def best_path_cost(
    s_keys: Sequence[str],
    o_keys: Sequence[str],
    window_s: tuple[int, int],
    window_o: tuple[int, int],
    starts: Iterable[tuple[int, int]],
    ends: set[tuple[int, int]],
    proposals: dict[int, list[tuple[int, tuple[str, ...]]]],
    exact: bool = False,
) -> int:
    """Return the fewest tokens a path through the lattice leaves unexplained (0: covered).

    Moves: keep an equal token (free), take a slot candidate that spells the next original
    tokens (free), or give up on one spun token, one original token, or one of each (cost 1;
    not allowed when ``exact``, where only a zero-cost path counts).
    """
    lo_s, hi_s = window_s
    lo_o, hi_o = window_o
    inf = 1 << 30
    cost: dict[tuple[int, int], int] = {}
    for st in starts:
        cost[st] = 0
    best = inf
    for diag in range(lo_s + lo_o, hi_s + hi_o + 1):
        for i in range(max(lo_s, diag - hi_o), min(hi_s, diag - lo_o) + 1):
            j = diag - i
            c = cost.get((i, j))
            if c is None:
                continue
            if (i, j) in ends:
                best = min(best, c)

            def relax(ni: int, nj: int, nc: int) -> None:
                if ni <= hi_s and nj <= hi_o and nc < cost.get((ni, nj), inf):
                    cost[ni, nj] = nc

            if i < hi_s and j < hi_o and s_keys[i] == o_keys[j]:
                relax(i + 1, j + 1, c)
            for end, words in proposals.get(i, ()):
                n = len(words)
                if end <= hi_s and tuple(o_keys[j : j + n]) == words:
                    relax(end, j + n, c)
            if not exact:
                relax(i + 1, j + 1, c + 1)
                relax(i + 1, j, c + 1)
                relax(i, j + 1, c + 1)
    return best


def model_slots(restorer: Any, text: str) -> list[tuple[int, int, list[str]]]:
    """The ``lm`` tier's own proposals for ``text``: ``(start char, end char, texts)``.

    What the restorer's first pass proposes beside its tables: the model reads the text and
    :class:`restorer.propose.ModelProposer` keeps the linked words (the scorer does not take
    part, as for table rows).
    """
    from restorer.candidates import build_lattice
    from restorer.markup import protected_ranges, tokenize_around

    tokens = tokenize_around(text, protected_ranges(text))
    slots = build_lattice(tokens, restorer.table, 5, compose=True)
    reading = restorer.scorer.read(tokens, slots)
    return [
        (tokens[s.start].start, tokens[s.end - 1].end, [c.text for c in s.candidates])
        for s in restorer.proposer.propose(tokens, reading)
    ]


def record_swaps(
    rec: dict[str, Any],
    table: Any,
    max_span: int,
    extra: Sequence[tuple[int, int, list[str]]] = (),
) -> list[dict[str, Any]]:
    """Align one pair and judge each swap against the lattice of ``table``.

    ``extra`` adds other proposers' candidates, as character spans of the spun text.
    """
    from restorer.candidates import build_lattice
    from restorer.conditions import normalise_word
    from restorer.learn import align_swaps, words_of

    spun_tokens = words_of(rec["spun"])
    orig_tokens = words_of(rec["original"])
    s_keys = [normalise_word(t.text) for t in spun_tokens]
    o_keys = [normalise_word(t.text) for t in orig_tokens]
    proposals: dict[int, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    by_start: dict[int, list[str]] = defaultdict(list)
    found = [
        (slot.start, slot.end, [c.text for c in slot.candidates])
        for slot in build_lattice(spun_tokens, table, max_span, compose=True)
    ]
    at = {t.start: i for i, t in enumerate(spun_tokens)}
    ends = {t.end: i + 1 for i, t in enumerate(spun_tokens)}
    found += [(at[a], ends[b], texts) for a, b, texts in extra if a in at and b in ends]
    for start, end, texts in found:
        for text in texts:
            words = tuple(normalise_word(t.text) for t in words_of(text))
            proposals[start].append((end, words))
            by_start[start].append(f"{' '.join(s_keys[start:end])} -> {text}")
    # aligned positions: pairs (i, j) where the spun and original prefixes correspond
    matcher = difflib.SequenceMatcher(None, s_keys, o_keys, autojunk=False)
    aligned: set[tuple[int, int]] = set()
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            aligned.update((a1 + k, b1 + k) for k in range(a2 - a1 + 1))
        else:
            aligned.update({(a1, b1), (a2, b2)})
    out = []
    for swap in align_swaps(spun_tokens, orig_tokens):
        (i1, i2), (j1, j2) = swap.spun, swap.original
        spun_words = [t.text for t in spun_tokens[i1:i2]]
        orig_words = [t.text for t in orig_tokens[j1:j2]]
        punct_only = not any(is_word(w) for w in spun_words + orig_words)
        k_lo = 0
        while k_lo < CONTEXT and i1 - k_lo > 0 and j1 - k_lo > 0:
            if s_keys[i1 - k_lo - 1] != o_keys[j1 - k_lo - 1]:
                break
            k_lo += 1
        k_hi = 0
        while k_hi < CONTEXT and i2 + k_hi < len(s_keys) and j2 + k_hi < len(o_keys):
            if s_keys[i2 + k_hi] != o_keys[j2 + k_hi]:
                break
            k_hi += 1
        starts = [(i1 - k, j1 - k) for k in range(k_lo + 1)]
        ends = {(i2 + k, j2 + k) for k in range(k_hi + 1)}
        cost = best_path_cost(
            s_keys, o_keys, (i1 - k_lo, i2 + k_hi), (j1 - k_lo, j2 + k_hi), starts, ends, proposals
        )
        if cost:
            # A candidate may also span a neighbouring swap (``at the entrance traces`` -> ``on
            # the front lines`` covers both ``at -> on`` and ``entrance traces -> front
            # lines``): covered too if some exact path joins the alignment before and after.
            lo_s, lo_o = max(0, i1 - REACH), max(0, j1 - REACH)
            hi_s, hi_o = min(len(s_keys), i2 + REACH), min(len(o_keys), j2 + REACH)
            wide = best_path_cost(
                s_keys,
                o_keys,
                (lo_s, hi_s),
                (lo_o, hi_o),
                [(a, b) for a, b in aligned if lo_s <= a <= i1 and lo_o <= b <= j1],
                {(a, b) for a, b in aligned if i2 <= a <= hi_s and j2 <= b <= hi_o},
                proposals,
                exact=True,
            )
            if wide == 0:
                cost = 0
        weight = max(i2 - i1, j2 - j1)
        nearby = [p for k in range(max(0, i1 - 2), i2) for p in by_start.get(k, ())][:6]
        out.append(
            {
                "id": rec["id"],
                "story": story_of(rec["id"]),
                "spun": " ".join(spun_words),
                "original": " ".join(orig_words),
                "kind": "punctuation"
                if punct_only
                else classify(spun_words, orig_words, orig_tokens, j1),
                "covered": cost == 0,
                "weight": weight,
                "credit": max(0, weight - min(cost, weight)),
                "nearby": nearby,
            }
        )
    return out


def summarise(swaps: list[dict[str, Any]]) -> dict[str, Any]:
    def block(items: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(items)
        covered = sum(1 for s in items if s["covered"])
        weight = sum(s["weight"] for s in items)
        credit = sum(s["credit"] for s in items)
        return {
            "swaps": n,
            "covered": covered,
            "recall": covered / n if n else None,
            "tokens": weight,
            "token_recall": credit / weight if weight else None,
        }

    words = [s for s in swaps if s["kind"] != "punctuation"]
    out = block(words)
    out["per_kind"] = {k: block([s for s in words if s["kind"] == k]) for k in KINDS}
    out["punctuation_only_swaps"] = len(swaps) - len(words)
    stories = sorted({s["story"] for s in words})
    out["per_story"] = {st: block([s for s in words if s["story"] == st]) for st in stories}
    recalls = [out["per_story"][st]["recall"] for st in stories]
    out["macro_recall_by_story"] = sum(recalls) / len(recalls) if recalls else None
    misses = Counter((s["kind"], s["spun"], s["original"]) for s in words if not s["covered"])
    out["misses"] = [
        {"kind": k, "spun": sp, "original": o, "count": c} for (k, sp, o), c in misses.most_common()
    ]
    return out


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--show", type=int, default=30, help="print this many misses")
    parser.add_argument(
        "--sets",
        default="curated,rules,thesaurus,learned,shipped in sample,shipped,shipped+thesaurus,"
        "lm,all",
        help="table sets to measure",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="RestorerConfig override for the lm set's proposals, repeatable",
    )
    parser.add_argument("--table", type=Path, action="append", default=[], help="extra table")
    parser.add_argument(
        "--thesaurus", type=Path, default=None, help="thesaurus table to measure (default: shipped)"
    )
    args = parser.parse_args(argv)
    options = parse_options(args.option)

    devset: Path = args.devset
    needed = [devset / name for name in BATCHES["batch 1"]]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        print(
            f"run_recall: dev set not found ({', '.join(str(p) for p in missing)}); skipping",
            file=sys.stderr,
        )
        return 0

    from restorer import PhraseTable, __version__
    from restorer.imports import load_any_table
    from restorer.learn import learn_rows
    from restorer.table import load_table

    records = [r for name in spun_files(devset) for r in read_jsonl(devset / name)]
    stories = sorted({story_of(r["id"]) for r in records})
    max_span = 5
    thesaurus_file = args.thesaurus or thesaurus_path()
    shipped = load_table()
    shipped_files = {r.table for r in shipped.rows}
    extra = [load_any_table(p) for p in args.table]

    t0 = time.perf_counter()
    tuned = {r["id"] for name in TUNED_FILES for r in read_jsonl(devset / name)}
    held = StoryTables(records, tuned)
    held_out = {story: held.table(story) for story in stories}
    learned: dict[str, Any] = {}
    for story in stories:
        pairs = [(r["spun"], r["original"]) for r in records if story_of(r["id"]) != story]
        learned[story] = PhraseTable(learn_rows(pairs, name=f"dev minus {story}"), name="learned")
    learn_seconds = time.perf_counter() - t0

    curated = PhraseTable.load(CURATED)
    rules = PhraseTable.load(RULES) if RULES.is_file() else PhraseTable([], name="rules")
    thesaurus = PhraseTable.load(thesaurus_file) if thesaurus_file else None

    def table_for(name: str, story: str) -> Any:
        parts: list[Any] = []
        if name == "curated":
            parts = [curated]
        elif name == "rules":
            parts = [rules]
        elif name == "thesaurus":
            parts = [thesaurus] if thesaurus is not None else []
        elif name == "learned":
            parts = [learned[story]]
        elif name in ("shipped", "lm"):  # what ships, less what came from the story
            parts = [held_out[story]]
        elif name == "shipped in sample":
            parts = [shipped]
        elif name == "shipped+learned":
            parts = [held_out[story], learned[story]]
        elif name == "shipped+thesaurus":  # what RestorerConfig(thesaurus=True) loads
            parts = [held_out[story]]
            optional = thesaurus_file and thesaurus_file.name not in shipped_files
            if thesaurus is not None and optional:
                parts.append(thesaurus)
        elif name == "all":
            parts = [held_out[story], learned[story]]
            if (
                thesaurus is not None
                and thesaurus_file
                and thesaurus_file.name not in shipped_files
            ):
                parts.append(thesaurus)
        parts += extra
        if not parts:
            return PhraseTable([], name="empty")
        return parts[0].merged(*parts[1:]) if len(parts) > 1 else parts[0]

    results: dict[str, Any] = {}
    all_swaps: dict[str, list[dict[str, Any]]] = {}
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name == "thesaurus" and thesaurus is None:
            print("run_recall: no thesaurus table found; skipping that set", file=sys.stderr)
            continue
        start = time.perf_counter()
        tables = {story: table_for(name, story) for story in stories}
        proposed: dict[str, Any] = {}
        if name == "lm":
            reason = lm_skip_reason(devset)
            if reason is not None:
                print(f"run_recall: {reason}; skipping the lm set", file=sys.stderr)
                continue
            proposed = lm_proposals(records, tables, options)
        swaps = [
            s
            for r in records
            for s in record_swaps(r, tables[story_of(r["id"])], max_span, proposed.get(r["id"], ()))
        ]
        all_swaps[name] = swaps
        results[name] = summarise(swaps)
        results[name]["seconds"] = time.perf_counter() - start
        results[name]["rows"] = max(len(t) for t in tables.values())

    result = {
        **run_metadata("recall"),
        "devset": str(devset),
        "shipped_files": sorted(shipped_files),
        "thesaurus_file": (
            str(thesaurus_file.resolve().relative_to(REPO))
            if thesaurus_file and thesaurus_file.resolve().is_relative_to(REPO)
            else str(thesaurus_file)
        ),
        "learn_seconds_all_folds": learn_seconds,
        "sets": results,
    }
    out: Path = args.out or RESULTS / "recall.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    dirty = "+dirty" if result["git_restorer_dirty"] else ""
    print(f"recall  version={__version__} commit={result['git_commit']}{dirty}")
    header = f"{'set':<16} {'rows':>7} {'swaps':>12} {'tokens':>7} {'macro':>6}  " + "  ".join(
        k.split("/")[0][:8] for k in KINDS
    )
    print(header)
    for name, fig in results.items():
        kinds = "  ".join(f"{fmt(fig['per_kind'][k]['recall']):>8}" for k in KINDS)
        print(
            f"{name:<16} {fig['rows']:>7} {fig['covered']:>4}/{fig['swaps']:<4} "
            f"{fmt(fig['recall'])} {fmt(fig['token_recall']):>7} "
            f"{fmt(fig['macro_recall_by_story']):>6}  {kinds}"
        )
    sizes = next(iter(results.values()), None)
    if sizes:
        print(
            "swaps per kind: "
            + ", ".join(f"{k} {sizes['per_kind'][k]['swaps']}" for k in KINDS)
            + f"; punctuation-only (not counted) {sizes['punctuation_only_swaps']}"
        )
    last = list(results)[-1] if results else None
    if last and args.show > 0:
        print(f"misses of '{last}' (most frequent first):")
        shown = 0
        seen: set[tuple[str, str]] = set()
        for s in all_swaps[last]:
            if s["covered"] or s["kind"] == "punctuation" or (s["spun"], s["original"]) in seen:
                continue
            seen.add((s["spun"], s["original"]))
            print(f"  [{s['kind'][:8]:<8}] {s['spun']!r} -> {s['original']!r}  ({s['id']})")
            shown += 1
            if shown >= args.show:
                break
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
