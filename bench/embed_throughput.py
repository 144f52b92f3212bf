"""Embedding throughput, query latency and retrieval quality of each embedder, vs a baseline.

For each model (and MiniLM on its numpy fallback): texts/s over paper texts (title + abstract,
batches of 64 as `paperfeed index` sends them) from ../shared/data/arxiv_corpus.jsonl.gz, the
median time to embed one short query, title -> abstract retrieval (R@1 / MRR) over the 119
sample papers and over held-out corpus records (every 19th, which the static model's token
counts never saw), and the load time (with --fresh: the first-use build into an empty cache).
Throughput is the best of --rounds interleaved runs, since the load of a shared machine drifts.

Baseline, in the same run when importable: sentence-transformers on torch with the same
weights (run this script with a Python that has both to get the ratio column).

    python bench/embed_throughput.py [-n 512] [--held-out 1000] [--fresh] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
SAMPLE = REPO / "data" / "sample_papers.jsonl"
HELD_OUT_EVERY = 19  # as in bench/make_token_counts.py
BATCH = 64  # paperfeed.index.build.BATCH_SIZE
MIN_SECONDS = 5.0
QUERIES = ["state space models for long sequences", "protein design without diffusion",
           "making models hard to fine-tune on harmful tasks", "kolmogorov arnold networks",
           "retrieval augmented generation evaluation"]

Embed = Callable[[Sequence[str]], np.ndarray]


def read_corpus(limit: int, held_out: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The first `limit` records and `held_out` records of every 19th line."""
    bulk: list[dict[str, str]] = []
    kept: list[dict[str, str]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i % HELD_OUT_EVERY == 0 and len(kept) < held_out:
                kept.append(json.loads(line))
            elif len(bulk) < limit:
                bulk.append(json.loads(line))
            if len(bulk) >= limit and len(kept) >= held_out:
                break
    return bulk, kept


def throughput(embed: Embed, texts: list[str], n: int) -> float:
    """Texts/s over batches of 64, at least n texts and MIN_SECONDS."""
    embed(texts[:16])  # warm-up
    done, start = 0, time.perf_counter()
    for i in itertools.count():
        chunk = texts[(i * BATCH) % len(texts):][:BATCH]
        embed(chunk)
        done += len(chunk)
        elapsed = time.perf_counter() - start
        if done >= n and elapsed >= MIN_SECONDS:
            return done / elapsed
    raise AssertionError("unreachable")


def query_ms(embed: Embed) -> float:
    times = []
    for q in QUERIES * 10:
        start = time.perf_counter()
        embed([q])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def retrieval(embed: Embed, papers: list[dict[str, str]]) -> tuple[float, float]:
    """Title -> abstract: R@1 and MRR of each paper's own abstract among all of them."""
    titles = embed([p["title"] for p in papers])
    abstracts = embed([p["abstract"] for p in papers])
    scores = titles @ abstracts.T
    ranks = (scores > np.diag(scores)[:, None]).sum(axis=1)
    return float(np.mean(ranks == 0)), float(np.mean(1.0 / (ranks + 1)))


def candidates(cache: Path) -> list[tuple[str, str, Callable[[], Embed]]]:
    """(label, backend, loader) for every embedder, and the baseline when importable."""
    from paperfeed.index.embedder import MODELS, load_embedder

    out: list[tuple[str, str, Callable[[], Embed]]] = []
    try:
        import sentence_transformers  # noqa: F401
        out.append(("baseline: sentence-transformers", "torch", _sentence_transformers))
    except ImportError:
        print("sentence-transformers is not importable: no baseline in this run", file=sys.stderr)
    for name in MODELS:
        backend = "onnxruntime" if name == "minilm-l6-v2" else "numpy table"
        out.append((name, backend, lambda name=name: load_embedder(name, cache).embed))
    out.append(("minilm-l6-v2", "numpy (fallback)", _numpy_minilm))
    return out


def _sentence_transformers() -> Embed:
    import torch
    from sentence_transformers import SentenceTransformer

    from paperfeed.index.embedder import minilm_dir

    model = SentenceTransformer(str(minilm_dir()), device="cpu")
    print(f"baseline: torch {torch.__version__}, {torch.get_num_threads()} threads",
          file=sys.stderr)
    return lambda texts: model.encode(list(texts), normalize_embeddings=True)


def _numpy_minilm() -> Embed:
    from paperfeed.index.bert_numpy import BertWeights, NumpyBert
    from paperfeed.index.embedder import MAX_TOKENS, MiniLM, _tokenizer, minilm_dir

    runner = NumpyBert(BertWeights.load(minilm_dir()))
    return MiniLM("minilm-l6-v2", _tokenizer(minilm_dir(), MAX_TOKENS), runner.mean_pool,
                  384).embed


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    versions = []
    for module in ("numpy", "onnxruntime", "tokenizers", "torch"):
        with contextlib.suppress(ImportError):
            versions.append(f"{module} {__import__(module).__version__}")
    blas = os.environ.get("OPENBLAS_CORETYPE")
    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, {', '.join(versions)}"
            + (f", OPENBLAS_CORETYPE={blas}" if blas else "")
            + f", load average {os.getloadavg()[0]:.1f} at the start")


def measure(loaders: list[tuple[str, str, Callable[[], Embed]]], texts: list[str],
            sample: list[dict[str, str]], held_out: list[dict[str, str]], n: int,
            rounds: int) -> list[dict[str, Any]]:
    """Load every embedder, then take the best of `rounds` interleaved throughput runs (the
    machine's load drifts: interleaving keeps the ratios fair), then latency and quality."""
    rows: list[dict[str, Any]] = []
    embeds: list[Embed] = []
    for label, backend, load in loaders:
        start = time.perf_counter()
        embeds.append(load())
        rows.append({"label": label, "backend": backend, "load": time.perf_counter() - start,
                     "rate": 0.0})
    for _ in range(rounds):
        for row, embed in zip(rows, embeds, strict=True):
            row["rate"] = max(row["rate"], throughput(embed, texts, n))
            print(f"{row['label']} ({row['backend']}): {row['rate']:.1f} texts/s",
                  file=sys.stderr)
    for row, embed in zip(rows, embeds, strict=True):
        row.update(query=query_ms(embed), sample=retrieval(embed, sample),
                   held=retrieval(embed, held_out))
    return rows


def table(rows: list[dict[str, Any]], held_out: int) -> str:
    base = next((r["rate"] for r in rows if r["label"].startswith("baseline")), None)
    lines = ["| embedder | runs on | texts/s | × baseline | query ms | R@1 / MRR, 119 sample "
             f"| R@1 / MRR, {held_out} held-out | load s |",
             "|---|---|---:|---:|---:|---|---|---:|"]
    for r in rows:
        ratio = f"{r['rate'] / base:.2f}" if base else "n/a"
        lines.append(f"| {r['label']} | {r['backend']} | {r['rate']:,.1f} | {ratio} "
                     f"| {r['query']:.2f} | {r['sample'][0]:.3f} / {r['sample'][1]:.3f} "
                     f"| {r['held'][0]:.3f} / {r['held'][1]:.3f} | {r['load']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=512, help="at least this many texts per embedder")
    ap.add_argument("--held-out", type=int, default=1000, help="held-out records for R@1")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved throughput runs (best)")
    ap.add_argument("--fresh", action="store_true",
                    help="build into an empty cache (load s = first-use build time)")
    ap.add_argument("--cache", type=Path, default=None, help="model cache directory")
    ap.add_argument("--only", default="", help="comma-separated labels to run")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    started = machine()
    bulk, held_out = read_corpus(max(args.n, 4096), args.held_out)
    from paperfeed.index.embedder import default_cache_dir, paper_text

    texts = [paper_text(r["title"], r["abstract"]) for r in bulk]
    sample = [json.loads(ln) for ln in SAMPLE.read_text(encoding="utf-8").splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) if args.fresh else (args.cache or default_cache_dir())
        loaders = [c for c in candidates(cache) if not args.only or c[0] in args.only.split(",")]
        rows = measure(loaders, texts, sample, held_out, args.n, args.rounds)
    text = table(rows, len(held_out))
    print(text)
    if args.write:
        command = " ".join(["python", "bench/embed_throughput.py", *sys.argv[1:]])
        heading = (f"\n## Embedding throughput ({datetime.now(UTC):%Y-%m-%d})\n\n`{command}`: "
                   f"paper texts (title + abstract) in batches of {BATCH}, at least {args.n} "
                   f"per embedder and {MIN_SECONDS:.0f} s, best of {args.rounds} interleaved "
                   f"rounds; machine: {started}.\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(heading + text + "\n")
    else:
        print(f"\n`{' '.join(sys.argv)}`; {started}; {datetime.now(UTC):%Y-%m-%d}")


if __name__ == "__main__":
    main()
