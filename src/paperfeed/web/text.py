"""Untrusted text to safe HTML: escaped text, LaTeX as allow-listed MathML, marked terms, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from markupsafe import Markup, escape

from paperfeed.plaintext import MATH as _MATH
from paperfeed.safeurl import safe_url
from paperfeed.store.terms import word_starts_with

_MAX_FORMULAS = 200  # per text; the rest stays as written
_ENTITY = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
_ATTR_VALUE = re.compile(r"^[\w .%#+-]{0,40}$")
_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`$]+", re.IGNORECASE)
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})$")

_TAGS = """
math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle merror mpadded
mphantom menclose munder mover munderover mtable mtr mtd mmultiscripts mprescripts none
semantics
"""
_ATTRS = """
display mathvariant stretchy fence separator lspace rspace accent accentunder form minsize
maxsize movablelimits symmetric largeop linethickness displaystyle scriptlevel columnalign
rowalign columnspacing rowspacing columnlines rowlines frame framespacing equalrows
equalcolumns notation width height depth voffset mathsize align
"""
MATHML_TAGS = frozenset(_TAGS.split())
MATHML_ATTRS = frozenset(_ATTRS.split())
# Attributes that size things, and the most each may ask for (in em): LaTeX such as
# \rule{1em}{3000em} or \hspace{5000em} would otherwise stretch a page to any size.
_SIZE_LIMITS = {"width": 4.0, "height": 4.0, "depth": 4.0, "voffset": 2.0, "lspace": 2.0,
                "rspace": 2.0, "minsize": 4.0, "maxsize": 4.0, "mathsize": 3.0,
                "linethickness": 0.5, "columnspacing": 4.0, "rowspacing": 4.0,
                "framespacing": 4.0}
_EM_PER_UNIT = {"em": 1.0, "ex": 0.5, "mu": 1 / 18, "px": 1 / 16, "pt": 1 / 10, "pc": 1.2,
                "mm": 0.18, "cm": 1.8, "in": 4.5, "%": 0.01, "": 1.0}
_LENGTH = re.compile(r"^([+-]?)(\d{1,6}(?:\.\d{0,6})?|\.\d{1,6})"
                     r"(em|ex|mu|px|pt|pc|mm|cm|in|%)?$")
_NAMED_SPACE = re.compile(r"^(?:negative)?(?:very){0,2}(?:thin|thick)?mathspace$|^(?:thin|"
                          r"medium|thick)$|^0$")
_SCRIPTLEVEL = re.compile(r"^[+-]?[0-2]$")


def _text(raw: str | None) -> str:
    """Element text: latex2mathml's &#xNN; references decoded, then everything escaped."""
    if not raw:
        return ""
    return str(escape(_ENTITY.sub(lambda m: _char(int(m.group(1), 16)), raw)))


def _char(code: int) -> str:
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _size_ok(name: str, value: str) -> bool:
    """Whether every length in value is one a formula may ask for (at most a few ems; a
    negative one at most an em back), so no formula can stretch or cover the page."""
    limit = _SIZE_LIMITS[name]
    for token in value.split():
        if _NAMED_SPACE.match(token):
            continue
        match = _LENGTH.match(token)
        if match is None:
            return False
        sign, number, unit = match.groups()
        ems = float(number) * _EM_PER_UNIT[unit or ""]
        if ems > (1.0 if sign == "-" else limit):
            return False
    return True


def _attr_ok(name: str, value: str) -> bool:
    if name not in MATHML_ATTRS or not _ATTR_VALUE.match(value):
        return False
    if name in _SIZE_LIMITS:
        return _size_ok(name, value)
    return name != "scriptlevel" or bool(_SCRIPTLEVEL.match(value))


def _attrs(element: Element) -> str:
    kept = [(k, v) for k, v in element.attrib.items() if _attr_ok(k, v)]
    return "".join(f' {k}="{escape(v)}"' for k, v in kept)


def serialize_mathml(element: Element) -> str:
    """MathML markup from an element tree, keeping only allow-listed tags and attributes.

    A tag off the list becomes <mrow> (its content stays); text is always escaped.
    """
    tag = element.tag if element.tag in MATHML_TAGS else "mrow"
    if tag == "math":
        head = f'<math xmlns="http://www.w3.org/1998/Math/MathML"{_attrs(element)}>'
    else:
        head = f"<{tag}{_attrs(element)}>"
    inner = "".join(serialize_mathml(child) + _text(child.tail) for child in element)
    return f"{head}{_text(element.text)}{inner}</{tag}>"


@lru_cache(maxsize=8192)
def latex_to_mathml(latex: str, display: bool = False) -> str | None:
    """Sanitised MathML for one formula, or None when it cannot be converted."""
    from latex2mathml.converter import convert_to_element

    try:
        element = convert_to_element(latex, display="block" if display else "inline")
    except Exception:
        return None
    return serialize_mathml(element)


_SUFFIXES = ("izations", "ization", "ations", "ation", "ings", "ing", "ers", "er", "ies",
             "ed", "es", "s")


def stem(term: str) -> str:
    """A crude stem (the longest common suffix off, at least four letters left), so that
    'transformers' also marks 'transformation', as the stemming full-text search matched it."""
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[:-len(suffix)]
    return term


@lru_cache(maxsize=1024)
def _kept(terms: tuple[str, ...]) -> tuple[str, ...]:
    """The stems of terms that are marked (at most 32, longest first)."""
    return tuple(sorted({stem(t.strip()) for t in terms if len(t.strip()) >= 2}, key=len,
                        reverse=True)[:32])


@lru_cache(maxsize=1024)
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching words that start with any of terms (stemmed)."""
    kept = _kept(terms)
    if not kept:
        return None
    return re.compile(r"(?<![&#])\b(?:" + "|".join(re.escape(t) for t in kept) + r")\w*",
                      re.IGNORECASE)


_WORD_REST = re.compile(r"\w*")
_WORD = re.compile(r"\w+")


def mark_terms(html: str, terms: tuple[str, ...]) -> str:
    """Escaped prose with the words terms_pattern matches in <mark>. ASCII prose (most) is
    searched with str.find, as a regex that starts at every position costs several times
    more; other text, and terms of more than one word, go through the pattern."""
    kept = _kept(terms)
    if not kept:
        return html
    if not html.isascii() or not all(t.isascii() and _WORD.fullmatch(t) for t in kept):
        pattern = terms_pattern(terms)
        return pattern.sub(_MARK, html) if pattern is not None else html
    starts = word_starts_with(html.lower(), (term.lower() for term in kept),
                              not_after="_&#")  # a word, not an entity (&#x27;)
    pieces, done = [], 0
    for start in sorted(starts):  # a word has no start inside it: none overlap
        match = _WORD_REST.match(html, start)
        end = match.end() if match else start
        pieces += [html[done:start], "<mark>", html[start:end], "</mark>"]
        done = end
    pieces.append(html[done:])
    return "".join(pieces)


def _pieces(text: str) -> Iterator[tuple[str, str | None, bool]]:
    """(text before, formula or None, display?) pieces of text, in order."""
    if "$" not in text and "\\" not in text:  # every formula needs one: most abstracts
        yield text, None, False
        return
    pos = 0
    for count, match in enumerate(_MATH.finditer(text)):
        if count >= _MAX_FORMULAS:
            break
        formula = next(g for g in match.groups() if g is not None)
        yield text[pos:match.start()], formula, match.group("dd") is not None or \
            match.group("b") is not None
        pos = match.end()
    yield text[pos:], None, False


_MARK = r"<mark>\g<0></mark>"
Segment = tuple[bool, str]  # (escaped prose where terms may be marked?, its HTML)


def _prose(text: str, links: bool) -> list[Segment]:
    """Escaped text, its http(s) URLs as finished links when links is set."""
    if not links:
        return [(True, str(escape(text)))]
    out, pos = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]'")
        out.append((True, str(escape(text[pos:match.start()]))))
        href = safe_href(url)
        out.append((False, f'<a href="{escape(href)}" rel="nofollow noopener ugc">'
                           f'{escape(url)}</a>' if href else str(escape(url))))
        pos = match.start() + len(url)
    out.append((True, str(escape(text[pos:]))))
    return out


@lru_cache(maxsize=16384)
def _segments(text: str, math: bool, display: bool, links: bool) -> tuple[Segment, ...]:
    """text as safe HTML pieces: escaped prose, and finished MathML and links. Cached per text
    (not per query), since the same papers come back in many different searches."""
    out: list[Segment] = []
    for before, formula, is_block in (_pieces(text) if math else [(text, None, False)]):
        out += _prose(before, links)
        if formula is None:
            continue
        rendered = latex_to_mathml(formula.strip(), display and is_block) \
            if formula.strip() else None
        delimiter = "$$" if is_block else "$"
        out.append((False, rendered) if rendered is not None
                   else (True, str(escape(f"{delimiter}{formula}{delimiter}"))))
    return tuple(out)


@lru_cache(maxsize=16384)
def rich_text(text: str, terms: tuple[str, ...] = (), *, math: bool = True,
              display: bool = True, links: bool = False) -> Markup:
    """Untrusted text as safe HTML: escaped, LaTeX rendered as MathML, terms in <mark>.

    display=False sets display formulas ($$...$$) inline too, for compact cards; links=True
    turns http(s) URLs into links (never any other scheme). Terms are marked in the escaped
    prose only (never inside MathML or a link), by a pattern that never matches inside an
    entity (terms_pattern).
    """
    return Markup("".join(  # noqa: S704 (escaped text, allow-listed MathML, checked links)
        mark_terms(html, terms) if prose else html
        for prose, html in _segments(text, math, display, links)))


def safe_href(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link; None for anything else (javascript:, ...)."""
    return safe_url(url)


def link_label(url: str, width: int = 60) -> str:
    """A short label for a link: no scheme, no www., no trailing slash, at most width chars."""
    parts = urlsplit(url)
    label = (parts.netloc.removeprefix("www.") + parts.path).rstrip("/")
    return label if len(label) <= width else label[:width - 1] + "…"


def is_arxiv_id(paper_id: str) -> bool:
    return bool(_ARXIV_ID.match(paper_id))


def arxiv_links(paper_id: str) -> tuple[str, str] | None:
    """(abstract page, PDF) on arxiv.org for an arXiv id; None for other ids."""
    if not is_arxiv_id(paper_id):
        return None
    return f"https://arxiv.org/abs/{paper_id}", f"https://arxiv.org/pdf/{paper_id}"
