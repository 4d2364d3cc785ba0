"""RestorerConfig: every option of the pipeline, with its default and its trade-off.

The numbers marked "calibrated" were chosen with ``benchmarks/run_quality.py`` on
``../shared/devset`` (see ``benchmarks/results/calibration-fast.json`` for the run that chose them);
change them only with a new run of that benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["MODELS", "RestorerConfig"]

#: Scorer tiers. ``fast`` needs no neural model; ``lm`` is planned (issue: context scoring).
MODELS = ("fast", "lm")


@dataclass(frozen=True, slots=True)
class RestorerConfig:
    """Options of a :class:`~restorer.core.Restorer`.

    Attributes:
        model: scorer tier, ``"fast"`` (word frequencies and table priors) or ``"lm"``.
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
            estimated spin rate is scaled by ``1 / coverage``. Calibrated.
        max_spin_rate: upper bound of the estimated spin rate.
        max_span_tokens: longest phrase (in tokens) looked up in the tables.
        max_segment_chars: documents are cut into segments of at most this many characters
            (at paragraph breaks when possible) so memory and time stay bounded. The spin rate
            is estimated per segment.
    """

    model: str = "fast"
    tables: tuple[Path, ...] = ()
    default_table: bool = True
    min_margin: float = 0.0
    freq_weight: float = 1.0
    freq_clip: float = 4.0
    lemma_penalty: float = 0.5
    spin_rate: float | None = None
    spin_prior: float = 0.02
    spin_prior_weight: float = 40.0
    coverage: float = 0.15
    max_spin_rate: float = 0.6
    max_span_tokens: int = 5
    max_segment_chars: int = 100_000

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, not {self.model!r}")
        object.__setattr__(self, "tables", tuple(Path(p) for p in self.tables))
        if self.spin_rate is not None and not 0.0 < self.spin_rate < 1.0:
            raise ValueError(f"spin_rate must be between 0 and 1, not {self.spin_rate!r}")
        if not 0.0 < self.spin_prior < 1.0:
            raise ValueError(f"spin_prior must be between 0 and 1, not {self.spin_prior!r}")
        if not 0.0 < self.coverage <= 1.0:
            raise ValueError(f"coverage must be in (0, 1], not {self.coverage!r}")
        if not 0.0 < self.max_spin_rate < 1.0:
            raise ValueError(f"max_spin_rate must be between 0 and 1, not {self.max_spin_rate!r}")
        if self.spin_prior_weight <= 0:
            raise ValueError("spin_prior_weight must be positive")
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
