"""RestorerConfig: every option of the pipeline, with its default and its trade-off.

The numbers marked "calibrated" were chosen with ``benchmarks/run_quality.py`` on
``../shared/devset`` (see ``benchmarks/results/calibration-fast.json`` for the run that chose them;
``benchmarks/results/calibration-lm.json`` for the ``lm_*`` ones); change them only with a new
run of that benchmark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["MODELS", "QUOTE_MODES", "RestorerConfig"]

#: Models. ``fast`` needs no neural model; ``lm`` scores context with SmolLM2 (see
#: :mod:`restorer.lm`); ``cascade`` restores with ``fast`` and hands what looks spun to ``lm``
#: (:mod:`restorer.cascade`); ``auto`` is ``cascade`` where the ``lm`` tier's weights and
#: runtime are installed, else ``fast`` (``$RESTORER_MODEL`` overrides what ``auto`` picks). A
#: :class:`~restorer.core.Restorer` is one tier: given ``auto`` it scores with ``lm`` where
#: installed.
MODELS = ("auto", "fast", "lm", "cascade")
#: How text inside quotation marks is treated (see ``RestorerConfig.quotes``).
QUOTE_MODES = ("auto", "restore", "keep")


@dataclass(frozen=True, slots=True)
class RestorerConfig:
    """Options of a :class:`~restorer.core.Restorer`.

    Attributes:
        model: ``"fast"`` (word frequencies and table priors), ``"lm"`` (a language model
            judges each candidate in context; needs the SmolLM2 weights and
            llama-cpp-python), ``"cascade"`` (``fast`` everywhere, ``lm`` where the ``fast``
            spin score passes a calibrated gate; :mod:`restorer.cascade`) or ``"auto"``, the
            default: ``cascade`` where the ``lm`` tier is installed, else ``fast``
            (:func:`restorer.cascade.make_restorer`; a :class:`~restorer.core.Restorer`, one
            tier, takes ``auto`` as ``lm`` where installed). On dev stories it never saw, the
            ``lm`` tier restores about three times as much as ``fast`` (micro error reduction
            0.352 against 0.113 on whole documents, 0.263 against 0.073 on paragraphs, both
            with no clean-text damage: ``benchmarks/results/quality-lm-loso.json``,
            ``quality-fast-loso.json``) but runs hundreds of times slower; the cascade
            restored as much as ``lm`` on whole documents (0.349, measured before this round's
            rendering fixes) at ten times the speed on a corpus with 2 % spun documents
            (``quality-cascade-loso.json``, ``corpus.json``).
            Detection and the spaCy component default to ``fast``.
        tables: extra table files (our TSV format), consulted together with the shipped table.
        default_table: use the shipped table (``restorer/data/*_en.tsv``). Turn off to restore
            with your own tables only.
        min_margin: how many nats a replacement must beat keeping the text by. Higher is more
            conservative: fewer edits on clean text, fewer restorations on spun text.
        freq_weight: weight of the word-frequency feature (difference of mean log frequency,
            in nats, between the canonical phrase and the spun one). Calibrated.
        freq_clip: the frequency feature is clipped to ``±freq_clip`` nats so one rare word
            cannot force an edit on its own.
        lemma_penalty: nats subtracted when a row matched only through a lemma (``mentions``
            finding the ``mention`` row) rather than the exact words. Calibrated.
        spin_rate: fix the document spin rate instead of estimating it (0 < rate < 1).
        spin_prior: prior mean of the spin rate before any evidence; clean text stays near it.
        spin_prior_weight: how many tokens' worth of evidence the prior is worth; larger values
            need more evidence before a document counts as spun.
        coverage: the share of a spinner's swaps the tables are expected to propose; the
            estimated spin rate is scaled by ``1 / coverage``. Calibrated (with
            ``max_spin_rate``; ``benchmarks/results/calibration-fast.json``): 0.1 and a bound
            of 0.6 had been chosen on the first batch; with the clean guard grown (whole
            pages, documentation prose) and learned rows, their neighbours edit a clean
            invoice-software page that repeats *invoice*, so the rule, which wants a margin
            around the chosen point, now takes 0.2 and 0.8.
        max_spin_rate: upper bound of the estimated spin rate.
        spin_robust: estimate the spin rate without the document's strongest phrase (all its
            occurrences) unless it is a signature row or on the deny list, so that no single
            phrase makes a text spun: a short clean paragraph holding one phrase a spinner
            would also write keeps the rate of clean text. Off for the ``fast`` tier, whose
            spin rate stops at ``max_spin_rate``: there it only cost short spun paragraphs
            (held out 0.116 -> 0.084 at ``coverage`` 0.1) and kept no clean text clean that
            was not already.
        max_span_tokens: longest phrase (in tokens) looked up in the tables.
        max_segment_chars: documents are cut into segments of at most this many characters
            (at paragraph breaks when possible) so memory and time stay bounded. The spin rate
            is estimated per segment.
        thesaurus: also load the optional thesaurus table (inverse WordNet, MyThes and Moby
            Thesaurus, about 83,000 rows, both directions of each synonym pair). It proposes the
            original for many more spun words, but the ``fast`` scorer can hardly tell a
            thesaurus mate from the original: on dev stories it never saw it makes whole
            documents worse than they were (error reduction 0.111 -> -0.038; paragraphs
            0.071 -> 0.047). Off by default; loading takes seconds. (The ``lm``
            tier reads the thesaurus anyway, as the graph its own proposals are checked
            against: ``lm_propose``.)
        compose: also propose phrases built from adjacent table matches when the joined
            originals are a term the tables attest (``bosom malignant growth`` -> ``breast
            cancer``; see :mod:`restorer.compose`).
        allow: files of phrases never to touch (one per line). Their occurrences are neither
            edited nor counted as evidence of spinning.
        deny: files of phrases always to flag (one per line; ``phrase<TAB>replacement`` to
            also restore them). They count as certain evidence of spinning, and a given
            replacement is always made.
        lm_weight: ``lm`` tier: weight of the language model's judgement (log-probability
            gain of the text with the candidate over the text as written, in nats). Calibrated.
        lm_freq_weight: ``lm`` tier: how much of the word-frequency difference (the fast tier's
            feature, clipped to ``freq_clip``) is taken back from the language model's gain,
            which prefers common words anywhere. Calibrated.
        lm_window: ``lm`` tier: tokens of right context compared after each span; the left
            context is everything before it, up to ``lm_context`` tokens.
        lm_context: ``lm`` tier: most tokens of left context the model reads before a span.
        lm_max_tokens: ``lm`` tier: most tokens read in one window (bounds memory and the
            model's context).
        lm_passes: ``lm`` tier: restoration passes per segment. A later pass judges again the
            phrases the replacements are part of (a chain of rows: ``within keeping with`` ->
            ``in keeping with`` -> ``according to``), at the cost of reading the segment again
            from its first replacement. Measured held out on the dev set (``benchmarks/``), one
            pass restores as much as three (paragraphs 0.279 against 0.277, edit precision
            0.845 against 0.841): what later passes changed was mostly the first pass's own
            words (``did not`` -> ``didn't`` -> ``did not``), and they cost a quarter of the
            tier's time. The ``fast`` tier always makes up to three.
        lm_name_penalty: ``lm`` tier: nats subtracted when a lower-case row would change a
            capitalised word that looks like a name (``House`` -> ``Mansion``). Calibrated.
        lm_evidence_offset: ``lm`` tier: the part of the language model's gain (nats) that
            does not count as evidence of spinning: clean prose is full of words slightly less
            likely than a synonym. Calibrated.
        lm_coverage: ``lm`` tier's ``coverage`` for the spin-rate estimate. Calibrated.
        lm_margin: ``lm`` tier's ``min_margin``. Calibrated.
        lm_max_spin_rate: ``lm`` tier's ``max_spin_rate`` (the ``fast`` tier keeps its own).
            Calibrated together with ``lm_margin``: the language model weighs against the
            replacements that read worse, so a heavily spun document may be restored more
            boldly than the ``fast`` tier dares.
        lm_spin_prior_weight: ``lm`` tier's ``spin_prior_weight`` (the ``fast`` tier keeps its
            own). It matters for short texts only: a paragraph of 40 words is judged half on
            the prior at 40, a third at 20, and a page hardly at all, so whole documents tie
            on it and the calibration chooses it on paragraphs. 20 restored more paragraphs
            at every ``lm_coverage`` but, at the 0.03 chosen, edited a clean paragraph; 40
            is kept.
        lm_device: ``lm`` tier: ``"auto"`` (a GPU where the runtime was built for one) or
            ``"cpu"``.
        cascade_gate: ``cascade``: the ``fast`` tier's spin score (``restorer detect``'s) from
            which a document goes to the ``lm`` tier. The default passes 5 % of clean documents
            (leave one story out, ``benchmarks/run_detect.py``); lower sends more to the
            ``lm`` tier: slower, and more of the spun paragraphs the ``fast`` tier's evidence
            misses are restored as well as the ``lm`` tier restores them
            (``benchmarks/results/quality-cascade-gate-*.json``).
        lm_spin_robust: ``lm`` tier's ``spin_robust``, on: at the ``lm`` tier's bolder
            spin rates (up to 0.99) one phrase could make a short clean paragraph "spun";
            without it the chosen constants edit 13 clean phrases in 9 records (0.17 per 1,000
            tokens), with it none.
        lm_propose: ``lm`` tier: also propose originals no table lists: the words the model
            finds likely at a word and that the synonym graph (the optional thesaurus and
            the tables) links to the word written (see :mod:`restorer.propose`).
        lm_propose_top: ``lm`` tier: how many of the model's likeliest tokens at each word are
            kept as possible proposals. Calibrated with the link priors: 50 (every fold of
            ``calibrate_lm.py --grid link-rank``). With every proposal counted as evidence of
            spinning, 50 edits clean text at every grid point (a clean news paragraph read as
            spun at rate 0.99): only the first ``lm_propose_evidence_top`` count. With one
            prior for every link it restored less held out than 10 (documents 0.350 against
            0.353); with the prior falling by the link's place in the thesaurus list
            (``lm_link_rank_decay``) more (0.362 against 0.355).
        lm_propose_max: ``lm`` tier: most proposals per word (the likeliest linked ones).
        lm_propose_min_gain: ``lm`` tier: how many nats likelier than the word written (given
            the text before it) a word must be to be proposed.
        lm_propose_span: ``lm`` tier: longest run of words a proposal may replace.
        lm_propose_window: ``lm`` tier: ``lm_window`` for spans only the model proposes
            candidates for (fewer tokens read after each: cheaper).
        lm_prune_slack: ``lm`` tier: how many nats the words after a span may add to what a
            candidate's first model token already gains over the span as written (both read
            from the text before it, in the one pass that reads the text). A candidate that
            could not be chosen even with that much, at the boldest spin rate, is not read
            with its right context: its gain is the left context's. ``inf`` reads every
            candidate in full. See :meth:`restorer.lm_score.LMScorer.score`. Measured held
            out (``benchmarks/results/calibration-lm-prune.json``): from 4 up, every figure is
            that of reading every candidate in full (paragraphs 0.281, documents 0.363, no
            clean edit), and 4 reads a fifth fewer branch tokens (12,921 against 16,168 on the
            dev paragraphs); 3 and 2 lose 0.001 on paragraphs, 0 loses 0.01.
        lm_link_prior: ``lm`` tier: prior of a proposal that is a thesaurus synonym of the
            word written, at the first place of its list (a row of the tables in use is
            first). Calibrated: 0.02 with ``lm_link_rank_decay`` 2; at 0.02 for every place
            precision fell to 0.75 and held-out paragraphs to 0.265.
        lm_link_rank_decay: ``lm`` tier: how a direct link's prior falls with the proposal's
            place among the originals the thesaurus lists for the word written: the prior is
            ``lm_link_prior`` x place ** -decay (0: the same prior at every place). A spinner
            picks from the top of the list: of the model's proposals on the dev set, 36 % of
            those listed first (or rows of the tables) were the original, 1 to 5 % of those
            listed 2nd to 10th (``benchmarks/results/link-rank.json``). Calibrated: 2 (every
            fold).
        lm_two_hop_prior: ``lm`` tier: prior of a proposal that is a synonym of a synonym; 0
            (the default) proposes none. On the dev set such proposals were almost never the
            original: of those the model found likely, 386 would have helped and 5,984 hurt.
        lm_lemma_prior: ``lm`` tier: prior of a proposal that is another form of the word
            written (``make`` for ``makes``); 0 (the default) proposes none (2 helpful, 90
            harmful on the dev set).
        lm_propose_evidence_offset: ``lm`` tier: the part of the model's gain (nats) on its
            own proposals that does not count as evidence of spinning (``lm_evidence_offset``
            for table rows). Calibrated.
        lm_propose_evidence_top: ``lm`` tier: only proposals among the model's first this
            many choices count as evidence of spinning (0: all of ``lm_propose_top``); the
            others are still restored where the rest of the evidence says the text is spun.
            It is what keeps the default list of 50 from editing clean text (no clean edit
            on the clean sets of ``benchmarks/``, where counting all 50 edited some at every
            grid point).
        lm_detector_weight: ``lm`` tier: its spin rate is at least this many times the
            detector's spin score of the segment (:mod:`restorer.spin`: the ``fast`` tier's
            evidence, with the intact words a spinner would have touched counted against it),
            which stays near zero on clean text however short and rises on a short spun
            paragraph that the tier's own estimate leaves at the prior. Only the score's
            excess over ``spin_prior`` counts. 0 turns it off. Calibrated: 4, chosen by every
            fold (6 edits clean text).
        quotes: text inside quotation marks: ``"auto"`` estimates a separate spin rate there
            from the evidence inside the quotes (many spinners leave quotations alone, others
            rewrite them), and another for the text around them, both drawn toward the
            document's rate and neither above it; ``"restore"`` treats quotes like other text;
            ``"keep"`` never edits inside quotes. Used by the ``lm`` tier.
    """

    model: str = "auto"
    tables: tuple[Path, ...] = ()
    default_table: bool = True
    min_margin: float = 0.0
    freq_weight: float = 0.8
    freq_clip: float = 4.0
    lemma_penalty: float = 0.5
    spin_rate: float | None = None
    spin_prior: float = 0.02
    spin_prior_weight: float = 40.0
    coverage: float = 0.2
    max_spin_rate: float = 0.8
    spin_robust: bool = False
    max_span_tokens: int = 5
    max_segment_chars: int = 100_000
    thesaurus: bool = False
    compose: bool = True
    allow: tuple[Path, ...] = ()
    deny: tuple[Path, ...] = ()
    lm_weight: float = 0.5
    lm_freq_weight: float = 0.5
    lm_window: int = 4
    lm_context: int = 256
    lm_max_tokens: int = 1024
    lm_passes: int = 1
    lm_name_penalty: float = 2.0
    lm_evidence_offset: float = 2.0
    lm_coverage: float = 0.03
    lm_margin: float = 2.0
    lm_max_spin_rate: float = 0.99
    lm_spin_prior_weight: float = 40.0
    lm_device: str = "auto"
    cascade_gate: float = 0.038
    lm_spin_robust: bool = True
    lm_propose: bool = True
    lm_propose_top: int = 50
    lm_propose_max: int = 1
    lm_propose_min_gain: float = 3.0
    lm_propose_span: int = 2
    lm_propose_window: int = 2
    lm_prune_slack: float = 4.0
    lm_link_prior: float = 0.02
    lm_link_rank_decay: float = 2.0
    lm_two_hop_prior: float = 0.0
    lm_lemma_prior: float = 0.0
    lm_propose_evidence_offset: float = 4.0
    lm_propose_evidence_top: int = 10
    lm_detector_weight: float = 4.0
    quotes: str = "auto"

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, not {self.model!r}")
        if self.quotes not in QUOTE_MODES:
            raise ValueError(f"quotes must be one of {', '.join(QUOTE_MODES)}, not {self.quotes!r}")
        if not 0.0 <= self.cascade_gate <= 1.0:
            raise ValueError(f"cascade_gate must be between 0 and 1, not {self.cascade_gate!r}")
        if self.lm_device not in ("auto", "cpu"):
            raise ValueError(f"lm_device must be 'auto' or 'cpu', not {self.lm_device!r}")
        if not 0 <= self.lm_window <= 64:
            raise ValueError("lm_window must be between 0 and 64")
        if not 0 <= self.lm_context <= 2048:
            raise ValueError("lm_context must be between 0 and 2048")
        if not 64 <= self.lm_max_tokens <= 3072:
            raise ValueError("lm_max_tokens must be between 64 and 3072")
        if not 1 <= self.lm_passes <= 3:
            raise ValueError(f"lm_passes must be 1, 2 or 3, not {self.lm_passes!r}")
        if not 0 <= self.lm_propose_top <= 1000:
            raise ValueError("lm_propose_top must be between 0 and 1000")
        if not 0 <= self.lm_propose_evidence_top <= 1000:
            raise ValueError("lm_propose_evidence_top must be between 0 and 1000")
        if not 1 <= self.lm_propose_span <= 4:
            raise ValueError("lm_propose_span must be between 1 and 4")
        if not self.lm_prune_slack >= 0.0:  # also refuses NaN
            raise ValueError(f"lm_prune_slack must be 0 or more, not {self.lm_prune_slack!r}")
        if not 0.0 < self.lm_link_prior < 1.0:
            raise ValueError(f"lm_link_prior must be between 0 and 1, not {self.lm_link_prior!r}")
        if not 0.0 <= self.lm_link_rank_decay <= 4.0:
            raise ValueError(
                f"lm_link_rank_decay must be between 0 and 4, not {self.lm_link_rank_decay!r}"
            )
        for name in ("lm_two_hop_prior", "lm_lemma_prior"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), not {getattr(self, name)!r}")
        if not 0.0 <= self.lm_detector_weight < math.inf:
            raise ValueError(
                f"lm_detector_weight must be 0 or more, not {self.lm_detector_weight!r}"
            )
        if not 0.0 < self.lm_coverage <= 1.0:
            raise ValueError(f"lm_coverage must be in (0, 1], not {self.lm_coverage!r}")
        object.__setattr__(self, "tables", tuple(Path(p) for p in self.tables))
        object.__setattr__(self, "allow", tuple(Path(p) for p in self.allow))
        object.__setattr__(self, "deny", tuple(Path(p) for p in self.deny))
        if self.spin_rate is not None and not 0.0 < self.spin_rate < 1.0:
            raise ValueError(f"spin_rate must be between 0 and 1, not {self.spin_rate!r}")
        if not 0.0 < self.spin_prior < 1.0:
            raise ValueError(f"spin_prior must be between 0 and 1, not {self.spin_prior!r}")
        if not 0.0 < self.coverage <= 1.0:
            raise ValueError(f"coverage must be in (0, 1], not {self.coverage!r}")
        if not 0.0 < self.max_spin_rate < 1.0:
            raise ValueError(f"max_spin_rate must be between 0 and 1, not {self.max_spin_rate!r}")
        if not 0.0 < self.lm_max_spin_rate < 1.0:
            raise ValueError(
                f"lm_max_spin_rate must be between 0 and 1, not {self.lm_max_spin_rate!r}"
            )
        if self.spin_prior_weight <= 0:
            raise ValueError("spin_prior_weight must be positive")
        if self.lm_spin_prior_weight <= 0:
            raise ValueError("lm_spin_prior_weight must be positive")
        if not 1 <= self.max_span_tokens <= 8:
            raise ValueError("max_span_tokens must be between 1 and 8")
        if self.max_segment_chars < 1_000:
            raise ValueError("max_segment_chars must be at least 1000")

    def with_options(self, **overrides: Any) -> RestorerConfig:
        """Return a copy with some options changed; unknown names raise ``TypeError``."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown restorer option(s): {', '.join(unknown)}")
        return replace(self, **overrides)
