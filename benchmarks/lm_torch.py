"""SmolLM2 on PyTorch, read straight from the GGUF file: the runtime we measured against llama.cpp.

This is the "transformers/torch reading the GGUF" side of ``run_lm_runtime.py``, written without
transformers so that only torch (and numpy) is needed: a GGUF reader, Q4_1/Q8_0 dequantisation,
the Llama forward pass, and a cache of the converted (fp16) weights in the user cache directory so
a second start skips the conversion. transformers' own GGUF loader (``from_pretrained(...,
gguf_file=...)``) is measured too when it is installed. The tokenizer is llama.cpp's where
available (same ids as the model was trained with); a plain whitespace tokenizer otherwise (speed
does not depend on which ids are fed).

Not part of the package: the restorer's ``lm`` tier runs on llama.cpp (see
``results/lm-runtime.json`` for why).
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np

GGUF_TYPES = {0: "F32", 1: "F16", 3: "Q4_1", 8: "Q8_0"}


def read_gguf(path: Path) -> tuple[dict[str, Any], dict[str, tuple[int, list[int], int]], int, Any]:
    """Return (metadata, tensors{name: (type, dims, offset)}, data_start, memmap)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    pos = 0

    def rd(fmt: str) -> Any:
        nonlocal pos
        v = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def rstr() -> str:
        nonlocal pos
        n = rd("Q")
        s = bytes(buf[pos : pos + n]).decode("utf-8", "replace")
        pos += n
        return s

    scalars = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q"}
    scalars[12] = "d"

    def rval(t: int) -> Any:
        if t in scalars:
            return rd(scalars[t])
        if t == 8:
            return rstr()
        if t == 9:
            it = rd("I")
            n = rd("Q")
            return [rval(it) for _ in range(n)]
        raise ValueError(f"unknown GGUF value type {t}")

    if bytes(buf[:4]) != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    pos = 4
    rd("I")
    n_tensors, n_kv = rd("Q"), rd("Q")
    meta: dict[str, Any] = {}
    for _ in range(n_kv):
        key = rstr()
        meta[key] = rval(rd("I"))
    tensors = {}
    for _ in range(n_tensors):
        name = rstr()
        dims = [rd("Q") for _ in range(rd("I"))]
        kind = rd("I")
        tensors[name] = (kind, dims, rd("Q"))
    align = int(meta.get("general.alignment", 32))
    start = (pos + align - 1) // align * align
    return meta, tensors, start, data


def dequantize(kind: int, dims: list[int], raw: np.ndarray) -> np.ndarray:
    """Return a float32 array of shape ``dims[::-1]`` (rows = ``dims[1]``)."""
    n = int(np.prod(dims))
    shape = tuple(reversed(dims))
    if kind == 0:
        return raw[: 4 * n].view(np.float32).reshape(shape)
    if kind == 1:
        return raw[: 2 * n].view(np.float16).astype(np.float32).reshape(shape)
    if kind == 3:  # Q4_1: f16 d, f16 m, 16 bytes of nibbles per 32 weights
        blocks = raw[: n // 32 * 20].reshape(-1, 20)
        d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
        m = blocks[:, 2:4].copy().view(np.float16).astype(np.float32)
        qs = blocks[:, 4:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
        return (q * d + m).reshape(shape)
    if kind == 8:  # Q8_0: f16 d, 32 int8
        blocks = raw[: n // 32 * 34].reshape(-1, 34)
        d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
        q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
        return (q * d).reshape(shape)
    raise ValueError(f"GGUF tensor type {kind} is not supported here")


def convert(gguf: Path) -> dict[str, np.ndarray]:
    """Dequantize every tensor of the GGUF file (the slow first start)."""
    _meta, tensors, start, data = read_gguf(gguf)
    return {
        name: dequantize(kind, dims, data[start + off :])
        for name, (kind, dims, off) in tensors.items()
    }


def cached_weights(gguf: Path) -> tuple[dict[str, Any], bool]:
    """Return torch fp32 weights, converting once and caching fp16 copies in ``cache_dir()``.

    The cache key is the GGUF's size and modification time. Returns (weights, was_cached).
    ``cache_dir`` is restorer's (``restorer.lm`` needs only the standard library; the worker of
    ``run_lm_runtime.py`` runs in the repository root, so it imports in the torch venv too).
    """
    import torch

    from restorer.lm import cache_dir

    st = gguf.stat()
    target = cache_dir() / f"{gguf.stem}-{st.st_size}-{int(st.st_mtime)}.torch-fp16.pt"
    if target.is_file():
        loaded = torch.load(target, mmap=True, weights_only=True)
        return {k: v.float() for k, v in loaded.items()}, True
    arrays = convert(gguf)
    weights = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    torch.save({k: v.half() for k, v in weights.items()}, tmp)
    tmp.replace(target)
    return weights, False


class TorchLlama:
    """The Llama forward pass (SmolLM2-135M shape read from the GGUF metadata)."""

    def __init__(self, gguf: Path, device: str = "cpu") -> None:
        import torch

        meta, _t, _s, _d = read_gguf(gguf)
        self.n_layers = int(meta["llama.block_count"])
        self.n_heads = int(meta["llama.attention.head_count"])
        self.n_kv = int(meta["llama.attention.head_count_kv"])
        self.dim = int(meta["llama.embedding_length"])
        self.head_dim = self.dim // self.n_heads
        self.eps = float(meta["llama.attention.layer_norm_rms_epsilon"])
        self.base = float(meta["llama.rope.freq_base"])
        t0 = time.perf_counter()
        weights, self.was_cached = cached_weights(gguf)
        self.load_seconds = time.perf_counter() - t0
        self.w = {k: v.to(device) for k, v in weights.items()}
        self.device = device
        self.torch = torch

    def _rope(self, x: Any, pos: Any) -> Any:
        # llama.cpp's "normal" rope on GGUF's permuted q/k weights: rotate adjacent pairs.
        torch = self.torch
        half = self.head_dim // 2
        inv = self.base ** (-torch.arange(0, half, dtype=torch.float64) * 2.0 / self.head_dim)
        ang = (pos.to(torch.float64)[:, None] * inv[None, :]).float()
        cos, sin = ang.cos()[None], ang.sin()[None]
        x2 = x.reshape(*x.shape[:-1], half, 2)
        a, b = x2[..., 0], x2[..., 1]
        return torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).reshape(x.shape)

    def _norm(self, x: Any, w: Any) -> Any:
        return x * self.torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def logprobs(self, ids: list[int]) -> list[float]:
        """One plain causal forward pass; log P of each token given the ones before it."""
        torch = self.torch
        f = torch.nn.functional
        with torch.inference_mode():
            t = torch.tensor(ids, device=self.device)
            x = self.w["token_embd.weight"][t]
            pos = torch.arange(len(ids), device=self.device)
            n = len(ids)
            for i in range(self.n_layers):
                p = f"blk.{i}."
                h = self._norm(x, self.w[p + "attn_norm.weight"])
                q = (h @ self.w[p + "attn_q.weight"].T).view(n, self.n_heads, -1).transpose(0, 1)
                k = (h @ self.w[p + "attn_k.weight"].T).view(n, self.n_kv, -1).transpose(0, 1)
                v = (h @ self.w[p + "attn_v.weight"].T).view(n, self.n_kv, -1).transpose(0, 1)
                q, k = self._rope(q, pos), self._rope(k, pos)
                rep = self.n_heads // self.n_kv
                k, v = k.repeat_interleave(rep, 0), v.repeat_interleave(rep, 0)
                a = f.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
                x = x + a.transpose(0, 1).reshape(n, -1) @ self.w[p + "attn_output.weight"].T
                h = self._norm(x, self.w[p + "ffn_norm.weight"])
                g = f.silu(h @ self.w[p + "ffn_gate.weight"].T) * (
                    h @ self.w[p + "ffn_up.weight"].T
                )
                x = x + g @ self.w[p + "ffn_down.weight"].T
            x = self._norm(x, self.w["output_norm.weight"])
            logits = x[:-1] @ self.w["token_embd.weight"].T
            lp = torch.log_softmax(logits.float(), -1)
            picked = lp.gather(1, t[1:, None])[:, 0]
        return [float(v) for v in picked]
