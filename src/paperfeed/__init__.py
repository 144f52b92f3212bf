"""paperfeed: a self-hosted research-paper feed (ingest, search, rank, show, deliver)."""

__version__ = "0.1.0"
