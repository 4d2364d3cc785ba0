"""The pipeline: segment -> tokenize -> candidates -> score -> decode -> edits -> render.

:class:`Restorer` wires the stages together with one :class:`~restorer.config.RestorerConfig`.
Build one and reuse it: the tables and the tokenizer are loaded on first use and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from restorer.candidates import build_lattice, span_text
from restorer.config import RestorerConfig
from restorer.decode import Choice, decode
from restorer.edits import Edit, RestoredText, Source
from restorer.errors import RestorerError
from restorer.render import article_for, match_case
from restorer.score import FrequencyScorer, Scorer, channel, estimate_spin_rate
from restorer.table import PhraseTable, load_table
from restorer.tokenize import Token, iter_segments, split_segments, tokenize

__all__ = ["Restorer", "SegmentResult", "restore_and_explain", "restore_text"]

_BYTES_ERROR = (
    "restorer works on text (str), not bytes. Decode the bytes first, for example with "
    "data.decode('utf-8'), or use the restorer command line, which decodes files for you."
)
_ARTICLE_SOURCE = Source("render", 0, "a/an", "render: a/an agreement")


class SegmentResult(NamedTuple):
    """One restored segment: its input offset, input text, output text, edits and spin rate."""

    offset: int
    text: str
    restored: str
    edits: list[Edit]
    spin_rate: float
    words: int


def _check_text(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        raise TypeError(_BYTES_ERROR)
    if not isinstance(text, str):
        raise TypeError(f"restorer works on str, not {type(text).__name__}")
    return text


class Restorer:
    """A configured restorer: tables, scorer and options, reused across documents.

    >>> from restorer.table import PhraseTable, Row
    >>> table = PhraseTable([Row("Related Press", ("Associated Press",), 0.98, "example")])
    >>> r = Restorer(RestorerConfig(default_table=False), table=table)
    >>> r.restore_text("Reported by The Related Press on Monday.")
    'Reported by The Associated Press on Monday.'
    """

    def __init__(
        self,
        config: RestorerConfig | None = None,
        *,
        table: PhraseTable | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.config = config or RestorerConfig()
        self._extra_table = table
        self._table: PhraseTable | None = None
        if scorer is None:
            if self.config.model == "lm":
                raise RestorerError(
                    "the 'lm' scorer tier is not available in this version of restorer; "
                    "use model='fast'"
                )
            scorer = FrequencyScorer(self.config)
        self.scorer = scorer

    @property
    def table(self) -> PhraseTable:
        """The tables in use: the shipped one (unless disabled), ``config.tables``, ``table``."""
        if self._table is None:
            parts: list[PhraseTable] = []
            if self.config.default_table:
                parts.append(load_table("en"))
            parts.extend(PhraseTable.load(p) for p in self.config.tables)
            if self._extra_table is not None:
                parts.append(self._extra_table)
            if not parts:
                self._table = PhraseTable([], name="empty")
            else:
                self._table = parts[0].merged(*parts[1:]) if len(parts) > 1 else parts[0]
        return self._table

    # -- one segment -------------------------------------------------------------------------

    def restore_segment(self, text: str, offset: int = 0) -> SegmentResult:
        """Restore one bounded segment; edit offsets are shifted by ``offset``."""
        tokens = tokenize(text)
        slots = build_lattice(tokens, self.table, self.config.max_span_tokens)
        n_words = sum(1 for t in tokens if any(c.isalnum() for c in t.text))
        if not slots:
            rho = estimate_spin_rate(n_words, [], self.config)
            return SegmentResult(offset, text, text, [], rho, n_words)
        scores = self.scorer.score(tokens, slots)
        evidence = [
            (slot.start, slot.end, max(s.evidence for s in sc))
            for slot, sc in zip(slots, scores, strict=True)
        ]
        rho = estimate_spin_rate(n_words, evidence, self.config)
        choices = decode(len(tokens), slots, scores, channel(rho), self.config.min_margin)
        edits = self._render(tokens, choices, rho)
        edits = [e.shifted(offset) for e in edits] if offset else edits
        restored = _apply_local(text, edits, offset)
        return SegmentResult(offset, text, restored, edits, rho, n_words)

    def _render(self, tokens: Sequence[Token], choices: Sequence[Choice], rho: float) -> list[Edit]:
        edits: list[Edit] = []
        edited_tokens: set[int] = set()
        for choice in choices:
            edited_tokens.update(range(choice.slot.start, choice.slot.end))
        for choice in choices:
            slot, cand = choice.slot, choice.candidate
            spun = span_text(tokens, slot.start, slot.end)
            replacement = match_case(spun, cand.text, exact_case=cand.row.case_sensitive)
            article = self._article_edit(tokens, slot.start, spun, replacement, edited_tokens)
            if article is not None:
                edits.append(article)
            sc = choice.score
            edits.append(
                Edit(
                    tokens[slot.start].start,
                    tokens[slot.end - 1].end,
                    spun,
                    replacement,
                    Source(cand.row.table, cand.row.line, cand.row.describe(), cand.row.source),
                    {
                        "total": choice.gain,
                        "frequency": sc.frequency,
                        "prior": sc.prior,
                        "lemma": sc.lemma,
                        "context": sc.context,
                        "channel": channel(rho),
                        "spin_rate": rho,
                    },
                )
            )
        return edits

    @staticmethod
    def _article_edit(
        tokens: Sequence[Token], start: int, spun: str, replacement: str, edited: set[int]
    ) -> Edit | None:
        """Return an edit turning ``a`` into ``an`` (or back) before a replacement, if needed."""
        prev = start - 1
        if prev < 0 or prev in edited or tokens[prev].ws not in (" ",):
            return None
        art = tokens[prev].text
        if art.lower() not in ("a", "an"):
            return None
        before, after = article_for(spun.split()[0]), article_for(replacement.split()[0])
        if before is None or after is None or art.lower() != before or before == after:
            return None
        new = after if art.islower() else after.capitalize()
        if art.isupper() and len(art) > 1:
            new = after.upper()
        return Edit(
            tokens[prev].start,
            tokens[prev].end,
            art,
            new,
            _ARTICLE_SOURCE,
            {"total": 0.0},
        )

    # -- whole texts ---------------------------------------------------------------------------

    def iter_restore(self, chunks: Iterable[str]) -> Iterator[SegmentResult]:
        """Restore a stream of text chunks segment by segment, in bounded memory."""
        for offset, segment in iter_segments(chunks, self.config.max_segment_chars):
            yield self.restore_segment(segment, offset)

    def restore_and_explain(self, text: str) -> RestoredText:
        """Restore ``text`` and return the result with every edit and the spin rate.

        The spin rate of a text cut into several segments is their word-weighted mean.
        """
        text = _check_text(text)
        pieces: list[str] = []
        edits: list[Edit] = []
        weighted = 0.0
        words = 0
        for offset, segment in split_segments(text, self.config.max_segment_chars):
            result = self.restore_segment(segment, offset)
            pieces.append(result.restored)
            edits.extend(result.edits)
            weighted += result.spin_rate * max(result.words, 1)
            words += max(result.words, 1)
        rho = weighted / words if words else estimate_spin_rate(0, [], self.config)
        return RestoredText("".join(pieces), edits, rho)

    def restore_text(self, text: str) -> str:
        """Restore ``text`` and return only the restored text."""
        return self.restore_and_explain(text).text

    def restore_lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Restore an iterable of lines (as read from a file), yielding restored pieces.

        Lines are grouped into bounded segments, so the spin rate sees whole paragraphs.
        """
        for result in self.iter_restore(lines):
            yield result.restored


def _apply_local(text: str, edits: Sequence[Edit], offset: int) -> str:
    out: list[str] = []
    pos = 0
    for e in edits:
        out.append(text[pos : e.start - offset])
        out.append(e.replacement)
        pos = e.end - offset
    out.append(text[pos:])
    return "".join(out)


@functools.lru_cache(maxsize=8)
def _default_restorer(config: RestorerConfig) -> Restorer:
    return Restorer(config)


def _config(config: RestorerConfig | None, options: dict[str, Any]) -> RestorerConfig:
    base = config or RestorerConfig()
    return base.with_options(**options) if options else base


def restore_text(text: str, config: RestorerConfig | None = None, **options: Any) -> str:
    """Return ``text`` with spun phrases put back to their likely originals.

    Clean text comes back unchanged: an edit needs evidence, and a document with little
    evidence keeps a low spin rate, which protects its ordinary words.

    Args:
        text: the text to restore.
        config: options; defaults to :class:`RestorerConfig` ().
        **options: individual options overriding ``config`` (``model="fast"``, ...).

    Raises:
        TypeError: for bytes or other non-text input.
    """
    return _default_restorer(_config(config, options)).restore_text(text)


def restore_and_explain(
    text: str, config: RestorerConfig | None = None, **options: Any
) -> RestoredText:
    """Like :func:`restore_text`, but also return every edit with its evidence and the spin rate."""
    return _default_restorer(_config(config, options)).restore_and_explain(text)
