"""Lemmas and re-inflection, over lemminflect.

The table stores phrases in base form (``mention -> say``). To match ``mentioned`` we need its
analyses (lemma ``mention``, tag ``VBD``); to render the replacement we inflect the canonical
phrase's head the same way (``say`` + ``VBD`` = ``said``). lemminflect ships its dictionaries in
its wheel, so this works offline; it is imported on first use.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

__all__ = ["Analysis", "analyses", "dictionary_lemmas", "inflect_phrase", "lemmas"]

# Penn tags we re-inflect, by universal POS. Base tags come first so a word that is both a base
# form and an inflected one (``put``) is read as the base form.
_TAGS = {
    "VERB": ("VB", "VBP", "VBD", "VBN", "VBZ", "VBG"),
    "NOUN": ("NN", "NNS"),
    "ADJ": ("JJ", "JJR", "JJS"),
}
_BASE_TAGS = {"VB", "VBP", "NN", "JJ"}


@functools.lru_cache(maxsize=65_536)
def _all_lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Return lemminflect's dictionary lemmas of a lower-case word, by POS (shared: never mutate).

    Memoised here because lemminflect deep-copies its answer on every call, which made it the
    largest cost of reading new words; the same word is asked about by several callers.
    """
    import lemminflect

    found: dict[str, tuple[str, ...]] = lemminflect.getAllLemmas(word)
    return found


@functools.lru_cache(maxsize=65_536)
def _all_inflections(lemma: str, upos: str) -> dict[str, tuple[str, ...]]:
    """Return lemminflect's inflections of a lemma, by Penn tag (shared: never mutate)."""
    import lemminflect

    forms: dict[str, tuple[str, ...]] = lemminflect.getAllInflections(lemma, upos=upos)
    return forms


class Analysis(NamedTuple):
    """One reading of a word form: its lemma, universal POS and Penn tag."""

    lemma: str
    upos: str
    tag: str

    @property
    def is_base(self) -> bool:
        """True when the form is the lemma itself (no inflection to carry over)."""
        return self.tag in _BASE_TAGS


@functools.lru_cache(maxsize=65_536)
def analyses(word: str) -> tuple[Analysis, ...]:
    """Return the readings of a lower-case word form, base readings first.

    >>> sorted({a.tag for a in analyses("mentioned")})
    ['VBD', 'VBN']
    >>> analyses("zzqx")
    ()
    """
    out: list[Analysis] = []
    for upos, found in _all_lemmas(word).items():
        if upos not in _TAGS:
            continue
        for lemma in found:
            forms = _all_inflections(lemma, upos)
            tags = [tag for tag in _TAGS[upos] if word in forms.get(tag, ())]
            if word == lemma and not tags:
                tags = [_TAGS[upos][0]]
            if upos == "VERB" and "VBD" in tags and "VBN" not in tags:
                tags.append("VBN")  # lemminflect omits VBN where it equals VBD
            out.extend(Analysis(lemma, upos, tag) for tag in tags)
    out.sort(key=lambda a: (not a.is_base, a.upos, a.tag))
    return tuple(dict.fromkeys(out))


def dictionary_lemmas(word: str) -> list[str]:
    """Return the dictionary lemmas of a lower-case word form for the POS we re-inflect.

    Cheap (no inflection tables are read): every lemma :func:`lemmas` returns besides the word
    itself is among these.

    >>> dictionary_lemmas("mentioned")
    ['mention']
    """
    found = _all_lemmas(word)
    return [lemma for upos, ls in found.items() if upos in _TAGS for lemma in ls]


@functools.lru_cache(maxsize=65_536)
def lemmas(word: str) -> frozenset[str]:
    """Return every lemma of a lower-case word form, the form itself included."""
    return frozenset({word, *(a.lemma for a in analyses(word))})


def _inflect_word(word: str, upos: str, tag: str) -> str | None:
    import lemminflect

    lower = word.lower()
    base = _all_lemmas(lower).get(upos)
    lemma = base[0] if base else lower
    forms = lemminflect.getInflection(lemma, tag=tag, inflect_oov=False)
    if not forms:
        return None
    form: str = forms[0]
    if word[:1].isupper():
        form = form[:1].upper() + form[1:]
    return form


@functools.lru_cache(maxsize=65_536)
def inflect_phrase(phrase: str, upos: str, tag: str) -> str | None:
    """Inflect the head of ``phrase`` as ``tag``, or return None if that is not possible.

    The head of a verb phrase is its first word that can be a verb (``figure out`` ->
    ``figured out``); the head of a noun or adjective phrase is its last word (``spy agency`` ->
    ``spy agencies``).

    >>> inflect_phrase("say", "VERB", "VBD")
    'said'
    >>> inflect_phrase("spy agency", "NOUN", "NNS")
    'spy agencies'
    >>> inflect_phrase("figure out", "VERB", "VBG")
    'figuring out'
    """
    words = phrase.split(" ")
    order = range(len(words)) if upos == "VERB" else range(len(words) - 1, -1, -1)
    for i in order:
        if upos in _all_lemmas(words[i].lower()) or len(words) == 1:
            form = _inflect_word(words[i], upos, tag)
            if form is None:
                return None
            return " ".join([*words[:i], form, *words[i + 1 :]])
    return None
