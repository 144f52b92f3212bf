"""Indexes over the store: the sentence embedder, the vector index, `paperfeed index`."""

# What `paperfeed index` does, in the order it does it (index/build.py): here so the command
# line can name them without importing the numeric stack.
STEPS = ("vectors", "keyword", "openings", "spelling", "cards", "terms")
