"""Quality benchmark: score one restorer mode on the dev set in ``../shared/devset``.

Figures (see ``benchmarks/README.md`` for what each one means):

* error reduction on the spun pairs (micro, macro by story, per story, per file);
* exact restorations, edits made and edit precision (helpful / all edits);
* clean-text damage: tokens changed per 1,000 tokens of text that was never spun (the dev
  originals and the clean paragraphs), records changed, and the edit pairs that fire there;
* the spin-rate distribution on clean and spun inputs;
* speed on the spun set (words/s, after a warm-up call).

The dev set is third-party text: it is read from its path at run time and never copied. The
result JSON holds numbers, record ids and table phrases only.

Usage::

    .venv/bin/python benchmarks/run_quality.py --show 10
    .venv/bin/python benchmarks/run_quality.py --option min_margin=1.5 --label "margin 1.5"
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    BATCHES,
    CLEAN_FILE,
    DEFAULT_DEVSET,
    DEVSET_FILES,
    RESULTS,
    SPUN_FILES,
    TUNED_FILES,
    UNSEEN_FILES,
    WARM_UP,
    StoryTables,
    changed_tokens,
    devset_missing,
    distance,
    distribution,
    matched_records,
    normalise,
    parse_options,
    per_thousand,
    ratio,
    read_jsonl,
    reduction,
    run_metadata,
    sha256,
    story_of,
    tokens,
    write_result,
)

TOP_PAIRS = 30
#: Clean prose of other registers (documentation), shipped with the benchmarks
#: (``data/build_clean_registers.py``; licences in ``data/CLEAN-REGISTERS-LICENSES.txt``).
CLEAN_REGISTERS = Path(__file__).resolve().parent / "data" / "clean_registers.jsonl"
#: Clean records shorter than this (in words) must never be edited (issue 19).
SHORT_WORDS = 40


# ---------------------------------------------------------------------------- scoring


class Runner:
    """Wraps a Restorer, timing calls and naming the record when the restorer raises."""

    def __init__(self, restorer: Any) -> None:
        self.restorer = restorer
        self.seconds = 0.0
        self.setup_seconds = 0.0

    def __call__(self, record_id: str, text: str) -> Any:
        """Restore ``text`` with ``restore_and_explain``, adding its time to ``seconds``."""
        start = time.perf_counter()
        try:
            result = self.restorer.restore_and_explain(text)
        except Exception:
            print(f"restorer raised on record {record_id}", file=sys.stderr)
            raise
        self.seconds += time.perf_counter() - start
        return result


#: Documents each tier of a cascade decided (``--model cascade``), over every cascade made.
CASCADE_COUNTS: Counter[str] = Counter()


def restorer_factory(model: str) -> Any:
    """Return ``make(config, table)``: the restorer ``model`` names, as the commands build it.

    ``restorer.make_restorer`` with ``config.model`` set to ``model`` (where given: ``auto`` is
    the cascade where the lm tier is installed); the cascades' per-tier counts add up in
    :data:`CASCADE_COUNTS`.
    """
    from restorer import Cascade, make_restorer

    def make(config: Any, table: Any) -> Any:
        restorer = make_restorer(config.with_options(model=model) if model else config, table=table)
        if isinstance(restorer, Cascade):
            restorer.counts = CASCADE_COUNTS  # one tally for all
        return restorer

    return make


class StoryRunner(Runner):
    """A :class:`Runner` for spun records that restores each with its story held out.

    Each story gets a restorer whose tables never saw it (:class:`common.StoryTables`); one is
    kept at a time (the records of a story come together), so the language model's cache and
    the synonym graph are shared, not copied 25 times.
    """

    def __init__(self, config: Any, tables: StoryTables, make: Any = None) -> None:
        super().__init__(None)
        self.config = config.with_options(default_table=False)
        self.tables = tables
        self.make = make or restorer_factory("")
        self.story: str | None = None

    def __call__(self, record_id: str, text: str) -> Any:
        """Restore ``text`` with the tables of its story held out."""
        story = story_of(record_id)
        if story != self.story:
            start = time.perf_counter()
            self.restorer = self.make(self.config, self.tables.table(story))
            self.story = story
            self.setup_seconds += time.perf_counter() - start
        return super().__call__(record_id, text)


def documents(spun_sets: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Each spinner's copy of a story as one document: its paragraphs joined, in id order.

    A record's id ends in its paragraph number and, where several spinners copied the story,
    a letter for the spinner (``ap-wallstcalm-03b``); the document's id is the story, number 0
    and the letter (``ap-wallstcalm-00b``), so ``story_of`` finds the same story: leaving it out
    leaves out every spinner's copy of it.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for name, records in spun_sets.items():
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in records:
            variant = rec["id"][-1] if rec["id"][-1].isalpha() else ""
            groups[f"{story_of(rec['id'])}-00{variant}"].append(rec)
        out[name] = [
            {
                "id": doc_id,
                "spun": "\n\n".join(r["spun"] for r in sorted(recs, key=lambda r: r["id"])),
                "original": "\n\n".join(r["original"] for r in sorted(recs, key=lambda r: r["id"])),
            }
            for doc_id, recs in sorted(groups.items())
        ]
    return out


def edit_pair(edit: Any) -> tuple[str, str, str]:
    return (edit.spun, edit.replacement, edit.source.row)


def score_spun(runner: Runner, spun_sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Restore every spun record of every file; return per-record figures and the edit pairs."""
    from restorer import apply_edits

    rows: list[dict[str, Any]] = []
    harmful_pairs: Counter[tuple[str, str, str]] = Counter()
    helpful_pairs: Counter[tuple[str, str, str]] = Counter()
    spin_rates: list[float] = []
    words = 0
    replay_mismatch = 0
    for file_name, rec in ((name, r) for name, records in spun_sets.items() for r in records):
        spun, original = rec["spun"], rec["original"]
        words += len(spun.split())
        res = runner(rec["id"], spun)
        spin_rates.append(float(res.spin_rate))
        orig_toks = tokens(normalise(original))
        d0 = distance(tokens(normalise(spun)), orig_toks)
        d1 = distance(tokens(normalise(res.text)), orig_toks)
        edits = list(res.edits)
        replayed = apply_edits(spun, edits)
        if replayed != res.text:
            replay_mismatch += 1
        # Attribute each edit: d1 with all edits (replayed) vs d1 with that one edit left out.
        d_all = distance(tokens(normalise(replayed)), orig_toks)
        helpful = harmful = neutral = 0
        for i, edit in enumerate(edits):
            without = apply_edits(spun, edits[:i] + edits[i + 1 :])
            d_without = distance(tokens(normalise(without)), orig_toks)
            if d_without > d_all:
                helpful += 1
                helpful_pairs[edit_pair(edit)] += 1
            elif d_without < d_all:
                harmful += 1
                harmful_pairs[edit_pair(edit)] += 1
            else:
                neutral += 1
        rows.append(
            {
                "id": rec["id"],
                "story": story_of(rec["id"]),
                "file": file_name,
                "d0": d0,
                "d1": d1,
                "exact": normalise(res.text) == normalise(original),
                "exact_before": normalise(spun) == normalise(original),
                "edits": len(edits),
                "helpful": helpful,
                "harmful": harmful,
                "neutral": neutral,
                "spin_rate": float(res.spin_rate),
            }
        )
    return {
        "rows": rows,
        "harmful_pairs": harmful_pairs,
        "helpful_pairs": helpful_pairs,
        "spin_rates": spin_rates,
        "words": words,
        "replay_mismatch": replay_mismatch,
    }


def summarise_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    d0 = sum(r["d0"] for r in rows)
    d1 = sum(r["d1"] for r in rows)
    edits = sum(r["edits"] for r in rows)
    helpful = sum(r["helpful"] for r in rows)
    harmful = sum(r["harmful"] for r in rows)
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_story[r["story"]].append(r)
    story_micro = [
        reduction(sum(r["d0"] for r in rs), sum(r["d1"] for r in rs)) for rs in by_story.values()
    ]
    story_micro_known = [m for m in story_micro if m is not None]
    return {
        "records": len(rows),
        "stories": len(by_story),
        "d0": d0,
        "d1": d1,
        "error_reduction_micro": reduction(d0, d1),
        "error_reduction_macro_by_story": (
            statistics.fmean(story_micro_known) if story_micro_known else None
        ),
        "exact": sum(r["exact"] for r in rows),
        "exact_before": sum(r["exact_before"] for r in rows),
        "records_worse": sum(r["d1"] > r["d0"] for r in rows),
        "records_better": sum(r["d1"] < r["d0"] for r in rows),
        "edits": edits,
        "edits_helpful": helpful,
        "edits_harmful": harmful,
        "edits_neutral": sum(r["neutral"] for r in rows),
        "edit_precision": ratio(helpful, edits),
    }


def score_clean(runner: Runner, items: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Restore text that was never spun. ``items`` are (id, group, text)."""
    groups: dict[str, dict[str, int]] = defaultdict(Counter)
    pairs: Counter[tuple[str, str, str]] = Counter()
    spin_rates: list[float] = []
    changed_ids: list[tuple[str, int]] = []
    for record_id, group, text in items:
        res = runner(record_id, text)
        before, after = tokens(text), tokens(res.text)
        changed = changed_tokens(before, after)
        g = groups[group]
        g["records"] += 1
        g["tokens"] += len(before)
        g["changed_tokens"] += changed
        g["edits"] += len(res.edits)
        g["records_changed"] += int(res.text != text)
        spin_rates.append(float(res.spin_rate))
        for edit in res.edits:
            pairs[edit_pair(edit)] += 1
        if changed:
            changed_ids.append((record_id, changed))
    out: dict[str, Any] = {}
    for name, g in groups.items():
        out[name] = dict(g) | {
            "damage_per_1000_tokens": per_thousand(g["changed_tokens"], g["tokens"])
        }
    return {"groups": out, "pairs": pairs, "spin_rates": spin_rates, "changed_ids": changed_ids}


def total_group(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    keys = ("records", "tokens", "changed_tokens", "edits", "records_changed")
    tot = {k: sum(g.get(k, 0) for g in groups) for k in keys}
    tot["damage_per_1000_tokens"] = per_thousand(tot["changed_tokens"], tot["tokens"])
    return tot


def top_pairs(counter: Counter[tuple[str, str, str]], n: int) -> list[dict[str, Any]]:
    return [
        {"spun": s, "replacement": r, "row": row, "count": c}
        for (s, r, row), c in counter.most_common(n)
    ]


# ---------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Score a restorer mode on the dev set (error reduction, clean-text damage)."
    )
    p.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="dev set directory")
    p.add_argument("--model", default="fast", help="RestorerConfig.model (default: fast)")
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="RestorerConfig override, repeatable (e.g. --option min_margin=1.5)",
    )
    p.add_argument("--out", type=Path, help="result JSON (default: results/quality-<model>.json)")
    p.add_argument("--label", default="", help="free text saved in the result JSON")
    p.add_argument("--show", type=int, default=0, metavar="N", help="print N worst records (ids)")
    p.add_argument(
        "--documents",
        action="store_true",
        help="also restore each spinner's copy of a story as one document (its paragraphs "
        "joined) and report error reduction on those documents",
    )
    p.add_argument(
        "--loso",
        action="store_true",
        help="leave one story out: restore each story's spun records with tables that never saw "
        "it (learned rows from the other stories, no curated row tuned on it); clean text is "
        "restored with the shipped tables",
    )
    p.add_argument(
        "--learned",
        choices=("pairs", "matches", "none"),
        default="pairs",
        help="with --loso: learn rows from the other stories' dev pairs (pairs), from the "
        "pairs 'restorer match' finds for their spun paragraphs among all originals and the "
        "clean paragraphs (matches: what a corpus user would have), or learn none",
    )
    return p


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = parse_options(args.option)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))

    devset: Path = args.devset
    if devset_missing("run_quality", devset):
        return 0

    from restorer import RestorerConfig

    try:
        config = RestorerConfig(model=args.model).with_options(**options)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    make = restorer_factory(args.model)
    runner = Runner(make(config, None))
    runner("warm-up", WARM_UP)  # lazy loads are not charged to the first dev record
    warm_up_seconds, runner.seconds = runner.seconds, 0.0
    CASCADE_COUNTS.clear()

    spun_sets = {name: read_jsonl(devset / name) for name in SPUN_FILES}
    clean_records = read_jsonl(devset / CLEAN_FILE)

    # -- spun pairs
    tables = None
    matching = None  # --learned matches: how the dev pairs fared in restorer match
    spun_runner = runner
    if args.loso:
        every = [r for records in spun_sets.values() for r in records]
        tuned = {r["id"] for name in TUNED_FILES for r in spun_sets.get(name, [])}
        learn_from = None
        if args.learned == "none":
            learn_from = []
        elif args.learned == "matches":
            clean_texts = [r["text"] for r in clean_records]
            learn_from, matching = matched_records(every, clean_texts)
        tables = StoryTables(every, tuned, learn_from)
        spun_runner = StoryRunner(config, tables, make)
    scored = score_spun(spun_runner, spun_sets)
    by_document = None
    if args.documents:
        doc_rows = score_spun(spun_runner, documents(spun_sets))["rows"]
        by_document = summarise_rows(doc_rows) | {
            "per_batch": {
                name: summarise_rows([r for r in doc_rows if r["file"] in files])
                for name, files in {**BATCHES, "batches 2+3": UNSEEN_FILES}.items()
            },
            "records_detail": doc_rows,
        }
    rows: list[dict[str, Any]] = scored["rows"]
    words: int = scored["words"]
    replay_mismatch: int = scored["replay_mismatch"]
    spun_seconds = spun_runner.seconds
    spun_tiers = dict(CASCADE_COUNTS)

    # -- clean text: dev originals and clean paragraphs
    runner.seconds = 0.0
    originals = [
        (r["id"], "originals", r["original"]) for records in spun_sets.values() for r in records
    ]
    clean = [(r["id"], f"clean_{r.get('domain', 'unknown')}", r["text"]) for r in clean_records]
    registers = [(r["id"], r["domain"], r["text"]) for r in read_jsonl(CLEAN_REGISTERS)]
    orig_scored = score_clean(runner, originals)
    clean_scored = score_clean(runner, clean)
    register_scored = score_clean(runner, registers)
    pages_scored = None
    if args.documents:
        # whole clean pages too: a long clean text is where weak evidence piles up
        pages: dict[str, list[str]] = defaultdict(list)
        for r in clean_records:
            pages[r.get("url", r["id"])].append(r["text"])
        pages_scored = score_clean(
            runner,
            [
                (f"page-{n:03d}", "clean_pages", "\n".join(texts))
                for n, texts in enumerate(pages.values(), start=1)
            ],
        )
    clean_seconds = runner.seconds

    by_domain = {k.removeprefix("clean_"): v for k, v in sorted(clean_scored["groups"].items())}
    damage = {
        "originals": orig_scored["groups"].get("originals", total_group([])),
        "clean_paragraphs": total_group(by_domain.values()),
    }
    damage["registers"] = total_group(register_scored["groups"].values())
    clean_groups = ["originals", "clean_paragraphs", "registers"]
    if pages_scored is not None:
        damage["clean_pages"] = pages_scored["groups"].get("clean_pages", total_group([]))
        clean_groups.append("clean_pages")
    damage["combined"] = total_group([damage[name] for name in clean_groups])
    damage["clean_paragraphs_by_domain"] = by_domain
    damage["registers_by_domain"] = dict(sorted(register_scored["groups"].items()))
    short = [
        record_id
        for record_id, _group, text in clean + registers
        if len(text.split()) < SHORT_WORDS
        and record_id
        in {i for i, _n in clean_scored["changed_ids"] + register_scored["changed_ids"]}
    ]
    damage["short_records_changed"] = {"under_words": SHORT_WORDS, "ids": short}
    clean_pairs = orig_scored["pairs"] + clean_scored["pairs"] + register_scored["pairs"]

    # -- per story / per file
    per_story: dict[str, Any] = {}
    for story in sorted({r["story"] for r in rows}):
        per_story[story] = summarise_rows([r for r in rows if r["story"] == story])
    per_file = {name: summarise_rows([r for r in rows if r["file"] == name]) for name in SPUN_FILES}
    per_batch = {
        name: summarise_rows([r for r in rows if r["file"] in files])
        for name, files in {**BATCHES, "batches 2+3": UNSEEN_FILES}.items()
    }
    overall = summarise_rows(rows)
    worst = sorted(rows, key=lambda r: (-r["d1"], -(r["d1"] - r["d0"]), r["id"]))

    needed = [devset / name for name in DEVSET_FILES]
    result: dict[str, Any] = run_metadata("quality") | {
        "model": args.model,
        "options": options,
        "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "label": args.label,
        "leave_one_story_out": bool(args.loso),
        "learned_from": args.learned if args.loso else None,
        "matching": matching,
        "curated_audit": tables.audit() if tables is not None else None,
        "devset": {
            "path": str(devset),
            "files": {p.name: {"sha256": sha256(p), "records": len(read_jsonl(p))} for p in needed},
        },
        "spun": overall
        | {
            "per_file": per_file,
            "per_batch": per_batch,
            "per_story": per_story,
            "records_detail": rows,
            "replay_mismatch": replay_mismatch,
            "top_harmful_pairs": top_pairs(scored["harmful_pairs"], TOP_PAIRS),
            "top_helpful_pairs": top_pairs(scored["helpful_pairs"], TOP_PAIRS),
        },
        "documents": by_document,
        "damage": damage,
        "clean_top_pairs": top_pairs(clean_pairs, TOP_PAIRS),
        "clean_changed_records": sorted(
            orig_scored["changed_ids"]
            + clean_scored["changed_ids"]
            + register_scored["changed_ids"]
            + (pages_scored["changed_ids"] if pages_scored else []),
            key=lambda x: (-x[1], x[0]),
        ),
        "spin_rate": {
            "spun": distribution(scored["spin_rates"]),
            "originals": distribution(orig_scored["spin_rates"]),
            "clean_paragraphs": distribution(clean_scored["spin_rates"]),
            "registers": distribution(register_scored["spin_rates"]),
            "clean_all": distribution(
                orig_scored["spin_rates"]
                + clean_scored["spin_rates"]
                + register_scored["spin_rates"]
            ),
        },
        "cascade_segments": {
            "spun": spun_tiers,
            "clean": dict(CASCADE_COUNTS - Counter(spun_tiers)),
        }
        if args.model == "cascade"
        else None,
        "timing": {
            "warm_up_seconds": warm_up_seconds,
            "spun_seconds": spun_seconds,
            "spun_words": words,
            "spun_words_per_s": ratio(words, spun_seconds),
            "clean_seconds": clean_seconds,
            "clean_words": sum(len(t.split()) for _i, _g, t in originals + clean + registers),
        },
    }
    result["timing"]["clean_words_per_s"] = ratio(
        result["timing"]["clean_words"], result["timing"]["clean_seconds"]
    )

    learned = "" if args.learned == "pairs" or not args.loso else f"-learned-{args.learned}"
    loso = f"-loso{learned}" if args.loso else ""
    out: Path = args.out or RESULTS / f"quality-{args.model}{loso}.json"
    write_result(out, result)

    # -- human summary
    sr = result["spin_rate"]
    print(
        f"quality  model={args.model} options={options or '{}'} "
        f"{'leave-one-story-out ' if args.loso else ''}"
        f"version={result['restorer_version']} "
        f"commit={result['git_commit']}{'+dirty' if result['git_restorer_dirty'] else ''}"
    )
    print(
        f"spun     {overall['records']} records, {overall['stories']} stories: "
        f"error reduction micro {fmt(overall['error_reduction_micro'])}, "
        f"macro {fmt(overall['error_reduction_macro_by_story'])} "
        f"(d0 {overall['d0']} -> d1 {overall['d1']}); exact {overall['exact']}/"
        f"{overall['records']} (before {overall['exact_before']}); "
        f"worse {overall['records_worse']}, better {overall['records_better']}"
    )
    print(
        f"edits    {overall['edits']}: helpful {overall['edits_helpful']}, "
        f"harmful {overall['edits_harmful']}, neutral {overall['edits_neutral']}; "
        f"precision {fmt(overall['edit_precision'])}"
    )
    for name, fig in (per_file | per_batch).items():
        print(
            f"  {name:<18} micro {fmt(fig['error_reduction_micro'])} "
            f"macro {fmt(fig['error_reduction_macro_by_story'])} exact {fig['exact']}/"
            f"{fig['records']}"
        )
    if by_document is not None:
        batches = by_document["per_batch"]
        print(
            f"documents {by_document['records']}: error reduction micro "
            f"{fmt(by_document['error_reduction_micro'])}, macro "
            f"{fmt(by_document['error_reduction_macro_by_story'])}; batches 2+3 micro "
            f"{fmt(batches['batches 2+3']['error_reduction_micro'])}"
        )
    parts = []
    for name in ("originals", "clean_paragraphs", "registers", "clean_pages", "combined"):
        if name not in damage:
            continue
        g = damage[name]
        parts.append(
            f"{name} {fmt(g['damage_per_1000_tokens'], '.2f')} "
            f"({g['records_changed']}/{g['records']} records, {g['edits']} edits)"
        )
    print("damage   per 1,000 tokens: " + "; ".join(parts))
    print(
        f"spin     mean/p90 spun {fmt(sr['spun']['mean'])}/{fmt(sr['spun']['p90'])}, "
        f"clean {fmt(sr['clean_all']['mean'])}/{fmt(sr['clean_all']['p90'])}"
    )
    print(
        f"speed    spun {words} words in {spun_seconds:.2f}s = "
        f"{fmt(result['timing']['spun_words_per_s'], '.0f')} words/s"
    )
    if clean_pairs:
        print("clean-text edits (top 10):")
        for p in result["clean_top_pairs"][:10]:
            print(f"  {p['count']:>4}  {p['spun']!r} -> {p['replacement']!r}  [{p['row']}]")
    if replay_mismatch:
        print(f"WARNING: apply_edits(spun, edits) != res.text on {replay_mismatch} records")
    if args.show > 0:
        print(f"worst {args.show} records by remaining errors (d1):")
        for r in worst[: args.show]:
            print(
                f"  {r['id']:<34} d0 {r['d0']:>3} d1 {r['d1']:>3} edits {r['edits']:>2} "
                f"(+{r['helpful']} -{r['harmful']} ={r['neutral']})"
            )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
