# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Walk-through for exercises 8 and 9: a max-pool backward, and an autograd.Function of your own
#
# **By the end of this notebook you will understand**
#
# - where a max-pool sends its gradient: to each window's maximum only, the *first* one when
#   the maximum appears twice, added up where windows overlap;
# - how an `autograd.Function` joins autograd: `forward` saves what `backward` needs, `backward`
#   returns one gradient per input;
# - how to check a backward with `mt.autograd.gradcheck`, and read what it reports.
#
# Then: `python -m minitorch_conv.exercises start max_pool_backward` (and `custom_function`).

# %%
import minitorch_conv as mt
import minitorch_conv.nn.functional as F

# %% [markdown]
# ## The max-pool backward
#
# Two 2x2 windows, stride 1, so they overlap in the middle column. The left window's maximum,
# 3, appears twice: the first one (row by row) takes the gradient. The right window's maximum
# is the same pixel, so that pixel receives both windows' gradients, 10 + 20.

# %%
x = mt.tensor([[[[1.0, 3.0, 2.0], [3.0, 0.0, 1.0]]]], requires_grad=True)
y = F.max_pool2d(x, kernel_size=2, stride=1)
y.backward(mt.tensor([[[[10.0, 20.0]]]]))
print(y)
print(x.grad)

# %% [markdown]
# ## An autograd.Function of your own
#
# A Function is a forward and a backward side by side. Here is one for $f(x) = x^3$, with a
# backward that forgets the factor 3; gradcheck compares it with finite differences and
# explains the mismatch.

# %%
class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x * x  # should be 3 * x * x * grad_output


x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
try:
    mt.autograd.gradcheck(Cube.apply, (x,))
except mt.autograd.GradcheckError as error:
    report = str(error)
print("\n".join(report.splitlines()[-3:]))

# %% [markdown]
# Exercise 9 asks for conv2d as such a Function, on the kernels of exercises 3 to 5. The check
# swaps it in through the seam's one op-level name, `mt.backends.override("conv2d_function",
# ...)`, so that `F.conv2d` and `nn.Conv2d` use your Function, and trains the example CNN on it.
#
# ```bash
# python -m minitorch_conv.exercises start max_pool_backward
# python -m minitorch_conv.exercises check max_pool_backward
# python -m minitorch_conv.exercises start custom_function
# python custom_function.py          # your own gradcheck first
# python -m minitorch_conv.exercises check custom_function
# ```
