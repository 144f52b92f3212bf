"""Allows `python -m paperfeed`."""

from paperfeed.cli import main

main()
