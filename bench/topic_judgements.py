"""Tallies for bench/topic_match.py: precision and recall of claims against the rules and
against the rules corrected by reading (bench/topic_match_read.tsv)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    empty_windows: int = 0  # windows where the topic has no fitting paper
    empty_kept: int = 0  # ... and nothing was claimed

    def add(self, claimed: set[str], truth: set[str]) -> None:
        self.tp += len(claimed & truth)
        self.fp += len(claimed - truth)
        self.fn += len(truth - claimed)
        if not truth:
            self.empty_windows += 1
            self.empty_kept += not claimed

    def pr(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return f"{p:.3f} / {r:.3f}"

    def empty(self) -> str:
        return f"{self.empty_kept}/{self.empty_windows}"

    def counts(self) -> str:
        return f"{self.tp} / {self.fp} / {self.fn}"


@dataclass
class Judged:
    """Adds one (topic, window)'s claims to the tallies against the rules and against the
    rules corrected by reading, and counts the claims reading judged."""

    tallies: dict[tuple[str, int, str, str], Tally]
    seen: dict[tuple[str, int, str], list[int]]
    verdicts: dict[tuple[str, str], bool]
    where: tuple[str, int]
    topic: str
    fit: set[str]
    fit_read: set[str]

    def __call__(self, name: str, claimed: set[str]) -> None:
        part, size = self.where
        self.tallies[(part, size, name, "rules")].add(claimed, self.fit)
        self.tallies[(part, size, name, "read")].add(claimed, self.fit_read)
        self.seen[(part, size, name)][0] += sum((self.topic, i) in self.verdicts for i in claimed)
        self.seen[(part, size, name)][1] += len(claimed)


def read_verdicts(path: Path) -> dict[tuple[str, str], bool]:
    """(topic, paper id) -> whether it fits, as judged by reading title and abstract."""
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            topic, pid, verdict, _reason = line.split("\t", 3)
            out[(topic, pid)] = verdict == "yes"
    return out


def corrected(truth: dict[str, dict[date, set[str]]], verdicts: dict[tuple[str, str], bool],
              store: Any) -> dict[str, dict[date, set[str]]]:
    """The rules' fits with every paper judged by reading put where reading put it."""
    out = {t: {d: set(ids) for d, ids in by_day.items()} for t, by_day in truth.items()}
    day = {p.id: p.day for p in store.get_papers(list({pid for _, pid in verdicts}))}
    for (topic, pid), ok in verdicts.items():
        by_day = out.setdefault(topic, {})
        for ids in by_day.values():
            ids.discard(pid)
        if ok and day.get(pid) is not None:
            by_day.setdefault(day[pid], set()).add(pid)
    return out
