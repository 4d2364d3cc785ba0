"""Build ``restorer/data/optional/thesaurus_en.tsv``: open thesauri, inverted (spun -> original).

A spinner replaces an original word ``o`` with one of its thesaurus mates ``s``; the restorer
needs the reverse, ``s -> o``. This script reads two open thesauri installed from Debian (see
``data/SOURCES.md`` for versions and licences):

* WordNet 3.0 (``wordnet-base``, ``/usr/share/wordnet/data.*`` and ``index.*``): the members of
  one synset are synonyms. A word's senses are listed most frequent first in ``index.*``, so
  the sense rank says how likely a word is to be *meant* in that synset.
* the LibreOffice/MyThes English thesaurus (``mythes-en-us``, ``th_en_US_v2.dat``): per
  headword, per meaning, its synonyms. By default its ``(similar term)``, ``(related term)`` and
  ``(generic term)`` entries are used too (``--mythes-marks``): spinners' thesauri list such
  near-synonyms and one-step broader words (``schooling`` for ``education``), and on the dev set
  they raise candidate recall; ``(antonym)`` entries never are.

Each pair becomes ``s -> o`` in lemma form (the table re-inflects), lower case only (names are
the curated table's job), at most three words a side, under these rules:

* the original is a common word (``wordfreq`` Zipf >= ``--min-original-zipf``): news originals
  are, and rare originals mostly add noise;
* the synset is among the original's first ``--max-rank`` senses (WordNet; MyThes meanings in
  their listed order), so far-fetched senses of common words stay out;
* one direction per pair, towards the more frequent word (ties: alphabetical). Spinners swap
  common words for thesaurus mates, which are usually rarer, and two rows that undo each other
  would make restoration depend on row order (``restorer table check`` rejects them);
* nothing the curated table already decides: a spun phrase listed there keeps its curated row,
  and a pair the curated table has the other way round is dropped;
* at most ``--max-canonicals`` originals per spun word, most frequent first.

Every row's prior is ``--prior`` (low: a thesaurus mate is a weak reason to restore), and its
source names the thesauri it came from. The output is deterministic for the same inputs.

Usage (from the repository root, after ``apt-get install wordnet-base mythes-en-us``)::

    .venv/bin/python data/build_thesaurus.py   # writes restorer/data/optional/thesaurus_en.tsv
    .venv/bin/python data/build_thesaurus.py --out /tmp/t.tsv --max-rank 2
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDNET = Path("/usr/share/wordnet")
MYTHES = Path("/usr/share/mythes/th_en_US_v2.dat")
CURATED = REPO / "restorer" / "data" / "curated_en.tsv"
OUT = REPO / "restorer" / "data" / "optional" / "thesaurus_en.tsv"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
MYTHES_POS = {"(noun)": "n", "(verb)": "v", "(adj)": "a", "(adv)": "r"}
_WORD = re.compile(r"[a-z][a-z' -]*[a-z]|[a-z]")


def package_version(name: str) -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", name],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def clean(lemma: str) -> str | None:
    """Return a usable lemma (lower case, spaces, 1-3 words) or None."""
    lemma = re.sub(r"\([a-z]+\)$", "", lemma).replace("_", " ").strip()
    if lemma != lemma.lower() or not _WORD.fullmatch(lemma) or len(lemma.split()) > 3:
        return None
    return lemma


def wordnet_synsets() -> Iterator[tuple[str, str, list[str]]]:
    """Yield ``(pos, offset, lemmas)`` for every WordNet synset."""
    for name, pos in POS.items():
        with (WORDNET / f"data.{name}").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue  # licence header
                parts = line.split(" ")
                offset, count = parts[0], int(parts[3], 16)
                lemmas = [parts[4 + 2 * k] for k in range(count)]
                yield pos, offset, lemmas


def wordnet_ranks() -> dict[tuple[str, str, str], int]:
    """Return the sense rank (1 = most frequent) of each ``(lemma, pos, offset)``."""
    ranks: dict[tuple[str, str, str], int] = {}
    for name, pos in POS.items():
        with (WORDNET / f"index.{name}").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split()
                lemma, n_synsets = parts[0], int(parts[2])
                offsets = parts[-n_synsets:]
                for rank, offset in enumerate(offsets, start=1):
                    ranks[lemma, pos, offset] = rank
    return ranks


def wordnet_pairs(max_rank: int) -> Iterator[tuple[str, str]]:
    """Yield ``(word, mate)`` for members of one synset within ``max_rank`` senses of both."""
    ranks = wordnet_ranks()
    for pos, offset, lemmas in wordnet_synsets():
        for a in lemmas:
            ra = ranks.get((a.lower(), pos, offset), 99)
            ca = clean(a)
            if ca is None or ra > max_rank:
                continue
            for b in lemmas:
                cb = clean(b)
                if cb is None or cb == ca:
                    continue
                yield ca, cb


_MARKS = ("(similar term)", "(generic term)", "(related term)")


def mythes_pairs(max_rank: int, marks: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Yield ``(headword, mate)`` for synonyms (and ``marks`` terms) of the first meanings."""
    with MYTHES.open(encoding="utf-8") as fh:
        fh.readline()  # encoding line
        while True:
            head = fh.readline()
            if not head:
                break
            word, _, count = head.rstrip("\n").rpartition("|")
            cw = clean(word)
            for rank in range(1, int(count) + 1):
                fields = fh.readline().rstrip("\n").split("|")
                if cw is None or rank > max_rank or fields[0] not in MYTHES_POS:
                    continue
                for mate in fields[1:]:
                    if mate.endswith("(antonym)"):
                        continue
                    kind = next((k for k in _MARKS if mate.endswith(k)), None)
                    if kind is not None:
                        if kind not in marks:
                            continue
                        mate = mate.removesuffix(kind).strip()
                    cm = clean(mate)
                    if cm is not None and cm != cw:
                        yield cw, cm


def curated_rows() -> tuple[set[str], set[tuple[str, str]]]:
    """Return the curated table's spun phrases and its (spun, canonical) pairs, lower case."""
    spun: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    with CURATED.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            s = fields[0].strip().lower()
            spun.add(s)
            pairs.update((s, c.strip().lower()) for c in fields[1].split("|"))
    return spun, pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--max-rank", type=int, default=10, help="senses of the original used")
    parser.add_argument("--min-original-zipf", type=float, default=3.3)
    parser.add_argument("--min-spun-zipf", type=float, default=1.5)
    parser.add_argument("--max-canonicals", type=int, default=6)
    parser.add_argument("--prior", type=float, default=0.08)
    parser.add_argument("--no-mythes", action="store_true")
    parser.add_argument(
        "--mythes-marks",
        default="similar,related,generic",
        help="annotated MyThes terms to use besides plain synonyms (similar,generic,related)",
    )
    parser.add_argument(
        "--both-directions",
        action="store_true",
        help="keep both directions of each pair (measurement only: the table fails lint)",
    )
    parser.add_argument(
        "--share-curated-spun",
        action="store_true",
        help="also propose thesaurus originals for spun words the curated table lists",
    )
    args = parser.parse_args(argv)

    missing = [p for p in (WORDNET / "data.noun", MYTHES) if not p.exists()]
    if missing:
        print(
            f"build_thesaurus: missing {', '.join(map(str, missing))}; "
            "install with: apt-get install wordnet-base mythes-en-us",
            file=sys.stderr,
        )
        return 3

    import wordfreq

    zipf_cache: dict[str, float] = {}

    def zipf(phrase: str) -> float:
        if phrase not in zipf_cache:
            zipf_cache[phrase] = float(wordfreq.zipf_frequency(phrase, "en"))
        return zipf_cache[phrase]

    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    wf_version = importlib.metadata.version("wordfreq")
    wn_version = package_version("wordnet-base")
    my_version = package_version("mythes-en-us")
    wn_name, my_name = "wordnet-3.0", "mythes-en-us"
    # the original is the first element: the spinner replaced it with its mate
    for original, mate in wordnet_pairs(args.max_rank):
        sources[mate, original].add(wn_name)
    if not args.no_mythes:
        marks = tuple(m for m in _MARKS if m.strip("()").split()[0] in args.mythes_marks)
        for original, mate in mythes_pairs(args.max_rank, marks):
            sources[mate, original].add(my_name)

    curated_spun, curated_pairs = curated_rows()
    by_spun: dict[str, list[str]] = defaultdict(list)
    row_sources: dict[str, set[str]] = defaultdict(set)
    for (spun, original), srcs in sorted(sources.items()):
        zs, zo = zipf(spun), zipf(original)
        if zo < args.min_original_zipf or zs < args.min_spun_zipf:
            continue
        if (zo, spun) <= (zs, original) and not args.both_directions:
            continue  # one direction per pair: towards the more frequent word
        if (original, spun) in curated_pairs or (spun, original) in curated_pairs:
            continue  # the curated table decides this pair (or has it the other way round)
        if spun in curated_spun and not args.share_curated_spun:
            continue
        by_spun[spun].append(original)
        row_sources[spun].update(srcs)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("# restorer-phrases 1\n# spun\tcanonical\tprior\tsource\n")
        fh.write(
            "# Generated by data/build_thesaurus.py; do not edit by hand. Inverse of the open\n"
            f"# thesauri WordNet 3.0 (Debian wordnet-base {wn_version}) and MyThes en_US\n"
            f"# (Debian mythes-en-us {my_version}), ranked with wordfreq {wf_version};\n"
            "# licences: THESAURUS-LICENSES.txt beside this file. Rebuild after editing\n"
            "# restorer/data/curated_en.tsv (its rows win over these).\n"
            f"# Options: max-rank {args.max_rank}, min-original-zipf {args.min_original_zipf}, "
            f"min-spun-zipf {args.min_spun_zipf}, max-canonicals {args.max_canonicals}, "
            f"prior {args.prior}, mythes {not args.no_mythes}\n"
        )
        for spun in sorted(by_spun):
            originals = sorted(set(by_spun[spun]), key=lambda o: (-zipf(o), o))
            originals = originals[: args.max_canonicals]
            source = "thesaurus: " + " + ".join(sorted(row_sources[spun]))
            fh.write(f"{spun}\t{'|'.join(originals)}\t{args.prior}\t{source}\n")
            rows += 1
    size = args.out.stat().st_size
    print(f"build_thesaurus: wrote {rows} rows ({size / 1e6:.2f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
