"""Sources: find the article a spun copy came from, and restore from it.

A job beside :mod:`restorer.detect` (DESIGN.md §3): spun copies of an article usually live in
the same crawl as the article itself, and near-duplicate removal misses them because a spinner
changes a third of the words. This package links a spun copy to its source and, once linked,
puts back the source's wording.

- :mod:`restorer.sources.fingerprint`: a spin-proof fingerprint, built from what spinners leave
  alone (names, numbers, words no table or thesaurus row can change, in their order).
- :mod:`restorer.sources.index`: a MinHash/LSH index of reference texts and calibrated matching.
- :mod:`restorer.sources.restore`: align a spun text with its source and restore the source's
  wording where the two differ by spinning, explaining every edit.
"""

from restorer.sources.fingerprint import Fingerprint, anchors, shingles
from restorer.sources.index import Match, SourceIndex

__all__ = ["Fingerprint", "Match", "SourceIndex", "anchors", "shingles"]
