"""The public Python API: cheap import, helpful errors, options, version."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

import restorer
from restorer import Restorer, RestorerConfig, restore_and_explain, restore_text

HEAVY = ["spacy", "wordfreq", "lemminflect", "rich"]


def test_import_is_cheap():
    code = (
        f"import sys, json, restorer; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_public_names():
    for name in restorer.__all__:
        assert hasattr(restorer, name), name
    for name in (
        "restore_text",
        "restore_and_explain",
        "apply_edits",
        "Restorer",
        "RestorerConfig",
        "PhraseTable",
        "load_table",
        "Edit",
        "RestoredText",
        "TableFormatError",
    ):
        assert name in restorer.__all__


def test_version_matches_metadata():
    assert restorer.__version__ == importlib.metadata.version("restorer")


@pytest.mark.parametrize(
    "data", [b"The Related Press", bytearray(b"x")], ids=["bytes", "bytearray"]
)
def test_bytes_raise_type_error_mentioning_decode(data):
    with pytest.raises(TypeError, match="decode"):
        restore_text(data)
    with pytest.raises(TypeError, match="decode"):
        restore_and_explain(data)


@pytest.mark.parametrize("value", [None, 42, ["text"]], ids=["none", "int", "list"])
def test_non_text_raises_type_error(value):
    with pytest.raises(TypeError):
        restore_text(value)


def test_unknown_option_raises_type_error():
    with pytest.raises(TypeError, match="no_such_option"):
        restore_text("text", no_such_option=True)


def test_known_option_is_accepted():
    assert restore_text("Nothing to see.", min_margin=2.0) == "Nothing to see."


@pytest.mark.parametrize(
    "options",
    [
        {"model": "gpt"},
        {"spin_rate": 0.0},
        {"spin_rate": 1.0},
        {"spin_rate": -0.5},
        {"spin_prior": 0.0},
        {"coverage": 0.0},
        {"coverage": 1.5},
        {"max_spin_rate": 1.0},
        {"lm_max_spin_rate": 0.0},
        {"lm_max_spin_rate": 1.0},
        {"spin_prior_weight": 0},
        {"lm_spin_prior_weight": 0},
        {"max_span_tokens": 0},
        {"max_span_tokens": 9},
        {"max_segment_chars": 10},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_config_validation(options):
    with pytest.raises(ValueError):
        RestorerConfig(**options)
    with pytest.raises(ValueError):
        RestorerConfig().with_options(**options)


def test_config_is_frozen():
    cfg = RestorerConfig()
    with pytest.raises(AttributeError):
        cfg.min_margin = 3.0  # type: ignore[misc]


def test_config_tables_become_paths(tmp_path):
    cfg = RestorerConfig(tables=[str(tmp_path / "a.tsv")])
    assert cfg.tables == (tmp_path / "a.tsv",)


def test_empty_text():
    assert restore_text("") == ""
    result = restore_and_explain("")
    assert result.text == ""
    assert result.edits == []


def test_whitespace_only_text():
    assert restore_text(" \n\t ") == " \n\t "


def test_restorer_object_with_a_table(tiny_table):
    r = Restorer(RestorerConfig(default_table=False), table=tiny_table)
    assert r.restore_text("Officials at the White Space declined to comment.") == (
        "Officials at the White House declined to comment."
    )
    assert r.table is r.table  # built once


def test_restorer_reads_table_files(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text(
        "# restorer-phrases 1\nWhite Space\tWhite House\t0.98\tmine\n", encoding="utf-8"
    )
    r = Restorer(RestorerConfig(default_table=False, tables=(path,)))
    result = r.restore_and_explain("Officials at the White Space declined to comment.")
    assert result.text == "Officials at the White House declined to comment."
    assert [(e.source.table, e.source.line) for e in result.edits] == [("mine.tsv", 2)]


def test_restorer_with_a_bad_table_file_raises(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# restorer-phrases 1\nfoo\tbar\n", encoding="utf-8")
    r = Restorer(RestorerConfig(default_table=False, tables=(path,)))
    with pytest.raises(restorer.TableFormatError, match=r"bad\.tsv:2"):
        r.restore_text("foo")


def test_lm_tier_is_refused_clearly_where_not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("RESTORER_LM_WEIGHTS", str(tmp_path / "missing.gguf"))
    with pytest.raises(restorer.RestorerError, match="lm"):
        Restorer(RestorerConfig(model="lm"))


def test_restore_lines_matches_restore_text(tiny_restorer):
    text = "Line one.\nThe Related Press reported.\n\nThen the White Space mentioned it.\n"
    lines = text.splitlines(keepends=True)
    assert "".join(tiny_restorer.restore_lines(lines)) == tiny_restorer.restore_text(text)


def test_restored_text_fields(tiny_restorer):
    result = tiny_restorer.restore_and_explain("The Related Press reported.")
    assert result.text == "The Associated Press reported."
    (edit,) = result.edits
    assert (edit.start, edit.end, edit.spun, edit.replacement) == (
        4,
        17,
        "Related Press",
        "Associated Press",
    )
    assert edit.source.table == "tiny"
    assert edit.source.row == "Related Press -> Associated Press"
    assert 0 < result.spin_rate < 1
