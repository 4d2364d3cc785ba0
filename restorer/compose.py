"""Compositional phrases: restore a tortured phrase no list holds whole from its parts.

Tortured phrases are built word by word (``breast cancer`` -> ``bosom`` + ``malignant growth``),
so a list of whole phrases always misses combinations it has not seen, while the parts are known:
``bosom -> breast`` and ``malignant growth -> cancer``. Each part alone is weak evidence (``bosom``
and ``malignant growth`` are ordinary English, which is why fingerprint lists only accept them
together with ``breast`` or ``cancer`` elsewhere in the paper). Two adjacent parts whose joined
originals form a term the tables already know as an original (``breast cancer`` is the canonical
of ``bosom disease``) are strong evidence together.

So a composed candidate needs all of:

- a span of two or more adjacent table matches, each proposing a replacement (no kept words
  in between), no longer than ``max_span_tokens``;
- the joined replacement is *attested*: it is a canonical phrase of some row of the tables in
  use (compared in lower case);
- no row proposes that span whole with the same text already.

Its prior is the noisy-or of the parts' priors (the chance that at least one part is right
about spinning), and it ignores the parts' own conditions: the attested whole is the evidence
those conditions look for. The scorer then decides as for any other candidate.

>>> from restorer.table import PhraseTable, Row
>>> from restorer.tokenize import tokenize
>>> from restorer.candidates import build_lattice
>>> t = PhraseTable([Row("bosom", ("breast",), 0.6, "demo"),
...                  Row("malignant growth", ("cancer",), 0.5, "demo"),
...                  Row("bosom disease", ("breast cancer",), 0.9, "demo")])
>>> toks = tokenize("early bosom malignant growth screening")
>>> [(s.start, s.end, [c.text for c in s.candidates])
...  for s in build_lattice(toks, t, compose=True) if s.end - s.start == 3]
[(1, 4, ['breast cancer'])]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from restorer.candidates import Candidate, texts_for
from restorer.table import Match, PhraseTable, Row
from restorer.tokenize import Token

__all__ = ["COMPOSE_TABLE", "composed_candidates"]

#: The ``table`` name of composed candidates' rows (explanations show it as their source).
COMPOSE_TABLE = "compose"
_MAX_PARTS = 4
_MAX_TEXTS_PER_PART = 3
_MAX_PRIOR = 0.99
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


def _noisy_or(priors: Sequence[float]) -> float:
    miss = 1.0
    for p in priors:
        miss *= 1.0 - p
    return min(_MAX_PRIOR, 1.0 - miss)


def composed_candidates(
    tokens: Sequence[Token],
    i: int,
    matches: Sequence[Sequence[Match]],
    table: PhraseTable,
    max_length: int = 5,
) -> list[tuple[int, Candidate]]:
    """Return ``(length, candidate)`` for every attested composition starting at token ``i``.

    Args:
        tokens: the segment's tokens.
        i: the first token of the span.
        matches: every table match at every token position, conditions not yet applied.
        table: the tables in use; their canonicals are the attested terms.
        max_length: longest span, in tokens.
    """
    n = len(tokens)
    if not any(i + m.length < n and matches[i + m.length] for m in matches[i]):
        return []  # no match here is followed by another: nothing to compose (most positions)
    attested = table.canonicals
    out: list[tuple[int, Candidate]] = []
    seen: set[tuple[int, str]] = set()

    def walk(pos: int, parts: list[Match]) -> None:
        for match in matches[pos]:
            end = pos + match.length
            if end - i > max_length:
                continue
            chain = [*parts, match]
            if len(chain) >= 2:
                _emit(chain, end)
            if len(chain) < _MAX_PARTS and end < len(tokens) and matches[end]:
                walk(end, chain)

    def _emit(chain: list[Match], end: int) -> None:
        options = [texts_for(m)[:_MAX_TEXTS_PER_PART] for m in chain]
        for combo in itertools.product(*options):
            text = " ".join(combo)
            key = text.lower().translate(_APOSTROPHES)
            if key not in attested or (end, key) in seen:
                continue
            seen.add((end, key))
            spun = " ".join(t.text for t in tokens[i:end])
            if not all(m.row.case_sensitive for m in chain):
                # a row is case-sensitive when written with capitals (a name); the text's
                # capitals are not the parts' (``Authorities Staff``): render like the input
                spun = spun.lower()
            source = "composed: " + " + ".join(
                f"{m.row.spun} -> {c}" for m, c in zip(chain, combo, strict=True)
            )
            row = Row(
                spun,
                (text,),
                _noisy_or([m.row.prior for m in chain]),
                source,
                table=COMPOSE_TABLE,
            )
            out.append((end - i, Candidate(text, row, any(m.inflection for m in chain))))

    walk(i, [])
    return out
