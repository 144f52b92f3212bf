"""Acronyms a text defines: "large language models (LLMs)", "mixture-of-experts (MoE)". Read
by topic matching (rank/acronyms.py) and stored per paper with its opening's stems by
`paperfeed index` (index/openings.py), so a search page need not parse forty abstracts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperfeed.store.terms import STOPWORDS, fold

MAX_LONG = 8  # words a long form may have
_DEFINED = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9-]{1,9})\s*\)")
_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # a hyphenated compound may give one letter
MADE_WITH = (str(MAX_LONG), _DEFINED.pattern, _COMPOUND.pattern)  # part of stored formats
Definition = tuple[str, tuple[str, ...]]  # (acronym letters, the long form's words)


def _letters(acronym: str) -> str | None:
    """The letters of a written acronym (two capitals at least; a plural s dropped)."""
    if sum(c.isupper() for c in acronym) < 2:
        return None
    if acronym.endswith("s") and sum(c.isupper() or c.isdigit() for c in acronym[:-1]) >= 2:
        acronym = acronym[:-1]
    return fold(acronym.replace("-", ""))


def _spells(letters: str, parts: Sequence[str], first: bool = True) -> bool:
    """Whether the parts, in order, spell letters: each content part gives its first letter
    and maybe more of its letters in order (NeRF, 3DGS, SAE for sparse autoencoder), a stop
    word may give none (MoE, SLAM)."""
    if not parts:
        return not letters
    head, rest = parts[0], parts[1:]
    if not first and head in STOPWORDS and _spells(letters, rest, False):
        return True
    if not letters or letters[0] != head[0]:
        return False
    return any(_within(letters[1:j], head[1:]) and _spells(letters[j:], rest, False)
               for j in range(1, len(letters) + 1))


def _within(letters: str, word: str) -> bool:
    """Whether letters occur in word in order."""
    found = iter(word)
    return all(c in found for c in letters)


def definitions(text: str) -> list[Definition]:
    """(acronym letters, long form's words) for each "long form (ACRONYM)" in text. A
    hyphenated compound spells one letter or one per part ("pre-trained language models
    (PLMs)", "mixture-of-experts (MoE)")."""
    out = []
    for found in _DEFINED.finditer(text):
        letters = _letters(found.group(1))
        if not letters:
            continue
        before = re.split(r"[()]", text[max(0, found.start() - 120):found.start()])[-1]
        parts = _COMPOUND.findall(fold(before))[-MAX_LONG:]
        for k in range(1, len(parts) + 1):
            tail = parts[-k:]
            words = [w for p in tail for w in p.split("-")]
            if tail[0] not in STOPWORDS and (_spells(letters, words) or _spells(letters, tail)):
                out.append((letters, tuple(words)))
                break
    return out


def paper_definitions(title: str, abstract: str) -> list[Definition]:
    """What a paper defines, in its title and abstract."""
    return definitions(f"{title}. {abstract}")


def pack(found: Sequence[Definition]) -> str:
    """Definitions as stored: a line each, the letters and then the long form's words."""
    return "\n".join(" ".join((letters, *parts)) for letters, parts in found)


def unpack(stored: str) -> list[Definition]:
    """pack's definitions back."""
    return [(parts[0], tuple(parts[1:])) for line in stored.split("\n")
            if (parts := line.split())]
