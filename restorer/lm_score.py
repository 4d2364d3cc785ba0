"""The ``lm`` scorer tier: a language model judges whether a restoration reads better.

For a slot (a span the tables can restore) and a candidate original, the ``context`` component is

    log P_LM(candidate + right context | left context) - log P_LM(spun + right context | left)

in nats: how much more natural the sentence reads with the candidate, judged over the span and a
few tokens after it (``lm_window``), given everything before it (up to ``lm_context`` tokens).
Both sides share the same left context and the same right-context tokens, so the difference is a
proper comparison of two whole texts. The LM replaces the fast tier's word frequencies (it knows
them, and in context).

The table keeps its say: the ``prior`` is the row's prior log odds (what the table knows about
spinners), the LM's judgement is weighted by ``lm_weight``, and the channel term (the document's
spin rate) decides whether a change is worth making. Four further cautions:

* **Frequency.** A language model prefers a common word to a rare synonym anywhere (``also``
  over ``additionally``), spun or not. The part of its gain that word frequency alone explains
  (the fast tier's feature: the difference of mean log frequency) is taken back, weighted by
  ``lm_freq_weight``, in the ``frequency`` component; what is left is what the *context* says.

* **Names.** A capitalised word in mid-sentence matched by a lower-case row (``House`` by a
  ``house`` row) is probably a name, and a small LM happily "improves" names (``Trump`` ->
  ``Best``). Such matches pay ``lm_name_penalty`` nats in the prior. Rows written with capitals
  (``Related Press``) are about names, and pay nothing.
* **Style.** Between two spellings of the same words (``cannot`` and ``can't``) the language
  model's preference is no evidence: it may veto such a change but not push it.
* **Spin-rate evidence.** Clean prose is full of words a little less likely than a synonym, so a
  small LM preference says nothing about spinning; only the part of the LM gain above
  ``lm_evidence_offset`` counts as evidence that the text was spun (``Score.evidence_bias``).

Cost: only slots are scored; the text is read once and every candidate continues from the shared
left context (see :mod:`restorer.lm`); identical candidates are scored once.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from typing import NamedTuple

from restorer.candidates import Candidate, Slot, span_text
from restorer.config import RestorerConfig
from restorer.lm import START_TOKEN, Branch, LanguageModel, load_model
from restorer.propose import PROPOSAL_TABLE, Reading
from restorer.render import match_case
from restorer.score import Score, channel, mean_zipf, prior_log_odds
from restorer.tokenize import Token, is_clitic

__all__ = ["LMScorer"]

_LN10 = math.log(10.0)
#: The evidence of a proposal the model does not prefer by enough (nats): none at all.
NO_EVIDENCE = -30.0
_SENTENCE_END = frozenset(".!?:;\"“”'‘’()[]—–-\n")


class _Job(NamedTuple):
    """One candidate to score: where its window starts and ends in the trunk, and its branch."""

    slot: int
    cand: int
    start: int  # first trunk token of the span
    stop: int  # one past the last trunk token compared (span plus right context)
    tokens: tuple[int, ...]  # candidate tokens plus the same right-context tokens


_CONTRACTIONS = (
    ("can't", "can not"),
    ("cannot", "can not"),
    ("won't", "will not"),
    ("shan't", "shall not"),
    ("n't", " not"),
    ("'re", " are"),
    ("'ll", " will"),
    ("'ve", " have"),
    ("'m", " am"),
    ("'d", " would"),
    ("it's", "it is"),
    ("that's", "that is"),
    ("what's", "what is"),
    ("there's", "there is"),
    ("here's", "here is"),
    ("who's", "who is"),
)


def _expanded(text: str) -> str:
    out = text.lower().replace("’", "'")
    for short, long in _CONTRACTIONS:
        out = out.replace(short, long)
    return " ".join(out.split())


def style_only(spun: str, candidate: str) -> bool:
    """Return whether two phrases differ only by contraction (``can't`` / ``cannot``).

    Both forms are ordinary English, and which one an author chose is style, not sense: the
    language model's preference between them is no evidence, so it may only veto.

    >>> style_only("cannot", "can't"), style_only("It is", "It's"), style_only("said", "stated")
    (True, True, False)
    """
    return spun.lower() != candidate.lower() and _expanded(spun) == _expanded(candidate)


def _sentence_initial(tokens: Sequence[Token], i: int) -> bool:
    """Return whether token ``i`` starts a sentence (or follows a quote or a line break)."""
    j = i - 1
    while j >= 0 and not tokens[j].text.strip():
        j -= 1
    if j < 0:
        return True
    prev = tokens[j]
    return prev.text[-1] in _SENTENCE_END or "\n" in prev.ws


def looks_like_name(tokens: Sequence[Token], start: int, end: int) -> bool:
    """Return whether span ``[start, end)`` looks like (part of) a name.

    A capitalised word that does not start a sentence, or a capitalised word beside another
    capitalised word (``Home Speaker Mike``), is probably a name.
    """
    words = [t.text for t in tokens[start:end] if any(c.isalpha() for c in t.text)]
    if not words or not words[0][:1].isupper() or all(w.isupper() for w in words):
        return False
    if not _sentence_initial(tokens, start):
        return True
    nxt = tokens[end].text if end < len(tokens) else ""
    return nxt[:1].isupper()


def _as_rendered(tokens: Sequence[Token], slot: Slot, spun: str, cand: Candidate) -> str:
    """A candidate for ``slot`` (whose text is ``spun``) as the output would write it.

    In the span's case, after the whitespace before the span. A word replacing a clitic goes
    in after a space (``did not`` for ``didn't``: see ``Restorer._render``), so the model reads
    what the output would say; where the render also writes out a stem the tokenizer cut
    (``cannot`` for ``can't``), the model reads the stem as it stands (``ca not``).
    """
    text = match_case(spun, cand.text, exact_case=cand.row.case_sensitive)
    i = slot.start
    if is_clitic(tokens, i) and text[:1].isalpha():
        return " " + text
    return (tokens[i - 1].ws if i else "") + text


class LMScorer:
    """The ``lm`` tier: context from a language model, priors from the tables.

    Args:
        config: the restorer options (``lm_*`` fields).
        model: the language model; by default SmolLM2 via :func:`restorer.lm.load_model`,
            loaded on first use. Tests pass a small deterministic stand-in.
    """

    name = "lm"

    def __init__(self, config: RestorerConfig, model: LanguageModel | None = None) -> None:
        self.config = config
        self._model = model
        self._encode = functools.lru_cache(maxsize=65_536)(self._encode_uncached)

    @property
    def model(self) -> LanguageModel:
        """The language model (loaded on first use)."""
        owner = getattr(self._model, "pid", None)
        if self._model is None or (owner is not None and owner != os.getpid()):
            # first use, or a forked worker holding its parent's model: load our own
            self._model = load_model(gpu=self.config.lm_device != "cpu")
        return self._model

    @property
    def follow_up_reach(self) -> int | None:
        """0: a later restoration pass scores only the phrases the replacements are part of.

        (By default there is none: ``lm_passes`` is 1.)

        Every scored slot costs model time. Re-reading the neighbours of each replacement
        restored a little more on the dev set at the earlier calibration (``lm_coverage`` 0.1,
        spin rate at most 0.6: micro error reduction 0.543, 0.547 and 0.554 for 1, 2 and 4
        tokens around it, against 0.536) but cost 9 to 25 % more time: 2.97x and
        3.12x a plain forward pass for 1 and 2 tokens, against 2.73x (``benchmarks/run_speed.py``).
        At the current calibration 1 and 2 tokens give 0.605 and 0.606 against 0.602.
        """
        return 0

    @property
    def max_passes(self) -> int:
        """``lm_passes``: by default one, as restoring reads the segment once."""
        return self.config.lm_passes

    @property
    def lookahead(self) -> int:
        """Tokens after a span that count: its right context, and a proposal's second word.

        The model is causal, so nothing further on changes a span's scores; a later pass reads
        the segment only this far past its phrases (each token is at least one model token).
        """
        cfg = self.config
        if not cfg.lm_propose:
            return cfg.lm_window
        return max(cfg.lm_window, cfg.lm_propose_window) + cfg.lm_propose_span

    def _encode_uncached(self, text: str) -> tuple[int, ...]:
        return tuple(self.model.tokenize(text))

    def read(self, tokens: Sequence[Token], slots: Sequence[Slot] = ()) -> Reading:
        """Read a segment once: every token's probability, and the model's own proposals.

        The model reads the text as written, chunk by chunk (see :meth:`_windows`), and keeps
        at every word the ``lm_propose_top`` tokens it finds most likely there, with their log
        probabilities (the proposals :class:`~restorer.propose.ModelProposer` filters). The
        first tokens of the ``slots``' candidates are read at the same time, so that
        :meth:`score` then decodes only the candidates' own continuations: the reading and the
        scoring share the model's cache of the trunk.
        """
        trunk, starts = self._trunk(tokens)
        k = self.config.lm_propose_top
        word_at = {starts[i]: i for i, t in enumerate(tokens) if t.text[:1].isalpha()}
        firsts: dict[int, set[int]] = {}
        for slot in slots:
            spun = span_text(tokens, slot.start, slot.end)
            for cand in slot.candidates:
                ids = self._encode(_as_rendered(tokens, slot, spun, cand))
                if ids:
                    firsts.setdefault(starts[slot.start], set()).add(ids[0])
        trunk_lp = [math.nan] * len(trunk)
        top: dict[int, tuple[tuple[str, float], ...]] = {}
        first: dict[tuple[int, int], float] = {}
        model = self.model
        for lo, a, b in self._windows(len(trunk)):
            window = [START_TOKEN, *trunk[lo:b]]
            branches = [
                Branch(p - lo + 1, (tok,)) for p in range(a, b) for tok in firsts.get(p, ())
            ]
            positions = list(range(a - lo + 1, b - lo + 1))
            reads = [p - lo + 1 for p in range(a, b) if p in word_at] if k else []
            scored = model.score_tree(window, branches, positions, reads, k)
            for p in range(a, b):
                trunk_lp[p] = scored.trunk[p - lo + 1]
            for branch, lp in zip(branches, scored.branches, strict=True):
                first[branch.fork + lo - 1, branch.tokens[0]] = lp
            for q, best in (scored.top or {}).items():
                top[word_at[q + lo - 1]] = tuple((self._piece(t), lp) for t, lp in best)
                first.update(((q + lo - 1, t), lp) for t, lp in best)
        written = [math.fsum(trunk_lp[starts[i] : starts[i + 1]]) for i in range(len(tokens))]
        return Reading(tuple(trunk), tuple(starts), top, written, first)

    def score(
        self,
        tokens: Sequence[Token],
        slots: Sequence[Slot],
        reading: Reading | None = None,
    ) -> list[list[Score]]:
        """Score every candidate of every slot (see the module docstring).

        ``reading`` is what :meth:`read` returned for the same tokens, if it was called. Then
        a candidate that cannot be chosen whatever the words after it say is not read with
        them (``lm_prune_slack``): the decoder takes a candidate only where its score plus the
        channel term clears ``lm_margin``, and the channel term is at most that of
        ``lm_max_spin_rate``; the reading already gives what the candidate's first model
        token gains over the span as written, an upper bound on what the candidate's own
        tokens gain. Where that bound plus the slack, weighted like the model's judgement,
        cannot clear the margin, the candidate keeps the left context's gain as its context.
        On the dev paragraphs a slack of 4 nats leaves a fifth of the candidates' branch tokens
        unread and, held out, restores as much as reading them all
        (``benchmarks/results/calibration-lm-prune.json``).
        """
        if not slots:
            return []
        cfg = self.config
        spun_texts = [span_text(tokens, slot.start, slot.end) for slot in slots]
        parts: list[list[tuple[float, float, float]]] = []  # (prior, lemma, frequency)
        for slot, spun_text in zip(slots, spun_texts, strict=True):
            name = looks_like_name(tokens, slot.start, slot.end)
            spun_zipf = mean_zipf(spun_text) if cfg.lm_freq_weight else 0.0
            row_parts = []
            for cand in slot.candidates:
                prior = prior_log_odds(cand.row.prior)
                if name and not cand.row.case_sensitive:
                    prior -= cfg.lm_name_penalty
                frequency = 0.0
                if cfg.lm_freq_weight:
                    freq = (mean_zipf(cand.text) - spun_zipf) * _LN10
                    freq = max(-cfg.freq_clip, min(cfg.freq_clip, freq))
                    frequency = -cfg.lm_freq_weight * cfg.lm_weight * freq
                lemma = -cfg.lemma_penalty if cand.lemma_match else 0.0
                row_parts.append((prior, lemma, frequency))
            parts.append(row_parts)
        floors = self._hopeless_below(parts) if reading is not None else None
        contexts = self._contexts(tokens, slots, reading, floors)
        out: list[list[Score]] = []
        for k, (slot, spun_text) in enumerate(zip(slots, spun_texts, strict=True)):
            scores = []
            for c, cand in enumerate(slot.candidates):
                prior, lemma, frequency = parts[k][c]
                context = cfg.lm_weight * contexts[k][c]
                if context > 0 and style_only(spun_text, cand.text):
                    context = 0.0
                score = Score(frequency=frequency, prior=prior, lemma=lemma, context=context)
                if cand.row.table == PROPOSAL_TABLE:
                    # A proposal is evidence of spinning only where the model prefers it by
                    # more than the offset, and then by that excess: its prior is a decision
                    # margin, not knowledge about spinners, and the many proposals the model
                    # finds a little likelier in any prose must not count at all.
                    # A choice deep in the model's list (its 28th) is a looser guess: it may
                    # still be restored where the rest of the evidence says the text is spun,
                    # but it does not say so itself.
                    excess = context - cfg.lm_propose_evidence_offset
                    deep = 0 < cfg.lm_propose_evidence_top < cand.rank
                    counts = excess > 0 and not deep
                    wanted = excess + min(frequency, 0.0) if counts else NO_EVIDENCE
                    score = score._replace(evidence_bias=wanted - score.evidence)
                else:
                    score = score._replace(
                        evidence_bias=-min(max(context, 0.0), cfg.lm_evidence_offset)
                    )
                scores.append(score)
            out.append(scores)
        return out

    def _hopeless_below(
        self, parts: Sequence[Sequence[tuple[float, float, float]]]
    ) -> list[list[float]] | None:
        """Return, per candidate, the gain (nats) below which it cannot be chosen.

        ``None`` where nothing is pruned (``lm_prune_slack`` infinite, or the model's
        judgement weighs nothing). The boldest channel term is that of the highest spin rate
        the tier can reach (``lm_max_spin_rate``, or a rate the user fixed).
        """
        cfg = self.config
        if math.isinf(cfg.lm_prune_slack) or cfg.lm_weight <= 0:
            return None
        boldest = channel(max(cfg.lm_max_spin_rate, cfg.spin_rate or 0.0))
        return [[(cfg.lm_margin - boldest - sum(p)) / cfg.lm_weight for p in row] for row in parts]

    # -- the language model part --------------------------------------------------------------

    def _piece(self, token: int) -> str:
        return self.model.piece(token)

    def _trunk(self, tokens: Sequence[Token]) -> tuple[list[int], list[int]]:
        """Return the segment's model tokens and where each of its tokens starts among them.

        Each token is encoded with the whitespace before it, as the BPE's pre-tokenizer
        attaches a space to the word after it; the pieces then concatenate to the text.
        """
        starts = [0]
        trunk: list[int] = []
        for i, tok in enumerate(tokens):
            before = tokens[i - 1].ws if i else ""
            trunk.extend(self._encode(before + tok.text))
            starts.append(len(trunk))
        return trunk, starts

    def _windows(self, n: int) -> list[tuple[int, int, int]]:
        """Return the windows a trunk of ``n`` tokens is read in: ``(lo, a, b)``.

        The trunk is cut into chunks ``[a, b)`` of ``lm_max_tokens - lm_context`` tokens; a
        chunk is read after the ``lm_context`` tokens before it (from ``lo``). The cut depends
        on the trunk alone, so :meth:`read` and :meth:`score` use the same windows and the
        second finds the first's trunk in the model's cache.
        """
        cfg = self.config
        size = max(1, cfg.lm_max_tokens - cfg.lm_context)
        return [(max(0, a - cfg.lm_context), a, min(n, a + size)) for a in range(0, n, size)]

    def _contexts(
        self,
        tokens: Sequence[Token],
        slots: Sequence[Slot],
        reading: Reading | None,
        floors: Sequence[Sequence[float]] | None = None,
    ) -> list[list[float]]:
        """Return the raw LM context gain (nats) of every candidate of every slot.

        ``floors`` (with a ``reading``): per candidate, the gain below which it cannot be
        chosen; a candidate whose left-context gain plus ``lm_prune_slack`` stays below it
        keeps its left-context gain and is not read further (see :meth:`score`).
        """
        cfg = self.config
        out: list[list[float]] = [[0.0] * len(s.candidates) for s in slots]
        first: dict[tuple[int, int], float] = {}
        written_lp: Sequence[float] = ()
        if reading is None:
            trunk, starts = self._trunk(tokens)
        else:
            trunk, starts = list(reading.trunk), list(reading.starts)
            if floors is not None:
                first, written_lp = reading.first, reading.written
        jobs: list[_Job] = []
        for k, slot in enumerate(slots):
            spun = span_text(tokens, slot.start, slot.end)
            a, b = starts[slot.start], starts[slot.end]
            # a span only the model proposes for reads fewer words after it: its proposals
            # are many, and the first words after a word say most about it
            only_proposed = all(c.row.table == PROPOSAL_TABLE for c in slot.candidates)
            window = cfg.lm_propose_window if only_proposed else cfg.lm_window
            right = tuple(trunk[b : b + window])
            written = math.fsum(written_lp[slot.start : slot.end])
            for c, cand in enumerate(slot.candidates):
                ids = self._encode(_as_rendered(tokens, slot, spun, cand))
                if first and ids and floors is not None:
                    lp = first.get((a, ids[0]))
                    if lp is not None and lp - written + cfg.lm_prune_slack < floors[k][c]:
                        out[k][c] = lp - written
                        continue
                jobs.append(_Job(k, c, a, b + len(right), ids + right))
        gains = self._run(trunk, jobs)
        for job, gain in zip(jobs, gains, strict=True):
            out[job.slot][job.cand] = gain
        return out

    def _run(self, trunk: list[int], jobs: list[_Job]) -> list[float]:
        """Score the jobs, each in the window of the chunk its span starts in."""
        gains = [0.0] * len(jobs)
        by_window: dict[tuple[int, int, int], list[int]] = {}
        windows = self._windows(len(trunk))
        size = windows[0][2] - windows[0][1] if windows else 1
        for j, job in enumerate(jobs):
            by_window.setdefault(windows[min(job.start // size, len(windows) - 1)], []).append(j)
        for (lo, _a, b), group in sorted(by_window.items()):
            hi = max(b, *(jobs[j].stop for j in group))
            window = [START_TOKEN, *trunk[lo:hi]]
            branches: list[Branch] = []
            index: dict[tuple[int, tuple[int, ...]], int] = {}
            wanted: set[int] = set()
            refs: list[int] = []
            for j in group:
                job = jobs[j]
                fork = job.start - lo + 1
                key = (fork, job.tokens)
                if key not in index:
                    index[key] = len(branches)
                    branches.append(Branch(fork, job.tokens))
                refs.append(index[key])
                wanted.update(range(fork, job.stop - lo + 1))
            scored = self.model.score_tree(window, branches, sorted(wanted))
            for j, ref in zip(group, refs, strict=True):
                job = jobs[j]
                fork = job.start - lo + 1
                spun_lp = sum(scored.trunk[fork : job.stop - lo + 1])
                gains[j] = scored.branches[ref] - spun_lp
        return gains
