"""Keyword search end to end on a real store: ranking, syntax, filters, sorts, spelling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.index.build import refresh_vocabulary
from paperfeed.index.keyword_index import keyword_index_for, update_keyword_index
from paperfeed.models import Author, Paper
from paperfeed.rank import search as rank_search
from paperfeed.rank.query import parse_query
from paperfeed.rank.search import SearchFilters, search
from paperfeed.store import Store
from paperfeed.store.base import TextQuery


def paper(pid: str, title: str, abstract: str, **kw: object) -> Paper:
    base = Paper(id=pid, title=title, abstract=abstract, authors=(Author("Ada Lovelace"),),
                 categories=("cs.LG",), published=datetime(2024, 3, 1, tzinfo=UTC))
    return replace(base, **kw)  # type: ignore[arg-type]


PAPERS = [
    paper("p1", "State space models for long sequences",
          "We study structured state space sequence models such as S4 and Mamba.",
          categories=("cs.LG", "stat.ML"), published=datetime(2024, 1, 5, tzinfo=UTC),
          code_urls=("https://github.com/state-spaces/mamba",)),
    paper("p2", "Attention is all you need",
          "Transformers replace recurrence with attention; long sequences are costly.",
          categories=("cs.CL",), published=datetime(2017, 6, 12, tzinfo=UTC),
          authors=(Author("Ashish Vaswani"), Author("Noam Shazeer"))),
    paper("p3", "Protein design with diffusion models",
          "Diffusion generates protein backbones; we design binders.",
          categories=("q-bio.BM",), published=datetime(2023, 7, 1, tzinfo=UTC)),
    paper("p4", "Protein design by inverse folding",
          "Inverse folding networks design protein sequences for a backbone.",
          categories=("q-bio.BM",), published=datetime(2022, 2, 2, tzinfo=UTC)),
    paper("p5", "In-context learning in transformers",
          "Transformers learn in context from examples given in the prompt; we study "
          "learning dynamics of attention.",
          categories=("cs.LG",), published=datetime(2024, 5, 5, tzinfo=UTC)),
]


@pytest.fixture(params=["database", "keyword index"])
def filled(store: Store, request: pytest.FixtureRequest) -> Store:
    """The papers, searched through the database's full text or through the keyword index
    (which a big archive has): every behaviour below holds with both."""
    store.upsert_papers(PAPERS)
    refresh_vocabulary(store)
    if request.param == "keyword index":
        assert update_keyword_index(store, threshold=0) == len(PAPERS)
        assert keyword_index_for(store) is not None
    return store


def ids(store: Store, query: str, **kw: object) -> list[str]:
    return [h.paper.id for h in search(store, query, mode="keyword", **kw).hits]  # type: ignore[arg-type]


def test_title_matches_rank_above_abstract_matches(filled: Store) -> None:
    assert ids(filled, "attention")[0] == "p2"
    assert ids(filled, "long sequences")[0] == "p1"


def test_result_carries_total_terms_and_votes(filled: Store) -> None:
    result = search(filled, "protein design", mode="keyword")
    assert {h.paper.id for h in result.hits} == {"p3", "p4"}
    assert result.total == 2
    assert result.terms == ("protein", "design")
    assert all(h.votes == 0 and h.score > 0 for h in result.hits)


def test_exclusions_phrases_and_fields(filled: Store) -> None:
    assert ids(filled, "protein design -diffusion") == ["p4"]
    assert ids(filled, 'protein "inverse folding"') == ["p4"]
    assert ids(filled, "author:vaswani transformers") == ["p2"]
    assert set(ids(filled, "cat:q-bio protein")) == {"p3", "p4"}
    assert ids(filled, "transformers year:2024") == ["p5"]


def test_filters_only_list_newest_first(filled: Store) -> None:
    assert ids(filled, "cat:cs.LG") == ["p5", "p1"]
    assert ids(filled, "", filters=SearchFilters(has_code=True)) == ["p1"]
    assert ids(filled, "") == []


def test_filters_from_the_page(filled: Store) -> None:
    f = SearchFilters(categories=("q-bio.BM",), date_from=date(2023, 1, 1))
    assert ids(filled, "protein design", filters=f) == ["p3"]
    assert ids(filled, "transformers", filters=SearchFilters(date_to=date(2020, 1, 1))) == ["p2"]


def test_sort_by_date_and_by_votes(filled: Store) -> None:
    assert ids(filled, "transformers", sort="date") == ["p5", "p2"]
    reader = filled.get_or_create_reader("a@example.org")
    filled.toggle_vote(reader, "p4")
    assert ids(filled, "protein design", sort="votes")[0] == "p4"
    assert search(filled, "protein design", sort="votes").hits[0].votes == 1


def test_paging(filled: Store) -> None:
    everything = ids(filled, "design OR transformers OR sequences", limit=10)
    assert len(everything) == 5
    assert ids(filled, "design OR transformers OR sequences", limit=2, offset=2) == \
        everything[2:4]


def test_misspelled_words_are_corrected(filled: Store) -> None:
    result = search(filled, "protien desing", mode="keyword")
    assert {h.paper.id for h in result.hits} == {"p3", "p4"}
    assert {"protein", "design"} <= set(result.terms)
    assert ids(filled, "tranformers in-context lerning")[0] == "p5"


def test_semantic_without_an_embedder_falls_back_to_keywords(filled: Store) -> None:
    assert search(filled, "attention", mode="semantic").hits[0].paper.id == "p2"


def test_bad_mode_is_refused(filled: Store) -> None:
    with pytest.raises(ValueError, match="mode"):
        search(filled, "x", mode="magic")


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(", "*", "OR", "AND NOT", "🦜🦜",
                                   "a" * 10_000, "(" * 500, '"" - -- -"', "col:", "author:",
                                   "^title", "{title}: x", "x NOT", "\x00", "year:99999"])
def test_hostile_queries_give_results_or_nothing(filled: Store, query: str) -> None:
    assert isinstance(search(filled, query, mode="keyword").hits, list)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_query_string_is_safe(filled: Store, query: str) -> None:
    result = search(filled, query, mode="keyword")
    assert result.total >= len(result.hits)


def test_words_next_to_each_other_outrank_the_same_words_apart(store: Store) -> None:
    store.upsert_papers([
        paper("apart", "Tasks we study", "Harmful content in many tasks; models fine-tuned."),
        paper("adjacent", "Tasks we study", "Harmful tasks in many settings; models fine-tuned."),
    ])
    refresh_vocabulary(store)
    assert ids(store, "harmful tasks") == ["adjacent", "apart"]


def test_a_spelled_out_method_finds_papers_that_use_its_acronym(store: Store) -> None:
    store.upsert_papers([
        paper("acronym", "Explaining similarity models", "We compose LRP explanations."),
        paper("words", "Relevance of layers", "Layer norms and propagation of relevance."),
        paper("other", "Unrelated", "Graph coloring."),
    ])
    refresh_vocabulary(store)
    found = ids(store, "layer-wise relevance propagation")
    assert "acronym" in found and "other" not in found


def test_initials_a_paper_defines_otherwise_do_not_outrank_the_words(store: Store) -> None:
    store.upsert_papers([
        paper("coincidence", "Traffic signs",
              "A benchmark of each functional structure unit (FSU) of a sign in a film; "
              "FSU graphs, FSU trees."),
        paper("described", "Rethinking cinematography",
              "A benchmark of each shot of a film, with fixed answer options."),
        paper("other", "Unrelated", "Graph coloring."),
    ])
    refresh_vocabulary(store)
    assert ids(store, "film shot understanding benchmark")[0] == "described"


DESCRIBED = [
    paper("d1", "How chat systems translate idioms",
          "We annotate the errors of machine translation on idioms from Chinese, which are "
          "often rendered literally."),
    paper("d2", "Idioms", "Idioms and idioms: a corpus of idioms."),
    paper("d3", "Machine translation for Chinese news", "Translation quality of news."),
    paper("d4", "Errors in speech recognition", "A taxonomy of recognition errors."),
    paper("d5", "A benchmark of Chinese reading", "Chinese reading comprehension benchmark."),
    paper("d6", "Benchmark errors", "Label errors in a benchmark."),
]


def test_the_word_read_is_the_rarest_by_the_vocabulary_when_match_counts_are_capped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # In a big corpus both words are in more papers than match counts count (CROWD): only
    # the vocabulary's counts tell that "beta" is the cheaper and more telling list to read.
    monkeypatch.setattr(rank_search, "READ_BUDGET", 10)
    capped = {"alpha": rank_search.CROWD + 1, "beta": rank_search.CROWD + 1}
    known = {"alpha": 500_000, "beta": 30_000}
    tq = rank_search.text_query(parse_query("alpha beta"), SearchFilters(), {}, known, capped)
    assert tq.any_of == (("beta",),)


def test_a_description_finds_the_paper_with_most_of_its_words_when_only_the_rarest_is_read(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.upsert_papers(DESCRIBED)
    refresh_vocabulary(store)
    monkeypatch.setattr(rank_search, "READ_BUDGET", 2)  # as if the other words were in millions
    read: list[TextQuery] = []
    keyword_search = store.keyword_search
    monkeypatch.setattr(store, "keyword_search",
                        lambda tq, **kw: read.append(tq) or keyword_search(tq, **kw))
    # "benchmark" is in no paper about idioms: requiring every common word would find nothing
    found = ids(store, "Chinese idioms machine translation errors benchmark")
    assert found[0] == "d1"
    assert [tq.any_of for tq in read] == [(("idioms",),)]  # one short list read, not six
