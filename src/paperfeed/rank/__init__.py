"""Ranking: search, trending, listings, similar papers and for-you; pure and shared by every
surface (web page, JSON API, feeds, digests)."""
