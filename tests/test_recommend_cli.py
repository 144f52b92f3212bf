"""The `paperfeed recommend` contract: repeated options, JSON shape best first, the window
inclusive, signals never listed, unknown ids named; on both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from paperfeed.store import Store
from recommend_data import SINCE, UNTIL, seed, training, window


def run(database_url: str, *args: str) -> Result:
    env = {"PAPERFEED_DATABASE_URL": database_url, "PAPERFEED_CONFIG": None}
    return CliRunner().invoke(main, ["recommend", *args], env=env, catch_exceptions=False)


def window_args() -> list[str]:
    return ["--since", SINCE.isoformat(), "--until", UNTIL.isoformat()]


@pytest.fixture
def seeded(store: Store, database_url: str) -> str:
    seed(store)
    return database_url


def test_json_is_ranked_papers_with_reasons(seeded: str) -> None:
    liked = training("robotics", 3)
    result = run(seeded, *[a for pid in liked for a in ("--like", pid)], "--limit", "4",
                 "--json", *window_args())
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 4
    assert all(set(row) == {"id", "title", "score", "reason"} for row in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all(r["reason"].startswith("like ") for r in rows)


def test_window_is_inclusive_and_signals_are_never_listed(seeded: str) -> None:
    liked = [*training("galaxies", 2), window("galaxies")[0].id]
    disliked = [window("robotics")[0].id, window("robotics")[1].id]
    args = [a for pid in liked for a in ("--like", pid)]
    args += [a for pid in disliked for a in ("--dislike", pid)]
    result = run(seeded, *args, "--topic", "robot", "--category", "cs.RO",
                 "--category", "astro-ph.GA", "--limit", "1000", "--json", *window_args())
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in json.loads(result.stdout)]
    expected = {p.id for f in ("robotics", "galaxies", "language", "vision") for p in window(f)
                if {"cs.RO", "astro-ph.GA"} & set(p.categories)}
    assert set(ids) == expected - set(liked) - set(disliked)


def test_one_day_window(seeded: str) -> None:
    day = [p for f in ("robotics", "galaxies", "language", "vision") for p in window(f)
           if p.day == UNTIL and "cs.CV" in p.categories]
    result = run(seeded, "--like", training("vision", 1)[0], "--category", "cs.CV",
                 "--since", UNTIL.isoformat(), "--until", UNTIL.isoformat(), "--json",
                 "--limit", "100")
    assert {r["id"] for r in json.loads(result.stdout)} == {p.id for p in day}


def test_unknown_ids_are_named_and_fail(seeded: str) -> None:
    result = run(seeded, "--like", training("robotics", 1)[0], "--like", "2999.00001",
                 "--dislike", "no-such-paper", *window_args())
    assert result.exit_code != 0
    assert "2999.00001" in result.output and "no-such-paper" in result.output


def test_a_table_without_json_and_a_backwards_window_refused(seeded: str) -> None:
    table = run(seeded, "--like", training("robotics", 1)[0], *window_args())
    assert table.exit_code == 0 and "like " in table.stdout
    backwards = run(seeded, "--like", training("robotics", 1)[0],
                    "--since", UNTIL.isoformat(), "--until", SINCE.isoformat())
    assert backwards.exit_code == 2 and "--until" in backwards.output
