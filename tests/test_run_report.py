"""The batch run report: what a run gathers (bounded) and the page it makes, in a real browser.

Records are sentences written for these tests, restored with the tiny table of ``conftest.py``.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import run_chromium, write_file
from typer.testing import CliRunner

from restorer.batch import run_batch
from restorer.batch.overview import BINS, MAX_TEXT, RunOverview
from restorer.batch.workers import _Outcome
from restorer.cli import app
from restorer.edits import Edit, Source
from restorer.report import render_run_html

SPUN = [
    "The Related Press reported that the undercover agent company mentioned the plan.",
    "Officials at the White Space stated that the Related Press had the story first.",
    "The bosom malignant growth study used profound learning and counterfeit consciousness.",
]
CLEAN = [
    "The council met on Monday evening to talk about the budget for the coming year.",
    "Members spoke about roads, schools and the library, and the meeting ended at nine.",
    'A quiet week: <nothing> & nobody said "no" to the plan.',
]
TINY_TSV = "\n".join(
    [
        "# restorer-phrases 1",
        "Related Press\tAssociated Press\t0.98\ttests",
        "White Space\tWhite House\t0.98\ttests",
        "undercover agent company\tspy agency\t0.9\ttests",
        "bosom malignant growth\tbreast cancer\t0.95\ttests",
        "profound learning\tdeep learning\t0.95\ttests",
        "counterfeit consciousness\tartificial intelligence\t0.95\ttests",
        "stated\tsaid\t0.5\ttests",
        "",
    ]
)


def _edit(start: int, spun: str, replacement: str) -> Edit:
    return Edit(start, start + len(spun), spun, replacement, Source("t", 1, f"{spun} -> x", "row"))


def _outcome(spin: float, ident: str | None = None, **kw: object) -> _Outcome:
    return _Outcome(None, True, spin > 0.3, 0, 10, spin, None, ident, **kw)  # type: ignore[arg-type]


# -- what a run gathers ----------------------------------------------------------------------


def test_the_overview_counts_tiers_and_bins():
    ov = RunOverview("cascade")
    ov.add("line 1", _outcome(0.0, tier="fast"))
    ov.add("line 2", _outcome(0.51, tier="lm"))
    ov.add("line 3", _outcome(1.0, sourced=True))
    ov.add("line 4", _Outcome(error="bad json"))
    ov.add("line 5", _Outcome(record=False))  # a blank line is no record
    assert (ov.records, ov.failed) == (4, 1)
    assert ov.tiers == {"fast": 1, "lm": 1, "source": 1, "failed": 1}
    assert sum(ov.bins) == 3
    assert ov.bins[0] == 1 and ov.bins[int(0.51 * BINS)] == 1 and ov.bins[BINS - 1] == 1


def test_the_overview_keeps_only_the_most_spun():
    ov = RunOverview("fast", top=3)
    for i, spin in enumerate([0.1, 0.9, 0.2, 0.8, 0.05, 0.7, 0.3]):
        ov.add(f"line {i + 1}", _outcome(spin))
    assert [r.spin for r in ov.most_spun()] == [0.9, 0.8, 0.7]
    assert [r.where for r in ov.most_spun()] == ["line 2", "line 4", "line 6"]


def test_the_overview_names_records_by_id_where_there_is_one():
    ov = RunOverview("fast")
    ov.add("line 7", _outcome(0.4, ident="doc-42"))
    assert ov.most_spun()[0].where == "doc-42"


def test_restorations_are_counted_in_lower_case_and_the_rare_ones_dropped_first():
    ov = RunOverview("fast", max_pairs=4)
    text = "Stated and stated."
    common = (text, (_edit(0, "Stated", "Said"), _edit(11, "stated", "said")))
    for _ in range(3):
        ov.add("x", _outcome(0.5, detail=common))
    for i in range(10):  # many pairs seen once each: more than max_pairs
        ov.add("y", _outcome(0.5, detail=(f"w{i}", (_edit(0, f"w{i}", f"v{i}"),))))
    assert ov.restorations(1) == [("stated", "said", 6)]
    assert len(ov.pairs) <= 4


def test_a_long_text_is_cut_for_its_diff_with_the_edits_inside_the_cut():
    ov = RunOverview("fast")
    text = "stated " + "a" * MAX_TEXT + " stated"
    edits = (_edit(0, "stated", "said"), _edit(len(text) - 6, "stated", "said"))
    ov.add("x", _outcome(0.9, detail=(text, edits)))
    kept = ov.most_spun()[0]
    assert len(kept.text) == MAX_TEXT and kept.edits == edits[:1]


# -- the page ----------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.anchors: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src"):
            value = a.get(key)
            if value and value.startswith("#"):
                self.anchors.append(value[1:])
            elif value:
                self.external.append(value)


def _overview(runner_restorer) -> RunOverview:  # type: ignore[no-untyped-def]
    ov = RunOverview("fast")
    for i, text in enumerate(SPUN + CLEAN, start=1):
        result = runner_restorer.restore_and_explain(text)
        detail = (text, tuple(result.edits)) if result.edits else None
        ov.add(
            f"line {i}",
            _Outcome(
                None,
                True,
                bool(result.edits),
                len(result.edits),
                len(text.split()),
                result.spin_rate,
                detail=detail,
            ),
        )
    return ov


def test_the_page_links_every_spun_record_to_its_changes(tiny_restorer):
    page = render_run_html(_overview(tiny_restorer), title="run <1>")
    links = _Links()
    links.feed(page)
    assert links.external == []  # self-contained
    assert set(links.anchors) <= links.ids  # every link lands somewhere
    assert sum(a.startswith("rec-") for a in links.anchors) == 3  # the three spun records
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the diffs' ids do not clash
    assert page.count('class="bar"') == BINS
    assert "run &lt;1&gt;" in page
    assert "<del>Related Press</del> <ins>Associated Press</ins>" in page
    assert "&lt;nothing&gt;" not in page  # clean records have no diff


def test_the_dictionary_lists_the_most_frequent_restoration_first(tiny_restorer):
    page = render_run_html(_overview(tiny_restorer))
    table = page[page.index('id="dictionary"') :]
    assert table.index("related press") < table.index("bosom malignant growth")


# -- from the command line -------------------------------------------------------------------


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    records = [{"id": f"doc-{i}", "text": t} for i, t in enumerate(SPUN + CLEAN)]
    src = write_file(tmp_path, "in.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    return src, write_file(tmp_path, "tiny.tsv", TINY_TSV)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_batch_report(tmp_path, jobs):
    src, table = _corpus(tmp_path)
    report = tmp_path / "run.html"
    args = ["batch", str(src), "-o", str(tmp_path / "out.jsonl"), "-m", "fast", "-t", str(table)]
    result = CliRunner().invoke(
        app, [*args, "--id-field", "id", "--report", str(report), "-j", jobs]
    )
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert "doc-0" in page and "doc-2" in page
    assert "<b>6</b>" in page  # six records, all decided by the fast tier
    assert 'href="#rec-1"' in page and 'id="rec-1"' in page


def test_cli_batch_report_of_a_txt_folder(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for i, text in enumerate(SPUN + CLEAN):
        (folder / f"page-{i}.txt").write_text(text, encoding="utf-8")
    table = write_file(tmp_path, "tiny.tsv", TINY_TSV)
    report = tmp_path / "run.html"
    args = ["batch", str(folder), "-o", str(tmp_path / "out"), "-m", "fast", "-t", str(table)]
    result = CliRunner().invoke(app, [*args, "--report", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert "page-0.txt" in page
    assert "<del>Related Press</del> <ins>Associated Press</ins>" in page


@pytest.mark.parametrize("name", ["-", "in.jsonl", "out.jsonl"])
def test_cli_batch_report_needs_its_own_file(tmp_path, name):
    src, _ = _corpus(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("", encoding="utf-8")
    target = name if name == "-" else str(tmp_path / name)
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--report", target])
    assert result.exit_code == 2
    assert "--report needs a file name" in result.stderr


def test_run_batch_without_a_report_brings_no_text_back(tmp_path, tiny_restorer):
    src, _ = _corpus(tmp_path)
    seen: list[_Outcome] = []

    class Spy(RunOverview):
        def add(self, where, outcome):  # type: ignore[no-untyped-def]
            seen.append(outcome)
            super().add(where, outcome)

    run_batch(src, tmp_path / "a.jsonl", tiny_restorer, overview=Spy("fast"))
    assert sum(o.detail is not None for o in seen) == 3
    from restorer.batch import workers

    job = workers._Job(tiny_restorer, "text", None, "restore")
    assert workers._restore_record(job, {"text": SPUN[0]}).detail is None


# -- in a real browser -----------------------------------------------------------------------

PROBE = """<script>
window.addEventListener("load", function () {
  var links = Array.prototype.slice.call(document.querySelectorAll('a[href^="#rec-"]'));
  var landed = links.every(function (a) {
    return document.getElementById(a.getAttribute("href").slice(1)) !== null;
  });
  links[0].click();
  var target = document.getElementById(links[0].getAttribute("href").slice(1));
  var mark = target.querySelector("mark.edit");
  mark.focus();
  var tip = document.getElementById(mark.getAttribute("aria-describedby"));
  var bars = document.querySelectorAll("svg.hist rect.bar");
  var tallest = 0;
  bars.forEach(function (b) { tallest = Math.max(tallest, b.getBoundingClientRect().height); });
  document.body.setAttribute("data-probe", JSON.stringify({
    links: links.length, landed: landed, hash: location.hash,
    targetTop: target.getBoundingClientRect().top,
    focused: document.activeElement === mark,
    tipDisplay: getComputedStyle(tip).display, tipText: tip.innerText,
    bars: bars.length, tallest: tallest,
    legend: document.querySelector(".legend").innerText
  }));
});
</script>"""


def test_run_report_in_a_headless_browser(chromium, tiny_restorer, tmp_path):
    page = render_run_html(_overview(tiny_restorer), title="a run")
    probe = tmp_path / "run-probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path / "profile-dom", "--dump-dom", probe.as_uri())
    match = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert match, f"no probe result; chromium said: {dom.stderr[-2000:]}"
    seen = json.loads(html.unescape(match.group(1)))
    assert seen["links"] == 3 and seen["landed"]
    assert seen["hash"] == "#rec-1"
    assert seen["focused"] and seen["tipDisplay"] == "block"
    assert "Spun:" in seen["tipText"] and "Table row:" in seen["tipText"]
    assert seen["bars"] == BINS and seen["tallest"] > 50
    assert "fast tier: 6" in seen["legend"]

    plain = tmp_path / "run.html"
    plain.write_text(page, encoding="utf-8")
    shot = tmp_path / "run.png"
    run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", plain.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
