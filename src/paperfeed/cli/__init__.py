"""The `paperfeed` command line: each subcommand is a thin shell over one library call.

Commands live in one module per area and register themselves on the `main` group.
"""

from paperfeed.cli import ingest, serve
from paperfeed.cli.base import main

__all__ = ["ingest", "main", "serve"]
