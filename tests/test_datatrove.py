"""The datatrove steps, in a real ``LocalPipelineExecutor`` pipeline: JSONL in, JSONL out."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

if not os.environ.get("CI"):  # CI installs restorer[datatrove]: there, a missing one fails
    pytest.importorskip("datatrove")
    pytest.importorskip("orjson")

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from restorer import Restorer, RestorerConfig
from restorer.integrations.datatrove import RestorerFilter, RestorerFormatter

TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: datatrove\n"
    "White Space\tWhite House\t0.98\ttest: datatrove\n"
    "Nationwide Intelligence Carrier\tNational Intelligence Service\t0.98\ttest: datatrove\n"
)
HEAVY = "The Related Press said the White Space and the Nationwide Intelligence Carrier met."
HEAVY_FIXED = "The Associated Press said the White House and the National Intelligence Service met."
LIGHT = (
    "The council met on Monday evening to discuss the budget for the coming year, and members "
    "spoke at length about roads, schools, water, parks and the library, as The Related Press "
    "reported later that night after a long and detailed session with many residents present."
)
LIGHT_FIXED = LIGHT.replace("Related Press", "Associated Press")
CLEAN = "Nothing in this paragraph was ever spun by anyone."
OPTIONS = {"default_table": False}


@pytest.fixture
def table_file(tmp_path) -> Path:
    path = tmp_path / "datatrove.tsv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _write_input(folder: Path, docs: dict[str, str], name: str = "part.jsonl") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")


def _read_output(folder: Path) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out[record["id"]] = record
    return out


def _stats(logs: Path, step: str) -> dict:
    for entry in json.loads((logs / "stats.json").read_text(encoding="utf-8")):
        if entry["name"].endswith(step):
            return entry["stats"]
    raise AssertionError(f"no stats for {step}")


def _score(table_file: Path, text: str) -> float:
    restorer = Restorer(RestorerConfig(model="fast", tables=(table_file,), default_table=False))
    return restorer.restore_and_explain(text).spin_rate


def test_pipeline_filters_restores_and_records_stats(table_file, tmp_path):
    heavy, light = _score(table_file, HEAVY), _score(table_file, LIGHT)
    assert light < heavy
    threshold = (light + heavy) / 2
    _write_input(tmp_path / "in", {"heavy": HEAVY, "light": LIGHT, "clean": CLEAN})
    logs = tmp_path / "logs"
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "in")),
            RestorerFilter(
                max_spin_score=threshold,
                tables=[table_file],
                options=OPTIONS,
                exclusion_writer=JsonlWriter(str(tmp_path / "dropped"), compression=None),
            ),
            RestorerFormatter(tables=[table_file], options=OPTIONS),
            JsonlWriter(str(tmp_path / "out"), compression=None),
        ],
        tasks=1,
        logging_dir=str(logs),
    ).run()

    kept = _read_output(tmp_path / "out")
    assert sorted(kept) == ["clean", "light"]
    assert kept["light"]["text"] == LIGHT_FIXED
    assert kept["clean"]["text"] == CLEAN
    assert kept["light"]["metadata"]["restorer"]["edits"] == 1
    assert kept["light"]["metadata"]["restorer"]["spin_score"] == round(light, 4)
    dropped = _read_output(tmp_path / "dropped")
    assert sorted(dropped) == ["heavy"]
    assert dropped["heavy"]["text"] == HEAVY  # dropped documents are not restored
    assert dropped["heavy"]["metadata"]["filter_reason"] == "spin_score"

    filter_stats = _stats(logs, "Restorer spin filter")
    assert filter_stats["dropped"] == 1 and filter_stats["forwarded"] == 2
    assert filter_stats["dropped_spin_score"] == 1
    assert filter_stats["spin_score"]["n"] == 3
    format_stats = _stats(logs, "Restorer")
    assert format_stats["total"] == 2
    assert format_stats["restored"] == 1
    assert format_stats["edits"]["total"] == 1


def test_annotate_only_keeps_everything_and_two_tasks_run_in_workers(table_file, tmp_path):
    _write_input(tmp_path / "in", {"heavy": HEAVY}, "a.jsonl")
    _write_input(tmp_path / "in", {"clean": CLEAN, "light": LIGHT}, "b.jsonl")
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "in")),
            RestorerFilter(
                max_spin_score=0.0, annotate_only=True, tables=[table_file], options=OPTIONS
            ),
            RestorerFormatter(tables=[table_file], options=OPTIONS, annotate=False),
            JsonlWriter(str(tmp_path / "out"), compression=None),
        ],
        tasks=2,
        workers=2,  # the steps are pickled to worker processes, as on Slurm or Ray
        logging_dir=str(tmp_path / "logs"),
    ).run()
    kept = _read_output(tmp_path / "out")
    assert {k: v["text"] for k, v in kept.items()} == {
        "heavy": HEAVY_FIXED,
        "clean": CLEAN,
        "light": LIGHT_FIXED,
    }
    assert all("spin_score" in v["metadata"]["restorer"] for v in kept.values())


def test_steps_pickle_without_their_restorer(table_file):
    step = RestorerFormatter(tables=[table_file], options=OPTIONS)
    assert step.format(HEAVY) == HEAVY_FIXED
    assert step._restorer is not None
    copy = pickle.loads(pickle.dumps(step))
    assert copy._restorer is None
    assert copy.config == step.config
    assert copy.format(HEAVY) == HEAVY_FIXED


class _Broken(Restorer):
    def restore_and_explain(self, text):
        raise RuntimeError("stage failed")


def test_a_document_that_fails_is_kept_unchanged(table_file):
    formatter = RestorerFormatter(tables=[table_file], options=OPTIONS)
    spin_filter = RestorerFilter(max_spin_score=0.0, tables=[table_file], options=OPTIONS)
    broken = _Broken(RestorerConfig(model="fast", default_table=False))
    formatter._restorer = spin_filter._restorer = broken
    docs = [Document(text=HEAVY, id="1")]
    out = list(formatter.run(spin_filter.run(iter(docs))))
    assert [d.text for d in out] == [HEAVY]
    assert "restorer" not in out[0].metadata
    assert spin_filter.stats["failed"].total == 1
    assert formatter.stats["failed"].total == 1


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="max_spin_score"):
        RestorerFilter(max_spin_score=1.5)
