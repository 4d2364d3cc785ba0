"""The HTML review report: one self-contained file showing what was restored and why.

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
import re
from collections.abc import Sequence

from restorer.detect import RISK_BANDS, SpinReport
from restorer.edits import Edit

__all__ = ["render_html"]

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


def _marked_text(text: str, edits: Sequence[Edit]) -> str:
    out: list[str] = []
    pos = 0
    for n, edit in enumerate(edits, start=1):
        out.append(_esc(text[pos : edit.start]))
        shown = _esc(edit.replacement) if edit.replacement else "\u2205"
        out.append(
            f'<mark class="edit" id="edit-{n}" tabindex="0" aria-describedby="tip-{n}">{shown}'
            f'<span class="tip" role="tooltip" id="tip-{n}">{_tooltip(n, edit)}</span></mark>'
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
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}<script>{_SCRIPT}</script></body></html>\n"
    )
