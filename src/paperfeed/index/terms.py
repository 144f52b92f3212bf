"""Term features of papers: tf-idf over a vocabulary fitted on the whole store, as
arxiv-sanity-lite's compute.py does (title, abstract and authors; words and word pairs;
sublinear tf; terms in at least MIN_DF papers and at most MAX_DF of them).

A Vocabulary is fitted once per data version by `paperfeed index` (on a sample when the store
is large: idf from 100 k papers is as good as from all) and stored with each paper's row
(index/term_rows.py); a paper's row only changes when the vocabulary is refitted. Rows are
unit length float32; in the store they are 16-bit term numbers and 16-bit weights.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

__all__ = ["MAX_TERMS", "Vocabulary", "fit_vocabulary", "paper_text"]

MAX_TERMS = 20_000  # as arxiv-sanity-lite; more terms overfit a few likes (measured)
MIN_DF = 5  # a term in fewer papers is a typo or too rare to learn from
MAX_DF = 0.1  # a term in more than this share of papers says little about an interest
SMALL = 2_000  # fewer papers than this: every term is kept (tests, fresh instances)
TOKENS = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"  # a letter first: bare numbers say little
F32 = npt.NDArray[np.float32]


def paper_text(title: str, abstract: str, authors: Sequence[str]) -> str:
    """What a paper's terms are counted in (authors too: a lab's papers share names)."""
    return f"{title}\n{abstract}\n{' '.join(authors)}"


def _counter(vocabulary: dict[str, int] | None = None, *, min_df: float = 1,
             max_df: float = 1.0, max_features: int | None = None) -> CountVectorizer:
    return CountVectorizer(input="content", strip_accents="unicode", lowercase=True,
                           analyzer="word", stop_words="english", token_pattern=TOKENS,
                           ngram_range=(1, 2), dtype=np.float32, vocabulary=vocabulary,
                           min_df=min_df, max_df=max_df, max_features=max_features)


@dataclass(frozen=True)
class Vocabulary:
    """Terms (column order) and their smoothed idf, fitted on `papers` papers (a sample of
    the `store_size` papers the store had) in `seconds` (sampling included; 0: not known)."""

    terms: tuple[str, ...]
    idf: F32
    papers: int
    store_size: int = 0
    seconds: float = 0.0
    _counter: CountVectorizer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_counter", _counter(
            {t: n for n, t in enumerate(self.terms)}))

    def __len__(self) -> int:
        return len(self.terms)

    def rows(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Unit-length tf-idf rows (sublinear tf) of texts, float32."""
        m = sp.csr_matrix(self._counter.transform(list(texts)), dtype=np.float32)
        m.sort_indices()
        m.data = (np.float32(1.0) + np.log(m.data)) * self.idf[m.indices]
        return unit_rows(m)

    def topic_columns(self, topic: str) -> npt.NDArray[np.int32]:
        """The columns of a topic's words (those in the vocabulary)."""
        columns: npt.NDArray[np.int32] = sp.csr_matrix(self._counter.transform([topic])).indices
        return columns

    def dumps(self) -> bytes:
        return zlib.compress(json.dumps({"terms": self.terms, "idf": self.idf.tolist(),
                                         "papers": self.papers, "store_size": self.store_size,
                                         "seconds": self.seconds}).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> Vocabulary:
        d = json.loads(zlib.decompress(blob))
        papers = int(d["papers"])  # older vocabularies: fitted on every paper, time unknown
        return cls(tuple(d["terms"]), np.asarray(d["idf"], dtype=np.float32), papers,
                   int(d.get("store_size", papers)), float(d.get("seconds", 0.0)))


def fit_vocabulary(texts: Sequence[str]) -> Vocabulary:
    """A vocabulary fitted on texts: the MAX_TERMS most frequent terms within the document
    frequency bounds (all terms for a small store), and their idf over texts."""
    n = len(texts)
    small = n < SMALL
    counter = _counter(min_df=1 if small else MIN_DF, max_df=1.0 if small else MAX_DF,
                       max_features=MAX_TERMS)
    try:
        counts = sp.csr_matrix(counter.fit_transform(list(texts)))
    except ValueError:  # no term at all (empty texts)
        return Vocabulary((), np.zeros(0, dtype=np.float32), n)
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    terms = tuple(counter.get_feature_names_out().tolist())
    return Vocabulary(terms, idf, n)


def unit_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """m with rows scaled to unit length in place (empty rows stay empty)."""
    if m.nnz:
        lengths = np.sqrt(np.add.reduceat(m.data * m.data, m.indptr[:-1]))
        lengths[np.diff(m.indptr) == 0] = 1.0
        m.data /= np.repeat(np.maximum(lengths, 1e-12), np.diff(m.indptr)).astype(np.float32)
    return m


def pack(row: sp.csr_matrix) -> bytes:
    """One row as stored: term numbers (uint16) then weights (float16), little-endian."""
    return bytes(row.indices.astype("<u2").tobytes() + row.data.astype("<f2").tobytes())


def unpack_many(blobs: Sequence[bytes], width: int) -> sp.csr_matrix:
    """Stored rows back as one float32 matrix (rows in the order given)."""
    sizes = np.fromiter((len(b) // 4 for b in blobs), dtype=np.int64, count=len(blobs))
    indptr = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    buffer = np.frombuffer(b"".join(blobs), dtype="<u2")
    row = np.repeat(np.arange(len(blobs)), sizes)
    at = 2 * indptr[:-1][row] + np.arange(int(indptr[-1])) - indptr[:-1][row]
    indices = buffer[at].astype(np.int32)
    data = buffer[at + sizes[row]].view("<f2").astype(np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(blobs), width))
