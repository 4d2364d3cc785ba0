"""Lemmas and re-inflection, over lemminflect.

The table stores phrases in base form (``mention -> say``). To match ``mentioned`` we need its
analyses (lemma ``mention``, tag ``VBD``); to render the replacement we inflect the canonical
phrase's head the same way (``say`` + ``VBD`` = ``said``). lemminflect ships its dictionaries in
its wheel, so this works offline; it is imported on first use.

Speed. Every run starts by reading lemminflect's tables, and every new word of a corpus is
looked up in them, so both are made cheap here with the same answers as lemminflect's: the
tables are indexed at once and each entry parsed when first asked for (:class:`_LazyLookup`),
and a lower-case word is looked up in them directly (:func:`_lookups`) rather than through
lemminflect's functions, which deep-copy and re-capitalise every answer. Tests hold both to
lemminflect's own loading and functions on every entry.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

__all__ = ["Analysis", "analyses", "dictionary_lemmas", "inflect_phrase", "lemmas"]

# Penn tags we re-inflect, by universal POS. Base tags come first so a word that is both a base
# form and an inflected one (``put``) is read as the base form.
_TAGS = {
    "VERB": ("VB", "VBP", "VBD", "VBN", "VBZ", "VBG"),
    "NOUN": ("NN", "NNS"),
    "ADJ": ("JJ", "JJR", "JJS"),
}
_BASE_TAGS = {"VB", "VBP", "NN", "JJ"}


class _LazyLookup:
    """One of lemminflect's lookup tables, each entry parsed when it is first asked for.

    lemminflect reads its two tables (70,000 word forms with their lemmas, 34,000 lemmas with
    their inflections) through gzip one line at a time and parses every entry on first use:
    0.3-0.4 s of every run's start-up, for the few thousand words a run asks about. Here the
    file is decompressed at once and indexed by its first field; an entry is parsed by
    lemminflect's own codec (``parse``, given the entry's lines in file order) the first time
    it is asked for. lemminflect only ever calls ``get`` on these tables, so the answers are
    the same (tested against lemminflect's own loading, entry by entry).
    """

    __slots__ = ("_lines", "_parse", "_parsed")

    def __init__(
        self,
        path: str,
        parse: Callable[[list[str]], dict[str, Any]],
        fixed: dict[str, dict[str, Any]],
    ) -> None:
        text = gzip.decompress(Path(path).read_bytes()).decode("utf-8")
        lines: dict[str, list[str]] = {}
        for line in text.split("\n"):  # lemminflect reads lines ending in b"\n" only
            if line.strip():
                lines.setdefault(line.strip().partition(",")[0], []).append(line)
        self._lines = lines
        self._parse = parse
        # entries that override the file's (lemminflect's too)
        self._parsed = dict(fixed)

    def get(self, key: str, default: Any = None) -> Any:
        """Return the parsed entry for ``key`` (as lemminflect's own ``dict.get``)."""
        found = self._parsed.get(key)
        if found is None:
            lines = self._lines.get(key)
            if lines is None:
                return default
            found = self._parsed[key] = self._parse(lines)
        return found

    def keys(self) -> set[str]:
        """Every key the table answers for."""
        return {*self._lines, *self._parsed}


@functools.cache
def _lemminflect() -> ModuleType:
    """Import lemminflect, with its lookup tables read lazily (:class:`_LazyLookup`).

    Where lemminflect is not laid out as expected (another release), it loads its own tables,
    as it always can; ``tests/test_inflect.py`` checks that the lazy tables are in use.
    """
    import lemminflect

    with contextlib.suppress(ImportError, AttributeError, OSError, ValueError):
        _install_lazy_tables()
    module: ModuleType = lemminflect
    return module


def _install_lazy_tables() -> None:
    from lemminflect import config
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer
    from lemminflect.core.LexicalUtils import categoryToUPos

    def parse_lemmas(lines: list[str]) -> dict[str, Any]:
        entry: dict[str, Any] = {}  # as LemmaLUCodec.load merges a word's lines
        for line in lines:
            _, category, forms = LemmaLUCodec.fromString(line)
            entry[categoryToUPos(category)] = forms
        return entry

    def parse_inflections(lines: list[str]) -> dict[str, Any]:
        entry: dict[str, Any] = {}  # as InflectionLUCodec.load merges a lemma's lines
        for line in lines:
            entry.update(InflectionLUCodec.fromString(line)[2])
        return entry

    lemmatizer, inflections = Lemmatizer(), Inflections()
    if not hasattr(lemmatizer, "lemma_dict"):  # not loaded yet: lemminflect checks the same
        lemmatizer.lemma_dict = _LazyLookup(config.lemma_lu_fn, parse_lemmas, {})
    if not hasattr(inflections, "infl_dict"):
        fixed = InflectionLUCodec.updateForAuxMod({})  # modals and "be", set after loading
        inflections.infl_dict = _LazyLookup(config.inflection_lu_fn, parse_inflections, fixed)


class _Lookups(NamedTuple):
    """lemminflect's tables, read directly for lower-case words (see :func:`_lookups`)."""

    lemmas: _LazyLookup
    lemma_overrides: dict[str, dict[str, tuple[str, ...]]]
    inflections: _LazyLookup
    inflection_overrides: dict[str, dict[str, tuple[str, ...]]]
    upos_tags: Callable[[str], list[str]]


@functools.cache
def _lookups() -> _Lookups | None:
    """Return lemminflect's lookup tables and overrides, or None to go through its functions.

    For a lower-case word, ``getAllLemmas`` and ``getAllInflections`` come down to a table
    entry updated with the overrides, filtered by POS and lower-cased: :func:`_all_lemmas`
    and :func:`_all_inflections` do that here, without lemminflect's deep copies and
    capitalisation passes, which cost ten times the lookup for every new word of a corpus.
    ``tests/test_inflect.py`` holds both to lemminflect's own functions on every entry.
    """
    _lemminflect()
    try:
        from lemminflect.core.Inflections import Inflections
        from lemminflect.core.Lemmatizer import Lemmatizer
        from lemminflect.core.LexicalUtils import uposToTags

        lemmatizer, inflections = Lemmatizer(), Inflections()
        lookups = _Lookups(
            lemmatizer._getLemmaDict(),
            lemmatizer._getOverridesDict(),
            inflections._getInflDict(),
            inflections._getOverridesDict(),
            uposToTags,
        )
    except (ImportError, AttributeError, OSError, ValueError):  # pragma: no cover - safety net
        return None
    if not isinstance(lookups.lemmas, _LazyLookup) or not isinstance(
        lookups.inflections, _LazyLookup
    ):  # pragma: no cover - lemminflect loaded its own tables
        return None
    return lookups


#: The POS lemminflect's inflection table answers for, less PROPN (which it capitalises).
_INFLECTED_UPOS = frozenset({"NOUN", "VERB", "ADJ", "ADV", "AUX"})
_NOTHING: dict[str, tuple[str, ...]] = {}


def _lower_case(word: str) -> bool:
    """True when lemminflect gives ``word`` its lower-case style (``getCapsStyle``)."""
    return not word.isupper() and not word[:1].isupper()


@functools.lru_cache(maxsize=65_536)
def _all_lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Return lemminflect's dictionary lemmas of a lower-case word, by POS (shared: never mutate).

    ``lemminflect.getAllLemmas(word)``, looked up directly where :func:`_lookups` can.
    Memoised: the same word is asked about by several callers.
    """
    lookups = _lookups()
    if lookups is None or not _lower_case(word):
        found: dict[str, tuple[str, ...]] = _lemminflect().getAllLemmas(word)
        return found
    key = word.lower()
    entry = {**lookups.lemmas.get(key, _NOTHING), **lookups.lemma_overrides.get(key, _NOTHING)}
    return {upos: tuple([w.lower() for w in forms]) for upos, forms in entry.items()}


@functools.lru_cache(maxsize=65_536)
def _all_inflections(lemma: str, upos: str) -> dict[str, tuple[str, ...]]:
    """Return lemminflect's inflections of a lemma, by Penn tag (shared: never mutate).

    ``lemminflect.getAllInflections(lemma, upos=upos)``, looked up directly where
    :func:`_lookups` can.
    """
    lookups = _lookups()
    if lookups is None or not _lower_case(lemma) or upos not in _INFLECTED_UPOS:
        forms: dict[str, tuple[str, ...]] = _lemminflect().getAllInflections(lemma, upos=upos)
        return forms
    key = lemma.lower()
    entry = {
        **lookups.inflections.get(key, _NOTHING),
        **lookups.inflection_overrides.get(key, _NOTHING),
    }
    tags = lookups.upos_tags(upos)
    return {tag: tuple([w.lower() for w in ws]) for tag, ws in entry.items() if tag in tags}


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
    lower = word.lower()
    base = _all_lemmas(lower).get(upos)
    lemma = base[0] if base else lower
    forms = _lemminflect().getInflection(lemma, tag=tag, inflect_oov=False)
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
