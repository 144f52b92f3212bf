"""LaTeX in titles and abstracts reads as text in mail text parts and in feeds."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, date, datetime
from email.message import EmailMessage

import feedparser
import pytest

from digest_data import sample_papers
from paperfeed.config import load_settings
from paperfeed.deliver.links import Links, Tokens
from paperfeed.deliver.mailer import wire_bytes
from paperfeed.deliver.render import Renderer
from paperfeed.models import Digest, Hit, Paper, Preferences, Subscription
from paperfeed.plaintext import plain_text
from paperfeed.web import feedxml

TITLE = r"Scaling compute\mbox{-}capability with \textbf{Sparse} $\alpha$-Experts"
ABSTRACT = (r"We bound the error by $O(n^{2})$ and $\leq 10^{-3}$ for G\"odel's \emph{dual}; "
            r"costs fall 50\% (R\&D), and \cite{x} stays as written.")


@pytest.mark.parametrize(("latex", "text"), [
    (r"compute\mbox{-}capability", "compute-capability"),
    (r"\textbf{x} and \emph{\textit{y}}", "x and y"),
    (r"the $\alpha$-divergence", "the α-divergence"),
    (r"$\mathcal{L}_{\text{KL}}$ and $x^{2}$", "L_KL and x^2"),
    (r"$\sum_{i=1}^n x_i$", "∑_(i=1)^n x_i"),
    (r"Schr\"odinger, G\"{o}del, \'{e}cole", "Schrödinger, Gödel, école"),
    (r"50\% of R\&D costs \$5", "50% of R&D costs $5"),
    ("plain 100% text with {braces} and a_b ~ c", "plain 100% text with {braces} and a_b ~ c"),
    (r"an unknown \command{stays}", r"an unknown \command{stays}"),
])
def test_latex_becomes_readable_text(latex: str, text: str) -> None:
    assert plain_text(latex) == text


def _paper() -> Paper:
    return replace(sample_papers()[0], title=TITLE, abstract=ABSTRACT)


def test_the_digest_text_part_has_no_latex_commands() -> None:
    settings = load_settings(environ={}, base_url="https://papers.example.org",
                             mail_from="Paper Feed <digest@papers.example.org>",
                             secret_key="test-secret")
    sub = Subscription(id=7, email="reader@example.org",
                       prefs=Preferences(topics=("experts",)), status="active")
    digest = Digest(sub, date(2026, 3, 10), trending=(Hit(paper=_paper()),), for_you=())
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    raw = wire_bytes(renderer.digest(digest, message_id="<m@x>",
                                     now=datetime(2026, 3, 10, 8, tzinfo=UTC)))
    msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "compute-capability with Sparse α-Experts" in text
    assert "\\mbox" not in text and "\\textbf" not in text and "$\\alpha$" not in text


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feed_titles_and_summaries_have_no_latex_commands(kind: str) -> None:
    info = feedxml.FeedInfo(title="t", subtitle="s", self_url="https://x/feeds/a",
                            html_url="https://x/", site_name="x", base_url="https://x")
    body = (feedxml.atom if kind == "atom" else feedxml.rss)(info, [_paper()])
    entry = feedparser.parse(body).entries[0]
    assert entry.title == "Scaling compute-capability with Sparse α-Experts"
    assert "O(n^2)" in entry.summary and "Gödel's dual" in entry.summary
    assert "\\emph" not in entry.summary and "50% (R&" in entry.summary
