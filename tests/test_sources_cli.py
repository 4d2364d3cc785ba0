"""``restorer match`` and ``batch --reference``: finding sources in a reference collection and
restoring from them, on every input format, through the real command line.

The paragraphs are written for these tests: a source, a spun copy of it (about a third of its
content words swapped for thesaurus mates), an unrelated source, and a text with no source.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restorer.cli import app

SOURCE = (
    "The harbour authority said on Tuesday that the old pier at Kettleby would close for "
    "repairs in March, after engineers found serious damage to its timber supports during a "
    "routine inspection last winter."
)
SPUN = (
    "The harbour authority mentioned on Tuesday that the previous pier at Kettleby would shut "
    "for maintenance in March, after engineers discovered severe harm to its timber supports "
    "throughout a routine examination last winter."
)
OTHER = (
    "Volunteers planted four hundred oak saplings along the river path in Marlow this weekend, "
    "hoping the trees will shade walkers and steady the banks against the floods that have worn "
    "them away."
)
NO_SOURCE = (
    "A bakery in Hartfield has won a regional prize for its sourdough, which the owners make "
    "with flour milled two miles away and bake overnight in a wood-fired oven built by hand."
)
TABLE = "# restorer-phrases 1\n# spun\tcanonical\tprior\tsource\nwon\twin\t0.01\ttest\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def reference(tmp_path) -> Path:
    return _jsonl(
        tmp_path / "ref.jsonl",
        [{"doc": "harbour-1", "text": SOURCE}, {"doc": "oaks-7", "text": OTHER}],
    )


def test_match_names_the_source_or_null(runner, tmp_path, reference):
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN, "n": 1}, {"text": NO_SOURCE, "n": 2}])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["match", str(corpus), "--against", str(reference), "--id-field", "doc", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    first, second = _read(out)
    assert first["text"] == SPUN and first["n"] == 1  # the text and other fields stay
    assert first["restorer"]["source"]["id"] == "harbour-1"
    assert 0.7 <= first["restorer"]["source"]["score"] <= 1.0
    assert second["restorer"] == {"source": None}
    assert "1 matched a source" in result.stderr


def test_match_loads_no_restorer_tables(runner, tmp_path, reference, monkeypatch):
    """Matching changes no text, so the restorer's tables are never read (they cost time)."""
    from restorer.core import Restorer

    def refuse(self):
        raise AssertionError("match read the restorer's tables")

    monkeypatch.setattr(Restorer, "table", property(refuse))
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}, {"text": NO_SOURCE}])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["match", str(corpus), "--against", str(reference), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["restorer"]["source"] is not None for r in _read(out)] == [True, False]


def test_match_without_an_id_field_names_the_line(runner, tmp_path, reference):
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}])
    result = runner.invoke(app, ["match", str(corpus), "--against", str(reference), "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["restorer"]["source"]["id"] == "1"


def test_match_one_text_file_against_a_folder(runner, tmp_path):
    folder = tmp_path / "originals"
    folder.mkdir()
    (folder / "harbour.txt").write_text(SOURCE, encoding="utf-8")
    (folder / "oaks.txt").write_text(OTHER, encoding="utf-8")
    spun = tmp_path / "copy.txt"
    spun.write_text(SPUN, encoding="utf-8")
    result = runner.invoke(app, ["match", str(spun), "--against", str(folder)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["input"] == str(spun)
    assert record["restorer"]["source"]["id"] == "harbour.txt"


def test_batch_restores_from_the_source_and_the_rest_by_the_model(runner, tmp_path, reference):
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}, {"text": NO_SOURCE}])
    table = tmp_path / "t.tsv"
    table.write_text(TABLE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["batch", str(corpus), "-o", str(out), "--reference", str(reference), "--mode", "both"]
    result = runner.invoke(app, [*args, "--reference-id-field", "doc", "-m", "fast"])
    assert result.exit_code == 0, result.output
    first, second = _read(out)
    assert first["text"] == SOURCE
    info = first["restorer"]
    assert info["model"] == "source" and info["source"]["id"] == "harbour-1"
    # nine swapped words; three of them adjacent (discovered severe harm) make one stretch
    assert info["edits"] == 7 and info["differences"] == 0
    assert second["text"] == NO_SOURCE  # no source: the fast tier found nothing to restore
    assert second["restorer"]["source"] is None and second["restorer"]["model"] == "fast"
    assert "1 from a source" in result.stderr


def test_batch_reference_over_a_txt_folder(runner, tmp_path, reference):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "copy.txt").write_text(SPUN, encoding="utf-8")
    (folder / "plain.txt").write_text(NO_SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["batch", str(folder), "-o", str(out), "--reference", str(reference), "-m", "fast"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "copy.txt").read_text(encoding="utf-8") == SOURCE
    assert (out / "plain.txt").read_text(encoding="utf-8") == NO_SOURCE


def test_match_parquet(runner, tmp_path, reference):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": [SPUN, NO_SOURCE], "n": [1, 2]}), source)
    out = tmp_path / "out.parquet"
    result = runner.invoke(
        app,
        ["match", str(source), "--against", str(reference), "--id-field", "doc", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    assert [r["n"] for r in rows] == [1, 2]
    assert rows[0]["restorer"]["source"]["id"] == "harbour-1"
    assert rows[1]["restorer"]["source"] is None


def test_a_reference_with_a_bad_line_still_serves_and_says_so(runner, tmp_path):
    ref = tmp_path / "ref.jsonl"
    ref.write_text(json.dumps({"text": SOURCE}) + "\nnot json\n" + json.dumps({"x": 1}) + "\n")
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}])
    result = runner.invoke(app, ["match", str(corpus), "--against", str(ref)])
    assert result.exit_code == 0, result.output
    assert "2 reference record(s) skipped" in result.stderr
    assert "line 2" in result.stderr


def test_reference_ids_must_be_unique(runner, tmp_path):
    ref = _jsonl(tmp_path / "ref.jsonl", [{"id": "x", "text": SOURCE}, {"id": "x", "text": OTHER}])
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}])
    result = runner.invoke(app, ["match", str(corpus), "--against", str(ref), "--id-field", "id"])
    assert result.exit_code == 3
    assert "used twice" in result.stderr


def test_bad_threshold_and_missing_reference(runner, tmp_path, reference):
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}])
    result = runner.invoke(
        app, ["match", str(corpus), "--against", str(reference), "--threshold", "1.5"]
    )
    assert result.exit_code == 2
    result = runner.invoke(app, ["match", str(corpus), "--against", str(tmp_path / "gone.jsonl")])
    assert result.exit_code == 3
    assert "gone.jsonl" in result.stderr


def test_table_learn_from_matches(runner, tmp_path, reference):
    corpus = _jsonl(tmp_path / "in.jsonl", [{"text": SPUN}, {"text": NO_SOURCE}])
    matched = tmp_path / "matched.jsonl"
    args = ["match", str(corpus), "--against", str(reference), "--id-field", "doc"]
    assert runner.invoke(app, [*args, "-o", str(matched)]).exit_code == 0
    learned = tmp_path / "learned.tsv"
    result = runner.invoke(
        app,
        [
            "table", "learn", str(matched), "--from-matches", str(reference),
            "--reference-id-field", "doc", "-o", str(learned),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 pair(s) (1 record(s) without a source skipped)" in result.stderr
    rows = {
        tuple(line.split("\t")[:2])
        for line in learned.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    }
    assert ("examination", "inspection") in rows
    assert ("mention", "say") in rows  # the lemma row too


def test_table_learn_from_something_that_is_not_match_output(runner, tmp_path, reference):
    pairs = _jsonl(tmp_path / "pairs.jsonl", [{"text": SPUN}])
    result = runner.invoke(app, ["table", "learn", str(pairs), "--from-matches", str(reference)])
    assert result.exit_code == 3
    assert "line 1" in result.stderr and "match output" in result.stderr


def test_resume_knows_the_reference_it_ran_with():
    """A resumed batch must refuse another reference: its key covers ids, texts, threshold."""
    from restorer.batch.run import _reference_key
    from restorer.sources.index import SourceIndex

    def key(texts: dict[str, str], **options: float) -> dict:
        return _reference_key(SourceIndex.from_records(texts.items(), **options))

    base = key({"a": SOURCE, "b": OTHER})
    assert key({"a": SOURCE, "b": OTHER}) == base
    assert key({"a": SOURCE, "b": OTHER + " Updated."}) != base
    assert key({"a": SOURCE, "c": OTHER}) != base
    assert key({"a": SOURCE, "b": OTHER}, threshold=0.8) != base
