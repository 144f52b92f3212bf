"""Ranking: search, trending, listings, similar papers and for-you, shared by every surface
(web page, JSON API, feeds, digests).

Scoring is pure: data in, data out, tested with a frozen clock (rank_rows, window_rows,
rank_listing, blend, to_hits, most_telling, convex, word_groups, text_query, learn.rank). The
few functions that read the store or the vector index say "Gathers" in their docstrings:
search, search_ranked, corrections, trending, listing, daily, similar, similar_ranked,
salient_words, paper_vector, for_you, hits_for, nearest, recommend, gather.
"""
