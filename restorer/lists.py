"""The user's allow and deny lists: phrases never to touch, and phrases always to flag.

A stage of its own, beside the tables (:mod:`restorer.table`) and the scorer
(:mod:`restorer.score`): the lists override both. An allowed phrase takes no part in
restoration (the candidate lattice leaves it alone); a denied phrase is certain evidence of
spinning, replaced without asking the scorer when the list gives a replacement. The files are
read by :func:`restorer.imports.read_phrase_list`; :class:`~restorer.core.Restorer` reads them
once (``Restorer.lists``) and asks :meth:`UserLists.denied` for each segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from restorer.candidates import build_lattice
from restorer.decode import Choice
from restorer.score import Score, prior_log_odds
from restorer.table import PhraseTable, Row
from restorer.tokenize import Token

__all__ = ["CERTAIN", "UserLists"]

#: Evidence (nats) that a denied phrase gives the spin-rate estimate: as good as certain.
CERTAIN = 10.0


class UserLists:
    """Allow and deny lists: phrases never to touch, and phrases always to flag.

    Allowed phrases take no part in restoration: no slot overlaps them. Denied phrases are
    certain evidence of spinning; those given with a replacement are always replaced (the
    scorer is not asked), those without one only raise the spin rate. Matching is
    case-insensitive and whole-word.
    """

    def __init__(
        self,
        allow: Sequence[tuple[str, ...]] = (),
        deny: PhraseTable | None = None,
        flag: Sequence[tuple[str, ...]] = (),
    ) -> None:
        self.allow = tuple(allow)
        self.deny = deny
        self.flag = tuple(flag)

    def __bool__(self) -> bool:
        return bool(self.allow or self.flag or (self.deny is not None and len(self.deny)))

    @classmethod
    def load(cls, allow: Sequence[Path], deny: Sequence[Path]) -> UserLists:
        """Read the list files.

        Raises:
            TableFormatError: if a file cannot be read or a line is malformed.
        """
        from restorer.conditions import phrase_words
        from restorer.imports import DENY_PRIOR, read_phrase_list

        allowed = [phrase_words(p) for path in allow for _n, p, _r in read_phrase_list(path)]
        rows: list[Row] = []
        flag: list[tuple[str, ...]] = []
        for path in deny:
            for number, phrase, replacement in read_phrase_list(path):
                if replacement is None:
                    flag.append(phrase_words(phrase))
                    continue
                canonicals = tuple(c.strip() for c in replacement.split("|") if c.strip())
                rows.append(
                    Row(
                        phrase.lower(),
                        canonicals,
                        DENY_PRIOR,
                        f"deny list: {path.name}",
                        table=path.name,
                        line=number,
                    )
                )
        table = PhraseTable(rows, name="deny") if rows else None
        return cls([a for a in allowed if a], table, [f for f in flag if f])

    def denied(
        self, tokens: Sequence[Token], max_length: int
    ) -> tuple[list[Choice], list[tuple[int, int]]]:
        """Return the forced replacements and the flagged spans of a segment."""
        forced: list[Choice] = []
        if self.deny is not None:
            end = 0
            for slot in build_lattice(tokens, self.deny, max_length):
                if slot.start < end:
                    continue  # slots come longest first at each start; keep them disjoint
                cand = slot.candidates[0]
                score = Score(0.0, prior_log_odds(cand.row.prior), 0.0, CERTAIN)
                forced.append(Choice(slot, cand, score, score.base))
                end = slot.end
        flagged: list[tuple[int, int]] = []
        if self.flag:
            from restorer.conditions import SegmentWords

            words = SegmentWords([t.text for t in tokens])
            for phrase in self.flag:
                flagged.extend((i, i + len(phrase)) for i in words.starts(phrase))
        return forced, flagged
