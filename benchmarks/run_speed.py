"""Speed of the ``lm`` tier against its floor: one plain forward pass of the same model.

On the same dev paragraphs (the spun side of ``../shared/devset``), side by side in one process
and interleaved over several rounds (the machine is shared, so each figure is the best round):

* ``forward``: one plain forward pass of SmolLM2 over each paragraph (llama.cpp, the same
  runtime and settings the lm tier uses), with and without next-token log probabilities at every
  position. The model must read every token at least once, so this is the floor; the issue's
  target is ``lm`` time <= 3x the floor (we compare with the cheaper pass, without logits);
* ``lm``: ``Restorer(model="lm").restore_and_explain`` on each paragraph: the whole pipeline,
  tokenizing, tables, scoring, decoding and rendering included;
* ``fast``: the same with the fast tier, for reference;
* ``lm_versus`` (with ``--versus NAME=VALUE``): the ``lm`` tier with other options, in the same
  rounds, so a speed change is measured against a baseline on the same machine at the same time.

Also words/s (whitespace words), the tokens the model decoded for the trunk and for the branches
(candidates with their right context), and the start time of a fresh process up to its first
restored sentence (run twice: the first may convert the weights into the user cache directory;
``second_start_seconds`` is the second run's time until the model is ready; the fast tier's
first restore in a fresh process is given for comparison).

Usage::

    .venv/bin/python benchmarks/run_speed.py [--rounds 3] [--versus NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path
from common import (
    REPO,
    RESULTS,
    WARM_UP,
    lm_skip_reason,
    parse_options,
    run_metadata,
    spun_paragraphs,
    write_result,
)

OUT = RESULTS / "speed-lm.json"
TREE = ("trunk", "branch")  # the model.decoded counters that are tokens
START_CODE = """
import json, sys, time
t0 = time.perf_counter()
from restorer import Restorer, RestorerConfig
model = sys.argv[1]
if model == "lm":
    from restorer.lm import load_model
    load_model()
t1 = time.perf_counter()
r = Restorer(RestorerConfig(model=model))
r.restore_text("The Related Press mentioned the invoice would cross the Home.")
t2 = time.perf_counter()
print(json.dumps({"model_ready_seconds": t1 - t0, "first_restore_seconds": t2 - t0}))
"""


def start_time(model: str) -> dict[str, float]:
    """Time a fresh process: the model ready (``lm``), then its first restored sentence."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", START_CODE, model],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - t0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="lm tier speed vs one plain forward pass.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--versus",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also time the lm tier with these options in every round (lm_versus)",
    )
    args = parser.parse_args()
    reason = lm_skip_reason()
    if reason is not None:
        print(f"run_speed: {reason}; skipping", file=sys.stderr)
        return 0
    from restorer import Restorer, RestorerConfig
    from restorer.lm import START_TOKEN, load_model

    options = parse_options(args.option)
    versus = parse_options(args.versus)
    starts = [start_time("lm"), start_time("lm"), start_time("fast")]
    texts = spun_paragraphs()
    words = sum(len(t.split()) for t in texts)
    model = load_model()
    seqs = [[START_TOKEN, *model.tokenize(t)] for t in texts]
    tokens = sum(len(s) - 1 for s in seqs)
    lm = Restorer(RestorerConfig(model="lm").with_options(**options))
    fast = Restorer(RestorerConfig(model="fast"))
    other = Restorer(RestorerConfig(model="lm").with_options(**options, **versus))
    for r in (lm, fast, other):  # warm-up: tables, spaCy, inflection, the model
        r.restore_and_explain(WARM_UP)

    def forward_bare() -> None:
        for ids in seqs:
            model.score_tree(ids, [], [])

    def forward_logits() -> None:
        for ids in seqs:
            model.score_tree(ids, [], list(range(1, len(ids))))

    decoded: dict[str, int] = {}
    decoded_versus: dict[str, int] = {}

    def restore_all(restorer: Restorer, counts: dict[str, int]) -> None:
        before = dict(model.decoded)
        for t in texts:
            restorer.restore_and_explain(t)
        counts.update({k: model.decoded[k] - before[k] for k in before})

    def lm_mode() -> None:
        restore_all(lm, decoded)

    def fast_mode() -> None:
        for t in texts:
            fast.restore_and_explain(t)

    timings: dict[str, list[float]] = {"forward": [], "forward_logits": [], "lm": [], "fast": []}
    runs = {"forward": forward_bare, "forward_logits": forward_logits, "lm": lm_mode}
    runs["fast"] = fast_mode
    if versus:
        timings["lm_versus"] = []
        runs["lm_versus"] = lambda: restore_all(other, decoded_versus)
    for round_ in range(args.rounds):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)
        print(
            f"round {round_ + 1}: "
            + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in timings.items())
            + f" ({tokens} tokens, {words} words)",
            file=sys.stderr,
        )
    best = {k: min(v) for k, v in timings.items()}
    ratios = [lm_t / fw for lm_t, fw in zip(timings["lm"], timings["forward"], strict=True)]
    result: dict[str, Any] = run_metadata("speed-lm", dirty=False) | {
        "runtime": model.name,
        "options": options,
        "text": {"paragraphs": len(texts), "words": words, "tokens": tokens},
        "seconds": timings,
        "best_seconds": best,
        "lm_over_forward": best["lm"] / best["forward"],
        "lm_over_forward_per_round": ratios,
        "lm_over_forward_with_logits": best["lm"] / best["forward_logits"],
        "words_per_s": {k: words / v for k, v in best.items()},
        "tokens_per_s_forward": tokens / best["forward"],
        "lm_decoded_tokens": decoded,
        "lm_decoded_over_text_tokens": sum(decoded.get(k, 0) for k in TREE) / tokens,
        "start": {"lm_first": starts[0], "lm_second": starts[1], "fast": starts[2]},
        "second_start_seconds": starts[1]["model_ready_seconds"],
        "second_start_note": "model_ready_seconds: a fresh process importing restorer and "
        "loading the model from the converted-weights cache; first_restore_seconds adds the "
        "pipeline's own first use (spaCy, tables, inflection), which the fast tier pays too",
        "targets": {"lm_over_forward": 3.0, "second_start_seconds": 3.0},
    }
    if versus:
        ratios_versus = [
            v / fw for v, fw in zip(timings["lm_versus"], timings["forward"], strict=True)
        ]
        result["versus"] = {
            "options": versus,
            "lm_over_forward": best["lm_versus"] / best["forward"],
            "lm_over_forward_per_round": ratios_versus,
            "over_lm_per_round": [
                v / t for v, t in zip(timings["lm_versus"], timings["lm"], strict=True)
            ],
            "lm_decoded_tokens": decoded_versus,
            "lm_decoded_over_text_tokens": sum(decoded_versus.get(k, 0) for k in TREE) / tokens,
        }
    write_result(args.out, result)
    print(
        f"lm {best['lm']:.2f}s vs forward {best['forward']:.2f}s = "
        f"{result['lm_over_forward']:.2f}x "
        f"(with logits {result['lm_over_forward_with_logits']:.2f}x); "
        f"words/s lm {result['words_per_s']['lm']:.0f}, fast {result['words_per_s']['fast']:.0f}; "
        f"decoded/text tokens {result['lm_decoded_over_text_tokens']:.2f}; "
        f"second start {result['second_start_seconds']:.2f}s"
    )
    if versus:
        print(
            f"versus {versus}: {result['versus']['lm_over_forward']:.2f}x the forward pass; "
            f"decoded/text tokens {result['versus']['lm_decoded_over_text_tokens']:.2f}"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
