"""The `paperfeed` command line: each subcommand is a thin shell over one library call.

Commands live in one module per area and register themselves on the `main` group.
"""

from paperfeed.cli import admin as admin
from paperfeed.cli import digest as digest
from paperfeed.cli import ingest, serve
from paperfeed.cli import maps as maps
from paperfeed.cli import recommend as recommend
from paperfeed.cli import search as search
from paperfeed.cli import submit as submit
from paperfeed.cli import transfer as transfer
from paperfeed.cli.base import main

__all__ = ["ingest", "main", "serve"]
