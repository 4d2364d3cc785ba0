"""Rendering: carry the input's casing onto a replacement and repair what a swap breaks nearby.

Only the replaced characters change; whitespace and punctuation around them are left as they
are, byte for byte.
"""

from __future__ import annotations

__all__ = ["article_for", "match_case"]

# Words kept lower case when a title-cased name is restored (``Department of Education``).
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)

# Spellings where the first letter does not give the sound: ``an hour``, ``a university``.
_AN_PREFIXES = ("hour", "honest", "honor", "honour", "heir", "herb")
_A_PREFIXES = (
    *("unio", "uniq", "unit", "univ", "unif", "unil", "unis", "unic"),  # not un-important
    *("use", "usu", "usa", "uti", "eu", "ubiq", "uku", "one-", "once"),
)
_A_WORDS = frozenset({"one", "uni"})


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _title_words(text: str) -> str:
    words = text.split(" ")
    return " ".join(
        w if (i and w.lower() in _SMALL_WORDS) or not w else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def match_case(spun: str, replacement: str, *, exact_case: bool = False) -> str:
    """Return ``replacement`` with the capitalisation pattern of ``spun``.

    Args:
        spun: the text being replaced.
        replacement: the canonical phrase, as written in the table.
        exact_case: the row was written with capitals (a name): keep its casing unless the input
            is in ALL CAPS.

    >>> match_case("Mentioned", "said")
    'Said'
    >>> match_case("RELATED PRESS", "Associated Press", exact_case=True)
    'ASSOCIATED PRESS'
    >>> match_case("Division Of Training", "department of education")
    'Department of Education'
    >>> match_case("mentioned", "said")
    'said'
    """
    if _is_upper(spun):
        return replacement.upper()
    if exact_case:
        return replacement
    words = [w for w in spun.split() if w[:1].isalpha()]
    if len(words) > 1 and all(w[:1].isupper() for w in words):
        return _title_words(replacement)
    if spun[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def article_for(word: str) -> str | None:
    """Return ``"a"`` or ``"an"`` for the word that follows the article, None if unsure.

    >>> article_for("agency"), article_for("statement"), article_for("hour"), article_for("union")
    ('an', 'a', 'an', 'a')
    """
    w = word.lower()
    if not w or not w[0].isalpha() or _is_upper(word):
        return None
    if w.startswith(_AN_PREFIXES):
        return "an"
    if w in _A_WORDS or w.startswith(_A_PREFIXES):
        return "a"
    return "an" if w[0] in "aeiou" else "a"
