"""Indexes over the store: the sentence embedder, the vector index, `paperfeed index`."""
