"""The spin-proof signature in datatrove's own MinHash dedup pipeline (LocalPipelineExecutor).

Four documents written for this test: an article, a spun copy of it (about a third of its
content words swapped for thesaurus mates), another article, and a verbatim copy of that one.
datatrove's MinHash drops the verbatim copy and keeps the spun one; with
:class:`SpinProofSignature` as its first stage the same pipeline drops both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

if not os.environ.get("CI"):  # CI installs restorer[datatrove]: there, a missing one fails
    pytest.importorskip("datatrove")
    pytest.importorskip("orjson")
    pytest.importorskip("xxhash")
    pytest.importorskip("tokenizers")

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import (
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from restorer.integrations.datatrove_dedup import SpinProofSignature

ARTICLE = (
    "The harbour authority said on Tuesday that the old pier at Kettleby would close for "
    "repairs in March, after engineers found serious damage to its timber supports during a "
    "routine inspection last winter. The work is expected to take about eight months and to "
    "cost 2.4 million pounds, most of it paid by the county. Fishing boats that use the pier "
    "will moor at Saltham until the repairs are finished, and a ferry to the island will run "
    "from the north quay. Local traders told the authority that they feared a quiet summer, "
    "but officials said the pier could not safely stay open for another season."
)
SPUN = (
    "The harbour authority mentioned on Tuesday that the previous pier at Kettleby would shut "
    "for maintenance in March, after engineers discovered severe harm to its timber supports "
    "throughout a routine examination last winter. The work is anticipated to take about eight "
    "months and to price 2.4 million pounds, most of it paid by the county. Fishing vessels "
    "that use the pier will moor at Saltham until the repairs are completed, and a ferry to the "
    "island will run from the north quay. Native merchants told the authority that they feared "
    "a peaceful summer, but officers said the pier could not safely stay open for one other "
    "season."
)
OTHER = (
    "Volunteers planted four hundred oak saplings along the river path in Marlow this weekend, "
    "hoping the trees will shade walkers and steady the banks against the floods that have worn "
    "them away. The council gave the saplings, and a local school grew two hundred more from "
    "acorns collected in the autumn. Organisers said they would water the young trees through "
    "the dry months and count how many survive their first year, with the results to be shared "
    "at a meeting in the town hall next spring."
)
DOCS = {"article": ARTICLE, "spun-copy": SPUN, "other": OTHER, "other-copy": OTHER}


def _dedup(tmp_path: Path, signature_step: type, name: str) -> list[str]:
    base = tmp_path / name
    data = base / "in"
    data.mkdir(parents=True)
    with (data / "part.jsonl").open("w", encoding="utf-8") as fh:
        for doc_id, text in DOCS.items():
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    sigs, buckets, remove = base / "sigs", base / "buckets", base / "remove"
    logs = base / "logs"
    stages = [
        [JsonlReader(str(data)), signature_step(output_folder=str(sigs))],
        [MinhashDedupBuckets(input_folder=str(sigs), output_folder=str(buckets))],
        [MinhashDedupCluster(input_folder=str(buckets), output_folder=str(remove))],
        [
            JsonlReader(str(data)),
            MinhashDedupFilter(input_folder=str(remove)),
            JsonlWriter(str(base / "out"), compression=None),
        ],
    ]
    for k, pipeline in enumerate(stages):
        tasks = 14 if k == 1 else 1  # one buckets task per bucket, as datatrove's example runs
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, logging_dir=str(logs / str(k))).run()
    kept = []
    for path in sorted((base / "out").glob("*.jsonl")):
        kept.extend(json.loads(line)["id"] for line in path.read_text().splitlines())
    return kept


def test_plain_minhash_keeps_the_spun_copy_and_spin_proof_drops_it(tmp_path):
    assert _dedup(tmp_path, MinhashDedupSignature, "plain") == ["article", "spun-copy", "other"]
    assert _dedup(tmp_path, SpinProofSignature, "spin-proof") == ["article", "other"]


def test_the_step_pickles_and_shingles_like_its_parent(tmp_path):
    import pickle

    import numpy as np

    step = pickle.loads(pickle.dumps(SpinProofSignature(output_folder=str(tmp_path))))
    shingles = step.get_shingles(ARTICLE)
    assert shingles.dtype == np.uint64 and shingles.shape[1] == 1 and len(shingles) > 20
    assert step.get_shingles("").shape == (0, 1)
