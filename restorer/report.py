"""The HTML review reports: one self-contained file showing what was restored and why.

Two pages: :func:`render_html`, the report of one text (``fix --html``), and
:func:`render_run_html`, the report of a batch run (``batch --report``).

The report is for a person deciding whether to trust a restoration. It shows the restored text
with every change highlighted; hovering a change, or moving to it with the Tab key, shows the
spun words it replaced, the table row that proposed it and its score. A summary panel gives the
spin score and risk level, and a table lists every change (each row links back to its place in
the text) and the other spans that look spun but were left alone.

The file needs nothing else: no network, no fonts, no scripts or styles from elsewhere (a
Content-Security-Policy in the page forbids loading any), so it can be mailed, archived or opened
offline. It works without JavaScript (the tooltips are pure CSS, ``:hover`` and ``:focus``); a
few lines of inline script only add closing a tooltip with Escape.

Accessibility: each change is a focusable ``<mark>`` (``tabindex="0"``) whose tooltip is tied to
it with ``aria-describedby`` and ``role="tooltip"``; text colours keep a contrast ratio of at
least 7:1 (WCAG AAA) against their backgrounds, and changes are marked by an underline and a
border as well as by colour.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from restorer.detect import RISK_BANDS, SpinReport
from restorer.edits import Edit

if TYPE_CHECKING:
    from restorer.batch.overview import RunOverview, SpunRecord

__all__ = ["render_html", "render_run_html"]

_SURROGATE = re.compile("[\ud800-\udfff]")

_RISK_TEXT = {
    "none": "No sign of spinning",
    "low": "A little evidence of spinning",
    "medium": "Probably spun",
    "high": "Spun",
}

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1a1a1a;
  font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; }
.summary { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center;
  border: 2px solid #1a1a1a; border-radius: 8px; padding: 1rem 1.25rem; background: #f4f4f4; }
.score { font-size: 2.25rem; font-weight: 700; line-height: 1; }
.score small { display: block; font-size: 0.85rem; font-weight: 400; margin-top: 0.3rem; }
.risk { display: inline-block; padding: 0.2rem 0.7rem; border-radius: 999px; font-weight: 700;
  border: 2px solid currentColor; }
.risk-none { color: #0b5d1e; background: #e6f4ea; }
.risk-low { color: #5c4400; background: #fff4d1; }
.risk-medium { color: #8a2b00; background: #ffe7d9; }
.risk-high { color: #8b0000; background: #fde3e3; }
.facts { margin: 0; display: grid; grid-template-columns: auto auto; gap: 0.1rem 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.help { margin: 1rem 0 0; color: #333333; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.125rem; line-height: 1.9;
  border-left: 4px solid #d0d0d0; padding: 0.25rem 0 0.25rem 1rem; }
mark.edit { position: relative; background: #fff1a8; color: #1a1a1a; padding: 0.05em 0.15em;
  border-radius: 3px; border-bottom: 2px solid #6b5200; text-decoration: none; cursor: help; }
mark.edit:hover, mark.edit:focus { background: #ffe066; }
mark.edit:focus { outline: 3px solid #0b4fc4; outline-offset: 2px; }
mark.edit .tip { display: none; position: absolute; left: 0; top: calc(100% + 6px); z-index: 10;
  width: max-content; max-width: min(28rem, 80vw); white-space: normal; text-align: left;
  background: #1f2328; color: #ffffff; border-radius: 6px; padding: 0.6rem 0.8rem;
  font-size: 0.95rem; line-height: 1.45; box-shadow: 0 4px 14px rgba(0, 0, 0, 0.35); }
mark.edit:hover .tip, mark.edit:focus .tip, mark.edit:focus-within .tip { display: block; }
mark.edit.closed .tip { display: none; }
.tip b { color: #ffe58a; font-weight: 600; }
.tip del { color: #ffc9c9; }
.tip ins { color: #b8f5c8; text-decoration: none; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { border: 1px solid #b0b0b0; padding: 0.35rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: #ececec; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td del { color: #8b0000; }
td ins { color: #0b5d1e; text-decoration: none; font-weight: 600; }
a { color: #0b4fc4; }
a:focus { outline: 3px solid #0b4fc4; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
footer { margin-top: 2rem; color: #444444; font-size: 0.9rem; }
mark.edit del { color: #8b0000; }
mark.edit ins { color: #094d18; text-decoration: none; font-weight: 600; }
.tiers { display: flex; height: 1.6rem; border: 2px solid #1a1a1a; border-radius: 6px;
  overflow: hidden; margin: 0.5rem 0; }
.tiers span { display: block; height: 100%; min-width: 2px; }
.tier-fast { background: #9cc3f5; } .tier-lm { background: #f5b971; }
.tier-source { background: #9fdcaa; } .tier-failed { background: #e39a9a; }
.tier-other { background: #c9c9c9; }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap;
  gap: 0.25rem 1.25rem; }
.legend i { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.35rem;
  border: 1px solid #1a1a1a; vertical-align: -0.1rem; }
svg.hist { width: 100%; height: auto; max-width: 44rem; display: block; }
svg.hist rect.bar { fill: #3a6fb0; }
svg.hist rect.bar:hover { fill: #1d4f8c; }
svg.hist text { font: 11px system-ui, sans-serif; fill: #1a1a1a; }
.record { margin: 1.5rem 0; }
.record h3 { font-size: 1.05rem; margin: 0 0 0.4rem; }
details { margin: 0.5rem 0; }
"""

# Escape closes the focused tooltip (WCAG 1.4.13: content on hover or focus is dismissable);
# moving focus away opens tooltips normally again.
_SCRIPT = """
document.addEventListener("keydown", function (event) {
  var el = document.activeElement;
  if (event.key === "Escape" && el && el.classList.contains("edit")) {
    el.classList.add("closed");
  }
});
document.addEventListener("focusout", function (event) {
  if (event.target.classList) { event.target.classList.remove("closed"); }
});
"""

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _esc(text: str) -> str:
    return html.escape(_SURROGATE.sub("\ufffd", text), quote=True)


def _score_text(edit: Edit) -> str:
    total = edit.score.get("total")
    return "" if total is None else f"{total:+.2f}"


def _tooltip(n: int, edit: Edit) -> str:
    spun = _esc(edit.spun) if edit.spun else "(nothing)"
    parts = [
        f"<b>Change {n}</b><br>",
        f"Spun: <del>{spun}</del><br>",
        f"Restored: <ins>{_esc(edit.replacement) or '(removed)'}</ins><br>",
        f"Table row: {_esc(edit.source.row)}",
    ]
    where = edit.source.table + (f", line {edit.source.line}" if edit.source.line else "")
    parts.append(f" <span>({_esc(where)}; {_esc(edit.source.kind)})</span><br>")
    score = _score_text(edit)
    if edit.source.table == "render" or not score:
        parts.append("Follows from the change next to it")
    else:
        parts.append(f"Score: {score} nats over keeping the text")
    return "".join(parts)


def _marked_text(text: str, edits: Sequence[Edit], prefix: str = "", *, diff: bool = False) -> str:
    """Return ``text`` escaped, each edit a focusable highlight (ids ``{prefix}edit-N``).

    The highlight shows the replacement; with ``diff`` it shows the spun words struck out
    before it, as a diff does.
    """
    out: list[str] = []
    pos = 0
    for n, edit in enumerate(edits, start=1):
        out.append(_esc(text[pos : edit.start]))
        shown = _esc(edit.replacement) if edit.replacement else "\u2205"
        if diff:
            shown = f"<del>{_esc(edit.spun)}</del> <ins>{shown}</ins>"
        out.append(
            f'<mark class="edit" id="{prefix}edit-{n}" tabindex="0" '
            f'aria-describedby="{prefix}tip-{n}">{shown}<span class="tip" role="tooltip" '
            f'id="{prefix}tip-{n}">{_tooltip(n, edit)}</span></mark>'
        )
        pos = edit.end
    out.append(_esc(text[pos:]))
    return "".join(out)


def _changes_table(edits: Sequence[Edit]) -> str:
    if not edits:
        return "<p>The restorer made no changes.</p>"
    rows = []
    for n, e in enumerate(edits, start=1):
        where = e.source.table + (f":{e.source.line}" if e.source.line else "")
        score = "" if e.source.table == "render" else _esc(_score_text(e))
        rows.append(
            f'<tr id="row-{n}"><td class="num"><a href="#edit-{n}">{n}</a></td>'
            f"<td><del>{_esc(e.spun)}</del></td><td><ins>{_esc(e.replacement)}</ins></td>"
            f"<td>{_esc(e.source.row)}</td><td>{_esc(where)}<br>{_esc(e.source.kind)}</td>"
            f'<td class="num">{score}</td></tr>'
        )
    return (
        "<table><caption>Every change, in text order (the number links to it in the text)"
        "</caption><thead><tr><th scope='col'>#</th><th scope='col'>Spun</th>"
        "<th scope='col'>Restored</th><th scope='col'>Table row</th><th scope='col'>Source</th>"
        "<th scope='col'>Score (nats)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _unedited_table(report: SpinReport) -> str:
    spans = [e for e in report.evidence if not e.edited]
    if not spans:
        return ""
    rows = "".join(
        f"<tr><td>{_esc(e.spun)}</td><td>{_esc(e.suggestion or '(unknown)')}</td>"
        f"<td>{_esc(e.source.row)}</td><td class='num'>{e.probability:.0%}</td></tr>"
        for e in spans
    )
    return (
        "<h2>Other signs of spinning (left unchanged)</h2>"
        "<table><caption>Spans that look spun but did not meet the bar for a change</caption>"
        "<thead><tr><th scope='col'>Text</th><th scope='col'>Likely original</th>"
        "<th scope='col'>Rule</th><th scope='col'>Chance it was spun</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _page(title: str, body: str) -> str:
    """Return a whole self-contained page: the policy, the styles, ``body`` and the script."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}<script>{_SCRIPT}</script></body></html>\n"
    )


def render_html(
    text: str,
    edits: Sequence[Edit],
    report: SpinReport,
    *,
    title: str = "restorer report",
    version: str = "",
) -> str:
    """Return the HTML report of a restoration of ``text`` as one self-contained page.

    Args:
        text: the input text (the spun version).
        edits: the restorer's edits of ``text``, in order and not overlapping (as from
            :meth:`~restorer.core.Restorer.restore_and_explain`).
        report: the detection report of ``text`` (:func:`~restorer.detect.detect`).
        title: shown as the page title, e.g. the input's file name.
        version: the restorer version, shown in the footer.

    >>> from restorer.detect import SpinReport
    >>> page = render_html("Clean text.", [], SpinReport(0.01, "none", 2, 0, 0.0, 0.02))
    >>> "<mark" in page, "Content-Security-Policy" in page
    (False, True)
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    risk = report.risk if report.risk in _RISK_TEXT else "none"
    bands = ", ".join(f"{name} from {low:.2f}" for name, low in RISK_BANDS.items())
    summary = (
        '<section class="summary" aria-labelledby="summary-title">'
        '<h2 id="summary-title" class="sr-only">Summary</h2>'
        f'<div class="score">{report.spin_score:.2f}<small>spin score (0 to 1)</small></div>'
        f'<div><span class="risk risk-{risk}">Risk: {risk}</span>'
        f"<br>{_esc(_RISK_TEXT[risk])}</div>"
        '<dl class="facts">'
        f"<dt>Changes</dt><dd>{len(ordered)}</dd>"
        f"<dt>Words</dt><dd>{report.words:,}</dd>"
        f"<dt>Spun spans per 1,000 words</dt><dd>{report.spun_spans_per_1000_words:.1f}</dd>"
        f"<dt>Restorer's spin rate</dt><dd>{report.restore_spin_rate:.2f}</dd>"
        "</dl></section>"
    )
    body = (
        f"<main><h1>{_esc(title)}</h1>{summary}"
        '<p class="help">Highlighted words were restored. Hover over a highlight, or move to it '
        "with the Tab key, to see the spun words, the table row and the score; Escape closes "
        "it.</p>"
        '<h2 id="text-title">Restored text</h2><section class="text" '
        f'aria-labelledby="text-title">{_marked_text(text, ordered)}</section>'
        f"<h2>Changes</h2>{_changes_table(ordered)}{_unedited_table(report)}"
        f"<footer>Spin score: the estimated share of the words a spinner would rewrite that look "
        f"rewritten. Risk levels: none below {RISK_BANDS['low']:.2f}, {bands}. "
        f"Made by restorer {_esc(version)}.</footer></main>"
    )
    return _page(title, body)


# -- the batch run report ------------------------------------------------------------------------

_TIER_TEXT = {
    "fast": "fast tier",
    "lm": "lm tier",
    "source": "restored from a found source",
    "failed": "failed (copied unchanged)",
}


def _tier_class(tier: str) -> str:
    return f"tier-{tier}" if tier in _TIER_TEXT else "tier-other"


def _tier_bar(tiers: dict[str, int]) -> str:
    total = sum(tiers.values())
    if not total:
        return "<p>No records.</p>"
    order = sorted(tiers.items(), key=lambda kv: (-kv[1], kv[0]))
    spans = "".join(
        f'<span class="{_tier_class(t)}" style="width:{100 * n / total:.3f}%"></span>'
        for t, n in order
    )
    legend = "".join(
        f'<li><i class="{_tier_class(t)}"></i>{_esc(_TIER_TEXT.get(t, t))}: '
        f"<b>{n:,}</b> ({n / total:.1%})</li>"
        for t, n in order
    )
    return f'<div class="tiers" aria-hidden="true">{spans}</div><ul class="legend">{legend}</ul>'


def _histogram(bins: Sequence[int]) -> str:
    """An inline SVG histogram of spin scores (log-scaled heights) and the same as a table."""
    width, height, left, bottom = 640, 220, 44, 30
    plot_w, plot_h = width - left - 10, height - bottom - 12
    peak = max(bins, default=0)
    step = plot_w / max(len(bins), 1)
    bars, labels = [], []
    for i, count in enumerate(bins):
        lo, hi = i / len(bins), (i + 1) / len(bins)
        h = plot_h * math.log1p(count) / math.log1p(peak) if peak else 0.0
        x = left + i * step
        bars.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{12 + plot_h - h:.1f}" '
            f'width="{step - 2:.1f}" height="{h:.1f}"><title>{lo:.2f} to {hi:.2f}: '
            f"{count:,} record(s)</title></rect>"
        )
        if i % 4 == 0:
            labels.append(f'<text x="{x:.1f}" y="{height - 12}">{lo:.1f}</text>')
    labels.append(f'<text x="{left + plot_w - 8:.1f}" y="{height - 12}">1.0</text>')
    axis = (
        f'<line x1="{left}" y1="{12 + plot_h}" x2="{left + plot_w}" y2="{12 + plot_h}" '
        'stroke="#1a1a1a"/>'
        f'<text x="0" y="20">{peak:,}</text><text x="0" y="{12 + plot_h}">0</text>'
    )
    svg = (
        f'<svg class="hist" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="hist-title hist-desc"><title id="hist-title">Spin scores of the '
        'records</title><desc id="hist-desc">Records per spin-score band of 0.05; bar heights '
        f"on a log scale</desc>{axis}{''.join(bars)}{''.join(labels)}</svg>"
    )
    rows = "".join(
        f"<tr><td>{i / len(bins):.2f} to {(i + 1) / len(bins):.2f}</td>"
        f'<td class="num">{count:,}</td></tr>'
        for i, count in enumerate(bins)
    )
    return (
        f"{svg}<p class='help'>Bar heights are on a log scale, so a few spun records show "
        "beside many clean ones.</p><details><summary>The same as a table</summary><table>"
        "<thead><tr><th scope='col'>Spin score</th><th scope='col'>Records</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def _most_spun(records: Sequence[SpunRecord]) -> tuple[str, str]:
    """The table of the most spun records, and each one's diff (linked from the table)."""
    if not records:
        return "<p>No records were scored.</p>", ""
    rows, diffs = [], []
    for n, rec in enumerate(records, start=1):
        if rec.edits:
            link = f'<a href="#rec-{n}">{len(rec.edits)} change(s)</a>'
            diffs.append(
                f'<section class="record" id="rec-{n}" aria-labelledby="rec-{n}-title">'
                f'<h3 id="rec-{n}-title">{n}. {_esc(rec.where)}: spin score {rec.spin:.2f}, '
                f"{_esc(_TIER_TEXT.get(rec.tier, rec.tier))}</h3>"
                f'<div class="text">{_marked_text(rec.text, rec.edits, f"r{n}-", diff=True)}'
                f'</div><p><a href="#most-spun">Back to the list</a></p></section>'
            )
        else:
            link = "no change"
        rows.append(
            f'<tr><td class="num">{n}</td><td>{_esc(rec.where)}</td>'
            f'<td class="num">{rec.spin:.2f}</td><td>{_esc(rec.tier)}</td>'
            f'<td class="num">{rec.words:,}</td><td>{link}</td></tr>'
        )
    table = (
        "<table><caption>Highest spin score first; a link opens the record's changes"
        "</caption><thead><tr><th scope='col'>#</th><th scope='col'>Record</th>"
        "<th scope='col'>Spin score</th><th scope='col'>Decided by</th>"
        "<th scope='col'>Words</th><th scope='col'>Changes</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return table, "".join(diffs)


def _restorations(pairs: Sequence[tuple[str, str, int]]) -> str:
    if not pairs:
        return "<p>The restorer made no changes.</p>"
    rows = "".join(
        f"<tr><td><del>{_esc(spun)}</del></td><td><ins>{_esc(restored) or '(removed)'}</ins>"
        f'</td><td class="num">{count:,}</td></tr>'
        for spun, restored, count in pairs
    )
    return (
        "<table><caption>The spinners' dictionary at a glance: the most frequent changes, in "
        "lower case</caption><thead><tr><th scope='col'>Spun</th><th scope='col'>Restored</th>"
        f"<th scope='col'>Times</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_run_html(
    overview: RunOverview, *, title: str = "restorer batch report", version: str = ""
) -> str:
    """Return the HTML report of a batch run as one self-contained page.

    It shows the spin-score distribution, how many records each tier decided, the most spun
    records with links to their changes, and the most frequent restorations; like the ``fix``
    report it needs nothing from elsewhere and works without JavaScript.

    Args:
        overview: what the run gathered (:class:`restorer.batch.overview.RunOverview`).
        title: shown as the page title, e.g. the input's name.
        version: the restorer version, shown in the footer.

    >>> from restorer.batch.overview import RunOverview
    >>> page = render_run_html(RunOverview("fast"))
    >>> "<svg" in page, "Content-Security-Policy" in page
    (True, True)
    """
    most, diffs = _most_spun(overview.most_spun())
    resumed = (
        f" {overview.resumed:,} record(s) an earlier run finished are not in this report."
        if overview.resumed
        else ""
    )
    summary = (
        '<section class="summary" aria-labelledby="summary-title">'
        '<h2 id="summary-title" class="sr-only">Summary</h2>'
        f'<div class="score">{overview.records:,}<small>records in this run</small></div>'
        '<dl class="facts">'
        f"<dt>Restored</dt><dd>{overview.restored:,}</dd>"
        f"<dt>Changes</dt><dd>{overview.edits:,}</dd>"
        f"<dt>Failed</dt><dd>{overview.failed:,}</dd>"
        f"<dt>Words</dt><dd>{overview.words:,}</dd>"
        f"<dt>Model</dt><dd>{_esc(overview.model)}</dd>"
        "</dl></section>"
    )
    body = (
        f"<main><h1>{_esc(title)}</h1>{summary}"
        '<h2 id="tiers-title">Which tier decided each record</h2>'
        f"{_tier_bar(dict(overview.tiers))}"
        f'<h2 id="hist-section">Spin scores</h2>{_histogram(overview.bins)}'
        f'<h2 id="most-spun">The most spun records</h2>{most}'
        f'<h2 id="dictionary">The most frequent restorations</h2>'
        f"{_restorations(overview.restorations())}"
        f'<h2 id="changes">Changes in the most spun records</h2>'
        '<p class="help">Struck-out words are what the record said; the words after them '
        "were put back. Hover over a change, or move to it with the Tab key, to see the "
        "table row and the score; Escape closes it.</p>"
        f"{diffs or '<p>None of them was changed.</p>'}"
        "<footer>Spin score: the restorer's estimate of the share of spinnable words a spinner "
        f"rewrote (the info field's spin_score).{_esc(resumed)} Made by restorer "
        f"{_esc(version)}.</footer></main>"
    )
    return _page(title, body)
