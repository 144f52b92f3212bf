"""Author names as keys: one key for every spelling of a name (accents, initials), and the
test of which spellings under a key can be the same person.

Names reach the store already cleaned by ingest (ingest/names.py turns TeX accents into
letters and splits author lists); here they are folded the way search folds words
(store/terms.py), so "Balázs Kégl", "Balazs Kegl" and "B. Kégl" share the key "b kegl".
"""

from __future__ import annotations

from paperfeed.store.terms import words

_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _parts(name: str) -> list[str]:
    """Folded words of a name in "First Middle Last" order ("Last, First" is turned)."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    found = words(name)
    while len(found) > 1 and found[-1] in _SUFFIXES:
        found.pop()
    return found


def author_key(name: str) -> str:
    """The key of a name: first initial and surname, folded ("" for a name with no letters)."""
    found = _parts(name)
    if not found:
        return ""
    if len(found) == 1:
        return found[0]
    return f"{found[0][0]} {found[-1]}"


def same_person(a: str, b: str) -> bool:
    """Whether two spellings under one key may name one person: their first names agree, or
    one of them gives only an initial ("Yann LeCun" ~ "Y. LeCun", not "Yves LeCun")."""
    first_a, first_b = _parts(a)[:1], _parts(b)[:1]
    if not first_a or not first_b:
        return True
    x, y = first_a[0], first_b[0]
    return x == y or len(x) == 1 or len(y) == 1


def author_names(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, name) of each author of a paper, in order; names without a key are left out."""
    return [(key, name) for name in names if (key := author_key(name))]
