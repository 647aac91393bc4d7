"""A griffe extension that lets the API reference render this project's docstrings as Markdown.

The docstrings are written for ``help()`` and doctest: ``>>>`` examples, reStructuredText
literal blocks (``::``), simple tables, and roles such as ``:class:`Tensor```. Read as Markdown,
``>>>`` would become a nested quote and the tables would collapse into one paragraph. This
extension rewrites each docstring before mkdocstrings renders it:

- a run of ``>>>`` / ``...`` lines with the output lines that follow becomes a ``pycon`` block;
- a paragraph ending in ``::`` and the indented block after it becomes a code block;
- a simple table (rows framed by lines of ``=``) becomes a plain code block, kept as it is;
- ``:role:`name``` becomes ``name`` in code, and a ``*`` between two operands in prose (a product,
  as in ``N*C*kh*kw``) is escaped so that it does not start emphasis;
- a bullet list that follows a line of text gets the blank line Markdown needs before it.

It changes only what the documentation site shows, never the source.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|obj|exc|ref):`~?([^`]+)`")
_TABLE_RULE = re.compile(r"^=+( +=+)+ *$")
_BULLET = re.compile(r"^(\s*)([-*]|\d+\.) ")


def _fence(lines: list[str], lang: str = "") -> list[str]:
    return ["", f"```{lang}", *lines, "```", ""]


def rst_to_markdown(text: str) -> str:
    """Rewrite one docstring (already dedented) as Markdown; see the module docstring."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(">>>"):  # a doctest example, up to the next blank line
            indent = len(line) - len(line.lstrip())
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][indent:] if len(lines[i]) >= indent else lines[i].lstrip())
                i += 1
            out.extend(_fence(block, "pycon"))
            continue
        if _TABLE_RULE.match(stripped):  # a simple table: three rules (top, under the header, bottom)
            block, rules = [], 0
            while i < len(lines) and rules < 3:
                if _TABLE_RULE.match(lines[i].strip()):
                    rules += 1
                block.append(lines[i])
                i += 1
            out.extend(_fence(block))
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):  # a literal block follows
            out.append(line[:-1] if stripped != "::" else "")
            i += 1
            block = []
            while i < len(lines) and not lines[i].strip():
                i += 1
            indent, outer = None, len(line) - len(line.lstrip())
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > outer):
                current = lines[i]
                if current.strip() and indent is None:
                    indent = len(current) - len(current.lstrip())
                block.append(current[indent or 0:] if current.strip() else "")
                i += 1
            while block and not block[-1]:
                block.pop()
            out.extend(_fence(block, "python" if _looks_like_python(block) else ""))
            continue
        line = _escape_asterisks(_ROLE.sub(r"``\1``", line))
        if _BULLET.match(line) and out and out[-1].strip() and not _BULLET.match(out[-1]) \
                and not out[-1].startswith(" "):
            out.append("")
        out.append(line)
        i += 1
    return "\n".join(out)


_CODE_SPAN = re.compile(r"(``.+?``|`[^`]+`)")
_PRODUCT_STAR = re.compile(r"(?<=[\w)\]])\*(?=[\w(\[])")


def _escape_asterisks(line: str) -> str:
    """``N*C*kh*kw`` in prose is a product, not emphasis: escape a ``*`` between two operands.

    Code spans are left alone (a backslash there would show).
    """
    parts = _CODE_SPAN.split(line)
    return "".join(part if k % 2 else _PRODUCT_STAR.sub(r"\\*", part) for k, part in enumerate(parts))


def _looks_like_python(block: list[str]) -> bool:
    code = "\n".join(block)
    return bool(re.search(r"^\s*(class |def |import |from |@|\w+ = |\w+\.\w+\()", code, re.M))


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring with :func:`rst_to_markdown` once the package is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        self._visit(pkg, set())

    def _visit(self, obj, seen: set) -> None:
        if id(obj) in seen or obj.is_alias:
            return
        seen.add(id(obj))
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
        for member in obj.members.values():
            self._visit(member, seen)
