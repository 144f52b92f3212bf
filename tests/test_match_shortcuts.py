"""Topic matching's shortcuts decide what the rules alone decide: the substring check that
rejects papers before they are read in words never rejects a paper that has the stems, a
Fit (the z-score first, the opening alone, no word order without acronyms) says what the
whole evidence says, and search's match counts, order and the page's "N results match"
equal those of judging every ranked paper by its evidence alone (rank/match.py), on both
backends.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE, SHARED_DATA
from paperfeed.config import Settings, load_settings
from paperfeed.index.build import build_index
from paperfeed.index.calibration import Yardstick
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.rank import match
from paperfeed.rank.acronyms import Aliases
from paperfeed.rank.match import PaperText, Topic
from paperfeed.rank.query import parse_query
from paperfeed.rank.search import search, search_ranked
from paperfeed.store import Store
from paperfeed.store.stems import has_all, joined, word_starts
from paperfeed.store.terms import STOPWORDS, words
from paperfeed.web.app import create_app

TRICKY = [
    ("Dying neurons and lying agents", "Tying weights; skies and vying flies. We study it."),
    ("Capabilities of LLMs", "The capability and bistability of CNNs, possibly ugly, early only."),
    ("Self-supervised fine-tuning", "Pre-trained vision-language models (VLMs) are fine-tuned."),
    ("Schrödinger bridges for Café-Élan", "Naïve coöperation: über-fast déjà-vu co-évolution."),
    ("Happy relational valency", "Hoping, hopped, organization, valencies; agreed, cried."),
]
QUERIES = ["model immunization", "large language models", "LLMs", "diffusion models",
           "fine-tuning", "vision language models", "graph neural networks",
           "reinforcement learning from human feedback", "speculative decoding",
           "self-supervised learning", "retrieval augmented generation", "3D Gaussian splatting",
           "protein structure", "quantum", "federated learning privacy"]


def _stems(title: str, abstract: str) -> frozenset[str]:
    """A paper's stems by the definition: every word's but the stop words', and each
    hyphenated word's joined."""
    text = f"{title} {abstract}"
    found = {match.stem(w) for w in words(text) if w not in STOPWORDS}
    found.update(match.stem(w.replace("-", "")) for w in joined(text))
    return frozenset(found)


def _texts() -> list[tuple[str, str]]:
    out = list(TRICKY)
    out += [(r["title"], r["abstract"]) for r in map(json.loads, SAMPLE.open(encoding="utf-8"))]
    corpus = SHARED_DATA / "arxiv_corpus.jsonl.gz"
    if corpus.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n >= 3000:
                    break
                record = json.loads(line)
                out.append((record["title"], record["abstract"]))
    return out


def _has(stems: set[str] | frozenset[str], title: str, abstract: str) -> bool:
    needed = [frozenset({s}) for s in stems]
    return has_all(needed, word_starts(needed), title, abstract)


def test_the_needed_words_are_found_exactly_as_tokens_gives_them() -> None:
    texts = _texts()
    for n, (title, abstract) in enumerate(texts):
        stems = _stems(title, abstract)
        assert {s for s in match.tokens(title, abstract) if s is not None} == stems
        for s in stems:
            assert _has({s}, title, abstract), (s, title)
        others = sorted(_stems(*texts[(n + 1) % len(texts)]) - stems)[:25]
        for s in others:
            assert not _has({s}, title, abstract), (s, title)
        assert _has(set(sorted(stems)[:3]), title, abstract)
        assert not others or not _has({*sorted(stems)[:2], others[0]}, title, abstract)


def test_a_needed_word_counts_in_any_of_its_forms() -> None:
    title, abstract = "Protein folding", "We fold proteins with a physics prior; fine-tuned."
    assert not _has({match.stem("transformers")}, title, abstract)
    assert not _has({"protein", match.stem("speculative")}, title, abstract)
    assert _has({"protein", "prior", "fold"}, title, abstract)
    assert _has({match.stem("finetuning")}, title, abstract)  # the hyphenated word joined
    assert not _has({"the"}, "The best", "Of the rest.")  # stop words are not the paper's
    needed = [frozenset({"llm", match.stem("language")}), frozenset({"protein"})]
    assert has_all(needed, word_starts(needed), "LLMs for proteins",
                         "We study them.")


LATE = [  # the topic's words only after the opening, an acronym defined late, in lists
    ("A study", "We look at data. We fit models. We test them. Diffusion models design proteins."),
    ("Protein design with PLMs", "PLMs help. Fine. Good. Here PLM means pretrained language "
     "models (PLMs)."),
    ("Protein language models (PLMs) for design", "We use diffusion, agents and safety."),
    ("Agent safety", "A benchmark. Of agents, safety and benchmarks: an agent-safety bench."),
]


def _topics() -> list[Topic]:
    """Topics as prepare() makes them, with made-up weights: plain, and with acronyms both
    ways (rank/acronyms.py: a topic's long form gives short, a topic's acronym gives long)."""
    def stems(text: str) -> tuple[str, ...]:
        return tuple(match.stem(w) for w in words(text) if w not in STOPWORDS)

    plm, rl = stems("protein language models"), stems("reinforcement learning")
    out = []
    for text, weights, aliases in [
            ("diffusion models for protein design", (3.0, 0.5, 4.0, 2.0), Aliases()),
            ("agent safety benchmark", (2.5, 3.5, 1.5), Aliases()),
            ("protein language models", (4.0, 1.0, 0.5), Aliases(short={"plm": plm})),
            ("PLMs", (5.0,), Aliases(long={plm: "plm"})),
            ("reinforcement learning", (3.0, 0.4), Aliases(short={"rl": rl})),
            ("fine tuning", (1.0, 1.5), Aliases()),
            ("model", (0.2,), Aliases())]:
        keys = stems(text)
        out.append(Topic(text=text, weights=dict(zip(keys, weights, strict=True)),
                         aliases=aliases, scale=Yardstick(mean=0.2, std=0.1)))
    return out


def test_a_fit_decides_as_the_whole_evidence_does() -> None:
    texts = [*LATE, *_texts()]
    decided = 0
    for topic in _topics():
        fits = match.Fit(topic)
        for n, (title, abstract) in enumerate(texts):
            paper = PaperText(str(n), title, abstract)
            for similarity in (None, 0.05, 0.2, 0.6):  # no vector; below, at and above usual
                expected = match.evidence(topic, paper, similarity).matches
                assert fits(paper, similarity) == expected, (topic.text, title, similarity)
                decided += expected
    assert decided > 50  # the topics match papers, so the comparison says something


@pytest.fixture
def static() -> Embedder:
    try:
        return load_embedder("minilm-static-256")
    except ImportError as exc:
        pytest.skip(f"embedding model not installed: {exc}")


@pytest.fixture
def sample(store: Store, static: Embedder) -> Store:
    import_records(store, read_jsonl(SAMPLE), source=SOURCE)
    build_index(store, static, batch_size=256)
    return store


@pytest.fixture
def app(settings: Settings, sample: Store) -> Iterator[TestClient]:
    settings = load_settings(environ={}, database_url=settings.database_url,
                             embedding_model="minilm-static-256")
    with TestClient(create_app(settings, sample)) as client:
        yield client


def _by_evidence(store: Store, query: str, ranked: list[tuple[str, float]],
                 embedder: Embedder | None) -> list[str]:
    """The ranked papers that match query, judged one by one on their evidence alone."""
    topic = match.prepare(store, query, embedder)
    ids = [pid for pid, _ in ranked]
    texts = store.texts(ids)
    sims = match.similarities(store, topic, ids, embedder)
    return [i for i in ids if match.evidence(topic, PaperText(i, *texts[i]), sims.get(i)).matches]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_search_counts_and_puts_first_what_evidence_alone_matches(
        sample: Store, static: Embedder, mode: str) -> None:
    embedder = static if mode == "hybrid" else None
    counted = 0
    for query in QUERIES:
        ranked, _ = search_ranked(sample, query, mode=mode, need=20, embedder=embedder)
        expected = _by_evidence(sample, query, ranked, embedder)
        found = search(sample, query, mode=mode, limit=len(ranked), embedder=embedder,
                       match=True)
        assert found.matched == len(expected), query
        assert [h.paper.id for h in found.hits[:found.matched]] == expected, query
        counted += len(expected)
    assert counted > 20  # the queries match papers, so the comparison says something


def test_the_search_page_says_how_many_match_as_evidence_alone_counts(
        app: TestClient, sample: Store, static: Embedder) -> None:
    for query in QUERIES[:6]:
        ranked, _ = search_ranked(sample, query, mode="hybrid", need=20, embedder=static)
        expected = len(_by_evidence(sample, query, ranked, static))
        page = app.get("/search", params={"q": query})
        assert page.status_code == 200
        said = f"{expected:,} results match" if expected > 1 else \
            "1 result matches" if expected == 1 else "No results match"
        assert said in page.text, query
        assert parse_query(query).has_text


class _Counting:
    """The static model, counting the texts it is asked to embed."""

    def __init__(self, model: Embedder) -> None:
        self.model, self.name, self.dim, self.texts = model, model.name, model.dim, 0

    def embed(self, texts: Sequence[str]) -> Any:
        self.texts += len(texts)
        return self.model.embed(texts)


def test_a_search_page_encodes_its_query_once(sample: Store, static: Embedder,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(match, "_vectors", {})  # no vector kept from another test
    counting = _Counting(static)
    query = "probing hallucination detection in large language models"
    found = search(sample, query, mode="hybrid", embedder=counting, match=True)
    assert found.hits and counting.texts == 1  # the ranking's vector, reused by the count
