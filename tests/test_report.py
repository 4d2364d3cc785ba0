"""The HTML report: self-contained, every change highlighted, accessible; and in a real browser."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from helpers import run_chromium
from typer.testing import CliRunner

from restorer.cli import app
from restorer.detect import detect
from restorer.report import render_html

SPUN = (
    "The Related Press reported that the undercover agent company mentioned the White Space "
    'had despatched extra staff.\n\nA second paragraph: the Home voted <late> & said "no".\n'
)


@pytest.fixture
def page(tiny_restorer):
    restored = tiny_restorer.restore_and_explain(SPUN)
    report = detect(SPUN, restorer=tiny_restorer)
    return restored, report, render_html(SPUN, restored.edits, report, title="spun <page>.txt")


_VOID = frozenset({"br", "meta", "img", "hr", "input", "link", "wbr"})


class _Collector(HTMLParser):
    """Collects marks, tooltips, ids, and the visible text of the restored-text section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[dict[str, str | None]] = []
        self.ids: dict[str, dict[str, str | None]] = {}
        self.tips: dict[str, str] = {}
        self.text: list[str] = []
        self._in_text = 0
        self._tip: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[str(a["id"])] = {"tag": tag, **a}
        if tag in _VOID:
            return
        if tag == "section" and a.get("class") == "text":
            self._in_text = 1
        elif self._in_text:
            self._in_text += 1
        if tag == "mark":
            self.marks.append(a)
        if a.get("role") == "tooltip":
            self._tip = str(a["id"])
            self._depth = 1
            self.tips[self._tip] = ""
        elif self._tip is not None:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._tip is not None:
            self._depth -= 1
            if self._depth == 0:
                self._tip = None
        if self._in_text:
            self._in_text -= 1

    def handle_data(self, data: str) -> None:
        if self._tip is not None:
            self.tips[self._tip] += data
        elif self._in_text:
            self.text.append(data)


def _parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    return c


def test_every_change_is_a_focusable_highlight_with_a_tooltip(page):
    restored, _report, doc = page
    c = _parse(doc)
    assert len(c.marks) == len(restored.edits) > 3
    for mark, edit in zip(c.marks, restored.edits, strict=True):
        assert mark["tabindex"] == "0"
        tip_id = str(mark["aria-describedby"])
        assert c.ids[tip_id]["role"] == "tooltip"
        tip = c.tips[tip_id]
        assert edit.spun in tip
        assert edit.source.row in tip
        if edit.source.table != "render":
            assert f"{edit.score['total']:+.2f}" in tip


def test_the_page_shows_the_restored_text(page):
    restored, _report, doc = page
    assert "".join(_parse(doc).text) == restored.text


def test_summary_has_the_spin_score_and_risk(page):
    _restored, report, doc = page
    assert f"{report.spin_score:.2f}" in doc
    assert f"Risk: {report.risk}" in doc


def test_everything_is_escaped(page):
    _restored, _report, doc = page
    assert "<late>" not in doc
    assert "&lt;late&gt;" in doc
    assert "spun &lt;page&gt;.txt" in doc


def test_self_contained_no_network(page):
    _restored, _report, doc = page
    assert not re.search(r"https?://|//[a-z]", doc, re.IGNORECASE)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["'](?!#)""", doc)
    assert "@import" not in doc
    assert "url(" not in doc
    assert "Content-Security-Policy" in doc
    assert "default-src 'none'" in doc


def test_clean_text_report_has_no_highlights(tiny_restorer):
    text = "Nothing in this sentence was spun."
    doc = render_html(text, [], detect(text, restorer=tiny_restorer))
    assert "<mark" not in doc
    assert "made no changes" in doc


def test_lone_surrogates_do_not_break_the_page(tiny_restorer):
    text = "The Related Press \ud800 wrote."
    restored = tiny_restorer.restore_and_explain(text)
    doc = render_html(text, restored.edits, detect(text, restorer=tiny_restorer))
    doc.encode("utf-8")  # would raise on a lone surrogate


TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: report\n"
    "White Space\tWhite House\t0.98\ttest: report\n"
)


def test_cli_fix_html(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text(TABLE, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["fix", "--html", str(out), "-t", str(table)],
        input="The Related Press called the White Space.\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "The Associated Press called the White House.\n"
    doc = out.read_text(encoding="utf-8")
    assert len(_parse(doc).marks) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_cli_fix_html_needs_a_file(tmp_path):
    result = CliRunner().invoke(app, ["fix", "--html", "-"], input="x")
    assert result.exit_code == 2


# -- in a real browser ---------------------------------------------------------------------------

# Runs after the page loads: focus the first highlight the way the Tab key would, then record
# what a person would see. The result goes into an attribute so --dump-dom carries it out.
PROBE = """<script>
window.addEventListener("load", function () {
  function rgb(s) { return s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number); }
  var marks = document.querySelectorAll("mark.edit");
  var first = marks[0], second = marks[1];
  first.focus();
  var tip = document.getElementById(first.getAttribute("aria-describedby"));
  var other = document.getElementById(second.getAttribute("aria-describedby"));
  var tipStyle = getComputedStyle(tip), markStyle = getComputedStyle(first);
  var box = tip.getBoundingClientRect();
  document.body.setAttribute("data-probe", JSON.stringify({
    marks: marks.length,
    tabIndex: first.tabIndex,
    focused: document.activeElement === first,
    tipDisplay: tipStyle.display,
    otherTipDisplay: getComputedStyle(other).display,
    tipWidth: box.width, tipHeight: box.height,
    tipText: tip.innerText,
    tipColor: rgb(tipStyle.color), tipBackground: rgb(tipStyle.backgroundColor),
    markColor: rgb(markStyle.color), markBackground: rgb(markStyle.backgroundColor),
    title: document.title
  }));
});
</script>"""


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_report_in_a_headless_browser(chromium, page, tmp_path):
    restored, report, doc = page
    probe_page = tmp_path / "report-probe.html"
    probe_page.write_text(doc.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    url = probe_page.as_uri()

    dom = run_chromium(chromium, tmp_path / "profile-dom", "--dump-dom", url)
    match = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert match, f"no probe result; chromium said: {dom.stderr[-2000:]}"
    seen = json.loads(html.unescape(match.group(1)))

    assert seen["title"] == "spun <page>.txt"
    assert seen["marks"] == len(restored.edits)
    assert seen["tabIndex"] == 0
    assert seen["focused"], "the first highlight cannot take keyboard focus"
    assert seen["tipDisplay"] == "block", "focusing a highlight does not show its tooltip"
    assert seen["otherTipDisplay"] == "none", "tooltips show without hover or focus"
    assert seen["tipWidth"] > 50
    assert seen["tipHeight"] > 20
    first = restored.edits[0]
    assert first.spun in seen["tipText"]
    assert first.source.row in seen["tipText"]
    assert "Score" in seen["tipText"]
    assert _contrast(seen["tipColor"], seen["tipBackground"]) >= 7.0
    assert _contrast(seen["markColor"], seen["markBackground"]) >= 7.0

    shot = tmp_path / "report.png"
    result = run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", url)
    assert shot.is_file(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000  # a blank page compresses to a few hundred bytes
    assert report.risk in ("medium", "high")
