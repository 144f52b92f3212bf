"""The reader's model alone (rank/learn.py, pure): what the vectors add beside the words."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from paperfeed.rank.learn import Evidence, Papers, Params, rank

WIDTH = 40  # term columns


def papers(prefix: str, words: list[list[int]], vectors: list[list[float]]) -> Papers:
    rows = sp.lil_matrix((len(words), WIDTH), dtype=np.float32)
    for n, columns in enumerate(words):
        for c in columns:
            rows[n, c] = 1 / np.sqrt(len(columns))
    v = np.asarray(vectors, dtype=np.float32)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return Papers([f"{prefix}{n}" for n in range(len(words))], sp.csr_matrix(rows), v,
                  [f"like {prefix}{n}" for n in range(len(words))],
                  [() for _ in words])


def evidence(skip: frozenset[str] = frozenset()) -> Evidence:
    rng = np.random.default_rng(0)
    liked = papers("liked", [[0, 1, 2], [1, 2, 3], [0, 2, 3]],
                   [[1, 0.1, 0, 0], [1, 0, 0.1, 0], [1, 0, 0, 0.1]])
    background = papers("bg", [sorted(rng.choice(range(10, WIDTH), 3, replace=False).tolist())
                               for _ in range(60)],
                        (rng.normal(size=(60, 4)) + np.array([0, 1, 1, 1])).tolist())
    # no candidate shares a word with the liked papers; "near" means the same thing
    candidates = papers("cand", [[20, 21], [30, 31], [32, 33]],
                        [[0.1, 1, 1, 1], [1, 0.05, 0.05, 0], [0, 1, 0, 1]])
    none = Papers([], sp.csr_matrix((0, WIDTH), dtype=np.float32),
                  np.zeros((0, 4), dtype=np.float32))
    return Evidence(positives=liked, negatives=none, background=background,
                    candidates=candidates, skip=skip)


def test_vectors_find_a_paper_alike_in_meaning_that_shares_no_word() -> None:
    top = rank(evidence(), limit=3)
    assert top[0].id == "cand1" and top[0].reason.startswith("like liked")
    assert rank(evidence(), limit=3, params=Params(dense="joint"))[0].id == "cand1"


def test_skipped_candidates_never_come_back() -> None:
    ids = [r.id for r in rank(evidence(frozenset({"cand1"})), limit=3)]
    assert sorted(ids) == ["cand0", "cand2"]
