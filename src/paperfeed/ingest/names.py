"""Author names as arXiv metadata gives them: split lists, join name parts, undo TeX accents."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from paperfeed.ingest.records import clean_text

# \'a  \'{a}  {\'a}  \"o  \c{c}  \v{s}  ... -> the letter with its combining mark
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_ACCENT = re.compile(r"\{?\\([`'^\"~=.]|[uvHckr](?=[{\s]))\s*\{?\\?([A-Za-z])\}?\}?")
_LETTERS = {r"\o": "ø", r"\O": "Ø", r"\ss": "ß", r"\ae": "æ", r"\AE": "Æ", r"\l": "ł",
            r"\L": "Ł", r"\aa": "å", r"\AA": "Å", r"\i": "ı"}
_LETTER = re.compile(r"\{?(\\(?:ss|ae|AE|aa|AA|[oOlLi]))(?![A-Za-z])\}?\s?")


def untex(text: str) -> str:
    """Common TeX accents and letters in names as Unicode ('Bal\\'azs' -> 'Balázs')."""
    if "\\" not in text:
        return text
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    return _ACCENT.sub(lambda m: unicodedata.normalize(
        "NFC", m.group(2) + _ACCENTS[m.group(1)]), text)


def split_authors(text: Any) -> tuple[str, ...]:
    """'A. One, B. Two (MIT) and C. Three' -> names; commas, 'and' and ';' inside
    parentheses (affiliations) do not split."""
    text = clean_text(text)
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[()]|,|\band\b|;", text):
        mark = match.group(0)
        if mark in "()":
            depth = max(0, depth + (1 if mark == "(" else -1))
        elif depth == 0:
            names.append(text[start:match.start()])
            start = match.end()
    names.append(text[start:])
    return tuple(n for n in (_strip_affiliation(untex(n)) for n in names) if n)


def _strip_affiliation(name: str) -> str:
    """'B. Two (MIT)' -> 'B. Two'."""
    return clean_text(re.sub(r"\([^()]*\)", " ", name)) if "(" in name else name.strip()


def join_name(keyname: str | None, forenames: str | None = "",
              suffix: str | None = "") -> str:
    """arXiv's [keyname, forenames, suffix] -> 'Forenames Keyname Suffix' (TypeError when a
    part is neither text nor None)."""
    name = " ".join(" ".join((forenames or "", keyname or "", suffix or "")).split())
    return untex(name) if "\\" in name else name
