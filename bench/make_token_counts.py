"""Regenerate src/paperfeed/index/token_counts.tsv.gz: MiniLM token counts over arXiv text.

The static embedder weights tokens by these counts (SIF). Every 19th corpus record is left out,
so that bench/embed_throughput.py can measure retrieval on records the counts never saw.

    python bench/make_token_counts.py [--corpus ../shared/data/arxiv_corpus.jsonl.gz]
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path

from tokenizers import Tokenizer

from paperfeed.index.embedder import minilm_dir

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
OUT = ROOT / "src" / "paperfeed" / "index" / "token_counts.tsv.gz"
HELD_OUT_EVERY = 19


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    counts: Counter[str] = Counter()
    batch: list[str] = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i % HELD_OUT_EVERY == 0:
                continue
            record = json.loads(line)
            batch += [record.get("title") or "", record.get("abstract") or ""]
            if len(batch) >= 4096:
                counts.update(_tokens(tokenizer, batch))
                batch = []
    counts.update(_tokens(tokenizer, batch))
    rows = "".join(f"{token}\t{n}\n" for token, n in sorted(counts.items(),
                                                             key=lambda kv: (-kv[1], kv[0])))
    with gzip.GzipFile(args.out, "wb", mtime=0) as out:  # mtime=0: same input, same bytes
        out.write(rows.encode("utf-8"))
    print(f"{len(counts)} tokens, {sum(counts.values())} occurrences -> {args.out}")


def _tokens(tokenizer: Tokenizer, texts: list[str]) -> list[str]:
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    return [token for e in encodings for token in e.tokens]


if __name__ == "__main__":
    main()
