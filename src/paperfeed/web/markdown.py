"""What readers write (comments, collection notes) as safe HTML: a Markdown subset rendered
on the server by markdown-it-py with raw HTML off, `$...$` and `$$...$$` LaTeX through the
same MathML sanitiser as abstracts, and links only to http(s) with rel="nofollow ugc noopener".

The subset: paragraphs and line breaks, emphasis, strikethrough, inline code and code blocks,
lists, block quotes, links and <autolinks>. Headings, images, tables and HTML stay text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

from paperfeed.web.text import latex_to_mathml, safe_href

REL = "nofollow ugc noopener"
BLOCK_RULES = ("code", "fence", "list", "blockquote")
INLINE_RULES = ("emphasis", "strikethrough", "backticks", "link", "autolink", "escape",
                "newline", "entity")


def _math(content: str, options: dict[str, Any]) -> str:
    display = bool(options.get("display_mode"))
    rendered = latex_to_mathml(content.strip(), display) if content.strip() else None
    if rendered is not None:
        return rendered
    delimiter = "$$" if display else "$"
    return str(escape(f"{delimiter}{content}{delimiter}"))


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict,
               env: EnvType) -> str:
    tokens[idx].attrSet("rel", REL)
    rendered: str = self.renderToken(tokens, idx, options, env)
    return rendered


def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False,
                             "typographer": False, "maxNesting": 12})
    md.enable(list(BLOCK_RULES)).enable(list(INLINE_RULES))
    # money is not math: "$5 and $10" stays text (no digit right after the opening $)
    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=False,
                      allow_blank_lines=False, renderer=_math)
    md.validateLink = lambda url: safe_href(url) is not None  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _parser()


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Untrusted Markdown as safe HTML (nothing the writer typed is passed through as HTML)."""
    return Markup(_MD.render(text))  # noqa: S704 (html off; math allow-listed; links checked)
