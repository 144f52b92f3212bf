"""Untrusted text on the page: LaTeX becomes allow-listed MathML, everything else stays text."""

from __future__ import annotations

import json
from datetime import date

import pytest
from markupsafe import escape

from conftest import SAMPLE
from paperfeed.web import periods
from paperfeed.web.cache import CachedPage, PageCache
from paperfeed.web.text import (
    arxiv_links,
    link_label,
    mark_terms,
    rich_text,
    safe_href,
    terms_pattern,
)


def test_inline_latex_becomes_mathml() -> None:
    html = str(rich_text(r"We bound $\alpha^2 < \beta$ tightly."))
    assert html.startswith("We bound <math xmlns=\"http://www.w3.org/1998/Math/MathML\"")
    assert "<msup><mi>α</mi><mn>2</mn></msup><mo>&lt;</mo><mi>β</mi>" in html
    assert html.endswith("</math> tightly.")


def test_display_math_and_other_delimiters() -> None:
    html = str(rich_text(r"$$\sum_i x_i$$ and \(a+b\) and \[c\]"))
    assert html.count('display="block"') == 2 and html.count('display="inline"') == 1


def test_escaped_dollars_are_money_not_math() -> None:
    assert str(rich_text(r"It costs \$5 and \$10.")) == r"It costs \$5 and \$10."


# LaTeX that tries to smuggle markup through the MathML converter (comments reuse these)
SMUGGLING_LATEX = [
    r"$\text{<script>alert(1)</script>}$",
    r"$\href{javascript:alert(1)}{x}$",
    r"$\style{background:url(javascript:alert(1))}{y}$",
    r'$\color{red" onload="alert(1)}{a}$',
    r"$\mathrm{<img src=x onerror=alert(1)>}$",
    r"$\text{&#x3C;script&#x3E;}$",
]


@pytest.mark.parametrize("latex", SMUGGLING_LATEX)
def test_math_cannot_smuggle_markup(latex: str) -> None:
    html = str(rich_text(latex))
    assert "<script" not in html and "<img" not in html
    assert "href" not in html and "style=" not in html and "onload" not in html
    assert "javascript" not in html and "mathcolor" not in html


@pytest.mark.parametrize("latex", [
    r"$\rule{1em}{3000em}$", r"$\hspace{5000em}$", r"$a\kern 3000em b$", r"$\mkern30000mu$",
    r"$\hspace{-5000em}x$", r"$\hskip 3000em$", r"$\mspace{3000mu}$",
])
def test_math_sizes_are_bounded(latex: str) -> None:
    html = str(rich_text(latex))
    assert "<math" in html and "3000" not in html and "5000" not in html, html


def test_ordinary_math_spaces_and_sizes_stay() -> None:
    html = str(rich_text(r"$a\quad b\!c$ and $\Bigg( \Huge x$"))
    assert 'width="1em"' in html and 'width="negativethinmathspace"' in html
    assert 'maxsize="2.470em"' in html and 'mathsize="2.49em"' in html


def test_markup_outside_math_is_escaped() -> None:
    html = str(rich_text('<img src=x onerror="alert(1)"> & <b>bold</b>'))
    assert html == "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"


def test_unconvertible_latex_stays_as_written() -> None:
    assert str(rich_text(r"broken $\frac{1}{$ formula")) == r"broken $\frac{1}{$ formula"


def test_terms_are_marked_after_escaping() -> None:
    html = str(rich_text("Model <immunization> for models", ("model", "immun")))
    assert html == ("<mark>Model</mark> &lt;<mark>immunization</mark>&gt; for "
                    "<mark>models</mark>")


def test_terms_never_match_inside_entities_or_math() -> None:
    html = str(rich_text("a & b with $x_{amp}$", ("amp",)))
    assert "&amp;" in html and "<mark>" not in html
    html = str(rich_text("it's <lt> \"39\" amp", ("lt", "39", "amp")))
    assert html == ("it&#39;s &lt;<mark>lt</mark>&gt; &#34;<mark>39</mark>&#34; "
                    "<mark>amp</mark>")


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)",
                                 "data:text/html,<script>", "//evil.example", "http://a b",
                                 "vbscript:x", "https://", "", None])
def test_only_http_links_are_allowed(url: str | None) -> None:
    assert safe_href(url) is None


def test_http_links_pass_and_get_short_labels() -> None:
    assert safe_href("https://github.com/a/b") == "https://github.com/a/b"
    assert link_label("https://www.github.com/a/b/") == "github.com/a/b"


def test_arxiv_links_only_for_arxiv_ids() -> None:
    assert arxiv_links("2401.01234") == ("https://arxiv.org/abs/2401.01234",
                                         "https://arxiv.org/pdf/2401.01234")
    assert arxiv_links("hep-th/9901001") is not None
    assert arxiv_links("seed-001") is None
    assert arxiv_links("doi:10.1000/x") is None


def test_periods_round_trip_through_urls() -> None:
    day = date(2026, 8, 21)
    week = periods.containing("week", day)
    assert (week.start, week.end, week.slug) == (date(2026, 8, 17), date(2026, 8, 23), "2026-W34")
    assert periods.parse("week", week.slug) == week
    month = periods.containing("month", day)
    assert (month.end, month.url) == (date(2026, 8, 31), "/monthly/2026-08")
    assert periods.parse("day", "2026-08-21").label == "Friday 21 August 2026"
    for kind, slug in [("day", "2026-13-01"), ("week", "2026-W60"), ("month", "2026-1x")]:
        with pytest.raises(ValueError):
            periods.parse(kind, slug)


def test_page_cache_empties_when_the_data_version_changes() -> None:
    version = ["1"]
    cache = PageCache(lambda: version[0])
    v = cache.version()
    cache.put("/", CachedPage.of("<p>one</p>"), v)
    assert cache.get("/") is not None
    version[0] = "2"
    assert cache.version() == "2" and cache.get("/") is None


def test_page_cache_refuses_pages_built_from_outdated_data() -> None:
    version = ["1"]
    cache = PageCache(lambda: version[0])
    stale = cache.version()
    version[0] = "2"
    cache.version()
    cache.put("/", CachedPage.of("<p>old</p>"), stale)
    assert cache.get("/") is None


def test_page_cache_entries_expire() -> None:
    clock = [0.0]
    cache = PageCache(lambda: "1", ttl=10, clock=lambda: clock[0])
    cache.put("/", CachedPage.of("x"), cache.version())
    clock[0] = 11.0
    assert cache.get("/") is None


def test_urls_in_text_become_links_only_for_http() -> None:
    html = str(rich_text("Code: https://github.com/a/b. Not javascript:alert(1) or "
                         'https://x.org/"onmouseover="alert(1)', links=True))
    assert '<a href="https://github.com/a/b" rel="nofollow noopener ugc">' in html
    assert 'href="javascript' not in html and "onmouseover=\"" not in html


def test_terms_are_marked_where_the_pattern_marks_them() -> None:
    """mark_terms' string search marks what terms_pattern's regex does: word starts only,
    any case, to the word's end, never after & or # (entities) or inside a word, and falls
    back to the regex for non-ASCII text or terms of several words."""
    texts = ["Rest, interest; RESTful rest_rest _rest rest2 &amp;rest &#39;rest re-rest",
             "Transformers transform the transformation &lt;transformer&gt; Transformer-XL",
             "Café models: modèle MODEL models_ x-model", "", "rest",
             "large language models and Large Language Model-based agents"]
    texts += [str(escape(f"{r['title']}. {r['abstract']}"))
              for r in map(json.loads, SAMPLE.open(encoding="utf-8"))]
    for terms in [("rest",), ("transformers", "model"), ("REST", "models"), ("x",),
                  ("large language", "agents"), ("café",), ("39",), ("amp", "lt")]:
        pattern = terms_pattern(terms)
        for text in texts:
            want = pattern.sub(r"<mark>\g<0></mark>", text) if pattern else text
            assert mark_terms(text, terms) == want, (terms, text[:60])
