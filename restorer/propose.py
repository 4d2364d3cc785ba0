"""Proposals no table lists: the language model's own guesses, kept where a spinner could swap.

The tables propose the original for the swaps someone wrote down; a user's spinner and story
bring others. The language model reading the text (:meth:`~restorer.lm_score.LMScorer.read`)
already knows, at every word, which words it finds likely there. Lexical substitution run
backwards: of those, :class:`ModelProposer` keeps the ones a spinner could have turned into the
word written, the ones linked to it in the synonym graph (:mod:`restorer.graph`): a direct
synonym, a synonym of a synonym, or another form of the same word. Each becomes a candidate
like a table's, with a row of its own (table ``model``) whose prior depends on the link, so the
explanation says where it came from; the scorer then weighs it in context like any other.

Names are proposed word by word the same way: the model knows that ``Wall`` goes on with
``Street``, and ``road`` ~ ``street`` is a thesaurus link, so ``Wall Road`` comes back.

What keeps this from rewriting clean prose, where a likelier synonym is always at hand:

* only words the model finds at least ``lm_propose_min_gain`` nats likelier than the word
  written, among its ``lm_propose_top`` best, and at most ``lm_propose_max`` per word;
* a link-dependent prior (``lm_link_prior``, ``lm_two_hop_prior``, ``lm_lemma_prior``), low
  enough that the model's preference alone rarely outweighs it, and for a direct link falling
  with its place in the thesaurus's list (``lm_link_rank_decay``): a spinner takes the first
  synonyms its thesaurus offers far more often than the twentieth;
* the spin rate: proposals count as evidence of spinning only beyond
  ``lm_propose_evidence_offset`` nats of the model's preference, and only among the model's
  first ``lm_propose_evidence_top`` choices, so a clean document keeps the low rate its tables
  give it;
* the scorer reads the words after the span too (``lm_window``), which a left-to-right guess
  cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from restorer.candidates import Candidate, Slot, span_text
from restorer.config import RestorerConfig
from restorer.graph import Link, SynonymGraph
from restorer.inflect import analyses
from restorer.table import Row
from restorer.tokenize import Token

__all__ = ["PROPOSAL_TABLE", "ModelProposer", "Reading"]

#: The ``table`` of the rows behind model proposals (explanations show it as their source).
PROPOSAL_TABLE = "model"
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


class Reading(NamedTuple):
    """What the language model read in a segment, for proposing and scoring.

    Attributes:
        trunk: the segment's model tokens, as written.
        starts: where each segment token starts in ``trunk`` (one more entry: the end).
        top: for each word token (by index), the model's most likely tokens at its place given
            the text before it, as ``(text, log probability)``, most likely first; the text
            carries the token's leading space where it has one.
        written: for each token, the log probability of its own model tokens there.
        first: ``(trunk position, model token) -> log probability`` of that token at that
            position given the text before it, for the first tokens of the tables'
            candidates and the model's most likely tokens: what a candidate gains from the
            left context alone (see :meth:`~restorer.lm_score.LMScorer.score`).
    """

    trunk: tuple[int, ...]
    starts: tuple[int, ...]
    top: dict[int, tuple[tuple[str, float], ...]]
    written: list[float]
    first: dict[tuple[int, int], float]


def _is_word(token: Token) -> bool:
    return not token.protected and _WORD.fullmatch(token.text) is not None


class ModelProposer:
    """Turn the model's likely words into candidates, where the synonym graph links them.

    Args:
        graph: the synonym graph (the thesaurus and the tables in use).
        config: the restorer options (``lm_propose_*`` and the link priors).
    """

    def __init__(self, graph: SynonymGraph, config: RestorerConfig) -> None:
        self.graph = graph
        self.config = config
        cfg = config
        #: the prior of a proposal by its link (0: not proposed)
        self._priors = {
            Link.SAME_LEMMA: cfg.lm_lemma_prior,
            Link.DIRECT: cfg.lm_link_prior,
            Link.TWO_HOPS: cfg.lm_two_hop_prior,
        }

    def propose(self, tokens: Sequence[Token], reading: Reading) -> list[Slot]:
        """Return the slots of the model's linked proposals, ordered by start, longest first."""
        cfg = self.config
        slots: list[Slot] = []
        for i, best in sorted(reading.top.items()):
            if not _is_word(tokens[i]):
                continue
            before = tokens[i - 1].ws if i else ""
            written_lp = 0.0
            for length in range(1, cfg.lm_propose_span + 1):
                end = i + length
                if end > len(tokens) or not _is_word(tokens[end - 1]):
                    break
                if length > 1 and tokens[end - 2].ws != " ":
                    break
                written_lp += reading.written[end - 1]
                spun = span_text(tokens, i, end)
                if spun not in self.graph:
                    continue
                cands = self._candidates(spun, before, best, written_lp)
                if cands:
                    slots.append(Slot(i, end, tuple(cands)))
        slots.sort(key=lambda s: (s.start, -(s.end - s.start)))
        return slots

    def _candidates(
        self,
        spun: str,
        before: str,
        best: Sequence[tuple[str, float]],
        written_lp: float,
    ) -> list[Candidate]:
        cfg = self.config
        out: list[Candidate] = []
        seen = {spun.lower()}
        # a spinner swaps words for other words: a proposal that keeps one of the span's words
        # (``vote`` for ``the vote``) would only drop or add the others
        spun_words = set(spun.lower().split())
        for rank, (piece, lp) in enumerate(best, start=1):
            if lp < written_lp + cfg.lm_propose_min_gain or len(out) >= cfg.lm_propose_max:
                break
            if not piece.startswith(before):
                continue
            word = piece[len(before) :]
            if not _WORD.fullmatch(word) or word.lower() in seen:
                continue
            seen.add(word.lower())
            for text in self._originals(spun, word):
                if not spun_words.isdisjoint(text.split()):
                    continue
                if not _same_form(spun, text):
                    continue
                link = self.graph.link(spun, text)
                prior = self._priors[link] if link is not None else 0.0
                if prior <= 0.0:
                    continue
                why = f"model: {_LINK_NAMES[link]}"  # type: ignore[index]
                if link is Link.DIRECT and cfg.lm_link_rank_decay:
                    place = self.graph.rank(spun, text)
                    if place is not None:
                        prior *= place**-cfg.lm_link_rank_decay
                        why += f" (listed {_ordinal(place)})"
                row = Row(
                    spun.lower(),
                    (text,),
                    prior,
                    f"{why}, the model's {_ordinal(rank)} choice",
                    table=PROPOSAL_TABLE,
                )
                out.append(Candidate(text, row, False, rank))
        return out

    def _originals(self, spun: str, word: str) -> list[str]:
        """The originals a likely next word starts: itself, and linked phrases it begins.

        The model proposes one token at a time; a phrase the graph links to the span
        (``take pictures`` ~ ``shoot``, ``financial institution`` ~ ``bank``, and back) is
        proposed when its first word is the model's word.
        """
        first = word.lower()
        phrases = [n for n in self.graph.neighbours(spun) if n.startswith(first + " ")]
        return [first, *sorted(phrases)[: self.config.lm_propose_max]]


#: Inflections a spinner carries over from the original to its synonym (``mentioned`` for
#: ``said``, ``firms`` for ``companies``): a written word in only these forms was not swapped
#: for a word that cannot take them.
_CARRIED = frozenset({"VBD", "VBN", "VBG", "VBZ", "NNS"})


def _same_form(spun: str, text: str) -> bool:
    """Return whether a one-word proposal could stand in the written word's form.

    Linked through a lemma, ``seasoned`` (``season``, past tense) reaches ``while`` (a noun and
    a verb's base form): a spinner replacing ``while`` would have written ``season``. Where
    every reading of the written word is such an inflection and no reading of the proposal
    shares one, the proposal is no original.

    >>> _same_form("seasoned", "while"), _same_form("mentioned", "said")
    (False, True)
    >>> _same_form("firms", "companies"), _same_form("highest", "top")
    (True, True)
    """
    if " " in spun or " " in text:
        return True
    written = {a.tag for a in analyses(spun.lower())}
    if not written or not written <= _CARRIED:
        return True
    return not written.isdisjoint(a.tag for a in analyses(text.lower()))


_LINK_NAMES = {
    Link.SAME_LEMMA: "another form of the word",
    Link.DIRECT: "a thesaurus synonym",
    Link.TWO_HOPS: "a synonym of a synonym",
}


def _ordinal(n: int) -> str:
    """``1`` -> ``1st``.

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
