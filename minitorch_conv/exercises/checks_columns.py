"""The checks of exercises 1 and 2: im2col for one image, and col2im, its adjoint."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from .. import nn
from ..backends import overrides
from ..creation import tensor
from . import kit
from .checking import Learner, Wrong, call_learner, compare, gradcheck_report, show


class ExerciseCheck:
    """What every exercise's check provides (see ``checking``'s module docstring for the steps)."""

    number: int
    name: str
    title: str
    summary: str
    functions: tuple[str, ...]
    yours: str
    """How the steps name the learner's code ("your im2col")."""
    framework: str
    """What step 2 runs with it swapped in."""
    training: dict = {}
    """Keyword arguments of ``training.train_one_epoch``: the network variant that runs the code."""
    framework_examples = 12

    def strategy(self):
        raise NotImplementedError

    def against_ours(self, learner: Learner, example: dict) -> None:
        raise NotImplementedError

    def through_framework(self, learner: Learner, example: dict) -> None:
        raise NotImplementedError

    def install(self, learner: Learner) -> list[tuple[str, object]]:
        """(kernel name, function) pairs for ``mt.backends.override``: the learner's functions,
        adapted to the seam's contract, declining (NotImplemented) what the exercise leaves out."""
        raise NotImplementedError


def in_framework(learner: Learner, fn, *args):
    """``fn(*args)`` with the learner's code inside: what it raises becomes :class:`Wrong`."""
    return call_learner(fn, *args, folder=learner.folder, what="code (called by the framework)")


@contextlib.contextmanager
def swapped(check: ExerciseCheck, learner: Learner) -> Iterator[list]:
    """The learner's kernels registered with ``mt.backends.override`` inside the block (its value:
    the handles); Wrong when the block never called any of them."""
    handles = [overrides.override(name, fn) for name, fn in check.install(learner)]
    try:
        yield handles
    finally:
        for handle in handles:
            handle.remove()
    if not any(handle.calls for handle in handles):
        raise Wrong(f"the framework never ran {check.yours}: every call was handed back to ours "
                    "(NotImplemented).")


def image_strategy(max_channels: int = 3, max_size: int = 6):
    """(C, H, W, kh, kw, dtype) with the kernel no larger than the image."""
    from hypothesis import strategies as st

    @st.composite
    def example(draw):
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        return {"C": draw(st.integers(1, max_channels)), "kh": kh, "kw": kw,
                "H": draw(st.integers(kh, max_size)), "W": draw(st.integers(kw, max_size)),
                "dtype": draw(st.sampled_from(["float64", "float32"])),
                "seed": draw(st.integers(0, 2**16))}

    return example()


def _columns_layout(e: dict) -> str:
    Ho, Wo = e["H"] - e["kh"] + 1, e["W"] - e["kw"] + 1
    return (f"(C*kh*kw, Ho*Wo) = ({e['C']}*{e['kh']}*{e['kw']}, {Ho}*{Wo}), one row per pixel of a "
            f"patch and one column per patch, with Ho = H - kh + 1 = {Ho} and Wo = W - kw + 1 = {Wo}")


def _row_and_column(e: dict, index) -> str:
    r, col = (int(i) for i in index)
    c, i, j = np.unravel_index(r, (e["C"], e["kh"], e["kw"]))
    Wo = e["W"] - e["kw"] + 1
    y, x = divmod(col, Wo)
    return (f"row {r} (channel c={c}, kernel offset i={i}, j={j}), column {col} (the patch at output "
            f"position y={y}, x={x}), which holds image[{c}, {y + i}, {x + j}]")


def _permuted_rows(cols: np.ndarray, e: dict, order: tuple) -> np.ndarray:
    """cols with its rows (c, i, j) listed in another order (a wrong loop nesting)."""
    blocks = cols.reshape(e["C"], e["kh"], e["kw"], -1)
    return np.ascontiguousarray(blocks.transpose(*order, 3)).reshape(cols.shape)


def _columns_transposed(cols: np.ndarray, e: dict) -> np.ndarray:
    Ho, Wo = e["H"] - e["kh"] + 1, e["W"] - e["kw"] + 1
    return np.ascontiguousarray(cols.reshape(-1, Ho, Wo).transpose(0, 2, 1)).reshape(cols.shape)


class Im2colCheck(ExerciseCheck):
    number, name, title = 1, "im2col", "im2col for one image"
    summary = "copy every kernel-sized patch of an image into a column"
    functions = ("im2col",)
    yours = "your im2col"
    framework = "F.unfold and F.conv2d (padding 0 and 1), your im2col swapped in"

    def strategy(self):
        return image_strategy()

    @staticmethod
    def _image(e: dict) -> np.ndarray:
        """Every pixel a different whole number (its index), so a wrong entry names its pixel."""
        return np.arange(e["C"] * e["H"] * e["W"]).reshape(e["C"], e["H"], e["W"]).astype(e["dtype"])

    def against_ours(self, learner: Learner, e: dict) -> None:
        image, kernel = self._image(e), (e["kh"], e["kw"])
        expected = kit.im2col(image, kernel)
        got = learner("im2col", image, kernel)
        try:
            compare(got, expected, what="the columns", layout=_columns_layout(e), fn_name="im2col",
                    where=lambda index: _row_and_column(e, index),
                    likely=[
                        ("your rows run over (i, j, c); they run over (c, i, j), with the kernel "
                         "offset j fastest, then i, then the channel c (F.unfold's order).",
                         lambda: _permuted_rows(expected, e, (1, 2, 0))),
                        ("your rows run over (c, j, i): the kernel offset j should vary fastest.",
                         lambda: _permuted_rows(expected, e, (0, 2, 1))),
                        ("your columns run down each image column first; the patches go row by "
                         "row (x fastest), column y*Wo + x.",
                         lambda: _columns_transposed(expected, e)),
                        ("your patches are flipped (i -> kh-1-i, j -> kw-1-j). im2col copies each "
                         "patch as it is: conv2d is a cross-correlation, nothing is flipped.",
                         lambda: expected.reshape(e["C"], e["kh"], e["kw"], -1)[:, ::-1, ::-1]
                         .reshape(expected.shape)),
                    ],
                    extra=lambda got: self._which_pixel(got, expected, image), input_name="image")
        except Wrong as wrong:
            raise Wrong(f"For a {image.dtype} image of shape {image.shape} (C, H, W) and a {kernel[0]}x"
                        f"{kernel[1]} kernel, stride 1:\n{show('image', image)}\n{wrong}") from None

    @staticmethod
    def _which_pixel(got, expected, image) -> str | None:
        wrong = ~np.isclose(got, expected)
        value = float(got[wrong][0])
        if value == int(value) and 0 <= value < image.size:
            c, r, q = np.unravel_index(int(value), image.shape)
            return (f"the first wrong entry holds image[{c}, {r}, {q}] (each pixel's value is its "
                    "index here): check the row and column that pixel should land in.")
        return None

    def through_framework(self, learner: Learner, e: dict) -> None:
        x = np.stack([self._image(e), -self._image(e)])
        weight = np.random.default_rng(e["seed"]).integers(-2, 3, (2, e["C"], e["kh"], e["kw"])).astype(
            e["dtype"])
        X, Wt = tensor(x), tensor(weight)
        with overrides.suspended():
            unfolded = nn.functional.unfold(X, (e["kh"], e["kw"])).numpy()
            conv = [nn.functional.conv2d(X, Wt, padding=p).numpy() for p in (0, 1)]
        with swapped(self, learner):
            got_unfolded = in_framework(learner, nn.functional.unfold, X, (e["kh"], e["kw"])).numpy()
            got_conv = [in_framework(learner, nn.functional.conv2d, X, Wt, None, 1, p).numpy()
                        for p in (0, 1)]
        context = f"A batch of 2 images of shape {x.shape[1:]}, a weight of shape {weight.shape}:\n"
        for got, expected, what in ((got_unfolded, unfolded, "F.unfold(x)"),
                                    (got_conv[0], conv[0], "F.conv2d(x, W)"),
                                    (got_conv[1], conv[1], "F.conv2d(x, W, padding=1)")):
            if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
                raise Wrong(f"{context}{what} with your im2col in it differs from ours, though your "
                            "im2col agreed with ours on its own. Does it depend on something besides "
                            f"its arguments?\n{show('yours', got)}\n{show('ours', expected)}")

    def install(self, learner: Learner):
        im2col = learner.function("im2col")

        def one_image(image, kernel_size, stride, dilation):
            if stride != (1, 1) or dilation != (1, 1):
                return NotImplemented  # exercise 1 is stride 1: ours takes the rest
            return im2col(image, kernel_size)

        return [("im2col", one_image)]


def _pixel_covered(index, patches: int) -> str:
    pixel = ", ".join(str(int(i)) for i in index)
    return f"pixel image[{pixel}], which {patches} patch{'es cover' if patches != 1 else ' covers'}"


class Col2imCheck(ExerciseCheck):
    number, name, title = 2, "col2im", "col2im, the adjoint of im2col"
    summary = "add every column entry back onto the pixel it came from"
    functions = ("col2im",)
    yours = "your col2im"
    framework = "F.fold, and gradcheck of F.conv2d's input gradient, your col2im swapped in"

    def strategy(self):
        return image_strategy()

    @staticmethod
    def _cols(e: dict) -> np.ndarray:
        K, L = e["C"] * e["kh"] * e["kw"], (e["H"] - e["kh"] + 1) * (e["W"] - e["kw"] + 1)
        return np.random.default_rng(e["seed"]).integers(1, 10, (K, L)).astype(e["dtype"])

    def against_ours(self, learner: Learner, e: dict) -> None:
        cols, size, kernel = self._cols(e), (e["H"], e["W"]), (e["kh"], e["kw"])
        expected = kit.col2im(cols, size, kernel)
        got = learner("col2im", cols, size, kernel)
        covers = kit.col2im(np.ones_like(cols), size, kernel)
        try:
            compare(got, expected, what="the image", fn_name="col2im",
                    layout=f"(C, H, W) = ({e['C']}, {e['H']}, {e['W']}), the image the columns came from",
                    where=lambda index: _pixel_covered(index, int(covers[tuple(index)])),
                    likely=[
                        ("your rows run over (i, j, c); they run over (c, i, j), with j fastest.",
                         lambda: kit.col2im(_permuted_rows(cols, e, (2, 0, 1)), size, kernel)),
                        ("your rows run over (c, j, i): the kernel offset j varies fastest.",
                         lambda: kit.col2im(_permuted_rows(cols, e, (0, 2, 1)), size, kernel)),
                    ],
                    extra=lambda got: self._overlap_hint(got, expected, covers), input_name="cols")
        except Wrong as wrong:
            x = np.arange(1, expected.size + 1).reshape(expected.shape).astype(e["dtype"])
            adjoint = ""
            if isinstance(got, np.ndarray) and got.shape == expected.shape:
                left, right = float((kit.im2col(x, kernel) * cols).sum()), float((x * got).sum())
                if left != right:
                    adjoint = (f"\nThe adjoint test fails too: for the image x = 1, 2, 3, ... (row by "
                               f"row), <im2col(x), cols> = {left:g}, but <x, your col2im(cols)> = "
                               f"{right:g}; they are equal for col2im, the adjoint of im2col.")
            raise Wrong(f"For {cols.dtype} columns of shape {cols.shape}, an image of size {size} and a "
                        f"{kernel[0]}x{kernel[1]} kernel, stride 1:\n{show('cols', cols)}\n{wrong}"
                        f"{adjoint}") from None

    @staticmethod
    def _overlap_hint(got, expected, covers) -> str | None:
        single = covers == 1
        right = np.isclose(got, expected)
        if right[single].all() and not right[~single].all():
            return ("every pixel that one patch covers is right, and pixels that several patches "
                    "cover are not: add (+=) the entries of every patch that covers a pixel; "
                    "assigning (=) keeps only one of them.")
        return None

    def through_framework(self, learner: Learner, e: dict) -> None:
        cols, size, kernel = self._cols(e), (e["H"], e["W"]), (e["kh"], e["kw"])
        with overrides.suspended():
            folded = nn.functional.fold(tensor(cols[None]), size, kernel).numpy()
        rng = np.random.default_rng(e["seed"])
        x = tensor(rng.standard_normal((1, e["C"], e["H"], e["W"])), requires_grad=True)
        weight = tensor(rng.standard_normal((2, e["C"], e["kh"], e["kw"])))
        with swapped(self, learner):
            got = in_framework(learner, nn.functional.fold, tensor(cols[None]), size, kernel).numpy()
            if not np.allclose(got, folded, rtol=1e-4, atol=1e-4):
                raise Wrong(f"F.fold with your col2im in it differs from ours:\n{show('yours', got)}\n"
                            f"{show('ours', folded)}")
            gradcheck_report(lambda image: nn.functional.conv2d(image, weight, padding=1), (x,),
                             f"the input gradient of F.conv2d (x {tuple(x.shape)}, W {tuple(weight.shape)}, "
                             "padding 1), which runs your col2im,", learner.folder)

    def install(self, learner: Learner):
        col2im = learner.function("col2im")

        def one_image(cols, image_size, kernel_size, stride, dilation):
            if stride != (1, 1) or dilation != (1, 1):
                return NotImplemented
            return col2im(cols, image_size, kernel_size)

        return [("col2im", one_image)]
