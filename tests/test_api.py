"""Our own JSON API under /api/v1, served by the real app in-process."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api_papers import BY_ID, NEWEST_DAY, seed
from paperfeed.store import Store


@pytest.fixture
def seeded(client: TestClient, store: Store) -> TestClient:
    seed(store, votes={"2401.00001": 2, "2401.00003": 1})
    return client


def ids(response_json: dict[str, object]) -> list[str]:
    items = response_json["items"]
    assert isinstance(items, list)
    return [item["id"] for item in items]


def test_one_paper_has_every_field_and_its_votes(seeded: TestClient) -> None:
    body = seeded.get("/api/v1/papers/2401.00001").json()
    paper = BY_ID["2401.00001"]
    assert body["title"] == paper.title and body["abstract"] == paper.abstract
    assert body["authors"] == [{"name": "Ada Lovelace", "affiliation": "Engines Ltd"},
                               {"name": "Alan Turing", "affiliation": None}]
    assert body["categories"] == ["cs.LG", "cs.CL"] and body["day"] == "2024-01-02"
    assert body["published"].startswith("2024-01-01T18:00:00")
    assert body["votes"] == 2 and body["upstream_upvotes"] == 5
    assert body["page_url"] == "http://127.0.0.1:8000/papers/2401.00001"
    assert body["code_urls"] == ["https://github.com/org/sparse"]


def test_old_style_ids_with_a_slash_work(seeded: TestClient) -> None:
    assert seeded.get("/api/v1/papers/hep-th/9901001").json()["title"] == "Strings of old"


def test_unknown_paper_is_404_with_a_message(seeded: TestClient) -> None:
    response = seeded.get("/api/v1/papers/9999.99999")
    assert response.status_code == 404
    assert "9999.99999" in response.json()["detail"]


def test_listing_defaults_to_the_newest_day(seeded: TestClient) -> None:
    body = seeded.get("/api/v1/papers").json()
    assert ids(body) == ["2401.00003"]
    assert body["period"] == {"kind": "day", "start": "2024-01-03", "end": "2024-01-03"}
    assert NEWEST_DAY.isoformat() == body["period"]["start"]


def test_listing_by_day_week_and_month(seeded: TestClient) -> None:
    day = seeded.get("/api/v1/papers", params={"date": "2024-01-02", "sort": "date"}).json()
    assert sorted(ids(day)) == ["2401.00001", "2401.00002"]
    week = seeded.get("/api/v1/papers", params={"week": "2024-W01"}).json()
    assert ids(week)[0] == "2401.00001"  # most votes trends first
    assert set(ids(week)) == {"2401.00001", "2401.00002", "2401.00003"}
    month = seeded.get("/api/v1/papers", params={"month": "2023-12"}).json()
    assert ids(month) == ["seed-hostile"]


def test_pages_follow_with_next_offset(seeded: TestClient) -> None:
    first = seeded.get("/api/v1/papers", params={"week": "2024-W01", "limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = seeded.get("/api/v1/papers", params={"week": "2024-W01", "limit": 2,
                                                "offset": 2}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    assert not set(ids(first)) & set(ids(rest))


@pytest.mark.parametrize(("params", "message"), [
    ({"limit": 0}, "limit: must be an integer from 1 to 100"),
    ({"limit": 101}, "limit: must be an integer from 1 to 100"),
    ({"limit": "ten"}, "limit: must be an integer from 1 to 100"),
    ({"offset": -1}, "offset: must be an integer from 0 to 10000"),
    ({"week": "2024-W53"}, "there is no ISO week 53 in 2024"),
    ({"week": "2024-W60"}, "week: String should match pattern"),
    ({"week": "2024-01"}, "week: String should match pattern"),
    ({"month": "2024-13"}, "month: String should match pattern"),
    ({"month": "0000-01"}, "there is no month 0-01"),
    ({"date": "2024-02-30"}, "date: "),
    ({"date": "2024-01-02", "month": "2024-01"}, "at most one of date, week and month"),
])
def test_bad_parameters_get_422_naming_what_is_allowed(seeded: TestClient,
                                                       params: dict[str, object],
                                                       message: str) -> None:
    response = seeded.get("/api/v1/papers", params=params)
    assert response.status_code == 422
    assert message in " | ".join(e["msg"] for e in response.json()["detail"])


def test_search_finds_papers_with_filters_and_exclusions(seeded: TestClient) -> None:
    found = seeded.get("/api/v1/search", params={"q": "attention", "mode": "keyword"}).json()
    assert ids(found)[0] == "2401.00001" and found["total"] >= 1
    assert found["mode"] == "keyword" and "attention" in found["terms"]
    models = seeded.get("/api/v1/search", params={"q": "models", "mode": "keyword"}).json()
    assert {"2401.00002", "2401.00003"} <= set(ids(models))
    excluded = seeded.get("/api/v1/search", params={"q": "models -diffusion",
                                                    "mode": "keyword"}).json()
    assert "2401.00002" not in ids(excluded) and "2401.00003" in ids(excluded)
    in_cat = seeded.get("/api/v1/search", params={"q": "models", "mode": "keyword",
                                                  "category": "q-bio.BM"}).json()
    assert ids(in_cat) == ["2401.00002"]
    with_code = seeded.get("/api/v1/search", params={"q": "attention sparse models",
                                                     "has_code": "true"}).json()
    assert ids(with_code) == ["2401.00001"]


def test_search_refuses_hostile_input_with_4xx(seeded: TestClient) -> None:
    long = seeded.get("/api/v1/search", params={"q": "x" * 501})
    assert long.status_code == 422
    assert long.json()["detail"][0]["msg"] == "q: at most 500 characters"
    bad_cat = seeded.get("/api/v1/search", params={"q": "x", "category": "cs.LG'; DROP"})
    assert bad_cat.status_code == 422 and "category" in bad_cat.text
    odd = seeded.get("/api/v1/search", params={"q": 'NEAR( "unbalanced * OR -'})
    assert odd.status_code == 200


def test_semantic_search_without_a_model_says_it_used_keywords(seeded: TestClient) -> None:
    body = seeded.get("/api/v1/search", params={"q": "attention", "mode": "semantic"}).json()
    assert body["mode"] in ("keyword", "semantic")
    assert ids(body)[0] == "2401.00001"


def test_trending_ranks_voted_papers_first(client: TestClient, store: Store) -> None:
    seed(store, votes={"2401.00002": 3, "2401.00003": 1})
    body = client.get("/api/v1/trending", params={"days": 90000}).json()
    assert body["detail"][0]["msg"] == "days: must be an integer from 1 to 90"
    body = client.get("/api/v1/trending").json()
    assert ids(body)[:2] == ["2401.00002", "2401.00003"]
    assert body["items"][0]["votes"] == 3


def test_similar_papers_exclude_the_paper_itself(seeded: TestClient) -> None:
    body = seeded.get("/api/v1/papers/2401.00003/similar", params={"limit": 3}).json()
    assert "2401.00003" not in ids(body)
    assert seeded.get("/api/v1/papers/nope/similar").status_code == 404


def test_lists_answer_conditional_requests_with_304(seeded: TestClient, store: Store) -> None:
    week = {"week": "2024-W01", "sort": "date"}  # trending scores move with the clock
    first = seeded.get("/api/v1/papers", params=week)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = seeded.get("/api/v1/papers", params=week,
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = seeded.get("/api/v1/papers", params=week,
                       headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    store.toggle_vote(store.get_or_create_reader("new@example.org"), "2401.00002")
    changed = seeded.get("/api/v1/papers", params=week,
                         headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_read_only_endpoints_allow_any_origin(seeded: TestClient) -> None:
    got = seeded.get("/api/v1/papers", headers={"Origin": "https://elsewhere.example"})
    assert got.headers["access-control-allow-origin"] == "*"
    assert "ETag" in got.headers["access-control-expose-headers"]
    preflight = seeded.options("/api/v1/search", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    post = seeded.options("/api/v1/papers/2401.00001/vote", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert post.status_code == 403 and "access-control-allow-origin" not in post.headers
    page = seeded.get("/", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in page.headers


def csrf_token(client: TestClient) -> str:
    """The token a page's forms carry (its cookie stays in the client), as a browser gets it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert match is not None
    return match.group(1)


def test_voting_needs_a_signed_in_reader_and_a_csrf_token(seeded: TestClient) -> None:
    assert seeded.post("/api/v1/papers/2401.00001/vote").status_code == 403
    token = {"X-CSRF-Token": csrf_token(seeded)}
    anonymous = seeded.post("/api/v1/papers/2401.00001/vote", headers=token)
    assert anonymous.status_code == 401 and "sign in" in anonymous.json()["detail"]
    assert seeded.get("/api/v1/papers/2401.00001").json()["votes"] == 2


def test_a_signed_in_reader_toggles_a_vote(seeded: TestClient, store: Store) -> None:
    from paperfeed.web.auth import SESSION_COOKIE, Reader

    reader = Reader(store.get_or_create_reader("me@example.org"), "me@example.org")
    seeded.cookies.set(SESSION_COOKIE, seeded.app.state.auth.session_value(
        reader, store.session_epoch(reader.id) or 0))
    token = {"X-CSRF-Token": csrf_token(seeded)}
    first = seeded.post("/api/v1/papers/hep-th/9901001/vote", headers=token)
    assert first.json() == {"paper_id": "hep-th/9901001", "voted": True, "votes": 1}
    second = seeded.post("/api/v1/papers/hep-th/9901001/vote", headers=token)
    assert second.json() == {"paper_id": "hep-th/9901001", "voted": False, "votes": 0}
    assert seeded.post("/api/v1/papers/nope/vote", headers=token).status_code == 404


def test_openapi_describes_the_api_and_docs_load_nothing_from_elsewhere(
        seeded: TestClient) -> None:
    spec = seeded.get("/openapi.json").json()
    for path in ("/api/v1/papers", "/api/v1/search", "/api/daily_papers",
                 "/api/papers/search", "/feeds/search.{fmt}"):
        assert path in spec["paths"]
    page = seeded.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources)
    for source in sources:
        assert seeded.get(source).status_code == 200
    assert "validatorUrl: null" in seeded.get("/docs/init.js").text
