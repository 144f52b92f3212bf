"""A small dated corpus in four topics with word-hashing vectors, for map and trend tests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from paperfeed.models import Paper
from paperfeed.store import Store

MODEL = "hash-256"
TOPICS = {
    "proteins": "protein folding residues enzyme binding structure amino peptide",
    "galaxies": "galaxy redshift telescope stellar cosmic survey halo quasar",
    "qubits": "qubit entanglement quantum circuit decoherence photon superconducting gate",
    "graphs": "graph message passing node edge neighbourhood molecule pooling",
}
FILLER = ["we", "study", "this", "setting", "and", "report", "experiments", "on", "data",
          "with", "careful", "analysis"]
# the newest day of the corpus: trends end here
END = datetime(2026, 8, 21, 9, tzinfo=UTC)


def vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of word counts hashed into 256 dimensions: same words, near vectors."""
    hashed = HashingVectorizer(n_features=256, alternate_sign=False, norm="l2")
    return np.asarray(hashed.transform(texts).toarray(), dtype=np.float32)


def paper(topic: str, i: int, *, day: datetime, rng: random.Random) -> Paper:
    words = TOPICS[topic].split()
    title = " ".join(rng.sample(words, 4)).capitalize() + f" study {i}"
    abstract = " ".join(rng.choice(words) if rng.random() < 0.6 else rng.choice(FILLER)
                        for _ in range(40))
    return Paper(id=f"{topic}-{i:04d}", title=title, abstract=abstract, authors=(),
                 categories=(f"x.{topic[:3]}",), primary_category=f"x.{topic[:3]}",
                 published=day)


def make_corpus(store: Store, per_topic: int = 30, *, rising: str = "qubits",
                seed: int = 0) -> list[Paper]:
    """per_topic papers in each topic spread over the year before END; the rising topic's
    papers are mostly in its last four weeks. Stored with their vectors."""
    rng = random.Random(seed)
    papers = []
    for topic in TOPICS:
        for i in range(per_topic):
            back = rng.randrange(0, 26) if topic == rising and i % 4 else rng.randrange(0, 360)
            papers.append(paper(topic, i, day=END - timedelta(days=back), rng=rng))
    add(store, papers)
    return papers


def add(store: Store, papers: Sequence[Paper]) -> None:
    store.upsert_papers(papers)
    store.put_embeddings(MODEL, [p.id for p in papers],
                         vectors([f"{p.title} {p.abstract}" for p in papers]))
