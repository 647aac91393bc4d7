"""MkDocs hook: every notebook of ``docs/notebooks/`` becomes a page of the site.

The notebooks are ``.py`` files in jupytext's percent format (they diff well, and ruff and
reviewers read them as code). When the site is built, each one is read with jupytext and run top
to bottom in one namespace, as Jupyter would: Markdown cells stay Markdown, code cells become
python blocks, and each is followed by what it printed (and the value of its last line, as a
notebook shows it). A cell that raises stops the build. The ``.py`` file is published beside the
page, to download and open in Jupyter (with jupytext installed) or convert with
``jupytext --to notebook``.
"""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

import jupytext
from mkdocs.structure.files import File

FOLDER = "notebooks"


def run_cell(source: str, namespace: dict, where: str) -> str:
    """Run one code cell in ``namespace``; what it prints, then the repr of its last expression."""
    tree = ast.parse(source, filename=where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(tree, where, "exec"), namespace)  # noqa: S102 - the docs' own notebooks
        if last is not None:
            value = eval(compile(ast.Expression(last.value), where, "eval"), namespace)  # noqa: S307
            if value is not None:
                print(repr(value))
    return printed.getvalue()


def notebook_to_markdown(path: Path) -> str:
    """The page for the notebook at ``path``: its cells, and what its code cells print."""
    import minitorch_conv as mt

    mt.manual_seed(0)
    notebook = jupytext.read(path)
    namespace = {"__name__": "__notebook__"}
    note = (f'!!! note "A notebook"\n    This page is [`{path.name}`]({path.name}), a notebook in '
            "jupytext's percent format, run when the site was built. Open it in Jupyter with "
            "jupytext installed (`pip install jupytext`), or make an `.ipynb` of it with "
            f"`jupytext --to notebook {path.name}`.")
    parts: list[str] = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            if note:  # after the title and what the notebook teaches
                parts.append(note)
                note = ""
        elif cell.cell_type == "code" and cell.source.strip():
            parts.append(f"```python\n{cell.source}\n```")
            printed = run_cell(cell.source, namespace, f"{path.name}, cell {number}")
            if printed.strip():
                parts.append(f'```text title="Output"\n{printed.rstrip()}\n```')
    return "\n\n".join(parts) + "\n"


def on_files(files, config):
    """Add a generated page ``notebooks/NAME.md`` for each ``notebooks/NAME.py``."""
    for path in sorted((Path(config["docs_dir"]) / FOLDER).glob("*.py")):
        files.append(File.generated(config, f"{FOLDER}/{path.stem}.md", content=notebook_to_markdown(path)))
    return files
