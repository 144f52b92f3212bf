"""Two embedding models at once: a fast one that covers every paper within minutes of an
import, and the best one that replaces it newest listing day first; search reads each paper's
best vector.

A Blend embeds a text with every model (best first) and puts the unit vectors side by side in
one row; its BlendIndex searches each model's own index (index/vectors.py, or the database's
per-model index) with that model's part, and scores every paper by the best model that has a
vector for it. Cosines of different models are not comparable (the static model's neighbours
sit far closer than MiniLM's), so each is read as a z-score against the query's similarities
to one reference sample of papers that have every model's vector (index/calibration.py): the
two models' scores then share one scale, so fusion with BM25 and match floors keep one meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from paperfeed.config import Settings
from paperfeed.index.calibration import MIN_REFERENCE, Yardstick, blend_reference, reference
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.store import Store
from paperfeed.store.base import Vectors, VectorSearch, VectorStore

SEP = "+"  # joins the models' names into the blend's name (never a stored model)
TAIL = 0.99  # the second point where the models' scales are made to agree
MAX_SHARE = 0.9  # a lower model's search looks at most 1 / (1 - this) times deeper
_dims: dict[str, int] = {}  # model -> dimension, learnt from every Blend made in this process

Scale = Callable[[float], float]


class Blend:
    """An embedder over several models, best first: each text's vectors side by side (each
    part unit length, so a row's norm is the square root of the number of models)."""

    def __init__(self, models: Sequence[Embedder]) -> None:
        if len(models) < 2:
            raise ValueError("a blend needs two models or more")
        self.models = tuple(models)
        self.name = SEP.join(m.name for m in self.models)
        self.dim = sum(m.dim for m in self.models)
        _dims.update((m.name, m.dim) for m in self.models)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """float32 (len(texts), dim): every model's unit vectors side by side."""
        out: Vectors = np.concatenate([m.embed(texts) for m in self.models], axis=1)
        return out.astype(np.float32, copy=False)


def load_models(best: str, fast: str = "", cache_dir: Path | None = None) -> Embedder:
    """The best model, blended with the fast one when a different fast model is named."""
    first = load_embedder(best, cache_dir)
    if not fast or fast == best:
        return first
    return Blend([first, load_embedder(fast, cache_dir)])


def configured_models(settings: Settings, model: str | None = None) -> Embedder:
    """The embedder the settings name (embedding_model, blended with fast_embedding_model),
    or model alone; weights looked up under model_cache_dir."""
    cache = Path(settings.model_cache_dir).expanduser() if settings.model_cache_dir else None
    if model:
        return load_models(model, cache_dir=cache)
    return load_models(settings.embedding_model, settings.fast_embedding_model, cache)


def parts(embedder: Embedder) -> tuple[Embedder, ...]:
    """The models behind an embedder, best first (one for a plain model)."""
    return embedder.models if isinstance(embedder, Blend) else (embedder,)


def is_blend(model: str) -> bool:
    return SEP in model


def one_model(embedder: Embedder, indexes: Callable[[str], VectorSearch]) -> Embedder:
    """The single model whose vectors stand for every paper, where one vector space is needed
    (a reader's model learns weights over it): the best model once it has as many vectors as
    the fast one, else the fast one. indexes: model name -> its index."""
    models = parts(embedder)
    covering = len(indexes(models[-1].name))
    return next(m for m in models if len(indexes(m.name)) >= covering)


class BlendIndex:
    """Each paper scored by its best model, every model's cosine as a z-score (a VectorSearch
    over blended query vectors: see Blend)."""

    scaling = "tail"  # see scales; "z", and "raw" (the naive mix), are measured against it

    def __init__(self, store: Store, model: str, indexes: Sequence[VectorSearch]) -> None:
        names = model.split(SEP)
        missing = [n for n in names if n not in _dims]
        if missing:
            raise ValueError(f"unknown dimension of {', '.join(missing)}: build a Blend first")
        self.model = model
        self.parts = tuple(indexes)
        self._store = store
        self._dims = [_dims[n] for n in names]
        self._starts = np.cumsum([0, *self._dims]).tolist()

    def __len__(self) -> int:
        return max((len(p) for p in self.parts), default=0)

    @property
    def dim(self) -> int:
        return sum(self._dims)

    def refresh(self, store: VectorStore) -> int:
        return sum(p.refresh(store) for p in self.parts)

    def warm(self) -> None:
        for p in self.parts:
            p.warm()

    def split(self, query: Vectors) -> list[Vectors]:
        """A blended query vector's part for each model."""
        return [query[a:b] for a, b in zip(self._starts, self._starts[1:], strict=False)]

    def scales(self, queries: Sequence[Vectors]) -> list[Scale | None] | None:
        """Per model, what puts the query's cosine on the first calibrated model's z-score
        (None for a model with too few vectors to tell: its papers are scored by the next
        model); None when no model can tell (a tiny store) or for raw: cosines as they are.

        The first model's cosine becomes its z-score against the sample; another model's is
        anchored at two points of the same sample, its mean and its TAIL quantile, to the
        first model's z at those points (scaling "tail"). Plain z-scores for every model
        ("z") favour MiniLM: its similarities have a longer upper tail for their spread."""
        if self.scaling == "raw":
            return None
        samples = blend_reference(self._store, self.parts) or \
            [reference(self._store, p) for p in self.parts]
        out: list[Scale | None] = []
        unit = None  # the first calibrated model's z at its TAIL quantile
        for vectors, q in zip(samples, queries, strict=True):
            if len(vectors) < MIN_REFERENCE or vectors.shape[1] != len(q):
                out.append(None)
                continue
            sims = vectors @ q
            mean, std = float(sims.mean()), max(float(sims.std()), 1e-3)
            tail = max(float(np.quantile(sims, TAIL)) - mean, 1e-3)
            if unit is None or self.scaling == "z":
                unit = tail / std if unit is None else unit
                out.append(Yardstick(mean=mean, std=std).z)
            else:
                out.append(Yardstick(mean=mean, std=tail / unit).z)
        return out if any(s is not None for s in out) else None

    def calibrated(self, query: Vectors) -> bool:
        """Whether scores come out as z-scores (then a match floor reads them as they are)."""
        return self.scales(self.split(query)) is not None

    def _scaled(self, query: Vectors) -> tuple[list[Vectors], list[Scale | None]]:
        queries = self.split(query)
        found = self.scales(queries)
        return queries, found if found is not None else [_same] * len(queries)

    def search(self, query: Vectors, k: int,
               among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k papers most similar to query, each by its best model; only among the given
        ids when given (then exact, as each model's index is)."""
        if k <= 0:
            return []
        queries, scales = self._scaled(query)
        if among is not None:
            return _top(self._best(queries, scales, among, len(self.parts)), k)
        found: dict[str, float] = {}
        above = 0  # papers the better models have vectors for (a subset of the lower's)
        for i, (index, q) in enumerate(zip(self.parts, queries, strict=True)):
            n = len(index)
            if not n or scales[i] is None or (i and above >= n):
                continue
            fetch = min(n, math.ceil(k / (1.0 - min(above / n, MAX_SHARE))))
            rows = [(pid, s) for pid, s in index.search(q, fetch) if pid not in found]
            better = self._best(queries, scales, [pid for pid, _ in rows], i)
            scale = scales[i]
            assert scale is not None
            found.update((pid, better[pid] if pid in better else scale(s)) for pid, s in rows)
            above = max(above, n)
        return _top(found, k)

    def _best(self, queries: Sequence[Vectors], scales: Sequence[Scale | None],
              ids: Sequence[str], upto: int) -> dict[str, float]:
        """The scores of ids by the best of the first `upto` models that has each."""
        out: dict[str, float] = {}
        left = list(dict.fromkeys(ids))
        for index, q, scale in zip(self.parts[:upto], queries, scales, strict=False):
            if not left:
                break
            if scale is None:
                continue
            got = index.scores(q, left) if len(index) else {}
            out.update((pid, scale(s)) for pid, s in got.items())
            left = [pid for pid in left if pid not in got]
        return out

    def scores(self, query: Vectors, ids: Sequence[str]) -> dict[str, float]:
        """Each known id's score by its best model."""
        queries, scales = self._scaled(query)
        return self._best(queries, scales, ids, len(self.parts))

    def vector(self, paper_id: str) -> Vectors | None:
        """The paper's blended vector when every model has one for it (else None: the caller
        embeds its text)."""
        found = [p.vector(paper_id) for p in self.parts]
        if any(v is None for v in found):
            return None
        out: Vectors = np.concatenate([v for v in found if v is not None]).astype(np.float32)
        return out

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        """The ids every model has a vector for, in order, and their blended vectors."""
        got = [dict(zip(*p.vectors(ids), strict=True)) for p in self.parts]
        known = [i for i in ids if all(i in g for g in got)]
        if not known:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        return known, np.stack([np.concatenate([g[i] for g in got]) for i in known])


def _same(similarity: float) -> float:
    return similarity


def _top(scores: dict[str, float], k: int) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
