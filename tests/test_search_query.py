"""The query parser: what each part of the syntax means, and that no string breaks it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.rank.query import MAX_WORDS, parse_query
from paperfeed.rank.search import without_crowds
from paperfeed.rank.spelling import best_correction, edit_distance
from paperfeed.store.base import TextQuery


def test_words_are_folded_and_stopwords_dropped() -> None:
    q = parse_query("The Théorie of Transformers")
    assert q.words == ("theorie", "transformers")
    assert q.text == "The Théorie of Transformers"


def test_a_query_of_stopwords_keeps_them() -> None:
    assert parse_query("to be or not").words == ("to", "be", "or", "not")


def test_quotes_make_a_phrase_and_minus_excludes() -> None:
    q = parse_query('"state space" models -diffusion -"image generation"')
    assert q.phrases == (("state", "space"),)
    assert q.words == ("models",)
    assert q.excluded == (("diffusion",), ("image", "generation"))
    assert "diffusion" not in q.text


def test_field_filters() -> None:
    q = parse_query('author:"Yann LeCun" cat:cs.LG year:2020-2022 convolution')
    assert q.authors == (("yann", "lecun"),)
    assert q.categories == ("cs.LG",)
    assert (q.year_from, q.year_to) == (2020, 2022)
    assert q.words == ("convolution",)
    assert q.has_filters


def test_single_year_and_open_ranges() -> None:
    assert (parse_query("year:2021").year_from, parse_query("year:2021").year_to) == (2021, 2021)
    assert parse_query("year:2021-").year_to is None
    assert parse_query("year:..2019").year_from is None
    assert parse_query("year:soon").year_from is None


def test_unknown_fields_and_foreign_operators_are_plain_words() -> None:
    q = parse_query('title:attention NEAR(foo bar) OR baz* AND "unbalanced')
    assert q.words == ("title", "attention", "near", "foo", "bar", "baz", "unbalanced")
    assert q.phrases == () and q.excluded == ()


def test_unbalanced_quote_runs_to_the_end() -> None:
    assert parse_query('graph "neural network').phrases == (("neural", "network"),)


def test_terms_to_highlight_include_phrase_words() -> None:
    assert parse_query('"in context" learning').terms == ("learning", "context")


def test_long_input_is_capped() -> None:
    q = parse_query(" ".join(f"word{i}x" for i in range(5000)))
    assert len(q.words) == MAX_WORDS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_string_parses(text: str) -> None:
    q = parse_query(text)
    for token in q.words + tuple(w for p in q.phrases + q.excluded for w in p):
        assert token.isalnum()


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("netwroks", "networks") == 1
    assert edit_distance("lerning", "learning") == 1
    assert edit_distance("abc", "xyz", limit=1) == 2


def test_correction_prefers_close_common_words_with_the_same_first_letter() -> None:
    candidates = [("learning", 500), ("leaning", 3), ("earning", 900)]
    assert best_correction("lerning", 0, candidates) == "learning"
    assert best_correction("sensor", 0, [("tensor", 100)]) is None
    assert best_correction("deap", 5, [("deep", 50)]) is None  # known word, not rare enough
    assert best_correction("deap", 1, [("deep", 50)]) == "deep"


def test_words_typed_next_to_each_other_become_pairs() -> None:
    parsed = parse_query('harmful tasks to fine-tune "quoted words" robust models -bad x y')
    assert ("harmful", "tasks") in parsed.pairs
    assert ("tasks", "fine") not in parsed.pairs  # a stopword sits between them
    assert ("fine", "tune") in parsed.pairs  # the halves of a hyphenated word
    assert ("tune", "robust") not in parsed.pairs  # a quoted phrase sits between them
    assert ("robust", "models") in parsed.pairs
    assert all("x" not in pair for pair in parsed.pairs)  # single letters are no content


def test_three_to_five_content_tokens_in_a_row_give_acronyms() -> None:
    assert parse_query("layer-wise relevance propagation").acronyms == ("lrp",)
    assert "ssm" in parse_query("state space models for sequences").acronyms
    assert parse_query("deep learning of models").acronyms == ()  # "of" breaks the run
    assert parse_query("the top hessian eigenvalue rises").acronyms == ("ther",)
    assert "the" not in parse_query("top hessian eigenvalue").acronyms  # stopwords never
    assert parse_query("a b").boosts == ()


def test_without_crowds_keeps_rare_groups_phrases_and_says_when_nothing_is_left() -> None:
    tq = TextQuery(any_of=(("kitten",), ("large", "language")), boosts=(("kitten", "large"),))
    counts = {"kitten": 3, "large": 50_000, "language": 40_000}
    assert without_crowds(tq, counts) == TextQuery(any_of=(("kitten",),),
                                                   boosts=(("kitten", "large"),))
    assert without_crowds(TextQuery(any_of=(("large", "language"),)), counts) is None
    phrase = TextQuery(any_of=(("large", "language"),), all_of=(("large", "language"),))
    assert without_crowds(phrase, counts) == TextQuery(all_of=(("large", "language"),))
    assert without_crowds(tq, {"kitten": 3, "large": 9, "language": 50_000}) is tq
