"""Fusion is pure: convex min-max mixing keeps one side's clear winner near the top."""

from __future__ import annotations

from paperfeed.rank.fusion import convex, minmax, rrf


def test_minmax_scales_to_unit_range() -> None:
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"a": 7.0}) == {"a": 1.0}
    assert minmax({}) == {}


def test_weight_one_is_the_dense_order_and_zero_the_keyword_order() -> None:
    dense = {"a": 0.9, "b": 0.5, "c": 0.1}
    keyword = {"a": 0.0, "b": 1.0, "c": 9.0}
    assert [pid for pid, _ in convex(dense, keyword, weight=1.0)] == ["a", "b", "c"]
    assert [pid for pid, _ in convex(dense, keyword, weight=0.0)] == ["c", "b", "a"]


def test_a_dense_winner_missing_from_keyword_stays_on_top_unlike_rrf() -> None:
    dense = {"winner": 0.95, **{f"d{i}": 0.5 - i / 100 for i in range(40)}}
    keyword = {f"d{i}": 10.0 / (i + 1) for i in range(40)}  # BM25's long tail
    fused = [pid for pid, _ in convex(dense, keyword, weight=0.5)]
    assert fused.index("winner") <= 1
    by_rank = [pid for pid, _ in rrf([list(dense), list(keyword)])]
    assert by_rank.index("winner") > 30


def test_zscore_and_minmax_normalisations_agree_on_clear_cases() -> None:
    dense, keyword = {"a": 0.9, "b": 0.2}, {"a": 3.0}
    for normalise in ("zscore", "minmax"):
        assert convex(dense, keyword, weight=0.5, normalise=normalise)[0][0] == "a"


def test_ties_are_broken_by_dense_score_then_id() -> None:
    fused = convex({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}, weight=0.5)
    assert [pid for pid, _ in fused] == ["a", "b"]
