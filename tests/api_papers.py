"""A handful of papers with known days, categories and votes for the API and feed tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from paperfeed.models import Author, Paper, Version
from paperfeed.store import Store

HOSTILE_TITLE = 'Evil <script>alert(1)</script> & "quotes" ]]> \x00\x07 title'

PAPERS = [
    Paper(id="2401.00001", title="Sparse attention for long documents",
          abstract="We make attention sparse. Code: https://github.com/org/sparse",
          authors=(Author("Ada Lovelace", "Engines Ltd"), Author("Alan Turing")),
          categories=("cs.LG", "cs.CL"), primary_category="cs.LG",
          published=datetime(2024, 1, 1, 18, 0, tzinfo=UTC), announced=date(2024, 1, 2),
          updated=datetime(2024, 1, 5, 9, 30, tzinfo=UTC),
          versions=(Version(1, datetime(2024, 1, 1, 18, 0, tzinfo=UTC)),),
          url="https://arxiv.org/abs/2401.00001", pdf_url="https://arxiv.org/pdf/2401.00001",
          code_urls=("https://github.com/org/sparse",), source="arxiv", upstream_upvotes=5,
          ai_keywords=("attention",)),
    Paper(id="2401.00002", title="Protein design with diffusion models",
          abstract="Diffusion models design proteins that fold.",
          authors=(Author("Rosalind Franklin"),), categories=("q-bio.BM",),
          primary_category="q-bio.BM", published=datetime(2024, 1, 1, 20, 0, tzinfo=UTC),
          announced=date(2024, 1, 2), url="https://arxiv.org/abs/2401.00002",
          source="hf_daily"),
    Paper(id="2401.00003", title="State space models beat transformers",
          abstract="A state space model for language with linear time. Also <b>bold</b> "
                   "claims & $x^2$ maths.",
          authors=(Author("Grace Hopper"), Author("Edsger Dijkstra")),
          categories=("cs.CL",), primary_category="cs.CL",
          published=datetime(2024, 1, 2, 12, 0, tzinfo=UTC), announced=date(2024, 1, 3),
          url="https://arxiv.org/abs/2401.00003", source="arxiv"),
    Paper(id="hep-th/9901001", title="Strings of old", abstract="An old-style identifier.",
          authors=(Author("Ed Witten"),), categories=("hep-th",), primary_category="hep-th",
          published=datetime(1999, 1, 1, tzinfo=UTC), url="https://arxiv.org/abs/hep-th/9901001",
          source="arxiv"),
    Paper(id="seed-hostile", title=HOSTILE_TITLE,
          abstract="Abstract with <img src=x onerror=alert(2)> and \x1b control bytes.",
          authors=(Author("Mallory <m@evil>"),), categories=("cs.CR",),
          published=datetime(2023, 12, 1, tzinfo=UTC), source="jsonl"),
]
BY_ID = {p.id: p for p in PAPERS}
NEWEST_DAY = date(2024, 1, 3)


def seed(store: Store, votes: dict[str, int] | None = None) -> None:
    """Store the papers, and `votes[id]` votes by distinct readers."""
    store.upsert_papers(PAPERS)
    for paper_id, count in (votes or {}).items():
        for n in range(count):
            store.toggle_vote(store.get_or_create_reader(f"r{n}@example.org"), paper_id)
