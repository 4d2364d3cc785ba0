"""Checks against the shared dev set (read by path at run time, never copied).

These use the default restorer with the shipped table. They are quick (a few seconds) and run by
default; they skip when ``../shared/devset`` is not there (an sdist, a fresh clone elsewhere).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import DEVSET, token_edits

from restorer import Restorer, RestorerConfig

pytestmark = pytest.mark.devset


def _records(name: str) -> list[dict]:
    path = DEVSET / name
    if not path.is_file():
        pytest.skip(f"dev set file {path} is not available")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def default_restorer() -> Restorer:
    return Restorer(RestorerConfig())


def test_clean_text_damage(default_restorer):
    records = _records("clean_paragraphs.jsonl")
    changed = tokens = 0
    damaged = []
    for record in records:
        text = record["text"]
        out = default_restorer.restore_text(text)
        edits, n = token_edits(text, out)
        changed += edits
        tokens += n
        if edits:
            damaged.append(record["id"])
    assert tokens > 10_000
    per_thousand = 1000 * changed / tokens
    assert per_thousand <= 2.0, (
        f"{per_thousand:.2f} token edits per 1,000 clean tokens; records: {damaged[:20]}"
    )


def test_seed_paragraph_is_restored(default_restorer):
    records = _records("seed_pairs.jsonl")
    spun = "\n\n".join(r["spun"] for r in records)
    restored = default_restorer.restore_text(spun)
    expected_phrases = [
        "spy agency",
        "said",
        "National Intelligence Service",
        "according to",
        # "The Associated Press" is in the quotation of the seed page but not in the
        # dev-set records; tests/cases/synthetic.json covers "by means of The Related Press".
        "White House",
        "late December",
    ]
    missing = [p for p in expected_phrases if p not in restored]
    assert not missing, f"not restored: {missing}"


def test_seed_restoration_reduces_the_distance(default_restorer):
    records = _records("seed_pairs.jsonl")
    spun = "\n\n".join(r["spun"] for r in records)
    original = "\n\n".join(r["original"] for r in records)
    before, _ = token_edits(spun, original)
    after, _ = token_edits(default_restorer.restore_text(spun), original)
    assert after < before


def test_clean_prose_of_other_registers_is_left_alone(default_restorer):
    """Documentation prose (benchmarks/data/clean_registers.jsonl, in the repository)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "clean_registers.jsonl"
    with path.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    assert len(records) > 300
    changed = tokens = 0
    short_edited = []
    for record in records:
        text = record["text"]
        edits, n = token_edits(text, default_restorer.restore_text(text))
        changed += edits
        tokens += n
        if edits and len(text.split()) < 40:
            short_edited.append(record["id"])
    assert 1000 * changed / tokens <= 0.5
    assert short_edited == []
