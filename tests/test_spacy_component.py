"""The spaCy component: the entry-point factory, spans and extensions, and serialisation."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: spacy\n"
    "White Space\tWhite House\t0.98\ttest: spacy\n"
)
SPUN = "Officials at the White Space spoke to The Related Press on Monday."
RESTORED = "Officials at the White House spoke to The Associated Press on Monday."


@pytest.fixture
def table_file(tmp_path) -> Path:
    path = tmp_path / "spacy-test.tsv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _nlp(table_file: Path):
    nlp = spacy.blank("en")
    nlp.add_pipe("restorer", config={"tables": [str(table_file)], "default_table": False})
    return nlp


def _spans(doc) -> list[tuple[int, int, str, str]]:
    return [(s.start_char, s.end_char, s.text, s.label_) for s in doc.spans["restorer"]]


EXPECTED_SPANS = [
    (17, 28, "White Space", "White House"),
    (42, 55, "Related Press", "Associated Press"),
]


def test_import_restorer_does_not_import_the_component():
    code = (
        "import sys, json, restorer; "
        "print(json.dumps([m for m in ('spacy', 'restorer.integrations.spacy') "
        "if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_factory_is_registered_as_an_entry_point():
    points = importlib.metadata.entry_points(group="spacy_factories")
    assert [p.value for p in points if p.name == "restorer"] == [
        "restorer.integrations.spacy:make_restorer"
    ]


def test_add_pipe_finds_the_factory_without_importing_restorer(table_file):
    """A fresh process that never imports restorer itself: spaCy finds the entry point."""
    code = (
        "import json, spacy\n"
        "nlp = spacy.blank('en')\n"
        f"nlp.add_pipe('restorer', config={{'tables': [{str(table_file)!r}], "
        "'default_table': False})\n"
        f"doc = nlp({SPUN!r})\n"
        "print(json.dumps([[s.text, s.label_] for s in doc.spans['restorer']]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == [
        ["White Space", "White House"],
        ["Related Press", "Associated Press"],
    ]


def test_spans_extensions_and_clean_text(table_file):
    nlp = _nlp(table_file)
    doc = nlp(SPUN)
    assert _spans(doc) == EXPECTED_SPANS
    assert doc._.restored_text == RESTORED
    assert 0.0 < doc._.spin_score <= 1.0
    assert [(e["spun"], e["replacement"]) for e in doc._.restorer_edits] == [
        ("White Space", "White House"),
        ("Related Press", "Associated Press"),
    ]
    assert doc.text == SPUN  # the tokens are never rewritten

    clean = nlp("Officials at the White House spoke on Monday.")
    assert list(clean.spans["restorer"]) == []
    assert clean._.restored_text == clean.text
    assert clean._.spin_score < doc._.spin_score
    assert [d._.restored_text for d in nlp.pipe([SPUN, "x"])] == [RESTORED, "x"]


def test_to_disk_from_disk_round_trip(table_file, tmp_path):
    nlp = _nlp(table_file)
    before = nlp(SPUN)
    target = tmp_path / "pipeline"
    nlp.to_disk(target)
    table_file.unlink()  # the saved pipeline must not need the original table file
    loaded = spacy.load(target)
    assert loaded.pipe_names == ["restorer"]
    after = loaded(SPUN)
    assert _spans(after) == _spans(before) == EXPECTED_SPANS
    assert after._.restored_text == RESTORED
    assert after._.spin_score == before._.spin_score
    # saving the loaded pipeline again keeps the tables (they now live in memory)
    again = tmp_path / "again"
    loaded.to_disk(again)
    assert _spans(spacy.load(again)(SPUN)) == EXPECTED_SPANS


def test_to_bytes_from_bytes_round_trip(table_file):
    nlp = _nlp(table_file)
    data = nlp.to_bytes()
    table_file.unlink()
    other = spacy.blank("en")
    other.add_pipe("restorer", config={"tables": [str(table_file)], "default_table": False})
    other.from_bytes(data)
    assert _spans(other(SPUN)) == EXPECTED_SPANS


def test_config_options_reach_the_restorer(table_file):
    nlp = spacy.blank("en")
    component = nlp.add_pipe(
        "restorer",
        config={
            "tables": [str(table_file)],
            "default_table": False,
            "spans_key": "spun",
            "options": {"min_margin": 50.0},  # demand far more evidence than any edit has
        },
    )
    assert component.config.min_margin == 50.0
    doc = nlp(SPUN)
    assert list(doc.spans["spun"]) == []
    assert doc._.restored_text == SPUN


def test_bad_option_is_reported(table_file):
    nlp = spacy.blank("en")
    with pytest.raises(TypeError, match="unknown restorer option"):
        nlp.add_pipe("restorer", config={"options": {"no_such_option": 1}})
