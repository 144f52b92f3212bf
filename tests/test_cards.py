"""Richer cards: the extractive summary, keyphrases, project page, stars and submitter,
derived by `paperfeed index`, on the pages and through the real huggingface_hub client."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_papers import HOSTILE_TITLE, PAPERS, seed
from paperfeed.index.cards import keyphrases, one_line, project_page, sentences, summary
from paperfeed.index.derive import derive_cards
from paperfeed.models import Author, Paper
from paperfeed.store import Store
from test_api_hf import hf, live_url, no_internet  # noqa: F401  (fixtures)

ABSTRACT = ("Large language models have recently shown remarkable abilities, e.g. in "
            "translation. However, their reasoning remains brittle and poorly understood. "
            "In this paper, we propose Chain-of-Sketch, a prompting method that lets models "
            "draw intermediate diagrams before answering. Experiments on five benchmarks show "
            "gains of 12% over strong baselines.")


def test_the_summary_is_the_contribution_sentence_not_the_background() -> None:
    assert sentences(ABSTRACT)[0].endswith("e.g. in translation.")  # e.g. ends nothing
    assert summary(ABSTRACT) == ("In this paper, we propose Chain-of-Sketch, a prompting method "
                                 "that lets models draw intermediate diagrams before answering.")
    assert summary("") is None
    long = "We show that " + "very " * 80 + "long sentences are cut."
    assert len(one_line(long)) <= 240 and one_line(long).endswith("…")
    assert one_line("We show $" + "x" * 300 + "$ holds.").count("$") % 2 == 0


def test_keyphrases_are_telling_and_distinct() -> None:
    def idf(word: str) -> float:
        return 1.0 if word in {"models", "method", "language"} else 5.0

    found = keyphrases("Chain-of-Sketch prompting for diagram reasoning", ABSTRACT, idf)
    assert 3 <= len(found) <= 5
    assert found[0].lower().startswith("chain-of-sketch")
    assert all(w not in {"we", "propose", "paper", "the"} for k in found for w in k.split())
    words = [w for k in found for w in k.lower().split()]
    assert len(words) == len(set(words))  # no phrase repeats another's words


def test_project_page_is_a_site_not_a_repository() -> None:
    paper = Paper(id="x", title="t", abstract="a", code_urls=(
        "https://github.com/ada/engine", "https://ada.github.io/engine"))
    assert project_page(paper) == "https://ada.github.io/engine"
    assert project_page(replace(paper, code_urls=paper.code_urls[:1])) is None


def test_index_derives_each_paper_once_and_again_when_it_changes(store: Store) -> None:
    seed(store)
    assert store.count_pending_cards() == len(PAPERS)
    assert derive_cards(store, deadline=time.monotonic()) == 0  # no time left: none now
    assert derive_cards(store) == len(PAPERS)
    assert derive_cards(store) == 0
    card = store.cards(["2401.00003"])["2401.00003"]
    assert card.summary == "A state space model for language with linear time."
    store.upsert_papers([replace(PAPERS[2], version=2, abstract="We propose a faster model.")])
    assert derive_cards(store) == 1
    assert store.cards(["2401.00003"])["2401.00003"].summary == "We propose a faster model."


def test_cards_show_summary_keyphrases_stars_and_project_page(store: Store,
                                                              client: TestClient) -> None:
    seed(store)
    store.upsert_papers([replace(PAPERS[0], github_stars=321, code_urls=(
        "https://github.com/org/sparse", "https://org.github.io/sparse"))])
    derive_cards(store)
    page = client.get("/weekly/2024-W01").text
    assert 'title="Extractive: the abstract' in page and "Extractive summary" in page
    assert "We make attention sparse." in page
    assert 'class="kp" href="/search?q=%22' in page
    assert "★ 321" in page and 'href="https://org.github.io/sparse"' in page
    assert 'href="/authors/Ada%20Lovelace"' in page
    paper = client.get("/papers/2401.00001").text
    assert "Extractive summary" in paper and 'href="/authors/Alan%20Turing"' in paper


def test_hostile_text_stays_escaped_on_cards(store: Store, client: TestClient) -> None:
    hostile = Paper(id="evil", title=HOSTILE_TITLE, authors=(Author("<img src=x>"),),
                    abstract="We propose <script>alert(1)</script> as a method for "
                             "<b>bold</b> keyphrase extraction attacks.",
                    published=datetime(2024, 2, 1, tzinfo=UTC), source="jsonl")
    store.upsert_papers([hostile])
    derive_cards(store)
    page = client.get("/daily/2024-02-01").text
    assert "<script>alert(1)" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.usefixtures("no_internet")
def test_huggingface_hub_reads_summary_keywords_project_page_and_submitter(
        store: Store, hf: Any) -> None:  # noqa: F811 (the fixture imported above)
    seed(store)
    store.upsert_papers([replace(PAPERS[2], code_urls=("https://gh.github.io/ssm",))])
    derive_cards(store)
    reader = store.get_or_create_reader("grace@example.org")
    store.add_submission("2401.00003", date(2024, 1, 9), reader_id=reader,
                         display_name="grace", now=datetime(2024, 1, 9, 10, tzinfo=UTC))
    info = hf.paper_info("2401.00003")
    assert info.ai_summary == "A state space model for language with linear time."
    assert info.ai_keywords and info.project_page == "https://gh.github.io/ssm"
    assert info.submitted_by is not None and info.submitted_by.username == "grace"
    assert hf.paper_info("2401.00001").ai_keywords == ["attention"]  # Hugging Face's kept
    listed = list(hf.list_daily_papers(date="2024-01-09"))
    assert [p.id for p in listed] == ["2401.00003"]
    assert listed[0].submitted_by.username == "grace"
    assert listed[0].ai_summary == info.ai_summary
    assert listed[0].project_page == "https://gh.github.io/ssm"
    assert listed[0].submitted_at == datetime(2024, 1, 9, 10, tzinfo=UTC)
