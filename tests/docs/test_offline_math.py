"""The site's math is rendered when it is built, so that it reads right without a network.

docs/hooks/offline_math.py turns every formula (pymdownx.arithmatex's ``\\(...\\)`` and
``\\[...\\]``) into MathML, which browsers draw themselves. Here: the conversion, and the built
site: no page holds raw delimiters outside code, and no page loads anything from the network.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_hook(name: str):
    pytest.importorskip("latex2mathml", reason="the docs extra renders math with latex2mathml")
    spec = importlib.util.spec_from_file_location(f"hook_{name}", ROOT / "docs" / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _TextOutsideCode(HTMLParser):
    """The text of a page, less what is inside code, pre, script, style and math elements."""

    SKIP = {"code", "pre", "script", "style", "math", "kbd", "samp", "textarea"}

    def __init__(self):
        super().__init__()
        self.depth, self.parts, self.resources = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        attributes = dict(attrs)
        if tag in ("script", "img", "iframe") and attributes.get("src"):
            self.resources.append(attributes["src"])
        if tag == "link" and attributes.get("rel") in ("stylesheet", "preload", "modulepreload"):
            self.resources.append(attributes.get("href", ""))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


RAW_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.+?\$\$", re.S)


def test_formulas_become_mathml_with_their_source_kept():
    hook = load_hook("offline_math")
    html = ('<p>so <span class="arithmatex">\\(dW = dY \\,\\mathrm{cols}^\\top\\)</span> and</p>\n'
            '<div class="arithmatex">\\[\ny = b[o] + \\sum_{c} W &lt; 1\n\\]</div>')
    out = hook.render_math(html)
    assert not RAW_MATH.search(out)
    assert out.count('<math alttext="') == 2 and 'display="block"' in out and 'display="inline"' in out
    assert 'class="arithmatex"' in out and "<msup>" in out
    assert "<munder>" in out or "<msub>" in out  # the sum's limits
    assert 'alttext="dW = dY \\,\\mathrm{cols}^\\top"' in out
    assert "&lt;" in out  # an escaped < in the TeX is a < in the formula, escaped again in MathML


def test_a_heading_with_math_gets_mathml_in_the_table_of_contents():
    hook = load_hook("offline_math")

    class Item:
        def __init__(self, title, children=()):
            self.title, self.children = title, list(children)

    toc = [Item("The input gradient: col2im of \\(W^\\top dY\\)", [Item("plain")])]
    hook._render_toc(toc)
    assert "\\(" not in toc[0].title and "<math" in toc[0].title and toc[0].children[0].title == "plain"


def test_the_built_site_has_no_raw_math_and_loads_nothing_from_the_network(built_site):
    result, site = built_site
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    formulas = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parser = _TextOutsideCode()
        parser.feed(html)
        text = "".join(parser.parts)
        raw = RAW_MATH.search(text)
        assert raw is None, f"{page.relative_to(site)} shows raw math: {raw.group(0)[:80]!r}"
        remote = [r for r in parser.resources if re.match(r"(https?:)?//", r)]
        assert not remote, f"{page.relative_to(site)} loads {remote} from the network"
        formulas += html.count("<math ")
    assert formulas > 150  # the pages' formulas, now MathML
    backward = (site / "conv-backward" / "index.html").read_text(encoding="utf-8")
    assert 'alttext="dW = dY \\,\\mathrm{cols}^\\top"' in backward
    assert not (site / "javascripts").exists()  # no MathJax configuration left to load


def test_the_built_site_has_the_notebooks_and_the_exercises(built_site):
    result, site = built_site
    assert result.returncode == 0, result.stderr
    page = (site / "notebooks" / "conv_backprop_by_hand" / "index.html").read_text(encoding="utf-8")
    assert "By the end of this notebook you will understand" in page
    assert "[[12. 15.]" in page and "Output" in page  # what the cells printed, run at build time
    assert (site / "notebooks" / "conv_backprop_by_hand.py").read_text().startswith("# ---\n# jupyter:")
    exercises = (site / "exercises" / "index.html").read_text(encoding="utf-8")
    assert "mt.backends.override" in exercises and "walkthrough_columns" in exercises
