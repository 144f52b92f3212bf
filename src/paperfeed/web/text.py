"""Untrusted text to safe HTML: escaped text, LaTeX as allow-listed MathML, marked terms, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit
from xml.etree.ElementTree import Element

from markupsafe import Markup, escape

# $$display$$, $inline$, \(inline\), \[display\]; an escaped \$ is a dollar sign, not math.
_MATH = re.compile(r"(?<!\\)\$\$(?P<dd>[^$]{1,600}?)\$\$"
                   r"|(?<![\\$])\$(?P<d>[^$]{1,400}?)(?<!\\)\$"
                   r"|\\\((?P<p>.{1,400}?)\\\)"
                   r"|\\\[(?P<b>.{1,600}?)\\\]", re.S)
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


def _text(raw: str | None) -> str:
    """Element text: latex2mathml's &#xNN; references decoded, then everything escaped."""
    if not raw:
        return ""
    return str(escape(_ENTITY.sub(lambda m: _char(int(m.group(1), 16)), raw)))


def _char(code: int) -> str:
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _attrs(element: Element) -> str:
    kept = [(k, v) for k, v in element.attrib.items()
            if k in MATHML_ATTRS and _ATTR_VALUE.match(v)]
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
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching words that start with any of terms (stemmed)."""
    kept = sorted({stem(t.strip()) for t in terms if len(t.strip()) >= 2}, key=len,
                  reverse=True)
    if not kept:
        return None
    return re.compile(r"(?<![&#])\b(?:" + "|".join(re.escape(t) for t in kept[:32]) +
                      r")\w*", re.IGNORECASE)


def _pieces(text: str) -> Iterator[tuple[str, str | None, bool]]:
    """(text before, formula or None, display?) pieces of text, in order."""
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
    pattern = terms_pattern(terms)
    return Markup("".join(  # noqa: S704 (escaped text, allow-listed MathML, checked links)
        pattern.sub(_MARK, html) if prose and pattern is not None else html
        for prose, html in _segments(text, math, display, links)))


def safe_href(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link; None for anything else (javascript:, ...)."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return urlunsplit(parts)


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
