"""The map's clusters (k-means on the paper vectors) and their labels (class-based tf-idf).

k-means gives every paper a cluster (HDBSCAN would leave many as noise) and can start from
the previous map's centroids, so a rebuild keeps cluster numbers. A cluster's words are
those frequent in its papers and rare elsewhere: c-TF-IDF, the per-cluster term frequency
times log(1 + average words per cluster / the word's count over all clusters).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from paperfeed.store.base import Vectors

Labels = npt.NDArray[np.int64]
MAX_CLUSTERS = 60
LABEL_WORDS = 3  # words in a cluster's label
KEPT_WORDS = 8  # distinctive words kept per cluster
# Words every abstract uses: never what sets a cluster apart.
_BORING_TEXT = """
paper propose proposed proposes approach approaches method methods result results show shows
shown present presents based using use used new novel study studies work also well can may
however first two one three via towards toward existing state art performance problem
problems demonstrate demonstrates provide provides framework significantly achieve achieves
different various several many much within without large small high low including given
"""
BORING = frozenset(_BORING_TEXT.split())
WORD = r"(?u)\b[^\W\d_][\w-]*[^\W_]\b"  # a word: starts with a letter, no digits-only


def cluster_count(n: int) -> int:
    """How many clusters n papers get: grows slowly, so each has a readable share."""
    return int(min(MAX_CLUSTERS, max(1, min(n, round(n ** 0.4)))))


def cluster(vectors: Vectors, k: int, *, start: Vectors | None = None,
            seed: int = 0) -> tuple[Labels, Vectors]:
    """(cluster of each vector, centroids); start (k rows) keeps a previous numbering."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(vectors)))
    init: Vectors | str = start if start is not None and len(start) == k else "k-means++"
    model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=100, random_state=seed)
    labels = model.fit_predict(vectors)
    return labels.astype(np.int64), model.cluster_centers_.astype(np.float32)


def centroids(vectors: Vectors, labels: Labels, k: int) -> Vectors | None:
    """The mean vector of each of k clusters; None when one of them is empty."""
    counts = np.bincount(labels, minlength=k)
    if len(counts) != k or (counts == 0).any():
        return None
    sums = np.zeros((k, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, vectors)
    return (sums / counts[:, None]).astype(np.float32)


def cluster_words(texts: Sequence[str], labels: Labels, k: int) -> list[list[str]]:
    """For each of k clusters its most distinctive words (lower case, as in its papers)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    vectorizer = CountVectorizer(
        lowercase=True, token_pattern=WORD,
        stop_words=sorted(ENGLISH_STOP_WORDS | BORING), min_df=2 if len(texts) > 50 else 1,
        max_df=0.5 if len(texts) > 50 else 1.0, dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no word survives (empty or stop-word-only texts)
        return [[] for _ in range(k)]
    from scipy import sparse

    member = sparse.csr_matrix((np.ones(len(labels), dtype=np.float32),
                                (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    per_class = np.asarray((member @ counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.maximum(totals, 1.0)
    idf = np.log1p(totals.mean() / np.maximum(per_class.sum(axis=0), 1.0))
    scores = tf * idf[None, :]
    vocab = vectorizer.get_feature_names_out()
    out: list[list[str]] = []
    for row, total in zip(scores, totals[:, 0], strict=True):
        best = np.argsort(-row)[:KEPT_WORDS]
        out.append([str(vocab[i]) for i in best if row[i] > 0] if total > 0 else [])
    return out


def label(words: Sequence[str], number: int) -> str:
    """A cluster's label: its first few words, or its number when it has none."""
    return ", ".join(words[:LABEL_WORDS]) if words else f"cluster {number + 1}"
