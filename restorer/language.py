"""A cheap "is this English?" check, so text in other languages is left alone.

Restoration only makes sense for English: the tables map English spun phrases to English
originals, and a French or Indonesian paragraph that happens to contain one of their words
("primary", "extra") must not be "restored". The check runs per segment, before tokenization,
on the words outside code and markup.

How it decides. A word counts as English when wordfreq knows it in English (Zipf >= 1, about
once per 100 million words) and it is not much more common in one of the languages listed in
:data:`OTHER_LANGUAGES`: wordfreq's English list, built from the web, knows ``que``, ``der`` and
``gobierno`` too, so being known is not enough. "Much more common" is a Zipf difference of
:data:`FOREIGN_MARGIN`, a factor of ten. A segment is English unless it has at least
:data:`MIN_WORDS` words and fewer than :data:`MIN_ENGLISH_SHARE` of them count as English.

Measured with the ``small`` wordlists (about 3 MB each, loaded on the first check): on
``../shared/devset`` every clean paragraph of ten words or more scores at least 0.72 and every
spun one at least 0.81, while news paragraphs in Spanish, French, German, Italian, Portuguese,
Dutch, Swedish, Indonesian and Latin written for the tests score 0.00-0.14. Text in a script
without English words (Cyrillic, Arabic, CJK, ...) scores 0. The threshold sits far from both,
so mixed documents (an English article quoting a paragraph of French) stay English.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

__all__ = [
    "FOREIGN_MARGIN",
    "MIN_ENGLISH_SHARE",
    "MIN_WORDS",
    "NOT_ENGLISH_NOTE",
    "OTHER_LANGUAGES",
    "LanguageGuess",
    "guess_english",
    "is_english",
]

#: Fewer words than this and the check does not decide: a headline or a caption is restored.
MIN_WORDS = 10

#: A segment whose share of English words is below this is not English.
MIN_ENGLISH_SHARE = 0.4

#: A word more common in another language by this many Zipf units (10x) counts as foreign.
FOREIGN_MARGIN = 1.0

#: Languages compared against, chosen as the most common non-English Latin-script languages of
#: web text; words of other scripts are unknown in English and need no comparison.
OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl", "sv", "id", "tr", "pl")

#: The note attached to a segment that was left alone because it is not English.
NOT_ENGLISH_NOTE = "left alone: not English"

# Letters, with an inner apostrophe (don't, l'année); digits and underscores are not words.
# Han, kana and Hangul characters count one word each, since those scripts do not space words.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+(?:['’][^\W\d_{_CJK}]+)?")
#: wordfreq's frequency for Zipf 1: known in English means at least once per 10^8 words.
_KNOWN_FREQUENCY = 1e-8


class LanguageGuess(NamedTuple):
    """The check's verdict and the counts it rests on."""

    english: bool
    words: int
    english_words: int

    @property
    def share(self) -> float:
        """The share of words that count as English (1.0 for a text without words)."""
        return self.english_words / self.words if self.words else 1.0


@functools.cache
def _wordlists() -> tuple[dict[str, float], tuple[dict[str, float], ...]]:
    """Return wordfreq's English list and the small lists of the other languages, once.

    Looked up as dicts rather than through ``wordfreq.zipf_frequency``, which re-tokenizes its
    argument on every call: 25 times slower on words that are already single lower-case
    tokens, and identical on every word of the dev set. The English dict is the one the fast
    scorer loads anyway (wordfreq caches it).
    """
    import wordfreq

    english = wordfreq.get_frequency_dict("en")
    others = tuple(wordfreq.get_frequency_dict(lang, "small") for lang in OTHER_LANGUAGES)
    return english, others


@functools.lru_cache(maxsize=131_072)
def _is_english_word(word: str) -> bool:
    english, others = _wordlists()
    word = word.replace("’", "'")
    frequency = english.get(word, 0.0)
    if frequency < _KNOWN_FREQUENCY:
        return False
    return frequency * 10**FOREIGN_MARGIN >= max(other.get(word, 0.0) for other in others)


def guess_english(text: str) -> LanguageGuess:
    """Say whether ``text`` is English enough to restore.

    >>> guess_english("The agency said on Thursday that the new rules would apply next year.")
    LanguageGuess(english=True, words=13, english_words=13)
    >>> guess_english("El gobierno anunció el jueves que la nueva ley entrará en vigor.").english
    False
    >>> guess_english("Gracias!").english  # too short to tell: treated as English
    True
    """
    found = _WORD.findall(text)
    words = len(found)
    english = sum(map(_is_english_word, map(str.lower, found)))
    return LanguageGuess(_english_enough(words, english), words, english)


def is_english(text: str) -> tuple[bool, int]:
    """Return :func:`guess_english`'s verdict and word count, counting no more than needed.

    The pipeline asks this of every segment, and most are English: once the words counted
    reach :data:`MIN_ENGLISH_SHARE` of the whole, the rest cannot change the verdict. The
    first half of the words usually settles it.
    """
    found = _WORD.findall(text)
    words = len(found)
    english = 0
    for part in (found[: words // 2], found[words // 2 :]):
        if _english_enough(words, english):
            break
        english += sum(map(_is_english_word, map(str.lower, part)))
    return _english_enough(words, english), words


def _english_enough(words: int, english: int) -> bool:
    """The verdict: too few words to tell, or enough of them English."""
    return words < MIN_WORDS or english >= MIN_ENGLISH_SHARE * words
