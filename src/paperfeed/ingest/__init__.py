"""Ingest: one module per source (fetch + pure parse); run.py writes batches to the store."""
