"""Scoring candidates with every query word (rank/bm25.py): stems, title weight, pairs."""

from __future__ import annotations

import json
import re

from conftest import SAMPLE
from paperfeed.rank import bm25
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


def test_words_are_found_where_a_word_boundary_regex_finds_them() -> None:
    """The string search finds the same words as r"\b(?:prefix|...)[^\\W_]*": at a word's
    start only (not inside "interest", not after an underscore), to the word's end, once
    where prefixes overlap, digits kept, at the text's start and end."""
    texts = ["rest interest rests_rest _rest rest2 re-rest; restful", "model models remodel",
             "modelling model_x mod modeling", "a b ab ba", "", "rest"]
    records = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    texts += [f"{r['title']} {r['abstract']}".lower() for r in records]
    for words in (["rest"], ["model", "mod"], ["modelling", "models"], ["a", "ab"],
                  ["language", "models", "large", "agents", "safety"]):
        prefixes, _ = bm25._prefixes(words)
        regex = re.compile(r"\b(?:" + "|".join(sorted(prefixes, key=len, reverse=True)) +
                           r")[^\W_]*")
        for text in texts:
            assert bm25._found(text, prefixes) == [m.span() for m in regex.finditer(text)]
