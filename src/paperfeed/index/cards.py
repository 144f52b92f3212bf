"""A paper's card text, computed locally and cheaply: an extractive one-line summary (the
abstract's sentence that states the contribution), keyphrases, and its project page.

All pure functions of the paper (and, for keyphrases, the corpus's word frequencies); no
model, no outside service. bench/cards.py measures how often the summary is the sentence a
reader would pick, and the cost per paper.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from paperfeed.models import Card, Paper
from paperfeed.store.terms import fold, words

SUMMARY_MAX = 240  # characters: one line on a card
KEYPHRASES = 5  # at most; fewer when the abstract has fewer good candidates
MIN_KEYPHRASES = 3
_PROJECT_SUFFIXES = (".github.io", ".gitlab.io", ".pages.dev", ".netlify.app")

# -- the summary -----------------------------------------------------------------------------

_ABBREVIATIONS = ("e.g", "i.e", "et al", "etc", "vs", "fig", "figs", "eq", "eqs", "cf",
                  "resp", "approx", "sec", "no", "ref", "refs", "dr", "prof", "st")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"$\\])")
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|letter|note)|here|our (?:work|paper))\b[^.]{0,40}?"
    r"\b(?:propose|present|introduce|develop|design|describe|demonstrate|show|prove|study|"
    r"investigate|analy[sz]e|establish|derive|provide|formulate|report|address|tackle|offer|"
    r"build|release|construct|identify|explore|devise|extend|revisit|put forward|"
    r"characteri[sz]e|obtain|compute|give|find|examine|consider|leverage|apply|train|"
    r"evaluate|use|employ|adopt|broaden|generali[sz]e|reexamine|create|suggest|conduct)",
    re.IGNORECASE)
_STRONG = re.compile(r"\b(?:we|this (?:paper|work))\s+(?:\w+\s+){0,2}?(?:propose|present|"
                     r"introduce|develop|put forward|devise)", re.IGNORECASE)
_FRAMING = re.compile(r"\b(?:in this (?:paper|work|study|article)|to this end|to address "
                      r"(?:this|these)|to (?:bridge|fill|close) th(?:is|ese) gaps?|"
                      r"here,? we)\b", re.IGNORECASE)
_BACKGROUND = re.compile(
    r"\b(?:recent(?:ly)?|has been|have been|is (?:a|an) (?:key|fundamental|important|crucial|"
    r"central|critical|popular|common)|remains?|however|widely|existing|traditional(?:ly)?|"
    r"despite|growing|increasing(?:ly)?|emerged?|popular|are (?:often|typically|usually)|"
    r"suffers?|limited|challeng\w*|struggle|lack|prior work|previous)\b", re.IGNORECASE)
_RESULT = re.compile(r"\b(?:outperform\w*|achiev\w*|state[- ]of[- ]the[- ]art|results? "
                     r"(?:show|demonstrate|indicate)|experiments?|improv\w+)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """The sentences of an abstract (abbreviations such as e.g., et al. do not end one)."""
    pieces = _SPLIT.split(" ".join(text.split()))
    out: list[str] = []
    for piece in pieces:
        if out and out[-1].lower().rstrip(".").endswith(_ABBREVIATIONS):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return [s for s in out if s]


def sentence_score(sentence: str, position: int) -> float:
    """How likely a sentence states the paper's contribution rather than its background."""
    score = 0.0
    if _STRONG.search(sentence):
        score += 5
    elif _CONTRIBUTION.search(sentence):
        score += 3
    if _FRAMING.search(sentence):
        score += 1.5
    score -= 1.5 * min(2, len(_BACKGROUND.findall(sentence)))
    if _RESULT.search(sentence):
        score += 0.5
    size = len(sentence.split())
    if size < 8:
        score -= 2
    elif size > 70:
        score -= 1
    if position == 0:
        score -= 1  # abstracts open with the setting more often than with the contribution
    return score


def one_line(sentence: str, limit: int = SUMMARY_MAX) -> str:
    """The sentence cut to limit characters at a word boundary (an ellipsis says so)."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    if cut.count("$") % 2:  # never cut inside a formula
        cut = cut[:cut.rfind("$")].rstrip()
    return cut + "…"


def summary(abstract: str) -> str | None:
    """The abstract's best contribution sentence, as one line (None for an empty abstract)."""
    found = sentences(abstract)
    if not found:
        return None
    best = max(range(len(found)), key=lambda n: (sentence_score(found[n], n), -n))
    return one_line(found[best])


# -- keyphrases ------------------------------------------------------------------------------

_STOP = frozenset("""a about above across after again against all almost also although always am
among an and another any are as at be because been before being below between both but by can
cannot could did do does doing done down during each either enough especially even ever every
for from further had has have having he her here hers him his how however i if in into is it its
itself just least less many may me might more most much must my neither no nor not now of off
often on once one only onto or other others otherwise our ours out over own per perhaps rather
same several she should since so some such than that the their theirs them themselves then there
these they this those though through thus to too toward towards under until up upon us very via
was we well were what when where whether which while who whom whose why will with within without
would yet you your""".split())  # noqa: SIM905
# Words that make a phrase about the paper rather than its subject; they bound candidates.
_FILLER = frozenset("""paper work study propose proposed proposes present presents presented
introduce introduces introduced show shows shown demonstrate demonstrates demonstrated novel new
approach approaches method methods result results use used using uses based achieve achieves
achieved improve improves improved outperform outperforms existing significantly significant
effective effectively efficient various different several first second also however recent
recently able allows allow enables enable provide provides extensive experiments experiment
experimental furthermore moreover finally specifically particular particularly demonstrating
state art further well leverage leverages leveraging aims aim make makes made way ways task tasks
problem problems paper's evaluate evaluated evaluation including include includes given consider
considered find found obtain obtained yield yields strong stronger better best large small
high low key important crucial thereby respectively while across extensive overall able et al
remain remains unclear term terms encourage encourages explain explains require requires
requiring need needs needed""".split())  # noqa: SIM905 (a word list reads best as text)
_TOKEN = re.compile(r"\$[^$]*\$|[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|[^\sA-Za-z]")


def _chunks(text: str) -> list[list[str]]:
    """Runs of content words between stopwords, fillers, formulas and punctuation."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(text):
        plain = token.lower()
        if not token[0].isalpha() or plain in _STOP or plain in _FILLER or len(token) < 2:
            runs.append([])
        else:
            runs[-1].append(token)
    return [r for r in runs if r]


def _surface(tokens: tuple[str, ...]) -> str:
    """A phrase as shown: lower case, except acronyms and words with inner capitals."""
    return " ".join(t if any(c.isupper() for c in t[1:]) or (t.isupper() and len(t) > 1)
                    else t.lower() for t in tokens)


def candidates(title: str, abstract: str) -> Counter[tuple[str, ...]]:
    """Phrases of 1-3 words (folded) with a weight: two per title use, one per abstract use."""
    found: Counter[tuple[str, ...]] = Counter()
    for text, weight in ((title, 2), (abstract, 1)):
        for run in _chunks(text):
            for size in (1, 2, 3):
                for start in range(len(run) - size + 1):
                    found[tuple(run[start:start + size])] += weight
    return found


def keyphrases(title: str, abstract: str, idf: Callable[[str], float],
               limit: int = KEYPHRASES) -> tuple[str, ...]:
    """The paper's most telling phrases: used often here, rare in the corpus (idf of a
    folded word), longer phrases preferred; no phrase repeats another's words."""
    weights = candidates(title, abstract)
    shown: dict[tuple[str, ...], tuple[str, ...]] = {}
    scored: dict[tuple[str, ...], float] = {}
    seen: dict[str, tuple[str, float, int]] = {}  # token -> folded, summed idf, pieces

    def token(text: str) -> tuple[str, float, int]:
        if text not in seen:
            folded = text.lower() if text.isascii() else fold(text)  # fold, fast for ASCII
            pieces = words(folded)
            seen[text] = (folded, sum(idf(w) for w in pieces), len(pieces))
        return seen[text]

    for tokens, weight in weights.items():
        parts = [token(t) for t in tokens]
        key = tuple(p[0] for p in parts)
        count = sum(p[2] for p in parts)
        if not count:
            continue
        rarity = sum(p[1] for p in parts) / count
        scored[key] = scored.get(key, 0.0) + weight * rarity * (1.0 + 0.6 * (len(tokens) - 1))
        shown.setdefault(key, tokens)
    picked: list[tuple[str, ...]] = []
    for key in sorted(scored, key=lambda k: (-scored[k], k)):
        if len(picked) >= limit:
            break
        if any(_stems(key) & _stems(other) for other in picked):
            continue
        picked.append(key)
    return tuple(_surface(shown[k]) for k in picked)


def _stems(key: tuple[str, ...]) -> set[str]:
    """A phrase's words without a plural s: "prototype" repeats "prototypes"."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in key}


def idf_from(counts: Mapping[str, int], papers: int) -> Callable[[str], float]:
    """Inverse document frequency over the corpus vocabulary (unseen words count as rare)."""
    total = max(1, papers)

    def idf(word: str) -> float:
        if len(word) < 2 or word.isdigit():
            return 0.0
        return math.log((total + 1) / (counts.get(word, 0) + 1))
    return idf


# -- the card ----------------------------------------------------------------------------------

def project_page(paper: Paper) -> str | None:
    """The first of the paper's links that is a project page (a github.io site and the like)."""
    for url in paper.code_urls:
        host = (urlsplit(url).hostname or "").lower()
        if host.endswith(_PROJECT_SUFFIXES):
            return url
    return None


def card(paper: Paper, idf: Callable[[str], float]) -> Card:
    return Card(summary=summary(paper.abstract),
                keyphrases=keyphrases(paper.title, paper.abstract, idf),
                project_page=project_page(paper))
