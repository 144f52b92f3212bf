"""Acronyms read from the papers: a topic typed in full finds the acronym, and one typed as
an acronym finds the words, once the papers define it; never from one stray definition."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.index.build import refresh_vocabulary
from paperfeed.models import Author, Paper
from paperfeed.rank import match
from paperfeed.rank.acronyms import spelled_out
from paperfeed.rank.bm25 import stem
from paperfeed.store import Store
from paperfeed.store.definitions import definitions, pack, unpack


def test_a_query_acronym_counts_unless_the_papers_spell_it_out_with_other_words() -> None:
    words = ["film", "shot", "understanding", "sparse", "autoencoders", "vision", "models"]
    texts = [("SignReasoner", "A functional structure unit (FSU) parses signs."),
             ("Features", "Sparse autoencoder (SAE) features of vision models."),
             ("Plain", "No definitions here.")]
    found = spelled_out(texts, ["fsu", "sae", "svm"], words, stem)
    assert found == {"sae": ("sparse", "autoencoders"), "svm": ()}
    assert spelled_out(texts, [], words, stem) == {}


def test_definitions_spell_the_acronym_from_the_words_before_it() -> None:
    text = ("Large Language Models (LLMs) are studied. We use mixture-of-experts (MoE) "
            "layers and 3D Gaussian Splatting (3DGS). Simultaneous localization and mapping "
            "(SLAM) helps. Neural Radiance Fields (NeRF) too. We report results (Table 2) "
            "and accuracy (ACC, higher is better) on a benchmark (TEST). Sparse autoencoders "
            "(SAEs) find features. Pre-trained language models (PLMs) and low-rank "
            "adaptation (LoRA) too.")
    found = dict(definitions(text))
    assert unpack(pack(definitions(text))) == definitions(text)  # as stored
    assert found["llm"] == ("large", "language", "models")
    assert found["moe"] == ("mixture", "of", "experts")
    assert found["3dgs"] == ("3d", "gaussian", "splatting")
    assert found["slam"] == ("simultaneous", "localization", "and", "mapping")
    assert found["nerf"] == ("neural", "radiance", "fields")
    assert found["sae"] == ("sparse", "autoencoders")
    assert found["plm"] == ("pre", "trained", "language", "models")  # one letter for two parts
    assert found["lora"] == ("low", "rank", "adaptation")
    assert "table" not in found and "acc" not in found
    assert "test" not in found  # the words before do not spell it


def _paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, authors=(Author("Ada Lovelace"),),
                 categories=("cs.CV",), published=datetime(2025, 3, 1, tzinfo=UTC))


PAPERS = [
    _paper("d1", "Visual question answering with diagrams",
           "We study visual question answering (VQA) over charts."),
    _paper("d2", "Robust visual question answering",
           "Visual question answering (VQA) models fail under shift; we fix them."),
    _paper("u1", "A VQA model that reads tables", "Our VQA model answers about tables."),
    _paper("u2", "Teaching large language models to cite",
           "We fine-tune large language models on citations."),
    _paper("d3", "Watermarking large language models",
           "Large language models (LLMs) can be watermarked; we watermark LLMs."),
    _paper("d4", "Detecting watermarks in large language models",
           "Outputs of large language models (LLMs) carry watermarks we detect."),
    _paper("x1", "Hedge funds and the tax code", "Quarterly reports (QR) only once here."),
    _paper("p1", "Protein language models at scale",
           "Protein language models (PLMs) learn folding."),
    _paper("p2", "Protein language models for enzymes",
           "We probe protein language models (PLMs) on enzymes."),
    _paper("p3", "Adapting PLMs to a new language",
           "Pretrained language models (PLMs) are adapted; our PLMs need less data."),
    _paper("p4", "Binder design with PLMs", "Our PLMs design binders."),
]


@pytest.fixture
def filled(store: Store) -> Store:
    store.upsert_papers(PAPERS)
    refresh_vocabulary(store)
    return store


def test_a_topic_in_full_matches_a_paper_that_uses_the_acronym(filled: Store) -> None:
    topic = match.prepare(filled, "visual question answering")
    assert topic.aliases.short["vqa"] == ("visual", "question", "answer")
    (u1,) = filled.get_papers(["u1"])
    assert match.evidence(topic, u1, None).coverage == pytest.approx(1.0)
    assert match.evidence(topic, u1, None).matches


def test_a_topic_typed_as_an_acronym_matches_the_words(filled: Store) -> None:
    topic = match.prepare(filled, "LLM watermarking")
    assert topic.aliases.long[("larg", "languag", "model")] == "llm"
    (d4,) = filled.get_papers(["d4"])
    assert match.evidence(topic, d4, None).near == pytest.approx(1.0)
    (u2,) = filled.get_papers(["u2"])  # large language models, but no watermark
    assert not match.evidence(topic, u2, None).matches


def test_an_acronym_defined_once_stands_for_nothing(filled: Store) -> None:
    topic = match.prepare(filled, "quarterly reports")
    assert not topic.aliases.short and not topic.aliases.long


def test_a_paper_that_defines_the_acronym_otherwise_keeps_its_meaning(filled: Store) -> None:
    topic = match.prepare(filled, "protein language models")
    assert topic.aliases.short["plm"] == ("protein", "languag", "model")
    p3, p4 = filled.get_papers(["p3", "p4"])
    assert not match.evidence(topic, p3, None).matches  # pretrained language models
    assert match.evidence(topic, p4, None).matches


@pytest.mark.parametrize("text", ["visual question answering", "LLM watermarking",
                                  "protein language models", "watermarks", "VQA tables",
                                  "fine-tune models on citations", "language"])
def test_matching_skips_only_papers_that_cannot_match(filled: Store, text: str) -> None:
    """matching() rejects papers by their set of stems before reading them in order; it
    must claim exactly the papers the full evidence says match."""
    topic = match.prepare(filled, text)
    papers = filled.get_papers([p.id for p in PAPERS])
    by_evidence = {p.id for p in papers if match.evidence(topic, p, None).matches}
    assert match.matching(filled, topic, papers) == by_evidence
    assert by_evidence  # each topic here fits some paper, so the check is not vacuous
