"""What the benchmark scripts share: paths, the dev set, provenance, token metrics, grids.

The scripts in this folder are run as scripts (``.venv/bin/python benchmarks/run_quality.py``),
so Python puts this folder on ``sys.path`` and ``import common`` finds this module. A script
that may also be loaded by path (``importlib.util.spec_from_file_location``, as
``tests/test_recall.py`` loads ``run_recall.py``) inserts its own folder first::

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import git_commit, read_jsonl

Only the standard library is imported at module level: ``lm_torch.py`` runs in another venv
(``run_lm_runtime.py --torch-python``), and ``restorer`` and ``rapidfuzz`` are imported by the
functions that need them.

What lives here and why:

* one definition of the dev set's location and files, and of how a script skips cleanly when
  it is absent (CI has no dev set; DESIGN.md: the dev set is read by path, never copied);
* provenance: every result JSON records the restorer version, the git commit, whether
  ``restorer/`` had uncommitted changes, the date (UTC), the Python version and the machine
  (benchmarks/README.md), so results from different code or machines are not mixed up;
* the token metrics of ``run_quality.py`` (README "Comparing texts"), so other scripts count
  tokens and distances the same way;
* the grid plumbing of ``calibrate_fast.py`` and ``calibrate_lm.py``: run one quality point,
  summarise it, and choose a point whose grid neighbours are safe too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
RESULTS = BENCHMARKS / "results"
#: ``../shared/devset`` next to the repository (``--devset DIR`` overrides it in the scripts).
DEFAULT_DEVSET = REPO.parent / "shared" / "devset"
#: Spun paragraphs paired with their originals (``id``, ``spun``, ``original``), by batch: the
#: first batch (``real_pairs`` and ``seed_pairs``) is the one the shipped rows and constants were
#: first written on; batches 2 and 3 were measured before they were shared (devset README).
BATCHES: dict[str, tuple[str, ...]] = {
    "batch 1": ("real_pairs.jsonl", "seed_pairs.jsonl"),
    "batch 2": ("real_pairs_2.jsonl",),
    "batch 3": ("real_pairs_3.jsonl",),
}
SPUN_FILES = tuple(name for files in BATCHES.values() for name in files)
#: The batches a release was not tuned on, reported together (issue 19's "unseen" figure).
UNSEEN_FILES = ("real_pairs_2.jsonl", "real_pairs_3.jsonl")
#: Prose that was never spun (``id``, ``text``, ``domain``).
CLEAN_FILE = "clean_paragraphs.jsonl"
DEVSET_FILES = (*SPUN_FILES, CLEAN_FILE)
#: Spinner-style words for a warm-up call: lazy loads (tables, frequencies, inflection) that
#: only happen on a first table match are not charged to the first timed record.
WARM_UP = "The Home Division mentioned the invoice would pass."

# ---------------------------------------------------------------------------- files


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the records of a JSONL file, skipping blank lines."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file: results name the exact copy of the dev set they were run on."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def devset_missing(script: str, devset: Path, names: Iterable[str] = DEVSET_FILES) -> bool:
    """Tell (one line on stderr) and return True when a dev set file is missing.

    A benchmark without its dev set exits 0 after this line, so CI without the (third-party)
    dev set skips it cleanly instead of failing.
    """
    missing = [devset / name for name in names if not (devset / name).is_file()]
    if missing:
        print(
            f"{script}: dev set not found ({', '.join(str(p) for p in missing)}); skipping",
            file=sys.stderr,
        )
    return bool(missing)


def spun_files(devset: Path) -> tuple[str, ...]:
    """The pair files of ``devset`` that are there, in ``SPUN_FILES`` order.

    A copy of the dev set made before the later batches were shared has only the first; the
    scripts that can measure what they find (``run_recall.py``) take what is there.
    """
    return tuple(name for name in SPUN_FILES if (devset / name).is_file())


def spun_paragraphs(devset: Path = DEFAULT_DEVSET) -> list[str]:
    """The spun side of every dev pair, file by file (``SPUN_FILES``), in file order."""
    return [r["spun"] for name in SPUN_FILES for r in read_jsonl(devset / name)]


def lm_skip_reason(devset: Path = DEFAULT_DEVSET) -> str | None:
    """Why a benchmark of the ``lm`` tier cannot run here (no dev set, tier not installed)."""
    if not (devset / SPUN_FILES[0]).is_file():
        return "dev set not found"
    from restorer.lm import lm_missing_reason

    return lm_missing_reason()


def write_result(path: Path, result: dict[str, Any]) -> None:
    """Write a result JSON: sorted keys, two-space indent, a final newline, folders made.

    Infinite and NaN floats (an option such as ``lm_prune_slack=inf``) are written as the
    strings ``"inf"``, ``"-inf"`` and ``"nan"``: the file stays strict JSON that any reader
    takes, and ``parse_value`` reads the same words back as options.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_finite(result), indent=2, sort_keys=True, default=json_default)
    path.write_text(text + "\n", encoding="utf-8")


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (in dicts, lists and tuples) as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    """JSON for what ``json`` does not know: paths as strings, tuples and sets as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)


# ---------------------------------------------------------------------------- provenance


def git(*args: str) -> str | None:
    """Run ``git ARGS`` in the repository; its stripped stdout, or None without git/a repo."""
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def git_commit() -> str:
    """The short commit hash of ``HEAD``, or ``"unknown"``."""
    return git("rev-parse", "--short", "HEAD") or "unknown"


def git_restorer_dirty() -> bool | None:
    """Whether ``restorer/`` has uncommitted changes (None when git cannot tell)."""
    dirty = git("status", "--porcelain", "--", "restorer")
    return None if dirty is None else bool(dirty)


def utc_now() -> str:
    """The date and time (UTC, whole seconds) in ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_metadata(benchmark: str, *, version: bool = True, dirty: bool = True) -> dict[str, Any]:
    """The provenance fields every result JSON starts with.

    ``benchmark``, ``git_commit``, ``date``, ``python`` and ``machine`` always;
    ``restorer_version`` and ``git_restorer_dirty`` unless turned off (older result files of
    some scripts lack them, and a script keeps its keys).
    """
    meta: dict[str, Any] = {"benchmark": benchmark, "git_commit": git_commit()}
    if version:
        from restorer import __version__

        meta["restorer_version"] = __version__
    if dirty:
        meta["git_restorer_dirty"] = git_restorer_dirty()
    meta |= {
        "date": utc_now(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    return meta


# ---------------------------------------------------------------------------- options


def parse_value(raw: str) -> Any:
    """``--option`` values: booleans, ``none``, ints and floats where they parse, else text."""
    low = raw.strip().lower()
    if low in {"true", "yes", "on"}:
        return True
    if low in {"false", "no", "off"}:
        return False
    if low in {"none", "null"}:
        return None
    if re.fullmatch(r"[+-]?\d+", raw.strip()):
        return int(raw)
    try:
        return float(raw)
    except ValueError:
        return raw


def parse_options(items: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE`` items into ``RestorerConfig`` overrides (``tables=a.tsv,b.tsv``: a tuple).

    Raises:
        argparse.ArgumentTypeError: for an item without ``=`` or without a name.
    """
    import argparse

    options: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise argparse.ArgumentTypeError(f"--option wants NAME=VALUE, got {item!r}")
        if name == "tables":
            options[name] = tuple(p for p in raw.split(",") if p)
        else:
            options[name] = parse_value(raw)
    return options


def option_args(options: dict[str, Any]) -> list[str]:
    """The ``--option NAME=VALUE`` arguments that give ``options`` back to a script."""
    return [arg for name, value in options.items() for arg in ("--option", f"{name}={value}")]


# ---------------------------------------------------------------------------- token metrics

TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
STORY_RE = re.compile(r"-\d+[a-z]?$")
_NORMALISE = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Map curly quotes to straight ones and NBSP to space (devset README: not spinning)."""
    return text.translate(_NORMALISE)


def tokens(text: str) -> list[str]:
    """Words (with internal apostrophes) and single punctuation marks; no whitespace."""
    return TOKEN_RE.findall(text)


def distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two token lists."""
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(a, b))


def changed_tokens(before: Sequence[str], after: Sequence[str]) -> int:
    """Tokens of ``before`` touched on the way to ``after``.

    Replace and delete ops count one per input token, each insert op counts one.
    """
    from rapidfuzz.distance import Levenshtein

    return sum(1 for _op in Levenshtein.editops(before, after))


def story_of(record_id: str) -> str:
    """``cnbc-johnsonbudget-02a`` -> ``cnbc-johnsonbudget``."""
    return STORY_RE.sub("", record_id)


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or None when there is nothing to divide by."""
    return num / den if den else None


def reduction(d0: int, d1: int) -> float | None:
    """The share of the distance ``d0`` removed (negative when ``d1`` is larger)."""
    return ratio(d0 - d1, d0)


def per_thousand(changed: int, total: int) -> float | None:
    """``changed`` per 1,000 of ``total``."""
    return ratio(1000.0 * changed, total)


def nearest_rank(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile of sorted values: simple and exact on small samples."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, median, nearest-rank p90 and max of ``values`` (None for each when empty)."""
    if not values:
        return {"n": 0, "mean": None, "p50": None, "p90": None, "max": None}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "mean": statistics.fmean(ordered),
        "p50": statistics.median(ordered),
        "p90": nearest_rank(ordered, 0.9),
        "max": ordered[-1],
    }


# ---------------------------------------------------------------------------- leave one story out


def _build_learned() -> Any:
    """``data/build_learned.py`` as a module: the shipped learned rows are made by its function."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_learned", REPO / "data" / "build_learned.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The shipped table files, and the one the dev set's own pairs made (``data/build_learned.py``).
LEARNED_TABLE = "learned_en.tsv"
#: The batch whose stories the curated rows were written on (the later ones were shared after).
TUNED_FILES = BATCHES["batch 1"]


class StoryTables:
    """The tables a restorer that never saw a story would have: leave one story out.

    The shipped tables hold knowledge taken from the dev set itself, so a figure measured on a
    dev story with them is in-sample. For each held-out story this gives the shipped tables
    less what came from that story:

    * **learned rows** (``restorer/data/learned_en.tsv``) are learned again from the *other*
      stories' pairs, by the function that built the shipped file;
    * **curated rows tuned on the story**: a curated row that, over the spun side of every dev
      pair, matches in one story only, and that story is in the batch the curated table was
      written on (``TUNED_FILES``), is that story's own tuning, not knowledge (issue 19's audit);
      it is left out there. Curated rows matching in a later batch's stories only were written
      before those were shared, and stay.
    """

    def __init__(
        self,
        records: Sequence[dict[str, Any]],
        tuned_ids: set[str],
        learn_from: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        from restorer.table import PhraseTable

        self.records = list(records)
        #: the pairs rows are learned from: the dev pairs (default), the pairs ``restorer
        #: match`` found (:func:`matched_records`), or none at all (an empty list)
        self.learn_from = self.records if learn_from is None else list(learn_from)
        data = REPO / "restorer" / "data"
        self.hand = [
            PhraseTable.load(p) for p in sorted(data.glob("*_en.tsv")) if p.name != LEARNED_TABLE
        ]
        self.builder = _build_learned()
        stories: dict[int, set[str]] = {}
        curated = next(t for t in self.hand if t.name == "curated_en.tsv")
        from restorer.tokenize import tokenize

        for rec in self.records:
            for _i, matches in curated.scan(tokenize(rec["spun"]), 12):
                for m in matches:
                    stories.setdefault(m.row.line, set()).add(story_of(rec["id"]))
        tuned_stories = {story_of(i) for i in tuned_ids}
        #: curated row line -> the one story it was tuned on
        self.tuned = {
            line: next(iter(found))
            for line, found in stories.items()
            if len(found) == 1 and next(iter(found)) in tuned_stories
        }

    def audit(self) -> dict[str, Any]:
        """The curated rows tuned on one story, by story (table phrases and ids only)."""
        curated = next(t for t in self.hand if t.name == "curated_en.tsv")
        rows = {r.line: r for r in curated.rows}
        by_story: dict[str, list[str]] = {}
        for line, story in sorted(self.tuned.items()):
            by_story.setdefault(story, []).append(f"{line}: {rows[line].describe()}")
        return {"tuned_rows": len(self.tuned), "by_story": by_story}

    def table(self, story: str) -> Any:
        """The tables for ``story`` held out."""
        from restorer.table import PhraseTable

        parts = []
        for t in self.hand:
            if t.name == "curated_en.tsv":
                t = PhraseTable([r for r in t.rows if self.tuned.get(r.line) != story], name=t.name)
            parts.append(t)
        others = [r for r in self.learn_from if story_of(r["id"]) != story]
        rows = self.builder.learned_rows(others, exclude=self.hand) if others else []
        parts.append(PhraseTable(rows, name=LEARNED_TABLE))
        return parts[0].merged(*parts[1:])


def matched_records(
    records: Sequence[dict[str, Any]], clean: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The dev pairs as a corpus user would get them, through ``restorer match``.

    Each spun record's original is the text the source index finds for it among all dev
    originals and the clean paragraphs. Records without a match are dropped; a wrong match is
    kept (a user would learn from it). Returns the records (``original`` replaced by the
    match) and counts of how they fared.
    """
    from restorer.sources.index import SourceIndex

    originals = list(dict.fromkeys(r["original"] for r in records))
    texts = {f"o{i}": t for i, t in enumerate(originals)}
    texts.update({f"c{i}": t for i, t in enumerate(clean)})
    index = SourceIndex.from_records(texts.items())
    out: list[dict[str, Any]] = []
    counts = {"records": len(records), "matched": 0, "right": 0}
    for rec in records:
        found = index.query(rec["spun"])
        if found is None:
            continue
        counts["matched"] += 1
        counts["right"] += texts[found.id] == rec["original"]
        out.append({**rec, "original": texts[found.id]})
    return out, counts


# ---------------------------------------------------------------------------- calibration grids


def grid_points(grid: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """Every combination of the grid's values, as option dicts (last name varies fastest)."""
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def quality_point(
    run: Callable[[list[str]], object], argv: Sequence[str], options: dict[str, Any]
) -> dict[str, Any]:
    """Run ``run_quality.py`` at one grid point and return its summary (``{}``: no dev set).

    ``run`` gets ``argv`` plus ``--out`` (a temporary file) and the ``--option`` arguments of
    ``options``: ``run_quality.main`` runs it in this process (an installed LM cache is kept),
    a subprocess in a fresh one.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "q.json"
        run([*argv, "--out", str(out), *option_args(options)])
        if not out.exists():  # the dev set is absent: run_quality skipped
            return {}
        result = json.loads(out.read_text())
    spun, damage = result["spun"], result["damage"]
    return {
        "options": options,
        "micro": spun["error_reduction_micro"],
        "macro": spun["error_reduction_macro_by_story"],
        "edit_precision": spun["edit_precision"],
        "damage_originals": damage["originals"]["damage_per_1000_tokens"],
        "damage_clean": damage["clean_paragraphs"]["damage_per_1000_tokens"],
        "damage_combined": damage["combined"]["damage_per_1000_tokens"],
        "git_commit": result["git_commit"],
        # what a leave-one-story-out choice needs (choose_loso)
        "records": [
            [r["id"], r["story"], r["file"], r["d0"], r["d1"]] for r in spun["records_detail"]
        ],
        "changed": [record_id for record_id, _n in result["clean_changed_records"]],
        # the same for whole documents, where the run measured them (--documents)
        "doc_records": [
            [r["id"], r["story"], r["file"], r["d0"], r["d1"]]
            for r in (result.get("documents") or {}).get("records_detail", [])
        ],
    }


def grid_neighbours(
    point: dict[str, Any],
    points: Sequence[dict[str, Any]],
    grid: dict[str, list[Any]],
    axes: Iterable[str],
) -> list[dict[str, Any]]:
    """The measured points one grid step away from ``point`` along each of ``axes``.

    An axis the grid does not span (a direction's own grid that holds it at its shipped value)
    has no neighbours.
    """
    names = list(grid)
    index = {tuple(p["options"][n] for n in names): p for p in points}
    out = []
    for name in axes:
        if name not in grid:
            continue
        k = names.index(name)
        axis = grid[name]
        i = axis.index(point["options"][name])
        for j in (i - 1, i + 1):
            if 0 <= j < len(axis):
                key = [point["options"][n] for n in names]
                key[k] = axis[j]
                if tuple(key) in index:
                    out.append(index[tuple(key)])
    return out


def choose_point(
    points: Sequence[dict[str, Any]],
    grid: dict[str, list[Any]],
    axes: Iterable[str],
    *,
    max_damage: float,
    max_neighbour_damage: float,
    score: Callable[[dict[str, Any]], float],
) -> dict[str, Any] | None:
    """The best-scoring point that is safe and whose neighbours along ``axes`` are near-safe.

    Safe: combined clean-text damage at most ``max_damage`` per 1,000 tokens. A point on the
    edge of the safe region is one small data change away from damaging clean text, so its
    neighbours along ``axes`` (the constants most likely to be off for a user's documents) must
    stay within ``max_neighbour_damage`` too. None when no point qualifies.
    """
    axes = tuple(axes)
    safe = [
        p
        for p in points
        if p["damage_combined"] <= max_damage
        and all(
            q["damage_combined"] <= max_neighbour_damage
            for q in grid_neighbours(p, points, grid, axes)
        )
    ]
    return max(safe, key=score) if safe else None


def figures(records: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Micro, macro by story and per batch of ``[id, story, file, d0, d1]`` records."""

    def micro(rs: Sequence[Sequence[Any]]) -> float | None:
        return reduction(sum(r[3] for r in rs), sum(r[4] for r in rs))

    stories: dict[str, list[Sequence[Any]]] = {}
    for r in records:
        stories.setdefault(r[1], []).append(r)
    per_story = {name: micro(rs) for name, rs in sorted(stories.items())}
    known = [v for v in per_story.values() if v is not None]
    batches = {**BATCHES, "batches 2+3": UNSEEN_FILES}
    return {
        "micro": micro(records),
        "macro": statistics.fmean(known) if known else None,
        "per_batch": {
            name: micro([r for r in records if r[2] in files]) for name, files in batches.items()
        },
        "per_story": per_story,
    }


def choose_loso(
    points: Sequence[dict[str, Any]],
    grid: dict[str, list[Any]],
    axes: Iterable[str],
    *,
    max_damage: float,
    max_neighbour_damage: float,
    on: str = "records",
) -> dict[str, Any]:
    """Choose constants leave one story out, and report the held-out figures.

    ``on`` names the points' records the choice is made on: ``records`` (paragraphs) or
    ``doc_records`` (each spinner's copy of a story as one document); the figures of both are
    reported where every point has them.

    For each story, the point is chosen on the *other* stories only: the best micro + macro
    error reduction there (a tie is broken on the other kind of records) among points that
    edit no clean text outside the story's own originals (``max_damage`` must be 0 for that
    reading; otherwise the combined figure is used) and whose grid neighbours along ``axes``
    stay within ``max_neighbour_damage``. The story's records are then measured at that point.
    The figures over all stories' held-out records are the headline; ``in_sample`` is the
    point chosen on every story, measured on every story (the shipped defaults, and an
    optimistic figure).
    """
    axes = tuple(axes)
    ids = {r[0] for p in points for r in p["records"]}
    stories = sorted({r[1] for p in points for r in p[on]})

    def ok(point: dict[str, Any], story: str | None) -> bool:
        if max_damage > 0:
            return bool(point["damage_combined"] <= max_damage)
        return not [i for i in point["changed"] if not (i in ids and story_of(i) == story)]

    def safe(story: str | None) -> list[dict[str, Any]]:
        return [
            p
            for p in points
            if ok(p, story)
            and all(
                q["damage_combined"] <= max_neighbour_damage
                for q in grid_neighbours(p, points, grid, axes)
            )
        ]

    kinds = [k for k in ("records", "doc_records") if all(p.get(k) for p in points)]
    # what breaks a tie on ``on``: the other kind (constants that only short texts feel tie on
    # whole documents and are chosen on paragraphs); each figure is rounded so that float
    # noise is no preference
    order = [on, *(k for k in kinds if k != on)]

    def objective(point: dict[str, Any], story: str | None) -> tuple[float, ...]:
        out = []
        for kind in order:
            fig = figures([r for r in point[kind] if r[1] != story])
            out.append(round(float((fig["micro"] or 0.0) + (fig["macro"] or 0.0)), 9))
        return tuple(out)

    held: dict[str, list[Sequence[Any]]] = {k: [] for k in kinds}
    chosen_by_story: dict[str, dict[str, Any] | None] = {}
    for story in stories:
        candidates = safe(story)
        best = max(candidates, key=lambda p: objective(p, story)) if candidates else None
        chosen_by_story[story] = best["options"] if best else None
        for kind in kinds:
            if best is None:  # no safe point: the story is left as it is (d1 = d0)
                kept = [r for r in points[0][kind] if r[1] == story]
                held[kind].extend([r[0], r[1], r[2], r[3], r[3]] for r in kept)
            else:
                held[kind].extend(r for r in best[kind] if r[1] == story)
    everywhere = safe(None)
    chosen = max(everywhere, key=lambda p: objective(p, None)) if everywhere else None
    names = {"records": "", "doc_records": "documents_"}
    out: dict[str, Any] = {"chosen_on": on, "chosen_by_story": chosen_by_story}
    for kind in kinds:
        out[f"{names[kind]}held_out"] = figures(held[kind])
        out[f"{names[kind]}in_sample"] = figures(chosen[kind]) if chosen else None
    out["chosen"] = chosen["options"] if chosen else None
    out["in_sample_damage_combined"] = chosen["damage_combined"] if chosen else None
    return out
