"""A static embedding model distilled from MiniLM: one vector per token, a text is their mean.

The recipe (model2vec's, with measured changes): run every vocabulary token through MiniLM as
"[CLS] token [SEP]" and keep the token's own output vector, centre and project to 256 dims by
PCA, and weight each token by a / (a + p(token)) (SIF) with p estimated from token counts over
arXiv titles and abstracts (token_counts.tsv.gz, shipped beside this module). Built from the
shipped weights on first use and cached; encoding is a table lookup and a mean per text, far
faster than running MiniLM (bench/RESULTS.md).
"""

from __future__ import annotations

import gzip
import hashlib
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.index.bert_numpy import F32, I64
from paperfeed.index.bert_onnx import write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tokenizers import Tokenizer

COUNTS = Path(__file__).with_name("token_counts.tsv.gz")
RECIPE = "token-output/pca/sif-1e-3/v1"  # change it when the recipe changes: rebuilds caches
SIF_A = 1e-3
_CHUNK = 2048


def load_counts(tokenizer: Tokenizer, path: Path = COUNTS) -> F32:
    """Token counts by vocabulary id, from a gzipped 'token<TAB>count' file."""
    counts = np.zeros(tokenizer.get_vocab_size(), np.float32)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            token, _, count = line.rstrip("\n").rpartition("\t")
            token_id = tokenizer.token_to_id(token)
            if token_id is not None:
                counts[token_id] = float(count)
    return counts


def token_vectors(hidden: Callable[[I64, F32], F32], tokenizer: Tokenizer) -> F32:
    """MiniLM's output vector for every vocabulary token, each seen alone between [CLS] and
    [SEP]: (vocabulary, hidden), given the model's hidden-states function."""
    size = tokenizer.get_vocab_size()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    ids = np.stack([np.full(size, cls), np.arange(size), np.full(size, sep)], 1).astype(np.int64)
    mask = np.ones(ids.shape, np.float32)
    return np.concatenate([hidden(ids[i:i + _CHUNK], mask[i:i + _CHUNK])[:, 1]
                           for i in range(0, size, _CHUNK)])


def distil(vectors: F32, counts: F32, dim: int) -> F32:
    """Centre, project onto the top dim principal axes, and SIF-weight the token vectors."""
    centred = (vectors - vectors.mean(0)).astype(np.float64)
    _, axes = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues: take the last dim
    p = (counts + 1.0) / float((counts + 1.0).sum())
    weighted = (centred @ axes[:, ::-1][:, :dim]) * (SIF_A / (SIF_A + p))[:, None]
    table: F32 = weighted.astype(np.float32)
    return table


def cache_key(model_dir: Path, counts_path: Path, dim: int) -> str:
    """A short digest of everything the static table is made from."""
    digest = hashlib.sha256(f"{RECIPE}/{dim}".encode())
    digest.update((model_dir / "model.safetensors").stat().st_size.to_bytes(8, "little"))
    digest.update((model_dir / "tokenizer.json").read_bytes())
    digest.update(counts_path.read_bytes())
    return digest.hexdigest()[:12]


def build_table(hidden: Callable[[I64, F32], F32], tokenizer: Tokenizer, path: Path,
                dim: int) -> F32:
    """Distil the table, save it at path (.npy) and return it."""
    table = distil(token_vectors(hidden, tokenizer), load_counts(tokenizer), dim)
    write_atomically(path, _npy_bytes(table))
    return table


def _npy_bytes(table: F32) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, table, allow_pickle=False)
    return buffer.getvalue()


class StaticEmbedder:
    """Embeds a text as the normalised mean of its tokens' static vectors."""

    def __init__(self, name: str, table: F32, tokenizer: Tokenizer) -> None:
        self.name = name
        self.dim = int(table.shape[1])
        self._table = table
        self._tokenizer = tokenizer
        self._unknown = int(tokenizer.token_to_id("[UNK]") or 0)

    def embed(self, texts: Sequence[str]) -> F32:
        """float32 (len(texts), dim), L2-normalised rows; an empty text gets [UNK]'s vector."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.concatenate([self._embed(texts[i:i + _CHUNK])
                               for i in range(0, len(texts), _CHUNK)])

    def _embed(self, texts: Sequence[str]) -> F32:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        token_ids = [e.ids or [self._unknown] for e in encodings]
        lengths = np.fromiter((len(t) for t in token_ids), np.int64, len(token_ids))
        flat = np.fromiter(chain.from_iterable(token_ids), np.int64, int(lengths.sum()))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        sums: F32 = np.add.reduceat(self._table[flat], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        unit: F32 = (sums / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
        return unit
