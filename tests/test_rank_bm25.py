"""Scoring candidates with every query word (rank/bm25.py): stems, title weight, pairs."""

from __future__ import annotations

from paperfeed.rank.bm25 import scores

COUNTS = {"translation": 50, "idioms": 5, "photos": 40, "harmful": 10, "tasks": 200}


def test_words_match_by_stem_not_by_prefix() -> None:
    found = scores({"a": ("Translating idioms", "An idiom translated."),
                    "b": ("Photon counting", "Photonic photons."),
                    "c": ("Photo editing", "Edit photos.")},
                   ["translation", "idioms", "photos"], COUNTS, 1000)
    assert found["a"] > found["c"] > 0
    assert found["b"] == 0.0  # "photon" is not a form of "photos"


def test_rarer_words_and_title_words_weigh_more() -> None:
    found = scores({"rare": ("x", "idioms here"), "common": ("x", "translation here"),
                    "title": ("idioms", "here too")},
                   ["translation", "idioms"], COUNTS, 1000)
    assert found["title"] > found["rare"] > found["common"] > 0


def test_words_typed_together_score_more_together() -> None:
    texts = {"together": ("x", "harmful tasks, ideas and tasks are harmful"),
             "apart": ("x", "harmful ideas, tasks and tasks are harmful")}
    found = scores(texts, ["harmful", "tasks"], COUNTS, 1000, pairs=[("harmful", "tasks")])
    assert found["together"] > found["apart"]
    plain = scores(texts, ["harmful", "tasks"], COUNTS, 1000)
    assert plain["together"] == plain["apart"]


def test_accents_and_case_are_folded_and_nothing_matches_nothing() -> None:
    found = scores({"a": ("SCHRÖDINGER bridges", ""), "b": ("", "")},
                   ["schrodinger"], {"schrodinger": 3}, 100)
    assert found["a"] > 0 and found["b"] == 0.0
    assert scores({"a": ("t", "x")}, [], {}, 10) == {"a": 0.0}
