"""Author pages: one author under every spelling (accents, initials), newest first, with
co-authors and categories, the merged spellings shown, and other first names kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from paperfeed.index.authors import author_key, same_person
from paperfeed.index.derive import derive_cards
from paperfeed.models import Author, Paper
from paperfeed.store import Store


@pytest.mark.parametrize(("a", "b"), [("Balázs Kégl", "B. Kegl"), ("Yann LeCun", "LeCun, Yann"),
                                      ("Martin L. King Jr.", "M. King"),
                                      ("José  Hernández-Orallo", "J. Hernández-Orallo")])
def test_spellings_share_a_key(a: str, b: str) -> None:
    assert author_key(a) == author_key(b) != ""
    assert same_person(a, b)


def test_other_first_names_under_one_key_are_not_the_same_person() -> None:
    assert author_key("Wei Zhang") == author_key("Wen Zhang")
    assert not same_person("Wei Zhang", "Wen Zhang")
    assert same_person("W. Zhang", "Wen Zhang")
    assert author_key("") == author_key("—") == ""


def _paper(n: int, *names: str, cats: tuple[str, ...] = ("cs.LG",)) -> Paper:
    return Paper(id=f"2401.0000{n}", title=f"Paper number {n}", abstract="We study things.",
                 authors=tuple(Author(a) for a in names), categories=cats,
                 published=datetime(2024, 1, n, tzinfo=UTC), source="jsonl")


PAPERS = [_paper(1, "Balázs Kégl", "Ada Lovelace"), _paper(2, "B. Kegl", "Ada Lovelace",
                                                           cats=("stat.ML", "cs.LG")),
          _paper(3, "Balazs Kegl", "Alan Turing"), _paper(4, "Bela Kegl", "Grace Hopper"),
          _paper(5, "Ada Lovelace", "<script>alert(1)</script>")]


def test_the_store_answers_by_key_newest_first(store: Store) -> None:
    store.upsert_papers(PAPERS)
    derive_cards(store)
    profile = store.author_profile("b kegl")
    assert profile.paper_ids == ("2401.00004", "2401.00003", "2401.00002", "2401.00001")
    assert profile.total == 4
    assert dict(profile.spellings) == {"Balázs Kégl": 1, "B. Kegl": 1, "Balazs Kegl": 1,
                                       "Bela Kegl": 1}
    assert profile.coauthors[0] == ("a lovelace", "Ada Lovelace", 2)
    assert dict(profile.categories) == {"cs.LG": 4, "stat.ML": 1}
    only = store.author_profile("b kegl", names=["B. Kegl", "Balazs Kegl"], limit=1)
    assert only.paper_ids == ("2401.00003",) and only.total == 2


def test_the_page_merges_spellings_and_says_so(store: Store, client: TestClient) -> None:
    store.upsert_papers(PAPERS)
    derive_cards(store)
    page = client.get("/authors/Bal%C3%A1zs%20K%C3%A9gl")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Balázs Kégl</h1>" in text or "<h1>B. Kegl</h1>" in text
    assert "3 papers" in text and "3 spellings merged" in text
    assert text.index("Paper number 3") < text.index("Paper number 2") < \
        text.index("Paper number 1")
    assert "Paper number 4" not in text  # Bela is someone else ...
    assert 'href="/authors/Bela%20Kegl"' in text  # ... shown apart, one click away
    assert 'href="/authors/Ada%20Lovelace"' in text and "cs.LG" in text
    assert "/search?q=author%3A%22" in text
    lovelace = client.get("/authors/A.%20Lovelace").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in lovelace
    assert "<script>alert(1)</script>" not in lovelace
    assert client.get("/authors/Nobody%20Here").status_code == 404
    assert client.get("/authors/" + "x" * 300).status_code == 404
