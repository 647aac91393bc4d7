"""The documentation cannot drift from the code: every example in it runs here.

- Every ```python block of README.md and docs/**/*.md runs, page by page, in order, in one
  namespace per page (a page reads like one interpreter run). A block that must not run is fenced with
  another info string (```text, ```bash, ```pycon).
- A ```text block with ``title="Output"`` right after a python block is what that block prints:
  it is compared with the real output, line by line (trailing spaces ignored).
- Every picture the docs show exists under docs/img, is small, and comes from docs/make_figures.py.
- ``mkdocs build --strict`` builds the site (skipped only where mkdocs is not installed).
- examples/conv_backprop_by_hand.py runs and reports that its three ways agree.

After a deliberate change of what a page prints, ``python tests/docs/test_docs.py docs/PAGE.md``
rewrites that page's Output blocks with what its code prints now; read the diff before committing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """``(line number, info string, code)`` of every fenced block, dedented to its fence."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = len(match["indent"]), match["fence"], match["info"].strip()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not re.match(rf"^ {{0,{indent + 3}}}{re.escape(fence)}\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        blocks.append((start, info, "\n".join(body) + "\n"))
        i += 1
    return blocks


def runnable(page: Path) -> list[tuple[int, str, str | None]]:
    """The page's python blocks as ``(line, code, expected output or None)``."""
    text = page.read_text(encoding="utf-8")
    blocks = code_blocks(text)
    lines = text.splitlines()
    out = []
    for k, (line, info, code) in enumerate(blocks):
        if info.split(" ")[0] != "python":
            continue
        expected = None
        if k + 1 < len(blocks):
            next_line, next_info, next_code = blocks[k + 1]
            closing = line + code.count("\n")  # 0-based index of this block's closing fence
            between = lines[closing + 1:next_line - 1]
            if next_info.startswith("text") and 'title="Output"' in next_info and \
                    all(not s.strip() for s in between):
                expected = next_code
        out.append((line, code, expected))
    return out


def run_page(page: Path) -> list[tuple[int, str, str | None, str]]:
    """Run a page's python blocks in one namespace: ``(line, code, expected, printed)`` per block.

    Raises AssertionError naming the page and the block when a block raises.
    """
    import minitorch_conv as mt

    mt.manual_seed(0)
    namespace = {"__name__": "__docs__"}
    results = []
    for line, code, expected in runnable(page):
        where = f"{page.relative_to(ROOT)}, the python block at line {line}"
        stdout = io.StringIO()
        try:
            with contextlib.redirect_stdout(stdout):
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the docs' own code
        except Exception as exc:
            raise AssertionError(f"{where} raised {type(exc).__name__}: {exc}\n\n"
                                 f"{textwrap.indent(code, '    ')}") from exc
        results.append((line, code, expected, stdout.getvalue()))
    return results


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


PAGES_WITH_CODE = [p for p in PAGES if runnable(p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_code_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files the examples write (checkpoints, pictures) land here
    for line, _code, expected, printed in run_page(page):
        if expected is not None:
            assert _tidy(printed) == _tidy(expected), (
                f"{page.relative_to(ROOT)}, the python block at line {line}, printed something else "
                f"than its Output block says.\n--- printed:\n{printed}\n--- the page says:\n{expected}")


def test_code_blocks_are_found():
    """The parser sees the blocks (so a page whose fences it misreads does not pass silently)."""
    sample = "text\n\n```python\nx = 1\nprint(x)\n```\n\n```text title=\"Output\"\n1\n```\n\n" \
             "!!! note\n    ```python\n    y = 2\n    ```\n"
    blocks = code_blocks(sample)
    assert [(info, code) for _, info, code in blocks] == [
        ("python", "x = 1\nprint(x)\n"), ('text title="Output"', "1\n"), ("python", "y = 2\n")]
    assert len(PAGES_WITH_CODE) >= 8


# ---------------------------------------------------------------------------------- pictures
_IMAGE = re.compile(r"!\[[^\]]*\]\((?P<src>[^)\s]+)")


def _figure_names() -> list[str]:
    spec = importlib.util.spec_from_file_location("make_figures", DOCS / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines the figures; makes nothing until main() runs
    return sorted(module.FIGURES)


def test_every_picture_exists_is_small_and_is_made_by_the_code():
    referenced = set()
    for page in DOCS.rglob("*.md"):
        for match in _IMAGE.finditer(page.read_text(encoding="utf-8")):
            src = match["src"]
            path = (page.parent / src).resolve()
            assert path.is_file(), f"{page.relative_to(ROOT)} shows {src}, which does not exist"
            referenced.add(path.name)
    made = set(_figure_names())
    on_disk = {p.name for p in (DOCS / "img").glob("*.png")}
    assert referenced <= made, f"pictures not made by docs/make_figures.py: {sorted(referenced - made)}"
    assert made == on_disk, (f"docs/img is out of date with docs/make_figures.py: run it "
                             f"(missing {sorted(made - on_disk)}, stale {sorted(on_disk - made)})")
    assert made <= referenced, f"figures no page shows: {sorted(made - referenced)}"
    for name in on_disk:
        size = (DOCS / "img" / name).stat().st_size
        assert size < 200_000, f"docs/img/{name} is {size} bytes; keep pictures under 200 KB"


# ---------------------------------------------------------------------------------- the site
def test_mkdocs_build_strict(built_site):
    result, site = built_site  # the build is shared with tests/docs/test_offline_math.py (conftest.py)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    html = (site / "conv-backward" / "index.html").read_text(encoding="utf-8")
    assert "arithmatex" in html and "<math" in html  # the formulas, rendered when the site is built
    api = (site / "api" / "conv" / "index.html").read_text(encoding="utf-8")
    assert "conv_transpose2d" in api and "&gt;&gt;&gt;" in api  # docstrings, examples included


# ---------------------------------------------------------------------------------- the example
def test_conv_backprop_by_hand_agrees_with_autograd():
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "conv_backprop_by_hand.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all three agree" in result.stdout
    # the worked example's numbers, as docs/conv-backward.md shows them
    assert "dW =  [[12. 15.]" in result.stdout and "db =  [3.]" in result.stdout


def test_conv_backprop_by_hand_exits_non_zero_on_a_mismatch(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("by_hand", ROOT / "examples" / "conv_backprop_by_hand.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    right = module.conv2d_backward_im2col

    def wrong(*args):  # a planted bug: the weight gradient off by a factor of 2
        dx, dw, db = right(*args)
        return dx, 2 * dw, db

    monkeypatch.setattr(module, "conv2d_backward_im2col", wrong)
    assert module.main([]) == 1
    assert "MISMATCH" in capsys.readouterr().out


# ---------------------------------------------------------------------------------- maintenance
def update_outputs(page: Path) -> int:
    """Rewrite the Output blocks of ``page`` with what its code prints now; returns how many changed."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            results = run_page(page)
        finally:
            os.chdir(cwd)
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks = {line: (info, code) for line, info, code in code_blocks("\n".join(lines))}
    changed = 0
    for line, code, expected, printed in reversed(results):  # from the bottom: line numbers stay valid
        if expected is None or _tidy(printed) == _tidy(expected):
            continue
        start = line + code.count("\n") + 1  # 0-based: the line after this block's closing fence
        while not _FENCE.match(lines[start]):
            start += 1
        body = len(blocks[start + 1][1].splitlines()) if expected.strip() else 0
        lines[start + 1:start + 1 + body] = _tidy(printed).splitlines()
        changed += 1
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {update_outputs(Path(name).resolve())} Output block(s) rewritten")
