"""LaTeX in titles and abstracts as readable plain text, for mail text parts and feeds.

Conservative on purpose: abstracts are prose with a little LaTeX, so only what is surely
LaTeX changes. Text-style commands give their argument (\\mbox{-} -> -, \\textbf{x} -> x),
escaped characters and accents become the characters, and inside $...$ symbols become
their Unicode characters ($\\alpha$ -> α, symbols from latex2mathml's table) with grouping
braces dropped. Anything else stays as written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from latex2mathml.symbols_parser import convert_symbol

# $$display$$, $inline$, \(inline\), \[display\]; an escaped \$ is a dollar sign, not math.
MATH = re.compile(r"(?<!\\)\$\$(?P<dd>[^$]{1,600}?)\$\$"
                  r"|(?<![\\$])\$(?P<d>[^$]{1,400}?)(?<!\\)\$"
                  r"|\\\((?P<p>.{1,400}?)\\\)"
                  r"|\\\[(?P<b>.{1,600}?)\\\]", re.S)
_STYLE = ("mbox", "text", "textbf", "textit", "textrm", "textsf", "texttt", "textsc",
          "textnormal", "textup", "emph", "underline", "mathrm", "mathbf", "mathit",
          "mathsf", "mathtt", "mathnormal", "operatorname", "boldsymbol", "bm", "hbox",
          "mathbb", "mathcal", "mathfrak", "mathscr")
_STYLED = re.compile(r"\\(?:" + "|".join(_STYLE) + r")\s*\{([^{}]*)\}")
_GROUP = re.compile(r"\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([%&$#_{}])")
_ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
            "H": "\u030b"}
_ACCENT = re.compile(r"\\([`'\"^~=.]|[cvuH](?=[\s{]))\s*(?:\{\\?([A-Za-z])\}|\\?([A-Za-z]))")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")
_SPACES = re.compile(r"\\[,;:! ]|~")
_SPACING_COMMANDS = frozenset({"quad", "qquad", "left", "right", "displaystyle", "big",
                               "Big", "bigl", "bigr", "limits", "nolimits"})
_MAX_PASSES = 4  # nested styles: \textbf{\emph{x}}


def _styles(text: str) -> str:
    for _ in range(_MAX_PASSES):
        plain = _STYLED.sub(r"\1", text)
        if plain == text:
            break
        text = plain
    return text


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def _symbol(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _SPACING_COMMANDS:
        return ""
    code = convert_symbol("\\" + name)
    if code is None:
        return match.group(0)
    try:
        return chr(int(code, 16))
    except ValueError:
        return match.group(0)


def _script(match: re.Match[str]) -> str:
    """x^{2} -> x^2, x_{i=1} -> x_(i=1): braces off a sub- or superscript of one word."""
    inner = match.group(2).strip()
    return match.group(1) + (inner if inner.isalnum() or len(inner) <= 1 else f"({inner})")


def _math(formula: str) -> str:
    """A formula as text: styles and symbols resolved, grouping braces dropped."""
    text = _SPACES.sub(" ", _styles(formula))
    text = _COMMAND.sub(_symbol, text)
    for _ in range(_MAX_PASSES):
        text = _SCRIPT.sub(_script, text)
        flat = _GROUP.sub(r"\1", text)
        if flat == text:
            break
        text = flat
    return " ".join(text.split())


def _prose(text: str) -> str:
    text = _styles(text)
    text = _ACCENT.sub(_accent, text)
    return _ESCAPED.sub(r"\1", text)


@lru_cache(maxsize=16384)
def plain_text(text: str) -> str:
    """text with its LaTeX made readable (see the module docstring)."""
    if "\\" not in text and "$" not in text:
        return text
    out: list[str] = []
    pos = 0
    for match in MATH.finditer(text):
        formula = next(g for g in match.groups() if g is not None)
        out.append(_prose(text[pos:match.start()]))
        out.append(_math(formula))
        pos = match.end()
    out.append(_prose(text[pos:]))
    return "".join(out)
