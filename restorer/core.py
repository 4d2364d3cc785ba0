"""The pipeline: segment -> tokenize -> candidates -> score -> decode -> edits -> render.

:class:`Restorer` wires the stages together with one :class:`~restorer.config.RestorerConfig`.
Build one and reuse it: the tables and the tokenizer are loaded on first use and kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

from restorer.candidates import Slot, build_lattice, merge_slots, span_text
from restorer.config import RestorerConfig
from restorer.decode import Choice, decode
from restorer.edits import (
    Edit,
    RestoredText,
    Source,
    apply_edits,
    compose_edits,
    landed_ranges,
)
from restorer.graph import SynonymGraph, load_graph
from restorer.imports import load_any_table
from restorer.language import NOT_ENGLISH_NOTE, is_english
from restorer.lists import CERTAIN, UserLists
from restorer.markup import protected_ranges, tokenize_around, unprotected_text
from restorer.propose import ModelProposer
from restorer.render import article_for, match_case
from restorer.score import (
    SIGNATURE_LOG_ODDS,
    FrequencyScorer,
    Score,
    Scorer,
    channel,
    estimate_spin_rate,
    quote_channels,
    without_strongest,
)
from restorer.spin import EVIDENCE_CALIBRATION, SpinEvidence
from restorer.table import PhraseTable, load_optional_table, load_table
from restorer.tokenize import Token, count_words, is_clitic, iter_segments, split_segments

__all__ = [
    "Restorer",
    "SegmentAnalysis",
    "SegmentResult",
    "TextRestorer",
]

_BYTES_ERROR = (
    "restorer works on text (str), not bytes. Decode the bytes first, for example with "
    "data.decode('utf-8'), or use the restorer command line, which decodes files for you."
)
_ARTICLE_SOURCE = Source("render", 0, "a/an", "render: a/an agreement")


class SegmentAnalysis(NamedTuple):
    """What the first restoration pass saw in a segment, for jobs that read the same evidence.

    Detection (:class:`~restorer.detect.SpinMeter`) needs the tokens, the candidate spans and
    their scores that restoring already computed; carrying them here spares it doing that work
    twice. Token offsets are relative to the segment (add :attr:`SegmentResult.offset`).

    Attributes:
        tokens: the segment's tokens (markup and addresses protected).
        slots: the candidate spans, without those the deny list takes.
        scores: one list of scores per slot, one per candidate.
        denied: the token spans the deny list forces or flags (certain evidence).
    """

    tokens: list[Token]
    slots: list[Slot]
    scores: list[list[Score]]
    denied: tuple[tuple[int, int], ...] = ()


class SegmentResult(NamedTuple):
    """One restored segment: its input offset, input text, output text, edits and spin rate."""

    offset: int
    text: str
    restored: str
    edits: list[Edit]
    spin_rate: float
    words: int
    #: Why a segment was left alone or treated specially ("left alone: not English").
    notes: tuple[str, ...] = ()
    #: The first pass's tokens, candidate spans and scores (None where the segment was left
    #: alone as not English).
    analysis: SegmentAnalysis | None = None
    #: The tier that decided the segment (``fast``, ``lm``; ``source`` for a restoration from
    #: a found original; empty where nothing says).
    model: str = ""


def _check_text(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        raise TypeError(_BYTES_ERROR)
    if not isinstance(text, str):
        raise TypeError(f"restorer works on str, not {type(text).__name__}")
    return text


class _Named(Protocol):
    @property
    def name(self) -> str:
        """The tier's name."""
        ...


class TextRestorer(Protocol):
    """What the jobs (``fix``, ``batch``, the datatrove steps) use of a restorer.

    A :class:`Restorer` (one scorer tier) and a :class:`~restorer.cascade.Cascade` (the ``fast``
    tier everywhere, the ``lm`` tier where the text looks spun) both offer it;
    :func:`restorer.cascade.make_restorer` builds the one a config names.
    """

    @property
    def config(self) -> RestorerConfig:
        """The options."""
        ...

    @property
    def scorer(self) -> _Named:
        """What scores (its ``name``: ``fast``, ``lm`` or ``cascade``)."""
        ...

    @property
    def table(self) -> PhraseTable:
        """The tables in use."""
        ...

    @property
    def lists(self) -> UserLists:
        """The allow and deny lists in use."""
        ...

    @property
    def evidence_tier(self) -> Restorer:
        """The tier whose evidence a :class:`~restorer.detect.SpinMeter` reads of the results."""
        ...

    def iter_restore(self, chunks: Iterable[str]) -> Iterator[SegmentResult]:
        """Restore a stream of text chunks segment by segment, in bounded memory."""
        ...

    def restore_and_explain(self, text: str) -> RestoredText:
        """Restore ``text``; return the result with every edit and the spin rate."""
        ...

    def restore_text(self, text: str) -> str:
        """Restore ``text`` and return only the restored text."""
        ...


class Restorer:
    """A configured restorer: tables, scorer and options, reused across documents.

    >>> from restorer.table import PhraseTable, Row
    >>> table = PhraseTable([Row("Related Press", ("Associated Press",), 0.98, "example")])
    >>> r = Restorer(RestorerConfig(default_table=False), table=table)
    >>> r.restore_text("Reported by The Related Press on Monday.")
    'Reported by The Associated Press on Monday.'

    ``graph`` replaces the synonym graph the ``lm`` tier's proposals are checked against (by
    default the optional thesaurus and the tables in use; see :mod:`restorer.propose`).
    """

    def __init__(
        self,
        config: RestorerConfig | None = None,
        *,
        table: PhraseTable | None = None,
        scorer: Scorer | None = None,
        graph: SynonymGraph | None = None,
    ) -> None:
        self.config = config or RestorerConfig()
        self._extra_table = table
        self._graph = graph
        self._table: PhraseTable | None = None
        self._span = self.config.max_span_tokens
        self._lists: UserLists | None = None
        self._proposer: ModelProposer | None = None
        if scorer is None:
            scorer = _default_scorer(self.config)
        self.scorer = scorer
        # The lm tier has its own calibrated spin-rate coverage, bound, prior weight and margin,
        # and judges quotations on their own evidence (config.quotes); the fast tier keeps its
        # constants.
        lm = scorer.name == "lm"
        cfg = self.config
        self._rates = (
            cfg.with_options(
                coverage=cfg.lm_coverage,
                max_spin_rate=cfg.lm_max_spin_rate,
                spin_prior_weight=cfg.lm_spin_prior_weight,
            )
            if lm
            else cfg
        )
        self._margin = cfg.lm_margin if lm else cfg.min_margin
        self._robust = cfg.lm_spin_robust if lm else cfg.spin_robust
        self._detector_weight = cfg.lm_detector_weight if lm else 0.0
        # how quotations are judged (see quote_channels), made once rather than per segment
        self._quote_rates = self._rates.with_options(quotes=cfg.quotes if lm else "restore")

    @property
    def table(self) -> PhraseTable:
        """The tables in use: the shipped one (unless disabled), ``config.tables``, ``table``."""
        if self._table is None:
            parts: list[PhraseTable] = []
            if self.config.default_table:
                parts.append(load_table("en"))
            if self.config.thesaurus:
                parts.append(load_optional_table("thesaurus"))
            user = [load_any_table(p) for p in self.config.tables]
            if self._extra_table is not None:
                user.append(self._extra_table)
            parts.extend(user)
            # A table the user supplies is looked up whole, even where its phrases are longer
            # than max_span_tokens (fingerprint lists hold phrases of up to ten words).
            self._span = max([self.config.max_span_tokens, *(min(t.max_words, 12) for t in user)])
            if not parts:
                self._table = PhraseTable([], name="empty")
            else:
                self._table = parts[0].merged(*parts[1:]) if len(parts) > 1 else parts[0]
        return self._table

    @property
    def proposer(self) -> ModelProposer | None:
        """The model's proposer (``lm`` tier with ``lm_propose``), built on first use.

        Its synonym graph joins the optional thesaurus and the tables in use (about a second
        to read, once per restorer).
        """
        if self._proposer is None and self.scorer.name == "lm" and self.config.lm_propose:
            graph = self._graph if self._graph is not None else load_graph([self.table])
            self._proposer = ModelProposer(graph, self.config)
        return self._proposer

    @property
    def lists(self) -> UserLists:
        """The allow and deny lists of ``config.allow`` and ``config.deny``, read on first use."""
        if self._lists is None:
            self._lists = UserLists.load(self.config.allow, self.config.deny)
        return self._lists

    @property
    def evidence_tier(self) -> Restorer:
        """The restorer whose evidence a :class:`~restorer.detect.SpinMeter` reads: this one."""
        return self

    # -- one segment -------------------------------------------------------------------------

    def restore_segment(self, text: str, offset: int = 0) -> SegmentResult:
        """Restore one bounded segment; edit offsets are shifted by ``offset``.

        A replacement can complete a new spun phrase with its neighbours (``within keeping
        with`` -> ``in keeping with``), so the segment is restored again until nothing changes
        (at most the scorer's ``max_passes``) and the passes' edits are merged into edits on the
        input. With the ``fast`` tier each pass reads the whole segment again, so restoring the
        output once more then changes nothing. A costly scorer (the ``lm`` tier, whose every
        scored slot costs model time) sets ``follow_up_reach``: a later pass then scores only
        the phrases within that many tokens of the last pass's replacements (the phrases they
        complete, and the neighbours whose context they changed), at the spin rate of the first
        pass; the rest of the segment was judged already.
        """
        result = self._restore_pass(text)
        reach = self.scorer.follow_up_reach
        last = result.edits
        for _ in range(self.scorer.max_passes - 1):
            if not last:
                break
            if reach is not None:
                again = self._restore_pass(
                    result.restored,
                    focus=landed_ranges(last),
                    reach=reach,
                    spin_rate=result.spin_rate,
                )
            else:
                again = self._restore_pass(result.restored)
            if not again.edits:
                break
            edits = compose_edits(text, result.edits, again.edits)
            result = result._replace(restored=again.restored, edits=edits)
            last = again.edits
        # a later pass may put a word back as it was (``on`` -> ``at`` -> ``on``): no change,
        # so no edit to explain
        result = result._replace(edits=[e for e in result.edits if e.replacement != e.spun])
        result = _articles_agree(text, result)
        if offset:
            result = result._replace(offset=offset, edits=[e.shifted(offset) for e in result.edits])
        return result._replace(model=self.scorer.name)

    def _restore_pass(
        self,
        text: str,
        focus: Sequence[tuple[int, int]] | None = None,
        reach: int = 0,
        spin_rate: float | None = None,
    ) -> SegmentResult:
        """Restore a segment once, with edit offsets relative to it.

        Markup, code, URLs and e-mail addresses (:func:`~restorer.markup.protected_ranges`)
        become protected tokens that no row can match, and a segment that is not English
        (:func:`~restorer.language.is_english`) is left alone with a note. ``focus``
        (character ranges) keeps only the slots within ``reach`` tokens of one of them, and
        ``spin_rate`` replaces the estimate from this pass's evidence (both for a later pass of
        the same segment).
        """
        ranges = protected_ranges(text)
        english, words = is_english(unprotected_text(text, ranges))
        if not english:
            rho = estimate_spin_rate(words, [], self.config)
            return SegmentResult(0, text, text, [], rho, words, (NOT_ENGLISH_NOTE,))
        tokens = tokenize_around(text, ranges)
        lists = self.lists
        table = self.table
        slots = build_lattice(
            tokens, table, self._span, compose=self.config.compose, allow=lists.allow
        )
        near: set[int] | None = None
        seen: Sequence[Token] = tokens  # what the scorer reads
        if focus is not None:
            near = set()
            for i, tok in enumerate(tokens):
                if any(tok.start < hi and lo < tok.end for lo, hi in focus):
                    near.update(range(i - reach, i + reach + 1))
            slots = [s for s in slots if not near.isdisjoint(range(s.start, s.end))]
            seen = self._read_so_far(tokens, slots, near)
        table_slots = slots  # what the fast tier would score: the detector's evidence
        reading = None
        proposer = self.proposer
        if proposer is not None:
            reading = self.scorer.read(seen, slots)
            if reading is not None:
                proposed = proposer.propose(seen, reading)
                slots = merge_slots(tokens, slots, proposed, allow=lists.allow)
        forced, flagged = lists.denied(tokens, 12) if lists else ([], [])
        denied = (*((c.slot.start, c.slot.end) for c in forced), *flagged)
        if denied:  # the deny list's spans are no table's or model's to score
            taken = {t for start, end in denied for t in range(start, end)}
            slots = [s for s in slots if taken.isdisjoint(range(s.start, s.end))]
            table_slots = [s for s in table_slots if taken.isdisjoint(range(s.start, s.end))]
        if near is not None:  # the model's proposals away from the replacements too
            slots = [s for s in slots if not near.isdisjoint(range(s.start, s.end))]
        n_words = count_words(tokens)
        if not slots and not forced and not flagged:
            rho = estimate_spin_rate(n_words, [], self.config)
            return SegmentResult(
                0, text, text, [], rho, n_words, (), SegmentAnalysis(tokens, [], [])
            )
        if not slots:
            scores = []
        elif reading is not None:
            scores = self.scorer.score(seen, slots, reading)
        else:
            scores = self.scorer.score(seen, slots)
        evidence = [
            (slot.start, slot.end, max(s.evidence for s in sc))
            for slot, sc in zip(slots, scores, strict=True)
        ]
        evidence.extend((c.slot.start, c.slot.end, c.score.evidence) for c in forced)
        evidence.extend((start, end, CERTAIN) for start, end in flagged)
        if spin_rate is not None:
            rho = spin_rate
        else:
            counted = evidence
            if self._robust:
                # a signature row's match, or the deny list, may make a text spun on its own
                alone = [
                    max(sc, key=lambda s: s.evidence).prior >= SIGNATURE_LOG_ODDS for sc in scores
                ]
                alone += [True] * (len(forced) + len(flagged))
                phrases = [span_text(tokens, a, b) for a, b, _ in evidence]
                counted = without_strongest(evidence, phrases, alone)
            rho = estimate_spin_rate(n_words, counted, self._rates)
            if self._detector_weight > 0.0:
                # only what the detector finds beyond the prior: text without evidence either
                # way (no spinnable word, no swap) scores the prior, and keeps the tier's own rate
                detected = self._detector_rate(tokens, table_slots, denied)
                excess = detected - self.config.spin_prior
                rho = max(rho, min(self._detector_weight * excess, self._rates.max_spin_rate))
        channels = quote_channels(tokens, slots, evidence, rho, self._quote_rates)
        choices = decode(len(tokens), slots, scores, channels, self._margin)
        if forced:
            ch = channel(rho)
            choices = sorted(
                [*choices, *(c._replace(gain=c.score.base + ch) for c in forced)],
                key=lambda c: c.slot.start,
            )
        edits = self._render(tokens, choices, rho)
        restored = _apply_local(text, edits, 0)
        analysis = SegmentAnalysis(tokens, slots, scores, denied)
        return SegmentResult(0, text, restored, edits, rho, n_words, (), analysis)

    def _detector_rate(
        self, tokens: list[Token], slots: list[Slot], denied: tuple[tuple[int, int], ...]
    ) -> float:
        """The detector's spin rate of a segment: the ``fast`` tier's evidence, for and against.

        The restorer's own estimate divides the evidence by every word, scaled by a guess at
        how many swaps the tables can see (``lm_coverage``), so on a short paragraph it either
        stays at the prior or, past a few phrases, jumps to the bound. The detector's rate
        (:class:`~restorer.spin.SpinEvidence`) counts the words the tables know as originals
        that stand intact as evidence against spinning: it stays near zero on clean text however
        short, and rises with the share of spinnable words that look swapped. ``slots`` are the
        tables' (no model proposals, none in the deny list's ``denied`` spans); they are scored
        as the ``fast`` tier scores them, and the denied spans count as the ``fast`` tier
        counts them.
        """
        scores = FrequencyScorer(self.config).score(tokens, slots)
        evidence = SpinEvidence(self.table, self.config, EVIDENCE_CALIBRATION["fast"])
        evidence.add(SegmentAnalysis(tokens, slots, scores, denied))
        return evidence.spin_score()

    def _read_so_far(
        self, tokens: Sequence[Token], slots: Sequence[Slot], near: set[int]
    ) -> Sequence[Token]:
        """The tokens a later pass must read: up to its last phrase and the scorer's lookahead.

        The rest of the segment was judged by an earlier pass, and a causal model's scores of
        the phrases near the replacements do not depend on it: reading it again would only
        cost model time (5 % of the trunk tokens the ``lm`` tier decoded on dev paragraphs).
        """
        ahead = self.scorer.lookahead
        if ahead is None:
            return tokens
        last = max([s.end for s in slots] + [i + 1 for i in near if i < len(tokens)], default=0)
        return tokens[: last + ahead]

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
            start = tokens[slot.start].start
            if is_clitic(tokens, slot.start) and replacement[:1].isalpha():
                start, spun, replacement = _unclitic(
                    tokens, slot.start, spun, replacement, edited_tokens
                )
            sc = choice.score
            edits.append(
                Edit(
                    start,
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
                        "channel": choice.gain - sc.base,
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
        segments = split_segments(text, self.config.max_segment_chars)
        return join_results((self.restore_segment(s, o) for o, s in segments), self.config)

    def restore_text(self, text: str) -> str:
        """Restore ``text`` and return only the restored text."""
        return self.restore_and_explain(text).text

    def restore_lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Restore an iterable of lines (as read from a file), yielding restored pieces.

        Lines are grouped into bounded segments, so the spin rate sees whole paragraphs.
        """
        for result in self.iter_restore(lines):
            yield result.restored


def join_results(results: Iterable[SegmentResult], config: RestorerConfig) -> RestoredText:
    """Join a text's restored segments into one result (spin rate: their word-weighted mean)."""
    pieces: list[str] = []
    edits: list[Edit] = []
    notes: dict[str, None] = {}  # distinct notes, in order
    weighted = 0.0
    words = 0
    for result in results:
        pieces.append(result.restored)
        edits.extend(result.edits)
        notes.update(dict.fromkeys(result.notes))
        weighted += result.spin_rate * max(result.words, 1)
        words += max(result.words, 1)
    rho = weighted / words if words else estimate_spin_rate(0, [], config)
    return RestoredText("".join(pieces), edits, rho, tuple(notes))


def _default_scorer(config: RestorerConfig) -> Scorer:
    """Return the scorer tier ``config.model`` names (``auto``: ``lm`` where installed).

    A Restorer is one tier; ``cascade`` is two (:class:`restorer.cascade.Cascade`).
    """
    from restorer.lm import resolve_model

    if config.model == "cascade":
        raise ValueError(
            "a Restorer scores with one tier; build model='cascade' with "
            "restorer.make_restorer(config) or restorer.Cascade(config)"
        )
    if resolve_model(config.model) == "lm":
        from restorer.lm_score import LMScorer

        return LMScorer(config)
    return FrequencyScorer(config)


def _apply_local(text: str, edits: Sequence[Edit], offset: int) -> str:
    out: list[str] = []
    pos = 0
    for e in edits:
        out.append(text[pos : e.start - offset])
        out.append(e.replacement)
        pos = e.end - offset
    out.append(text[pos:])
    return "".join(out)


_NEXT_WORD = re.compile(r"[\s\u00a0]*([^\W\d_][\w'’-]*)")


def _articles_agree(text: str, result: SegmentResult) -> SegmentResult:
    """Undo an ``a`` <-> ``an`` edit that disagrees with the word after it as restored.

    A row may turn ``a`` into ``an``: a spinner that swapped ``an agency`` for ``a company``
    fixed the article too. That is right only where the word after it comes back with a vowel
    sound. Where that word is restored to another (``a international authorities`` -> ``a
    foreign government``: this spinner left the article), or kept, the article must agree with
    it, in whichever pass either was chosen.
    """
    edits = sorted(result.edits, key=lambda e: e.start)
    wrong = []
    for edit, (_start, end) in zip(edits, landed_ranges(edits), strict=True):
        new = edit.replacement.lower()
        if {edit.spun.lower(), new} != {"a", "an"}:
            continue
        after = _NEXT_WORD.match(result.restored, end)
        wanted = article_for(after.group(1)) if after else None
        if wanted is not None and wanted != new:
            wrong.append(edit)
    if not wrong:
        return result
    kept = [e for e in result.edits if e not in wrong]
    return result._replace(edits=kept, restored=apply_edits(text, kept))


#: Stems the tokenizer leaves of a negative contraction (``ca`` of ``can't``), and their word.
_CLITIC_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}


def _unclitic(
    tokens: Sequence[Token], i: int, spun: str, replacement: str, edited: set[int]
) -> tuple[int, str, str]:
    """Return ``(start, spun, replacement)`` for a clitic replaced by a word: not glued on.

    A row turning ``n't`` into ``not`` (spinners contract ``did not``) must give ``did not``,
    not ``didnot``: the edit takes in the word before, and a stem the tokenizer cut
    (``ca``, ``wo``) becomes its word again (``cannot``, ``will not``). Where that word is
    replaced itself, a space goes before the replacement instead.
    """
    if i - 1 in edited:
        return tokens[i].start, spun, " " + replacement
    prev = tokens[i - 1]
    word = _CLITIC_STEMS.get(prev.text.lower())
    stem = match_case(prev.text, word) if word else prev.text
    joiner = "" if word == "can" and replacement.lower() == "not" else " "
    return prev.start, prev.text + spun, stem + joiner + replacement
