"""The house rules that hold the layout together, read from the source with ast.

Data flows one way (README "Layout"): ingest -> store -> index -> rank -> web / deliver;
a package imports only the packages below it. Modules stay under 400 lines. Backends are
reached through the Store protocol, never by type checks or URL prefixes outside store/.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "paperfeed"
# The base every part may use: shapes, errors, settings, and the few pure checks that must be
# one function everywhere (safe links, e-mail addresses, LaTeX as text, whether a process is
# alive) and process-wide logging set-up.
BASE = {"models", "errors", "config", "safeurl", "addresses", "logs", "plaintext", "pids"}
# What each part may import besides itself; anything not named here is at the top (cli,
# worker, transfer, __main__) and may import everything.
ALLOWED: dict[str, set[str]] = {
    "models": {"errors"},
    "errors": set(),
    "plaintext": set(),  # LaTeX as readable text: for web and deliver alike
    "config": {"errors", "models"},
    "signing": {"errors"},
    "safeurl": set(),
    "addresses": set(),
    "pids": set(),
    "logs": {"config", "errors", "models"},
    "store": BASE,
    "ingest": BASE | {"store"},
    "index": BASE | {"store"},
    "rank": BASE | {"store", "index"},
    "web": BASE | {"store", "index", "rank", "signing"},
    "deliver": BASE | {"store", "index", "rank", "signing"},
}
# Known exceptions, each a (module, package it imports) pair with the reason it stands.
ALLOWANCES = {
    # The subscription pages are web shells over deliver's opt-in library (subscribe,
    # confirm, manage, unsubscribe: one library call per handler) and its signed links;
    # the route table names the paths of those links, which deliver puts in mails; the
    # sign-in page sends its link with deliver's mailer. A lower shared module for mail
    # and subscription links would remove these; until then they are the only ones.
    ("web/subscriptions.py", "deliver"),
    ("web/app.py", "deliver"),
    ("web/signin.py", "deliver"),
    # A digest item's "more / less like this" page reads the same signed subscriber links.
    ("web/digest_links.py", "deliver"),
    # Submitting a paper fetches it from arXiv with ingest's polite client when the
    # instance lacks it: one library call, as `paperfeed submit` makes.
    ("web/submit.py", "ingest"),
}
MAX_LINES = 400
BACKEND_CLASSES = {"PostgresStore", "SqliteStore"}
URL_PREFIXES = ("sqlite:", "postgresql:", "postgres:")


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def part(relative: str) -> str:
    return relative.split("/", maxsplit=1)[0].removesuffix(".py")


def imported_parts(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and \
            node.level == 0 else []
        found.update(n.split(".")[1] for n in names if n.startswith("paperfeed."))
    return found


def test_every_part_imports_only_what_lies_below_it() -> None:
    wrong = [f"{relative} imports paperfeed.{other}" for relative, tree in modules()
             if (me := part(relative)) in ALLOWED
             for other in sorted(imported_parts(tree) - ALLOWED[me] - {me})
             if (relative, other) not in ALLOWANCES]
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_the_allowances_are_still_needed() -> None:
    used = {(relative, other) for relative, tree in modules()
            for other in imported_parts(tree)}
    assert used >= ALLOWANCES, f"drop from ALLOWANCES: {sorted(ALLOWANCES - used)}"


def test_no_module_is_over_the_size_limit() -> None:
    long = [f"{path.relative_to(SRC)}: {n} lines" for path in sorted(SRC.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


def _backend_checks(tree: ast.Module) -> Iterator[int]:
    """Lines that test a store's class (isinstance/issubclass against a backend)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in {"isinstance", "issubclass"} and len(node.args) == 2:
            names = {n.id if isinstance(n, ast.Name) else n.attr
                     for n in ast.walk(node.args[1]) if isinstance(n, ast.Name | ast.Attribute)}
            if names & BACKEND_CLASSES:
                yield node.lineno


def _url_sniffs(tree: ast.Module) -> Iterator[int]:
    """Lines that look at a URL's prefix (x.startswith("postgresql://") and the like)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in {"startswith", "removeprefix"}:
            texts = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
                     and isinstance(n.value, str)]
            if any(t.startswith(URL_PREFIXES) for t in texts):
                yield node.lineno


@pytest.mark.parametrize("check", [_backend_checks, _url_sniffs])
def test_backends_are_reached_only_through_the_protocol(check: object) -> None:
    assert callable(check)
    # config.py checks the setting's form at start-up; it chooses nothing by it.
    found = [f"{relative}:{line}" for relative, tree in modules()
             if part(relative) != "store" and relative != "config.py"
             for line in check(tree)]
    assert not found, "backend-specific code outside store/:\n" + "\n".join(found)
