"""/map, its data and overlays, cluster pages, /trends and the charts, on both backends."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import numpy as np
from fastapi.testclient import TestClient

from mapkit import END, MODEL, make_corpus
from paperfeed.index.mapbuild import build_map
from paperfeed.rank import trends
from paperfeed.store import Store
from readerkit import sign_in_as

HTML = {"accept": "text/html"}


def _mapped(store: Store) -> list[str]:
    ids = sorted(p.id for p in make_corpus(store, per_topic=20))
    build_map(store, MODEL, now=END)
    return ids


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_without_a_map_the_page_says_how_to_build_one(client: TestClient) -> None:
    page = client.get("/map", headers=HTML)
    assert page.status_code == 200 and "paperfeed map build" in page.text
    assert client.get("/map/data.json").status_code == 404
    assert "No papers" in client.get("/trends", headers=HTML).text


def test_the_map_page_lists_clusters_with_links_without_script(client: TestClient,
                                                              store: Store) -> None:
    _mapped(store)
    page = client.get("/map", headers=HTML)
    assert page.status_code == 200
    clusters = store.map_clusters()
    for c in clusters:
        assert f'href="/map/clusters/{c.id}"' in page.text and c.label in page.text
    # the canvas and its controls stay hidden until the script shows them; scripts come
    # from /static only
    assert re.search(r'<figure class="map-figure" id="map-figure" hidden>', page.text)
    assert all(src.startswith("/static/") for src in
               re.findall(r'<script[^>]*src="([^"]+)"', page.text))
    assert "script-src 'self'" in page.headers["content-security-policy"]
    cluster = client.get(f"/map/clusters/{clusters[0].id}", headers=HTML)
    assert cluster.status_code == 200 and clusters[0].label in cluster.text
    assert 'role="img"' in cluster.text and "<table" in cluster.text
    assert client.get("/map/clusters/999", headers=HTML).status_code == 404


def test_map_data_holds_every_point_quantised_and_gzipped(client: TestClient,
                                                         store: Store) -> None:
    ids = _mapped(store)
    response = client.get("/map/data.json", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    data = response.json()
    assert data["n"] == len(ids) and data["ids"].split("\n") == ids
    x = np.frombuffer(base64.b64decode(data["x"]), dtype="<u2")
    assert len(x) == len(ids) and x.min() == 0 and x.max() == 65535
    points = {p.paper_id: p for p in store.map_points()}
    low, high = data["box"][0], data["box"][2]
    for i in (0, len(ids) // 2):  # a step of the grid is the only error
        assert abs(low + x[i] / 65535 * (high - low) - points[ids[i]].x) <= (high - low) / 65535
    cluster = np.frombuffer(base64.b64decode(data["cluster"]), dtype=np.uint8)
    assert [int(c) for c in cluster[:5]] == [points[i].cluster for i in ids[:5]]
    assert {c["label"] for c in data["clusters"]} == {c.label for c in store.map_clusters()}
    tag = response.headers["etag"]
    again = client.get("/map/data.json", headers={"if-none-match": tag})
    assert again.status_code == 304
    # a rebuild is a new version: a new payload
    build_map(store, MODEL, now=END + timedelta(days=1))
    assert client.get("/map/data.json").headers["etag"] != tag


def test_overlays_mark_search_matches_similar_papers_and_saved_ones(client: TestClient,
                                                                   store: Store) -> None:
    ids = _mapped(store)
    found = client.get("/map/overlay.json", params={"q": "galaxy redshift telescope"}).json()
    assert found["ids"] and all(i.startswith("galaxies") for i in found["ids"][:10])
    page = client.get("/map", params={"q": "galaxy redshift telescope"}, headers=HTML)
    assert "papers match" in page.text and 'data-overlay="/map/overlay.json?q=' in page.text
    similar = client.get("/map/overlay.json", params={"similar": ids[0]}).json()["ids"]
    assert similar[0] == ids[0] and len(similar) > 1
    assert client.get("/map/overlay.json", params={"similar": "nope"}).status_code == 404
    assert client.get("/map/overlay.json", params={"mine": "saved"}).status_code == 401
    point = client.get("/map/point.json", params={"id": ids[0]}).json()
    assert point["id"] == ids[0] and point["title"]


def test_trends_rank_the_rising_topic_first_with_charts_and_tables(client: TestClient,
                                                                  store: Store) -> None:
    _mapped(store)  # qubits: most of their papers in the last four weeks
    page = client.get("/trends", headers=HTML)
    assert page.status_code == 200
    text = _text(page.text)
    rising = page.text[page.text.index("Rising clusters"):]
    first = re.search(r'<th scope="row"><a href="/map/clusters/(\d+)">', rising)
    assert first is not None
    qubit = [p.cluster for p in store.map_points() if p.paper_id.startswith("qubits")]
    assert int(first.group(1)) == max(set(qubit), key=qubit.count)
    assert "Rising categories" in text and "x.qub" in text
    svg = re.search(r'<svg class="chart"[^>]*aria-label="([^"]+)"', page.text)
    assert svg is not None and "in the last 4 weeks" in svg.group(1)
    category = client.get("/trends", params={"category": "x.gal"}, headers=HTML)
    assert "Papers in x.gal per month" in category.text and "<table" in category.text
    query = client.get("/trends", params={"q": "qubit entanglement"}, headers=HTML)
    assert "matching “qubit entanglement”" in query.text and 'role="img"' in query.text


def test_a_papers_page_shows_its_votes_over_time(client: TestClient, store: Store) -> None:
    ids = _mapped(store)
    assert "Votes per week" not in client.get(f"/papers/{ids[0]}", headers=HTML).text
    reader = store.get_or_create_reader("a@example.org")
    store.toggle_vote(reader, ids[0])
    page = client.get(f"/papers/{ids[0]}", headers=HTML).text
    assert "Votes per week" in page and "1 vote in the last 26 weeks" in page
    assert f'/map?similar={ids[0]}' in page


def test_weekly_counts_growth_and_new_series() -> None:
    end = date(2026, 8, 21)
    rows = [(end, "a", 3), (end - timedelta(days=6), "a", 1), (end - timedelta(days=7), "a", 2),
            (end - timedelta(days=7 * 52), "a", 50), (end + timedelta(days=1), "a", 9)]
    counts = trends.weekly(rows, end)["a"]
    assert counts[-1] == 4 and counts[-2] == 2 and sum(counts) == 6
    assert trends.week_starts(end)[-1] == end - timedelta(days=6)
    steady = trends.Series("s", "s", (2,) * 52)
    jump = trends.Series("j", "j", (1,) * 48 + (6,) * 4)
    fresh = trends.Series("f", "f", (0,) * 44 + (3,) * 8)
    assert steady.growth == 1.0 and jump.growth > 2 and fresh.new and not steady.new
    assert [s.key for s in trends.rising([steady, jump, fresh])] == ["j", "f"]
    months = trends.monthly([date(2026, 8, 1), date(2026, 7, 31), date(2025, 8, 31)], end)
    assert months[-1] == (date(2026, 8, 1), 1) and months[-2] == (date(2026, 7, 1), 1)
    assert months[0] == (date(2025, 9, 1), 0) and len(months) == 12


def test_chart_text_is_escaped() -> None:
    from paperfeed.web.charts import line_chart, sparkline

    svg = str(line_chart([("<b>x</b>", [1, 2])], ["<i>", "w"], "a <script> b"))
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-label="1 &lt;&gt;"' in str(sparkline([1, 2], "1 <>"))


def test_a_signed_in_reader_sees_their_saved_papers_and_their_week_for_you(
        client: TestClient, store: Store) -> None:
    ids = _mapped(store)
    assert client.get("/map/overlay.json", params={"mine": "foryou"}).status_code == 401
    reader, _ = sign_in_as(client, store, "ada@example.org")
    liked = [i for i in ids if i.startswith("galaxies")][:3]
    for paper_id in liked:
        store.set_signal(reader, paper_id, "save")
    saved = client.get("/map/overlay.json", params={"mine": "saved"})
    assert sorted(saved.json()["ids"]) == sorted(liked)
    assert "private" in saved.headers["cache-control"]
    mine = client.get("/map/overlay.json", params={"mine": "foryou"}).json()["ids"]
    days = {p.id: p.day for p in store.get_papers(mine)}
    newest = max(p.day for p in store.get_papers(ids) if p.day)
    assert mine and not set(mine) & set(liked)
    assert all(newest - timedelta(days=6) <= days[i] <= newest for i in mine)
    assert 'id="map-foryou"' in client.get("/map", headers=HTML).text
    assert client.get("/map/overlay.json", params={"mine": "other"}).status_code == 422
