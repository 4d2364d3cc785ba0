"""The cascade: a clean record never reaches the model; a spun one does.

The ``lm`` tier is replaced by a stand-in (a ``fast`` restorer that records what reaches it),
so the tests run without the model; the gate is the shipped one, on the fast tier's spin score.
"""

from __future__ import annotations

import json

import pytest

import restorer.lm
from restorer import RestorerConfig
from restorer.batch import run_batch
from restorer.cascade import DEFAULT_GATE, Cascade, make_restorer, resolve_job
from restorer.core import Restorer, SegmentResult
from restorer.detect import SpinMeter
from restorer.table import PhraseTable, Row

ROWS = [
    Row("Related Press", ("Associated Press",), 0.98, "test: cascade"),
    Row("White Space", ("White House",), 0.98, "test: cascade"),
    Row("undercover agent company", ("spy agency",), 0.98, "test: cascade"),
]
SPUN = (
    "The Related Press reported that the White Space and the undercover agent company met "
    "on Monday to talk about the plan."
)
CLEAN = (
    "The council met on Monday evening to talk about the budget for the coming year, and "
    "members spoke about roads, schools and the library."
)
CONFIG = RestorerConfig(default_table=False)


class _StandIn(Restorer):
    """The lm tier's place: restores like the fast tier, and records every text it is given."""

    def __init__(self) -> None:
        super().__init__(CONFIG.with_options(model="fast"), table=PhraseTable(ROWS))
        self.seen: list[str] = []

    def restore_segment(self, text: str, offset: int = 0) -> SegmentResult:
        self.seen.append(text)
        return super().restore_segment(text, offset)


def _cascade() -> tuple[Cascade, _StandIn]:
    strong = _StandIn()
    return Cascade(CONFIG, table=PhraseTable(ROWS), strong=strong), strong


def test_clean_text_never_reaches_the_model_and_spun_text_does():
    cascade, strong = _cascade()
    clean = cascade.restore_and_explain(CLEAN)
    assert (clean.text, clean.edits, clean.model) == (CLEAN, [], "fast")
    assert strong.seen == []
    spun = cascade.restore_and_explain(SPUN)
    assert spun.model == "lm"
    assert strong.seen == [SPUN]
    assert "Associated Press" in spun.text and "spy agency" in spun.text
    assert cascade.counts == {"fast": 1, "lm": 1}


def test_each_segment_says_which_tier_decided_it():
    cascade, _strong = _cascade()
    assert [r.model for r in cascade.iter_restore([CLEAN])] == ["fast"]
    assert [r.model for r in cascade.iter_restore([SPUN])] == ["lm"]


def test_a_txt_folder_through_a_cascade_says_which_tier_decided_each_file(tmp_path):
    cascade, strong = _cascade()
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (folder / "spun.txt").write_text(SPUN, encoding="utf-8")
    summary = run_batch(folder, tmp_path / "out", cascade, mode="both")
    lines = (tmp_path / "out" / "restorer-scores.jsonl").read_text(encoding="utf-8").splitlines()
    models = {r["file"]: r["restorer"]["model"] for r in map(json.loads, lines)}
    assert models == {"clean.txt": "fast", "spun.txt": "lm"}
    assert summary.to_lm == 1 and strong.seen == [SPUN]


def test_one_tier_sends_no_record_to_the_lm_tier_whatever_the_input_format(tmp_path):
    # ``to_lm`` counts what a cascade chose; one tier (here a stand-in named ``lm``) chose
    # nothing, and a folder of .txt files must say so as a JSONL file does
    one = Restorer(CONFIG.with_options(model="fast"), table=PhraseTable(ROWS))
    one.scorer.name = "lm"  # type: ignore[misc]
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "spun.txt").write_text(SPUN, encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": SPUN}) + "\n", encoding="utf-8")
    txt = run_batch(folder, tmp_path / "out", one, mode="both")
    jsonl = run_batch(source, tmp_path / "out.jsonl", one, mode="both")
    assert (txt.edits, jsonl.edits) == (3, 3)
    assert (txt.to_lm, jsonl.to_lm) == (0, 0)


def test_the_gate_is_the_fast_tiers_spin_score():
    cascade, _strong = _cascade()
    fast_clean = cascade.fast.restore_segment(CLEAN)
    fast_spun = cascade.fast.restore_segment(SPUN)
    assert cascade.score(fast_clean) < DEFAULT_GATE <= cascade.score(fast_spun)
    shut, strong = _cascade()
    shut.gate = 1.01  # nothing passes: everything stays with the fast tier
    assert shut.restore_and_explain(SPUN).model == "fast"
    assert strong.seen == []


def test_batch_with_a_cascade_says_which_tier_decided(tmp_path):
    cascade, strong = _cascade()
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate([CLEAN, SPUN])),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    summary = run_batch(source, out, cascade, mode="both")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["restorer"]["model"] for r in records] == ["fast", "lm"]
    assert records[0]["text"] == CLEAN
    assert strong.seen == [SPUN]
    assert summary.to_lm == 1 and summary.records == 2


def test_a_datatrove_step_with_a_cascade_keeps_clean_text_from_the_model(lm_installed):
    pytest.importorskip("datatrove")
    from datatrove.data import Document

    from restorer.integrations.datatrove import RestorerFormatter

    step = RestorerFormatter(model="cascade", options={"default_table": False})
    doc = Document(text=CLEAN, id="clean")
    (out,) = list(step.run([doc]))
    assert out.text == CLEAN
    assert out.metadata["restorer"]["model"] == "fast"
    assert step.restorer._strong is None  # the lm tier was never even built


# -- which restorer a config names -----------------------------------------------------------


@pytest.fixture
def lm_installed(monkeypatch):
    """Pretend the lm tier is installed (nothing here loads it: the strong tier is lazy)."""
    monkeypatch.delenv(restorer.lm.MODEL_ENV, raising=False)
    monkeypatch.setattr(restorer.lm, "lm_missing_reason", lambda: None)


@pytest.fixture
def lm_missing(monkeypatch):
    monkeypatch.delenv(restorer.lm.MODEL_ENV, raising=False)
    monkeypatch.setattr(restorer.lm, "lm_missing_reason", lambda: "no weights here")


def test_the_default_is_the_cascade_where_the_lm_tier_is_installed(lm_installed):
    assert resolve_job("auto") == "cascade"
    made = make_restorer(CONFIG)
    assert isinstance(made, Cascade) and made.scorer.name == "cascade"
    fast = make_restorer(CONFIG.with_options(model="fast"))
    assert isinstance(fast, Restorer) and fast.scorer.name == "fast"


def test_the_default_is_the_fast_tier_where_the_lm_tier_is_missing(lm_missing):
    assert resolve_job("auto") == "fast"
    made = make_restorer(CONFIG)
    assert isinstance(made, Restorer) and made.scorer.name == "fast"
    with pytest.raises(restorer.lm.LMUnavailableError):
        make_restorer(CONFIG.with_options(model="cascade"))


@pytest.mark.parametrize(
    ("forced", "job"), [("fast", "fast"), ("lm", "lm"), ("cascade", "cascade")]
)
def test_the_environment_chooses_what_auto_is(lm_installed, monkeypatch, forced, job):
    monkeypatch.setenv(restorer.lm.MODEL_ENV, forced)
    assert resolve_job("auto") == job
    assert resolve_job("fast") == "fast"  # an explicit model is not overridden


def test_a_restorer_is_one_tier():
    with pytest.raises(ValueError, match="make_restorer"):
        Restorer(CONFIG.with_options(model="cascade"))


def test_the_library_functions_restore_with_the_default(lm_installed, monkeypatch):
    import restorer as library

    built = []
    real = make_restorer

    def spy(config=None, *, table=None):
        built.append(config.model)
        return real(config.with_options(model="fast"), table=table)

    monkeypatch.setattr("restorer.cascade.make_restorer", spy)
    library.cascade._default_restorer.cache_clear()
    try:
        assert library.restore_text(CLEAN, CONFIG) == CLEAN
    finally:
        library.cascade._default_restorer.cache_clear()
    assert built == ["auto"]


def test_a_meter_reads_the_fast_tiers_evidence_whichever_tier_decided():
    # a strong tier that knows no rows: its own analysis holds no evidence of spinning
    blind = Restorer(CONFIG.with_options(model="fast"), table=PhraseTable([]))
    cascade = Cascade(CONFIG, table=PhraseTable(ROWS), strong=blind)
    meter = SpinMeter(cascade.evidence_tier)
    for result in cascade.iter_restore([SPUN]):
        meter.add(result)
    alone = SpinMeter(cascade.fast)
    alone.add(cascade.fast.restore_segment(SPUN))
    assert cascade.counts["lm"] == 1
    assert meter.spin_score() == pytest.approx(alone.spin_score())
    assert meter.spin_score() >= DEFAULT_GATE


def test_the_datatrove_formatter_defaults_to_the_cascade_and_the_filter_to_fast(lm_installed):
    pytest.importorskip("datatrove")
    from restorer.integrations.datatrove import RestorerFilter, RestorerFormatter

    options = {"default_table": False}
    assert isinstance(RestorerFormatter(options=options).restorer, Cascade)
    assert RestorerFilter(options=options).restorer.scorer.name == "fast"


def test_the_gate_is_an_option(lm_installed):
    made = make_restorer(CONFIG.with_options(cascade_gate=0.5))
    assert isinstance(made, Cascade) and made.gate == 0.5
    assert Cascade(CONFIG).gate == DEFAULT_GATE
    with pytest.raises(ValueError, match="cascade_gate"):
        CONFIG.with_options(cascade_gate=1.5)


def test_batch_takes_the_gate_and_refuses_one_out_of_range(tmp_path, lm_installed, monkeypatch):
    from typer.testing import CliRunner

    import restorer.cascade
    from restorer.cli import app

    built = []
    real = restorer.cascade.make_restorer

    def spy(config=None, *, table=None):
        built.append(config.cascade_gate)
        return real(config.with_options(model="fast"), table=table)

    monkeypatch.setattr(restorer.cascade, "make_restorer", spy)
    src = tmp_path / "in.jsonl"
    src.write_text("", encoding="utf-8")
    args = ["batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--cascade-gate"]
    assert CliRunner().invoke(app, [*args, "0.01"]).exit_code == 0
    assert built == [0.01]
    refused = CliRunner().invoke(app, [*args, "1.5"])
    assert refused.exit_code == 2 and "--cascade-gate" in refused.stderr


def test_a_datatrove_step_asking_for_a_missing_lm_tier_stops_rather_than_fails_each_doc(
    lm_missing,
):
    pytest.importorskip("datatrove")
    from datatrove.data import Document

    from restorer.integrations.datatrove import RestorerFormatter

    step = RestorerFormatter(model="cascade", options={"default_table": False})
    text = "A text no other test gave a step (the steps share a cache keyed by the text)."
    with pytest.raises(restorer.lm.LMUnavailableError):
        list(step.run([Document(text=text, id="clean")]))
