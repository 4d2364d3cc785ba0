"""Rendering: casing carried over from the spun text, and a/an agreement."""

from __future__ import annotations

import pytest

from restorer.render import article_for, match_case

CASING = [
    # (spun, replacement as in the table, exact_case, expected)
    ("mentioned", "said", False, "said"),
    ("Mentioned", "said", False, "Said"),
    ("MENTIONED", "said", False, "SAID"),
    ("undercover agent company", "spy agency", False, "spy agency"),
    ("Undercover agent company", "spy agency", False, "Spy agency"),
    ("Undercover Agent Company", "spy agency", False, "Spy Agency"),
    ("UNDERCOVER AGENT COMPANY", "spy agency", False, "SPY AGENCY"),
    ("Division Of Training", "department of education", False, "Department of Education"),
    ("Related Press", "Associated Press", True, "Associated Press"),
    ("RELATED PRESS", "Associated Press", True, "ASSOCIATED PRESS"),
    (
        "nationwide intelligence carrier",
        "National Intelligence Service",
        False,
        "National Intelligence Service",
    ),
    ("Entrance traces", "front lines", False, "Front lines"),
    ("entrance traces", "front lines", False, "front lines"),
    ("A", "an", False, "An"),
    ("1000's", "thousands", False, "thousands"),
]


@pytest.mark.parametrize(
    ("spun", "replacement", "exact", "expected"),
    CASING,
    ids=[f"{s}->{e}" for s, _, _, e in CASING],
)
def test_match_case(spun, replacement, exact, expected):
    assert match_case(spun, replacement, exact_case=exact) == expected


ARTICLES = [
    ("agency", "an"),
    ("entrance", "an"),
    ("artificial", "an"),
    ("front", "a"),
    ("statement", "a"),
    ("counterfeit", "a"),
    ("hour", "an"),
    ("hourly", "an"),
    ("honest", "an"),
    ("heir", "an"),
    ("hotel", "a"),
    ("union", "a"),
    ("university", "a"),
    ("unique", "a"),
    ("user", "a"),
    ("usual", "a"),
    ("utility", "a"),
    ("European", "a"),
    ("eulogy", "a"),
    ("one", "a"),
    ("once-popular", "a"),
    ("umbrella", "an"),
    ("utter", "an"),
    ("uncle", "an"),
    ("Apple", "an"),
    ("uninformed", "an"),
    ("unimportant", "an"),
    ("onerous", "an"),
    ("FBI", None),
    ("8", None),
    ("", None),
    ("(quoted", None),
]


@pytest.mark.parametrize(("word", "expected"), ARTICLES, ids=[w or "empty" for w, _ in ARTICLES])
def test_article_for(word, expected):
    assert article_for(word) == expected
