"""MkDocs hook: the math is rendered when the site is built, so that it reads right offline.

pymdownx.arithmatex (generic mode) wraps every formula of the Markdown, ``$...$`` and
``$$...$$``, in ``<span class="arithmatex">\\(...\\)</span>`` or ``<div class="arithmatex">\\[...\\]</div>``.
This hook replaces each formula by MathML, converted by latex2mathml (a pure-Python package from
the ``docs`` extra). Browsers draw MathML themselves: no script, no font and nothing else is
fetched, so a page shows its formulas without a network, and no page holds raw ``\\(`` ``\\)``
delimiters. The TeX source stays in the ``alttext`` attribute (screen readers, copying).
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_FORMULA = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.S)
_DELIMITERS = {"\\(": "\\)", "\\[": "\\]"}
_INLINE = re.compile(r"\\\((?P<tex>.+?)\\\)", re.S)


def tex_to_mathml(tex: str, display: bool) -> str:
    """MathML for one formula (without its ``\\(`` ``\\)`` or ``\\[`` ``\\]`` delimiters)."""
    mathml = convert(tex.strip(), display="block" if display else "inline")
    alt = html.escape(" ".join(tex.split()), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1)


def render_math(page_html: str) -> str:
    """Every arithmatex formula of ``page_html`` as MathML."""

    def one(match: re.Match) -> str:
        tex = html.unescape(match["tex"]).strip()
        opening = tex[:2]
        if opening in _DELIMITERS and tex.endswith(_DELIMITERS[opening]):
            tex = tex[2:-2]
        tag = match["tag"]
        return f'<{tag} class="arithmatex">{tex_to_mathml(tex, display=tag == "div")}</{tag}>'

    return _FORMULA.sub(one, page_html)


def _render_toc(items) -> None:
    """Headings with math: their table-of-contents entries (HTML) get the MathML too."""
    for item in items:
        item.title = _INLINE.sub(lambda match: tex_to_mathml(html.unescape(match["tex"]), display=False),
                                 item.title)
        _render_toc(item.children)


def on_page_content(content: str, page, config, files) -> str:
    """MkDocs calls this with each page's HTML, before the theme wraps it."""
    _render_toc(page.toc)
    return render_math(content)
