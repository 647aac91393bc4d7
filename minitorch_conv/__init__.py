"""minitorch_conv: a small, readable autograd framework with a teachable 2D convolution.

>>> import minitorch_conv as mt
>>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([[2., 4.],
        [6., 8.]])
"""

from __future__ import annotations

import os

# OpenBLAS's idle threads spin for about 2^28 cycles (~0.1 s) after every GEMM, holding a core
# that the Numba kernels running next need: on 2 cores a depthwise forward took 6.3 ms right after
# one matrix-vector product instead of 2.4 ms (docs/performance.md). 2^20 cycles (~0.4 ms) keeps
# back-to-back GEMMs just as fast. OpenBLAS reads this once, when NumPy loads it: a value the user
# set wins, and importing NumPy before minitorch_conv leaves OpenBLAS's default.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

from . import backends, cuda  # noqa: E402 - after the environment is set
from . import accelerator  # noqa: E402
from .backends import cudnn as _cudnn, mps as _mps  # noqa: E402,F401 - mt.backends.cudnn, .mps
from .autograd import (
    Function,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from .backends import (
    Device as device,
    DType as dtype,
    are_deterministic_algorithms_enabled,
    bool_ as bool,  # noqa: A001 - PyTorch's name
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
    use_deterministic_algorithms,
)
from .tensor import Size, Tensor, is_tensor, manual_seed, numel
from .runtime import get_num_threads, set_num_threads, set_printoptions  # noqa: E402
from . import ops  # noqa: E402  (binds the operators onto Tensor)
from .ops import *  # noqa: E402,F401,F403
from .ops import all, any, max, min, sum, abs, pow, round  # noqa: A004,E402,F401
# torch.special's names: ``from . import special`` would find the ``ops.special`` that ``ops *`` bound
from importlib import import_module as _import_module  # noqa: E402

special = _import_module(".special", __name__)
# torch.linalg's names: ``ops *`` bound ``ops.linalg`` (the matrix products) to this name
linalg = _import_module(".linalg", __name__)
from .ops.decompositions import det, inverse, logdet, slogdet  # noqa: E402,F401
from .ops.decompositions import legacy_cholesky as cholesky, legacy_svd as svd  # noqa: E402,F401
from .creation import (  # noqa: E402
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from . import autograd  # noqa: E402

half = float16
float = float32  # noqa: A001
double = float64
long = int64

__version__ = "0.1.0"

from . import nn, optim  # noqa: E402  (layers, losses, optimizers sit above Tensor and the ops)
from . import distributed  # noqa: E402  (PyTorch's distributed API; MPI starts only in a launched job)
from .generator import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)
from .sampling import bernoulli, multinomial, normal, poisson, randint_like  # noqa: E402
from . import amp, cpu  # noqa: E402  (mixed precision; torch.cpu)
from .type_info import can_cast, finfo, iinfo, promote_types, result_type  # noqa: E402
from .windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window  # noqa: E402
from . import top_level as _top_level  # noqa: E402  (torch.conv2d, torch.relu_, torch.compile, ...)

for _name, _function in _top_level.FUNCTIONS.items():
    if _name not in globals():  # an operation of this package's own keeps its own name
        globals()[_name] = _function
from .amp import (  # noqa: E402
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from . import data  # noqa: E402  (the alias of utils.data, which it imports)
from .serialization import load, save  # noqa: E402
from . import onnx  # noqa: E402  (mt.onnx.export; the onnx package is imported only to export)
