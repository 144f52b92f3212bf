"""The signed-in reader's API: signals on papers, the feed, saved papers (both backends)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperfeed.store import Store
from readerkit import JSON, sign_in_as, topical_papers


@pytest.fixture
def web(client: TestClient, store: Store) -> TestClient:
    store.upsert_papers(topical_papers())
    return client


@pytest.mark.parametrize("kind", ["save", "hide", "more", "less"])
def test_a_signal_is_set_and_cleared(web: TestClient, store: Store, kind: str) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    headers = JSON | {"X-CSRF-Token": token}
    set_ = web.post(f"/api/v1/papers/robot-1/{kind}", headers=headers)
    assert set_.status_code == 200, set_.text
    assert set_.json() == {"paper_id": "robot-1", "kind": kind, "on": True, "changed": True,
                           "signals": [kind]}
    assert store.signal_states(reader, ["robot-1"]) == {"robot-1": {kind}}
    cleared = web.delete(f"/api/v1/papers/robot-1/{kind}", headers=headers)
    assert cleared.json()["on"] is False and cleared.json()["signals"] == []
    assert store.signal_states(reader, ["robot-1"]) == {}


def test_signals_need_a_session_the_csrf_header_and_a_known_paper(web: TestClient,
                                                                  store: Store) -> None:
    anonymous = web.post("/api/v1/papers/robot-1/save", headers=JSON)
    assert anonymous.status_code == 403  # no CSRF token
    _, token = sign_in_as(web, store, "ada@example.org")
    assert web.post("/api/v1/papers/robot-1/save", headers=JSON).status_code == 403
    missing = web.post("/api/v1/papers/2401.99999/hide", headers=JSON | {"X-CSRF-Token": token})
    assert missing.status_code == 404 and "2401.99999" in missing.json()["detail"]
    web.cookies.delete("pf_session")
    signed_out = web.post("/api/v1/papers/robot-1/save", headers=JSON | {"X-CSRF-Token": token})
    assert signed_out.status_code == 401


def test_my_feed_follows_my_saved_papers_and_never_shows_a_hidden_one(
        web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    headers = JSON | {"X-CSRF-Token": token}
    for pid in ("robot-0", "robot-1"):
        web.post(f"/api/v1/papers/{pid}/save", headers=headers)
    web.post("/api/v1/papers/robot-2/hide", headers=headers)
    feed = web.get("/api/v1/me/for-you?days=7&limit=5", headers=JSON)
    assert feed.status_code == 200, feed.text
    body = feed.json()
    ids = [item["id"] for item in body["items"]]
    assert ids and ids[0].startswith("robot-"), ids
    assert "robot-2" not in ids and "robot-0" not in ids and "robot-1" not in ids
    assert all(item["reason"] for item in body["items"])
    assert body["signals"] == 3
    assert web.get("/api/v1/me/for-you?days=31", headers=JSON).status_code == 422


def test_my_saved_papers_list_their_updates(web: TestClient, store: Store) -> None:
    from dataclasses import replace

    _, token = sign_in_as(web, store, "ada@example.org")
    web.post("/api/v1/papers/protein-1/save", headers=JSON | {"X-CSRF-Token": token})
    [paper] = store.get_papers(["protein-1"])
    store.upsert_papers([replace(paper, version=2, doi="10.1234/fold")])
    saved = web.get("/api/v1/me/saved", headers=JSON).json()["items"]
    assert [s["paper"]["id"] for s in saved] == ["protein-1"]
    assert saved[0]["updates"] == ["new version v2", "DOI 10.1234/fold"]


def test_my_endpoints_need_a_session(web: TestClient) -> None:
    assert web.get("/api/v1/me/saved", headers=JSON).status_code == 401
    assert web.get("/api/v1/me/for-you", headers=JSON).status_code == 401
