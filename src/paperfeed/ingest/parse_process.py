"""Parse a snapshot file in a child process that sends rendered rows back through a pipe, so
JSON parsing and normalising overlap with the database writes on a second core.

The child is `python -m paperfeed.ingest.parse_process ARGS` writing pickled messages to its
standard output: ("batch", rows, rejects, checkpoint) per checkpoint of read_snapshot, then
("end",), or ("error", kind, message). Plain-tuple rows (store.records.render_paper) cost the
parent about 2 us each to receive, where Paper objects cost about 50 us. The pipe bounds how
far the child runs ahead (AHEAD batches, plus what the pipe holds), and a parent that dies
closes it, which ends the child (broken pipe) without leaving it behind.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any, cast

import paperfeed
from paperfeed.errors import IngestError
from paperfeed.ingest.run import Prefetcher, RowBatch
from paperfeed.models import Paper, Rejected
from paperfeed.store.records import PaperRow, render_paper

# Batches received ahead of the writer by a reader thread (about 15 MB each once unpickled).
# Deeper (8, to cover a whole full-text chunk) measured no faster on this 2-core machine and
# took 80 MB more: parsing and writing both need most of a core.
AHEAD = 2


def child_args(path: Path, *, category_prefix: str | None, line: int, offset: int,
               every: int, state_key: str | None) -> str:
    """The child's one argument: where to read and how to cut batches."""
    return json.dumps({"path": str(path), "prefix": category_prefix, "line": line,
                       "offset": offset, "every": every, "key": state_key})


def parsed_batches(args: str) -> Generator[RowBatch, None, None]:
    """Run the child on args (child_args) and yield its batches; stopping early (or an
    error) ends the child."""
    env = dict(os.environ)
    package_root = str(Path(paperfeed.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    child = subprocess.Popen(  # noqa: S603 (this interpreter, our module, our JSON)
        [sys.executable, "-m", "paperfeed.ingest.parse_process", args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env)
    pipe = cast(IO[bytes], child.stdout)
    reader = Prefetcher(_receive(pipe), ahead=AHEAD)
    try:
        yield from reader.__enter__()
    finally:
        if child.poll() is None:
            child.kill()  # first: the reader thread may be waiting for the child's output
        reader.__exit__()
        pipe.close()
        child.wait()


def _receive(pipe: IO[bytes]) -> Iterator[RowBatch]:
    while True:
        try:
            message = pickle.load(pipe)  # noqa: S301 (written by our own child process)
        except EOFError:
            raise IngestError("the snapshot parser process stopped unexpectedly; the batches "
                              "before it were imported") from None
        if message[0] == "end":
            return
        if message[0] == "error":
            _, kind, text = message
            raise IngestError(text) if kind == "ingest" else RuntimeError(text)
        yield RowBatch(*message[1:])


# -- the child ------------------------------------------------------------------------------


def _send(out: IO[bytes], message: tuple[Any, ...]) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def run_child(args: str, out: IO[bytes]) -> None:
    """Parse the file args names and send its batches to out."""
    from paperfeed.ingest.snapshot import Position, read_snapshot

    spec = json.loads(args)
    rows: list[PaperRow] = []
    rejects: list[Rejected] = []
    try:
        for item in read_snapshot(Path(spec["path"]), category_prefix=spec["prefix"],
                                  start=Position(spec["line"], spec["offset"]),
                                  every=spec["every"], state_key=spec["key"]):
            if isinstance(item, Paper):
                rows.append(render_paper(item))
            elif isinstance(item, Rejected):
                rejects.append(item)
            else:
                _send(out, ("batch", rows, rejects, item))
                rows, rejects = [], []
                gc.collect()  # main() turned automatic collection off
    except IngestError as exc:
        _send(out, ("batch", rows, rejects, None))
        _send(out, ("error", "ingest", str(exc)))
        return
    except Exception as exc:  # handed to the parent, which raises it there
        _send(out, ("error", "other", f"snapshot parser: {exc!r}"))
        return
    _send(out, ("end",))


def main() -> None:
    # The parser makes millions of short-lived objects and no cycles worth chasing; the
    # collector's automatic passes over each batch cost about a third of the parsing time.
    gc.disable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    try:
        run_child(sys.argv[1], sys.stdout.buffer)
    except BrokenPipeError:  # the parent stopped reading (done early, or killed)
        os._exit(0)


if __name__ == "__main__":
    main()
