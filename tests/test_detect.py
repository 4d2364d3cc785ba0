"""Detection: the spin score, risk levels, evidence, the API, the command, and the dev set."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from helpers import signature_spans
from typer.testing import CliRunner

import restorer
from restorer import Restorer, RestorerConfig
from restorer.cli import app
from restorer.detect import (
    RISK_BANDS,
    RISK_LEVELS,
    SpinMeter,
    SpinReport,
    detect,
    risk_level,
)

SPUN = (
    "The Related Press reported that the undercover agent company mentioned the White Space "
    "had despatched extra staff to the entrance traces."
)
CLEAN = "The committee met on Tuesday and agreed on a budget for the coming year."
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"


# -- the score and the risk levels -------------------------------------------------------------


def test_text_without_evidence_scores_at_most_the_prior(tiny_restorer):
    report = detect(CLEAN, restorer=tiny_restorer)
    assert report.spin_score <= tiny_restorer.config.spin_prior + 1e-9
    assert report.risk == "none"
    assert report.spun_spans == 0
    assert report.evidence == ()


def test_spun_text_is_high_risk_with_its_edits_as_evidence(tiny_restorer):
    report = detect(SPUN, restorer=tiny_restorer)
    assert report.risk == "high"
    assert report.spin_score >= RISK_BANDS["high"]
    restored = tiny_restorer.restore_and_explain(SPUN)
    table_edits = [e for e in restored.edits if e.source.table != "render"]
    assert report.spun_spans == len(table_edits)
    suggestions = {(e.spun, e.suggestion) for e in report.evidence if e.edited}
    assert suggestions == {(e.spun, e.replacement) for e in table_edits}
    for e in report.evidence:
        assert SPUN[e.start : e.end] == e.spun
        assert 0.0 <= e.probability <= 1.0


def test_detection_does_not_change_restoration(tiny_restorer):
    before = tiny_restorer.restore_and_explain(SPUN)
    detect(SPUN, restorer=tiny_restorer)
    after = tiny_restorer.restore_and_explain(SPUN)
    assert after == before


def test_intact_originals_are_evidence_against_spinning(tiny_restorer):
    # The same strong hit, alone or among words the tables know as originals (said, House,
    # agency, more, workers, despite) that the "spinner" left alone: the second is less spun.
    alone = detect("The Related Press reported it on Monday.", restorer=tiny_restorer)
    among = detect(
        "The Related Press said the House and the agency sent more workers despite the rain.",
        restorer=tiny_restorer,
    )
    assert among.spin_score < alone.spin_score


def test_more_spun_words_score_higher(tiny_restorer):
    one = detect("The Related Press said the House and the agency met.", restorer=tiny_restorer)
    three = detect(
        "The Related Press said the White Space and the undercover agent company met.",
        restorer=tiny_restorer,
    )
    assert three.spin_score > one.spin_score


def test_score_is_not_diluted_by_clean_words_a_spinner_would_not_touch(tiny_restorer):
    spun = "The Related Press mentioned the White Space."
    padded = spun + " Tuesday night, forty-two of them met in Boston. " * 5
    assert detect(padded, restorer=tiny_restorer).risk == detect(spun, restorer=tiny_restorer).risk


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("A spokesman said a authorities account denied it.", True),
        ("An government official declined to comment.", True),
        ("A spokesman said a government account denied it.", False),
        ("It took an hour to reach a university and a one-time ally.", False),
        ("He ran an xorg server in Part A in 2019.", False),
    ],
)
def test_broken_articles_are_evidence(empty_restorer, text, flagged):
    found = signature_spans(empty_restorer, text, "signature: broken article")
    assert bool(found) == flagged
    if flagged:
        assert detect(text, restorer=empty_restorer).spin_score > empty_restorer.config.spin_prior


def test_risk_level_bands():
    assert risk_level(0.0) == "none"
    previous = 0.0
    for level in RISK_LEVELS[1:]:
        low = RISK_BANDS[level]
        assert low > previous
        assert risk_level(low) == level
        assert risk_level(low - 1e-6) == RISK_LEVELS[RISK_LEVELS.index(level) - 1]
        previous = low
    assert risk_level(1.0) == "high"


# -- the report ----------------------------------------------------------------------------------


def test_report_is_json_ready(tiny_restorer):
    report = detect(SPUN, restorer=tiny_restorer)
    data = json.loads(json.dumps(report.to_json()))
    assert data["version"] == 1
    assert data["risk"] == report.risk
    assert set(data) >= {
        "spin_score",
        "risk",
        "words",
        "spun_spans",
        "spun_spans_per_1000_words",
        "restore_spin_rate",
        "evidence",
    }
    first = data["evidence"][0]
    assert set(first) >= {"start", "end", "spun", "suggestion", "probability", "edited", "source"}
    assert set(first["source"]) >= {"table", "line", "row", "kind"}
    words = len(SPUN.rstrip(".").split())
    assert data["words"] == words
    assert data["spun_spans_per_1000_words"] == pytest.approx(
        1000 * data["spun_spans"] / words, abs=0.01
    )


def test_report_is_frozen(tiny_restorer):
    report = detect(CLEAN, restorer=tiny_restorer)
    with pytest.raises(AttributeError):
        report.spin_score = 0.5  # type: ignore[misc]


def test_evidence_is_limited_and_ordered(tiny_restorer):
    full = detect(SPUN, restorer=tiny_restorer)
    two = detect(SPUN, restorer=tiny_restorer, max_evidence=2)
    assert len(full.evidence) > 2
    assert len(two.evidence) == 2
    assert [e.probability for e in full.evidence] == sorted(
        (e.probability for e in full.evidence), reverse=True
    )
    spans = sorted((e.start, e.end) for e in full.evidence)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "evidence spans overlap"


def test_segments_give_offsets_into_the_whole_document(tiny_table):
    r = Restorer(RestorerConfig(default_table=False, max_segment_chars=1000), table=tiny_table)
    text = ("Nothing to see here at all. " * 30 + "\n\n") * 3 + SPUN
    assert len(text) > 2000
    report = detect(text, restorer=r)
    assert report.evidence
    for e in report.evidence:
        assert text[e.start : e.end] == e.spun
    assert report.words == len(text.split())


def test_meter_takes_segments_as_they_come(tiny_restorer):
    meter = SpinMeter(tiny_restorer)
    for result in tiny_restorer.iter_restore([SPUN[:40], SPUN[40:]]):
        meter.add(result)
    assert meter.report().spin_score == pytest.approx(
        detect(SPUN, restorer=tiny_restorer).spin_score
    )


def test_empty_text():
    report = detect("", default_table=False)
    assert (report.words, report.spun_spans, report.risk, report.evidence) == (0, 0, "none", ())


def test_api_options_and_exports():
    assert restorer.detect is detect
    assert restorer.SpinReport is SpinReport
    report = restorer.detect("The Related Press said so.", default_table=False)
    assert report.spun_spans == 0  # no table at all: nothing to restore
    with pytest.raises(TypeError, match="unknown restorer option"):
        restorer.detect("text", no_such_option=1)


def test_bytes_are_refused():
    with pytest.raises(TypeError, match="not bytes"):
        detect(b"The Related Press")  # type: ignore[arg-type]


def test_shipped_table_flags_spun_news_and_passes_clean_news():
    spun = detect(
        "The Related Press mentioned the White Space had despatched extra troops to the "
        "entrance traces, in keeping with a short lived observation."
    )
    clean = detect(
        "The Associated Press said the White House had sent more troops to the front lines, "
        "according to a brief statement."
    )
    assert spun.risk in ("medium", "high")
    assert clean.risk in ("none", "low")


# -- the command ---------------------------------------------------------------------------------

TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: detect\n"
    "mention\tsay\t0.5\ttest: detect\n"
    "White Space\tWhite House\t0.98\ttest: detect\n"
)
CLI_SPUN = "The Related Press mentioned that the White Space declined to comment.\n"
CLI_CLEAN = "The committee met on Tuesday and agreed on a budget.\n"


@pytest.fixture
def files(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text(TABLE, encoding="utf-8")
    spun = tmp_path / "spun.txt"
    spun.write_text(CLI_SPUN, encoding="utf-8")
    clean = tmp_path / "clean.txt"
    clean.write_text(CLI_CLEAN, encoding="utf-8")
    return table, spun, clean


def test_cli_text_format(files):
    table, spun, clean = files
    result = CliRunner().invoke(app, ["detect", str(spun), str(clean), "-t", str(table)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{spun}: spin score ")
    assert "(risk high)" in lines[0]
    assert any("'Related Press' -> 'Associated Press'" in line for line in lines)
    assert any(line.startswith(f"{clean}: spin score ") and "(risk none)" in line for line in lines)


def test_cli_jsonl_and_threshold(files):
    table, spun, clean = files
    args = ["detect", str(spun), str(clean), "-t", str(table), "--format", "jsonl"]
    result = CliRunner().invoke(app, [*args, "--threshold", "0.1"])
    assert result.exit_code == 1, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == [str(spun), str(clean)]
    assert records[0]["spin_score"] > 0.1 > records[1]["spin_score"]
    assert records[0]["evidence"][0]["suggestion"] in ("Associated Press", "White House", "said")
    below = CliRunner().invoke(app, [*args, "--threshold", "0.99"])
    assert below.exit_code == 0, below.output


def test_cli_json_is_an_object_for_one_input_and_a_list_for_several(files):
    table, spun, clean = files
    one = CliRunner().invoke(app, ["detect", str(spun), "-t", str(table), "-f", "json"])
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["input"] == str(spun)
    two = CliRunner().invoke(app, ["detect", str(spun), str(clean), "-t", str(table), "-f", "json"])
    assert [r["input"] for r in json.loads(two.stdout)] == [str(spun), str(clean)]


def test_cli_reads_stdin(files):
    table, _spun, _clean = files
    result = CliRunner().invoke(app, ["detect", "-t", str(table), "-f", "jsonl"], input=CLI_SPUN)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"] == "<stdin>"


def test_cli_missing_input_is_reported_and_the_rest_go_on(files, tmp_path):
    table, spun, _clean = files
    missing = tmp_path / "missing.txt"
    result = CliRunner().invoke(
        app, ["detect", str(missing), str(spun), "-t", str(table), "-f", "jsonl"]
    )
    assert result.exit_code == 3
    assert f"{missing}: no such file" in result.stderr
    assert json.loads(result.stdout)["input"] == str(spun)


@pytest.mark.parametrize(
    "args",
    [["--format", "xml"], ["--threshold", "2"], ["--evidence", "-1"], ["-", "-"]],
    ids=["format", "threshold", "evidence", "stdin-twice"],
)
def test_cli_usage_errors(files, args):
    table, _spun, _clean = files
    result = CliRunner().invoke(app, ["detect", "-t", str(table), *args], input="x")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# -- the dev set ---------------------------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    with (DEVSET / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.mark.devset
def test_devset_clean_paragraphs_are_none_or_low_and_spun_ones_rank_above():
    """Regression guard for the detection benchmark (``benchmarks/run_detect.py``).

    Targets: clean paragraphs none or low in >= 99 % of cases; AUROC >= 0.98 (measured: 0.99).
    The floor here is a little below the target so table work does not trip it, but a detector
    back at its earlier figure (0.96) does.
    """
    needed = [
        DEVSET / n for n in ("real_pairs.jsonl", "seed_pairs.jsonl", "clean_paragraphs.jsonl")
    ]
    if not all(p.is_file() for p in needed):
        pytest.skip("dev set not found beside the repository")
    pairs = _read("real_pairs.jsonl") + _read("seed_pairs.jsonl")
    r = Restorer(RestorerConfig())
    spun = [detect(p["spun"], restorer=r).spin_score for p in pairs]
    clean_reports = [detect(p["original"], restorer=r) for p in pairs] + [
        detect(c["text"], restorer=r) for c in _read("clean_paragraphs.jsonl")
    ]
    ok = sum(rep.risk in ("none", "low") for rep in clean_reports) / len(clean_reports)
    assert ok >= 0.99
    clean = [rep.spin_score for rep in clean_reports]
    wins = sum((s > c) + 0.5 * (s == c) for s in spun for c in clean)
    assert wins / (len(spun) * len(clean)) >= 0.975


def test_detect_of_an_empty_table_never_raises_on_odd_text(empty_restorer):
    odd = "a\u0301 \ud800 \x00 😀 an \u05d0\u05d1 A a an."
    report = detect(odd, restorer=empty_restorer)
    assert report.risk in RISK_LEVELS
    for e in report.evidence:
        assert odd[e.start : e.end] == e.spun
