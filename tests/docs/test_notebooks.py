"""The notebooks of docs/notebooks/ run, top to bottom, in a Jupyter kernel.

The notebooks are ``.py`` files in jupytext's percent format. jupytext reads each one into a
notebook, and nbclient runs its cells in an IPython kernel (ipykernel), as Jupyter would: the
test fails on the first cell that raises. One kernel serves every notebook (its namespace reset
in between), since starting a kernel costs seconds. The site renders the same notebooks with
their outputs (docs/hooks/notebooks.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.py"))


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(FOLDER))
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run_notebook(path: Path, kernel) -> list[str]:
    """Run every cell of the notebook at ``path``; the text each code cell printed."""
    manager, client = kernel
    client.execute("%reset -f", store_history=False)
    notebook = jupytext.read(path)
    runner = nbclient.NotebookClient(notebook, km=manager, timeout=120, allow_errors=False)
    runner.kc = client
    outputs = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        runner.execute_cell(cell, index)  # raises CellExecutionError, naming the cell, on an error
        outputs.append("".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                               for o in cell.outputs))
    return outputs


def test_there_are_the_by_hand_notebook_and_the_walk_throughs():
    assert {p.stem for p in NOTEBOOKS} >= {"conv_backprop_by_hand", "walkthrough_columns",
                                           "walkthrough_conv_gemm", "walkthrough_stride_groups",
                                           "walkthrough_pool_function"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_opens_with_what_it_teaches_and_runs(path, kernel):
    text = path.read_text(encoding="utf-8")
    assert "# %% [markdown]" in text and "\n# %%\n" in text  # jupytext's percent format
    notebook = jupytext.read(path)
    first = next(c for c in notebook.cells if c.cell_type == "markdown")
    assert first.source.startswith("# ")
    assert "**By the end of this notebook you will understand**" in first.source
    outputs = run_notebook(path, kernel)
    assert any(out.strip() for out in outputs), "the notebook shows nothing"


def test_the_by_hand_notebook_finds_the_docs_numbers(kernel):
    printed = "\n".join(run_notebook(FOLDER / "conv_backprop_by_hand.py", kernel))
    assert "[[12. 15.]\n [24. 27.]]" in printed and "db = [3.]" in printed  # docs/conv-backward.md
    assert printed.count("loops vs autograd 0.0e+00") == 4


def test_the_docs_render_a_notebook_with_what_its_cells_print():
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("notebooks_hook", ROOT / "docs" / "hooks" / "notebooks.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = hook.notebook_to_markdown(FOLDER / "walkthrough_pool_function.py")
    assert page.startswith("# Walk-through for exercises 8 and 9")
    assert '!!! note "A notebook"' in page and "(walkthrough_pool_function.py)" in page
    assert '```text title="Output"\ntensor([[[[3., 3.]]]]' in page
    with pytest.raises(ZeroDivisionError):
        hook.run_cell("1 // 0", {}, "a cell that raises")
