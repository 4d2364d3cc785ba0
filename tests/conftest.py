"""Shared fixtures: a tiny in-memory phrase table and a restorer that uses only that table.

Unit tests never depend on the shipped table (``restorer/data/*.tsv``): it changes as data work
lands, and a test that breaks because someone added a row tells us nothing about the code. The
rows below are written for these tests; each one exists to exercise a feature (see the comment).
Tests of the shipped table itself are named ``test_shipped_*``.
"""

from __future__ import annotations

import os
import shutil

import pytest

# ``model="auto"`` (the default) means the lm tier wherever it is installed; unit tests must
# not depend on that, so here it means ``fast``. Tests of the lm tier ask for it by name.
os.environ.setdefault("RESTORER_MODEL", "fast")

from restorer import PhraseTable, Restorer, RestorerConfig, Row

SOURCE = "tests: tiny table"

# (spun, canonicals, prior, why the row is here)
TINY_ROWS: list[tuple[str, tuple[str, ...], float]] = [
    # proper names: written with capitals, so they match only that casing (or ALL CAPS)
    ("Related Press", ("Associated Press",), 0.98),
    ("White Space", ("White House",), 0.98),
    ("Nationwide Intelligence Carrier", ("National Intelligence Service",), 0.98),
    # a bare capitalised word that also starts ordinary sentences ("Home prices rose"): like the
    # shipped table's policy for ordinary-English spun sides, its prior stays at 0.5
    ("Home", ("House",), 0.5),
    # multi-word phrases, and a shorter row inside a longer one (longest match)
    ("undercover agent company", ("spy agency",), 0.9),
    ("undercover agent", ("spy",), 0.8),
    ("entrance traces", ("front lines",), 0.9),
    ("entrance", ("front",), 0.6),
    ("counterfeit consciousness", ("artificial intelligence",), 0.95),
    ("profound learning", ("deep learning",), 0.95),
    ("bosom malignant growth", ("breast cancer",), 0.95),
    ("determine what number of", ("figure out how many",), 0.9),
    # lemma-aware rows: base forms match inflections and the canonical is re-inflected
    ("mention", ("say",), 0.5),
    ("despatch", ("send",), 0.6),
    # an inflected row: matches only this exact form
    ("stated", ("said",), 0.5),
    # function words and common words the fast tier must leave alone in clean text
    ("regardless of", ("despite",), 0.7),
    ("extra", ("more", "additional"), 0.4),
    ("staff", ("workers",), 0.4),
    ("primary", ("main",), 0.4),
    ("company", ("agency",), 0.2),
]


def tiny_rows() -> list[Row]:
    """Return the tiny table's rows, numbered like lines of a file."""
    return [
        Row(spun, canonicals, prior, SOURCE, table="tiny", line=n)
        for n, (spun, canonicals, prior) in enumerate(TINY_ROWS, start=1)
    ]


@pytest.fixture(scope="session")
def tiny_table() -> PhraseTable:
    return PhraseTable(tiny_rows(), name="tiny")


@pytest.fixture(scope="session")
def tiny_restorer(tiny_table: PhraseTable) -> Restorer:
    return Restorer(RestorerConfig(default_table=False), table=tiny_table)


@pytest.fixture(scope="session")
def empty_restorer() -> Restorer:
    return Restorer(RestorerConfig(default_table=False), table=PhraseTable([], name="empty"))


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless browser the HTML reports are tested in (CI installs it)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (Debian: apt-get install chromium)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "devset: reads ../shared/devset by path; quick, runs by default, skips when absent",
    )
