"""The reader's own model (rank/recommend.py) on a frozen corpus of real papers, on both
backends, with the static model's vectors stored (as a real instance has them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.models import Hit
from paperfeed.rank import personal
from paperfeed.rank.learn import DEFAULT, Params
from paperfeed.rank.recommend import Signals, UnknownPapers, recommend
from paperfeed.store import Store
from recommend_data import SINCE, UNTIL, seed, training, window


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    try:
        return load_embedder("minilm-static-256")
    except ImportError as exc:
        pytest.skip(f"embedding model not installed: {exc}")


def ranked(store: Store, signals: Signals, limit: int = 10,
           params: Params = DEFAULT) -> list[Hit]:
    return recommend(store, signals, since=SINCE, until=UNTIL, limit=limit,
                     embedder=load_embedder("minilm-static-256"), params=params)


def fields(hits: list[Hit]) -> list[str]:
    return [h.paper.categories[0] for h in hits]


def robotic(hit: Hit) -> bool:
    """About robots: in cs.RO, or saying so (a vision paper about SLAM counts)."""
    text = f"{hit.paper.title} {hit.paper.abstract}".lower()
    return "cs.RO" in hit.paper.categories or \
        any(w in text for w in ("robot", "slam", "navigation", "manipulat", "grasp"))


def astronomy(hit: Hit) -> bool:
    return any(c.startswith("astro-ph") for c in hit.paper.categories)


@pytest.fixture
def seeded(store: Store, embedder: Embedder) -> Store:
    seed(store)
    build_index(store, embedder)
    return store


@pytest.mark.parametrize("dense", ["cosine", "joint"])
def test_a_reader_who_likes_robotics_gets_robotics_papers_first(seeded: Store,
                                                                dense: str) -> None:
    hits = ranked(seeded, Signals(liked=tuple(training("robotics", 6))), limit=5,
                  params=Params(dense=dense))
    assert all(robotic(h) for h in hits)
    assert all(h.reason and h.reason.startswith("like ") for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_two_unrelated_interests_both_reach_the_top_ten(seeded: Store) -> None:
    liked = training("robotics", 6) + training("galaxies", 2)
    top = ranked(seeded, Signals(liked=tuple(liked)))
    assert sum(map(robotic, top)) >= 2 and sum(map(astronomy, top)) >= 2


def test_hiding_a_paper_removes_its_near_duplicates_lead(seeded: Store) -> None:
    liked = tuple(training("robotics", 6))
    lead = ranked(seeded, Signals(liked=liked), limit=1)[0].paper
    twin = replace(lead, id="twin-1", title=f"{lead.title} (extended version)")
    seeded.upsert_papers([twin])
    build_index(seeded, load_embedder("minilm-static-256"))
    before = [h.paper.id for h in ranked(seeded, Signals(liked=liked), limit=5)]
    assert {lead.id, twin.id} <= set(before)
    after = [h.paper.id for h in ranked(seeded, Signals(liked=liked, disliked=(lead.id,)),
                                        limit=20)]
    assert lead.id not in after and twin.id not in after
    assert len(after) == 20


def test_only_the_window_is_ranked_and_signals_never_come_back(seeded: Store) -> None:
    liked = (*training("robotics", 4), window("robotics")[0].id)
    disliked = (window("robotics")[1].id,)
    hits = ranked(seeded, Signals(liked=liked, disliked=disliked), limit=1000)
    days = {h.paper.day for h in hits}
    assert SINCE in days and UNTIL in days  # both ends included
    assert all(d is not None and SINCE <= d <= UNTIL for d in days)
    assert not {h.paper.id for h in hits} & (set(liked) | set(disliked))
    assert len(hits) == sum(len(window(f)) for f in ("robotics", "galaxies", "language",
                                                      "vision")) - 2


def test_unknown_ids_are_named(seeded: Store) -> None:
    with pytest.raises(UnknownPapers) as err:
        ranked(seeded, Signals(liked=(training("robotics", 1)[0], "9999.99999"),
                               disliked=("nope-1",)))
    assert err.value.ids == ("9999.99999", "nope-1")
    assert "9999.99999" in str(err.value) and "nope-1" in str(err.value)


def test_followed_authors_and_topics_give_their_reasons(seeded: Store) -> None:
    paper = window("galaxies")[3]
    author = paper.author_names[0]
    hits = ranked(seeded, Signals(authors=(author,), topics=("robot",)))
    assert hits[0].paper.id == paper.id and hits[0].reason == f"by {author}"
    topical = [h for h in hits if h.reason == "matches topic 'robot'"]
    assert topical and all("robot" in f"{h.paper.title} {h.paper.abstract}".lower()
                           for h in topical)


def test_categories_alone_give_the_newest_papers_of_those_categories(seeded: Store) -> None:
    hits = ranked(seeded, Signals(categories=("astro-ph.GA",)), limit=5)
    assert fields(hits) == ["astro-ph.GA"] * 5 and hits[0].paper.day == UNTIL
    assert ranked(seeded, Signals()) == []


def test_words_alone_when_there_are_no_vectors(store: Store) -> None:
    seed(store)
    hits = recommend(store, Signals(liked=tuple(training("robotics", 6))), since=SINCE,
                     until=UNTIL, limit=3)
    assert all(robotic(h) for h in hits)


def test_a_store_with_nothing_to_contrast_still_ranks(store: Store) -> None:
    """Every paper but the liked one is a candidate: no background, no hidden paper."""
    from datetime import timedelta

    from readerkit import topical_papers

    papers = topical_papers()
    store.upsert_papers(papers)
    until = max(p.published for p in papers if p.published).date()
    hits = recommend(store, Signals(liked=("protein-0",)), since=until - timedelta(days=6),
                     until=until, limit=3)
    assert hits and "protein-0" not in [h.paper.id for h in hits]
    assert hits[0].paper.id.startswith("protein-")


def age_papers(store: Store) -> None:
    """As if every paper had last changed long ago (their state settled)."""
    with store.writing() as conn:  # type: ignore[attr-defined]
        store.run(conn, "UPDATE papers SET modified_at = ?",  # type: ignore[attr-defined]
                  ("2024-01-02T00:00:00+00:00",))


def test_a_reader_feed_outlives_votes_and_follows_new_papers(
        seeded: Store, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another reader's vote shows in the counts without ranking again; a new paper in
    the window is ranked."""
    calls: list[int] = []

    def counted(*args: object, **kw: object) -> object:
        calls.append(1)
        return personal_ranking(*args, **kw)

    personal_ranking = personal.ranking
    monkeypatch.setattr(personal, "ranking", counted)
    reader = seeded.get_or_create_reader("ada@example.org")
    for pid in training("robotics", 6):
        seeded.set_signal(reader, pid, "save")
    age_papers(seeded)

    def feed() -> list[Hit]:
        signals = seeded.reader_signals(reader)
        assert signals is not None
        return personal.reader_feed(seeded, signals, since=SINCE, until=UNTIL, limit=5,
                                    embedder=embedder)

    first = feed()
    assert len(calls) == 1 and all(robotic(h) for h in first)
    seeded.toggle_vote(seeded.get_or_create_reader("bob@example.org"), first[0].paper.id)
    again = feed()
    assert len(calls) == 1
    assert [h.paper.id for h in again] == [h.paper.id for h in first]
    assert again[0].votes == first[0].votes + 1
    twin = replace(first[0].paper, id="twin-2", title=f"{first[0].paper.title} (v2)")
    seeded.upsert_papers([twin])
    build_index(seeded, embedder)
    assert "twin-2" in [h.paper.id for h in feed()] and len(calls) == 2
