"""Edits: each change the restorer makes is data that can be explained, serialised and replayed.

An :class:`Edit` says where (half-open character offsets into the *input*), what was there, what
replaced it, which table row proposed it and how it scored. ``apply_edits`` replays a list of edits
on the input and refuses edits that do not match it, the way ftfy's ``apply_plan`` replays a plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EXPLANATION_VERSION",
    "Edit",
    "RestoredText",
    "Source",
    "apply_edits",
    "compose_edits",
    "landed_ranges",
]

#: Version of the JSON explanation record written by :meth:`Edit.to_json`. Bump it when a field
#: changes meaning or disappears; adding a field does not need a bump.
EXPLANATION_VERSION = 1


@dataclass(frozen=True, slots=True)
class Source:
    """Where an edit came from: a table row, or a rendering rule such as ``a/an``.

    Attributes:
        table: the table's name (file name for tables on disk) or ``"render"`` for rendering rules.
        line: 1-based line of the row in that table, 0 for rules.
        row: the row as ``spun -> canonical`` (or the rule's name), for people reading explanations.
        kind: the row's provenance column (``curated: verbs of saying``) or the rule's kind.
    """

    table: str
    line: int
    row: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        """Return the source as a JSON-ready dict."""
        return {"table": self.table, "line": self.line, "row": self.row, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Edit:
    """One replacement, with its evidence.

    Attributes:
        start: offset of the first replaced character in the input.
        end: offset just past the last replaced character.
        spun: the input text at ``[start:end]``.
        replacement: what the output has instead.
        source: the table row or rule that proposed it.
        score: the decision's total and its components (natural-log units); ``total`` is how
            much the replacement beat keeping the text as it is.
    """

    start: int
    end: int
    spun: str
    replacement: str
    source: Source
    score: Mapping[str, float] = field(default_factory=dict)

    def shifted(self, offset: int) -> Edit:
        """Return the same edit with offsets moved by ``offset`` characters."""
        return Edit(
            self.start + offset,
            self.end + offset,
            self.spun,
            self.replacement,
            self.source,
            self.score,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the versioned explanation record (DESIGN.md §6)."""
        return {
            "version": EXPLANATION_VERSION,
            "start": self.start,
            "end": self.end,
            "spun": self.spun,
            "replacement": self.replacement,
            "source": self.source.to_json(),
            "score": {k: round(v, 4) for k, v in self.score.items()},
        }

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Edit:
        """Build an edit back from :meth:`to_json` output.

        Raises:
            ValueError: if the record lacks a field or has a version this code does not know.
        """
        version = record.get("version", EXPLANATION_VERSION)
        if version != EXPLANATION_VERSION:
            raise ValueError(f"unsupported explanation record version {version!r}")
        try:
            src = record["source"]
            return cls(
                int(record["start"]),
                int(record["end"]),
                str(record["spun"]),
                str(record["replacement"]),
                Source(str(src["table"]), int(src["line"]), str(src["row"]), str(src["kind"])),
                {str(k): float(v) for k, v in record.get("score", {}).items()},
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed explanation record: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RestoredText:
    """The restored text, the edits that made it, and the document's estimated spin rate.

    ``notes`` says what was left alone and why (``"left alone: not English"``), once per kind.
    ``model`` names the tier that decided where more than one could have (a
    :class:`~restorer.cascade.Cascade`: ``fast`` or ``lm``); empty otherwise.
    """

    text: str
    edits: list[Edit]
    spin_rate: float = 0.0
    notes: tuple[str, ...] = ()
    model: str = ""


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replay ``edits`` on ``text`` and return the result.

    Edits must not overlap, and each must match the text it claims to replace, so a plan learned
    on one text cannot silently corrupt another.

    >>> from restorer.edits import Source
    >>> src = Source("demo", 1, "mentioned -> said", "curated")
    >>> apply_edits("She mentioned it.", [Edit(4, 13, "mentioned", "said", src)])
    'She said it.'

    Raises:
        ValueError: if an edit is out of range, overlaps another, or does not match the text.
    """
    ordered: Sequence[Edit] = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    pos = 0
    for edit in ordered:
        if edit.start < pos:
            raise ValueError(f"edit at {edit.start}-{edit.end} overlaps the previous edit")
        if edit.end > len(text) or edit.start > edit.end:
            raise ValueError(f"edit at {edit.start}-{edit.end} is outside the text")
        if text[edit.start : edit.end] != edit.spun:
            found = text[edit.start : edit.end]
            raise ValueError(
                f"edit at {edit.start}-{edit.end} expects {edit.spun!r} but the text has {found!r}"
            )
        out.append(text[pos : edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def landed_ranges(edits: Sequence[Edit]) -> list[tuple[int, int]]:
    """Return where each edit's replacement lies in the output, as ``(start, end)`` offsets.

    ``edits`` apply to one input, in order and without overlap (as a pass returns them).

    >>> e = [Edit(4, 11, "Related", "Associated", Source("t", 1, "", "")),
    ...      Edit(12, 17, "Press", "Press!", Source("t", 2, "", ""))]
    >>> landed_ranges(e)
    [(4, 14), (15, 21)]
    """
    out: list[tuple[int, int]] = []
    shift = 0
    for e in sorted(edits, key=lambda e: e.start):
        start = e.start + shift
        out.append((start, start + len(e.replacement)))
        shift += len(e.replacement) - (e.end - e.start)
    return out


def compose_edits(text: str, first: Sequence[Edit], second: Sequence[Edit]) -> list[Edit]:
    """Merge two rounds of edits into one round on ``text``.

    ``first`` applies to ``text`` and gives ``mid``; ``second`` applies to ``mid``. The result
    applies to ``text`` and gives what ``second`` gave. A second-round edit that overlaps the
    replacement of a first-round edit is widened to cover it; the merged edit keeps the second
    round's source and score (the row that completed the restoration).

    >>> src = Source("t", 1, "row", "test")
    >>> a = [Edit(0, 6, "within", "in", src)]
    >>> b = [Edit(0, 15, "in keeping with", "according to", src)]
    >>> merged = compose_edits("within keeping with", a, b)
    >>> [(e.start, e.end, e.spun, e.replacement) for e in merged]
    [(0, 19, 'within keeping with', 'according to')]
    """
    firsts = sorted(first, key=lambda e: e.start)
    seconds = sorted(second, key=lambda e: e.start)
    # Where each first-round replacement sits in mid.
    spans: list[tuple[int, int, Edit]] = []
    shift = 0
    for e in firsts:
        start = e.start + shift
        spans.append((start, start + len(e.replacement), e))
        shift += len(e.replacement) - (e.end - e.start)

    def inside(lo: int, hi: int, start: int, end: int) -> bool:
        return (start < hi and lo < end) if start < end else lo < start < hi

    groups: list[tuple[int, int, list[Edit]]] = []
    for g in seconds:
        lo, hi = g.start, g.end
        grown = True
        while grown:  # widening can reach further first-round spans
            grown = False
            for start, end, _ in spans:
                if inside(lo, hi, start, end) and (start < lo or end > hi):
                    lo, hi, grown = min(lo, start), max(hi, end), True
        if groups and lo < groups[-1][1]:
            plo, phi, members = groups[-1]
            groups[-1] = (plo, max(phi, hi), [*members, g])
        else:
            groups.append((lo, hi, [g]))

    def to_input(pos: int, *, is_end: bool) -> int:
        delta = 0
        for start, end, e in spans:
            if end < pos or (end == pos and (start < pos or not is_end)):
                delta += (end - start) - (e.end - e.start)
        return pos - delta

    final = apply_edits(apply_edits(text, firsts), seconds)
    merged: list[Edit] = []
    out_shift = 0
    for lo, hi, members in groups:
        inner = sum(len(m.replacement) - (m.end - m.start) for m in members)
        start, end = to_input(lo, is_end=False), to_input(hi, is_end=True)
        last = members[-1]
        replacement = final[lo + out_shift : hi + out_shift + inner]
        merged.append(Edit(start, end, text[start:end], replacement, last.source, last.score))
        out_shift += inner
    merged.extend(
        e for start, end, e in spans if not any(inside(lo, hi, start, end) for lo, hi, _ in groups)
    )
    return sorted(merged, key=lambda e: (e.start, e.end))
