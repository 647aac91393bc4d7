"""The Tensor API: creation and dtype rules, metadata, printing, conversion, devices, in-place
operations, indexing and setitem."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import to_numpy

import minitorch_conv as mt
from minitorch_conv import backends

NO_GPU = pytest.mark.skipif(mt.cuda.is_available(), reason="tests the error raised without a GPU")


# ---------------------------------------------------------------------------- creation and dtypes
@pytest.mark.parametrize("data, dtype", [
    (1.5, mt.float32),
    ([1.0, 2.0], mt.float32),
    ([[1, 2], [3, 4]], mt.int64),
    ([1, 2.5], mt.float32),
    ([True, False], mt.bool),
    ([True, 2], mt.int64),
    (3, mt.int64),
    ([], mt.float32),
    (np.array([1.0, 2.0]), mt.float64),  # a float64 NumPy array stays float64
    (np.array([1.0], dtype=np.float32), mt.float32),
    (np.array([1, 2], dtype=np.int32), mt.int32),
    (np.float64(2.5), mt.float64),  # NumPy scalars keep their dtype, as with torch.tensor
    ([np.float32(1.0), 2.0], mt.float32),
    ([np.int64(1), 2.0], mt.float32),
])
def test_tensor_infers_dtype_like_torch(data, dtype):
    assert mt.tensor(data).dtype == dtype


def test_tensor_dtype_inference_matches_torch():
    torch = pytest.importorskip("torch")
    samples = [1.5, [1, 2], [1, 2.5], [True], np.float64(1.0), [np.float32(1), np.float64(2)],
               [np.int32(1), 2], [True, np.int8(1)], np.arange(3), np.ones(2, dtype=np.float16)]
    for data in samples:
        assert mt.tensor(data).dtype.name == str(torch.tensor(data).dtype).split(".")[1], data


def test_tensor_copies_its_data_and_respects_arguments(device):
    source = np.array([1.0, 2.0])
    t = mt.tensor(source, dtype=mt.float32, device=device, requires_grad=True)
    source[0] = 100.0
    assert to_numpy(t).tolist() == [1.0, 2.0]
    assert t.dtype == mt.float32 and t.requires_grad and t.is_leaf and t.grad is None
    assert t.device == mt.device(device)
    u = mt.tensor(t)  # from a tensor: a detached copy
    assert not u.requires_grad and u.dtype == mt.float32
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="Could not infer dtype of object"):  # PyTorch's class
        mt.tensor([object()])


def test_factories(device):
    for make in (mt.zeros, mt.ones, mt.empty, mt.rand, mt.randn):
        for args in [(2, 3), ((2, 3),), ([2, 3],)]:
            t = make(*args, device=device)
            assert t.shape == (2, 3) and t.dtype == mt.float32 and t.device == mt.device(device)
        assert make(2, dtype=mt.float64, device=device).dtype == mt.float64
        assert make(2, requires_grad=True).requires_grad
    assert to_numpy(mt.zeros(2, 2, device=device)).tolist() == [[0, 0], [0, 0]]
    assert to_numpy(mt.ones(3, device=device)).tolist() == [1, 1, 1]
    assert mt.zeros(()).shape == () and mt.zeros(0, 3).numel() == 0
    full = mt.full((2, 2), 7, device=device)
    assert full.dtype == mt.int64 and to_numpy(full).tolist() == [[7, 7], [7, 7]]
    assert mt.full((2,), 1.5).dtype == mt.float32 and mt.full((3,), True).dtype == mt.bool
    assert mt.full((2,), 1, dtype=mt.float64).dtype == mt.float64
    assert mt.full((2,), np.float64(1.5)).dtype == mt.float32  # a fill value is a Python number
    np.testing.assert_array_equal(mt.eye(3).numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_allclose(mt.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5), rtol=1e-6)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.ones(2, -1)  # (zeros has its own message in PyTorch: tests/test_arguments.py)
    with pytest.raises(TypeError, match="tuple of ints"):
        mt.zeros(2.5)


def test_arange_matches_numpy_and_torch_dtypes():
    assert mt.arange(5).dtype == mt.int64 and mt.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mt.arange(5, 0, -2).tolist() == [5, 3, 1]
    x = mt.arange(0, 1, 0.25)
    assert x.dtype == mt.float32 and x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mt.arange(0, 1, 0.1).shape == (10,)
    assert mt.arange(3, dtype=mt.float64).dtype == mt.float64
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        mt.arange(0, 1, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        mt.arange(0, 5, -1)



def test_integer_and_float_tensors_promote_like_torch():
    torch = pytest.importorskip("torch")
    pairs = [("int64", "float32"), ("int32", "float32"), ("bool", "float32"), ("int64", "float64"),
             ("bool", "int64"), ("int32", "int64"), ("uint8", "int8"), ("float32", "float64")]
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            ours = mt.ones(2, dtype=getattr(mt, x)) + mt.ones(2, dtype=getattr(mt, y))
            theirs = torch.ones(2, dtype=getattr(torch, x)) + torch.ones(2, dtype=getattr(torch, y))
            assert ours.dtype.name == str(theirs.dtype).split(".")[1], (x, y)
    assert mt.cat([mt.ones(1, dtype=mt.int64), mt.ones(1)]).dtype == mt.float32


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64),  # a 0-d float tensor's own dtype
    lambda m: m.tensor([True]) + m.tensor(1.5, dtype=m.float64),
    lambda m: m.tensor([1], dtype=m.int32) + m.tensor(5.0, dtype=m.float16),
    lambda m: m.tensor([True]) + m.tensor(5, dtype=m.int32),  # bool < integers
    lambda m: m.tensor([True]) + 5,  # a Python int raises a bool tensor to int64
    lambda m: m.tensor([True]) + 1.5,  # a Python float to the default float dtype
    lambda m: m.tensor([True]) * True,
    lambda m: m.tensor([1], dtype=m.int32) + m.tensor(5),  # the same category: the dimensioned one
    lambda m: m.tensor([1.0], dtype=m.float16) + m.tensor(5.0, dtype=m.float64),
    lambda m: m.maximum(m.tensor([True, False]), m.tensor(2)),
])
def test_a_zero_dim_operand_of_a_higher_category_gives_its_dtype_like_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(mt), make(torch)
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    assert ours.tolist() == theirs.tolist()


def test_randint_with_high_and_size_only():
    x = mt.randint(5, (3, 2))
    assert x.shape == (3, 2) and x.dtype == mt.int64
    assert ((x >= 0) & (x < 5)).all()
    y = mt.randint(3, 6, (100,))
    assert y.min().item() >= 3 and y.max().item() < 6

def test_like_factories_copy_shape_dtype_device(device):
    x = mt.ones(2, 3, dtype=mt.float64, device=device)
    for make in (mt.zeros_like, mt.ones_like, mt.empty_like, mt.rand_like, mt.randn_like):
        y = make(x)
        assert y.shape == x.shape and y.dtype == mt.float64 and y.device == x.device
        assert make(x, dtype=mt.float32).dtype == mt.float32
    assert to_numpy(mt.full_like(x, 4.0)).tolist() == [[4.0] * 3] * 2
    assert mt.zeros_like(x).__class__ is mt.Tensor and mt.zeros_like.__name__ == "zeros_like"


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    t = mt.from_numpy(a)
    a[0] = 5.0
    t[1] = 7.0
    assert t.dtype == mt.float64 and t.tolist() == [5.0, 7.0, 0.0] and a.tolist() == [5.0, 7.0, 0.0]
    assert mt.as_tensor(a).numpy() is a
    with pytest.raises(TypeError, match="expected np.ndarray"):
        mt.from_numpy([1.0, 2.0])


def test_default_dtype_can_be_changed_and_restored():
    assert mt.get_default_dtype() == mt.float32
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.zeros(2).dtype == mt.float64
        assert mt.tensor([1, 2]).dtype == mt.int64
    finally:
        mt.set_default_dtype(mt.float32)
    assert mt.tensor([1.0]).dtype == mt.float32
    with pytest.raises(TypeError, match="floating"):
        mt.set_default_dtype(mt.int64)


UPCAST_CASES = {
    "times_np_float64": lambda x: x * np.float64(2.0),
    "np_float64_times": lambda x: np.float64(2.0) * x,
    "plus_np_float64": lambda x: x + np.float64(0.5),
    "div_np_float64": lambda x: x / np.float64(3.0),
    "pow_np_float64": lambda x: x**np.float64(2.0),
    "times_float": lambda x: x * 2.0,
    "float_minus": lambda x: 1.0 - x,
    "plus_int": lambda x: x + 1,
    "times_np_int64": lambda x: x * np.int64(3),
    "maximum_0d_float64": lambda x: mt.maximum(x, mt.tensor(0.5, dtype=mt.float64)),  # (not a number:
    # PyTorch's maximum takes tensors only)
    "where_float": lambda x: mt.where(x > 0, x, 0.0),
    "clamp_np_float64": lambda x: x.clamp(0.1, np.float64(0.9)),
    "plus_0d_float64": lambda x: x + mt.tensor(1.0, dtype=mt.float64),  # a 0-d tensor gives way
}


@pytest.mark.parametrize("name", sorted(UPCAST_CASES))
def test_no_silent_float64_upcast(name, device):
    make = UPCAST_CASES[name]
    x = mt.tensor([0.25, 0.5], device=device, requires_grad=True)
    y = make(x)
    assert y.dtype == mt.float32
    y.sum().backward()
    assert x.grad.dtype == mt.float32


def test_manual_seed_makes_draws_reproducible(device):
    def draws():
        t = mt.empty(4, device=device)
        return [to_numpy(mt.rand(3, device=device)), to_numpy(mt.randn(3, device=device)),
                to_numpy(t.uniform_(-2, 2)), to_numpy(t.clone().normal_(1.0, 3.0)),
                to_numpy(mt.randint(0, 100, (5,), device=device)),
                to_numpy(mt.randperm(6, device=device))]

    mt.manual_seed(123)
    first = draws()
    mt.manual_seed(123)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    mt.manual_seed(124)
    assert not np.array_equal(draws()[0], first[0])
    assert sorted(first[-1].tolist()) == list(range(6))


# ---------------------------------------------------------------------------- metadata
def test_metadata():
    x = mt.zeros(2, 3, 4)
    assert isinstance(x.shape, mt.Size) and x.shape == (2, 3, 4)
    assert repr(x.shape) == "minitorch_conv.Size([2, 3, 4])"
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and x.shape.numel() == 24
    assert x.dtype == mt.float32 and x.device == mt.device("cpu") and str(x.device) == "cpu"
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None
    assert x.is_contiguous() and not x.transpose(0, 2).is_contiguous()
    assert x.stride() == (12, 4, 1) and x.element_size() == 4 and len(x) == 2
    assert x.is_floating_point() and not mt.tensor([1]).is_floating_point()
    assert mt.is_tensor(x) and not mt.is_tensor(np.zeros(1))


def test_requires_grad_flags():
    x = mt.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = mt.ones(2, requires_grad=True) * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).requires_grad_()
    d = y.detach()
    assert d.is_leaf and not d.requires_grad


# ---------------------------------------------------------------------------- printing
REPR_CASES = [
    [1.0, 2.0, 3.0], [[1.5, 2.0], [3.0, -4.0]], [0.5, 1e-5], [1.0, 123456.0], [1.0, 1e9],
    2.5, 3, True, [True, False], [[1, -20], [300, 4]], [0.0, 0.0], [1e-7, 2e-7],
    np.arange(6.0).reshape(1, 2, 3), np.arange(30.0).reshape(3, 10) / 7, np.arange(2000.0),
    np.linspace(-1, 1, 24).reshape(2, 3, 4),
]


@pytest.mark.parametrize("data", REPR_CASES, ids=range(len(REPR_CASES)))
def test_repr_matches_torch(data):
    torch = pytest.importorskip("torch")
    ours = repr(mt.tensor(data))
    theirs = repr(torch.tensor(data)).replace("torch.", "minitorch_conv.")
    assert ours == theirs


def test_repr_in_pytorch_style():
    assert repr(mt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mt.tensor([0.5, 1.25])) == "tensor([0.5000, 1.2500])"
    assert repr(mt.tensor([1, 2], dtype=mt.float64)) == "tensor([1., 2.], dtype=minitorch_conv.float64)"
    assert repr(mt.tensor([1, 2], dtype=mt.int32)) == "tensor([1, 2], dtype=minitorch_conv.int32)"
    assert repr(mt.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(mt.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    assert repr(mt.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(mt.zeros(0, dtype=mt.int64)) == "tensor([], dtype=minitorch_conv.int64)"
    assert repr(mt.ones(2, requires_grad=True) * 2) == "tensor([2., 2.], grad_fn=<MulBackward0>)"
    assert str(mt.tensor(2.0)) == "tensor(2.)"
    assert repr(mt.float64) == "minitorch_conv.float64" and repr(mt.device("cpu")) == "device(type='cpu')"


# ---------------------------------------------------------------------------- conversion
def test_item_tolist_and_python_numbers():
    x = mt.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]] and mt.tensor(3).tolist() == 3
    assert mt.tensor([2.5]).item() == 2.5 and isinstance(mt.tensor(7).item(), int)
    assert float(mt.tensor(2.5)) == 2.5 and int(mt.tensor(3.0)) == 3 and bool(mt.tensor([1]))
    assert [1, 2, 3][mt.tensor(1)] == 2
    assert [t.tolist() for t in x[0]] == [1.5, 2.0]
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(mt.ones(2))
    for convert in (float, int):  # ValueError, as torch's float()/int() of a 2-element tensor
        with pytest.raises(ValueError, match="only one element tensors can be converted"):
            convert(x)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mt.tensor(1.0))


def test_numpy_and_array_protocol():
    x = mt.tensor([1.0, 2.0])
    a = x.numpy()
    a[0] = 9.0  # numpy() shares memory on the CPU
    assert x.tolist() == [9.0, 2.0]
    assert np.asarray(x).dtype == np.float32 and np.asarray(x, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(np.array(x), [9.0, 2.0])
    s = x.sum()
    assert isinstance(s.numpy(), np.ndarray) and s.numpy().shape == ()  # 0-d results are arrays
    assert isinstance(x[0].numpy(), np.ndarray)
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Use tensor.detach\\(\\).numpy\\(\\)"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0, 1.0]


def test_dlpack_with_numpy_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = mt.from_dlpack(a)
    assert t.dtype == mt.float64 and t.shape == (2, 3)
    a[0, 0] = -1.0
    assert t[0, 0].item() == -1.0  # shares memory
    back = np.from_dlpack(t)
    back[1, 1] = 42.0
    assert t[1, 1].item() == 42.0
    np.testing.assert_array_equal(np.from_dlpack(mt.tensor([1.0, 2.0]).sum()), 3.0)
    assert mt.from_dlpack(t) is t
    with pytest.raises(RuntimeError, match="require gradient"):
        np.from_dlpack(mt.ones(2, requires_grad=True))


def test_dlpack_with_torch_both_ways():
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0).reshape(2, 3)
    ours = mt.from_dlpack(t)
    assert ours.dtype == mt.float32 and ours.tolist() == t.tolist()
    t[0, 0] = 5.0
    assert ours[0, 0].item() == 5.0
    assert mt.from_dlpack(t.T).tolist() == t.T.tolist()  # strided
    x = mt.arange(6.0).reshape(3, 2)
    theirs = torch.from_dlpack(x)
    theirs[2, 1] = -3.0
    assert x[2, 1].item() == -3.0
    y = mt.ones(3, requires_grad=True)
    (y * 2).sum().backward()
    assert torch.from_dlpack(y.grad).tolist() == [2.0, 2.0, 2.0]  # a gradient is a plain array


def test_to_and_cpu(device):
    x = mt.tensor([1.5, 2.5], device=device, requires_grad=True)
    assert x.to(x.dtype) is x and x.to(device) is x and x.to(x) is x
    y = x.to(mt.float64)
    assert y.dtype == mt.float64 and y.requires_grad and not y.is_leaf
    assert x.double().dtype == mt.float64 and x.detach().long().tolist() == [1, 2]
    assert x.to(float).dtype == mt.float64 and x.to(dtype=mt.float16).dtype == mt.float16
    assert x.to(mt.zeros(1, dtype=mt.float64, device=device)).dtype == mt.float64
    (y * y).sum().backward()  # the gradient comes back in the source dtype
    assert x.grad.dtype == mt.float32 and to_numpy(x.grad).tolist() == [3.0, 5.0]
    c = x.cpu()
    assert c.device == mt.device("cpu") and to_numpy(c).tolist() == [1.5, 2.5]
    assert x.clone() is not x and to_numpy(x.clone()).tolist() == [1.5, 2.5]
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(colour="red")


def test_clone_is_a_copy_with_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None
    with mt.no_grad():
        c.mul_(10)
    assert x.tolist() == [1.0, 2.0]
    (x.clone() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@NO_GPU
def test_cuda_without_gpu_raises_runtime_error():
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    for call in (lambda: mt.ones(2).to("cuda"), lambda: mt.ones(2).cuda(), lambda: mt.ones(2).to("cuda:1"),
                 lambda: mt.zeros(2, device="cuda"), lambda: mt.tensor([1.0], device="cuda:0")):
        with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
            call()


def test_mixed_devices_raise_naming_both():
    """Without a GPU, a NumPy backend labelled 'cuda:0' stands in for one: the device check
    only looks at each tensor's device."""
    fake_gpu = backends.NumpyBackend(mt.device("cuda:0"))
    x = mt.ones(2)
    y = mt.Tensor(np.ones(2, dtype=np.float32), backend=fake_gpu)
    assert y.device == mt.device("cuda:0")
    for call in (lambda: x + y, lambda: y * x, lambda: x @ y, lambda: mt.maximum(x, y),
                 lambda: mt.cat([x, y]), lambda: x < y, lambda: mt.where(x > 0, y, y)):
        with pytest.raises(RuntimeError, match=r"two devices, (cpu and cuda:0|cuda:0 and cpu)"):
            call()


def test_a_0d_cpu_tensor_joins_another_devices_tensor_as_in_pytorch():
    """PyTorch's element-wise operations take a 0-d CPU tensor (a number in tensor form) beside a
    CUDA tensor: it moves to their device, and its gradient comes back to the CPU."""
    fake_gpu = backends.NumpyBackend(mt.device("cuda:0"))
    y = mt.Tensor(np.array([1.0, -2.0, 3.0]), backend=fake_gpu, requires_grad=True)
    s = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    for out, expected in ((y * s, [2.0, -4.0, 6.0]), (s - y, [1.0, 4.0, -1.0]),
                          (mt.maximum(y, s), [2.0, 2.0, 3.0]), (mt.where(y > 0, s, y), [2.0, -2.0, 2.0]),
                          (y.masked_fill(y < 0, s), [1.0, 2.0, 3.0]),
                          (mt.lerp(y, y * 0, s), [-1.0, 2.0, -3.0]), ((y > s).double(), [0.0, 0.0, 1.0])):
        assert out.device == mt.device("cuda:0") and out.tolist() == expected
    (y * s).sum().backward()
    assert s.grad.device == mt.device("cpu") and s.grad.item() == 2.0
    assert y.grad.device == mt.device("cuda:0") and y.grad.tolist() == [2.0, 2.0, 2.0]
    for call in (lambda: mt.where(mt.tensor([True, False, True]), y, s), lambda: mt.cat([y, s.reshape(1)]),
                 lambda: y.gather(0, mt.tensor(0)), lambda: y @ mt.tensor([1.0, 1.0, 1.0], dtype=mt.float64)):
        with pytest.raises(RuntimeError, match=r"two devices"):
            call()


@pytest.mark.skipif(not mt.cuda.is_available(), reason="needs a CUDA GPU")
def test_mixed_devices_on_gpu_raise_and_transfers_work():
    x = mt.ones(2)
    y = x.to("cuda")
    assert y.device == mt.device("cuda:0") and y.is_cuda and "device='cuda:0'" in repr(y)
    with pytest.raises(RuntimeError, match="cpu and cuda:0|cuda:0 and cpu"):
        x + y
    z = mt.tensor([1.0, 2.0], requires_grad=True)
    (z.cuda() * 2).sum().backward()
    assert z.grad.device == mt.device("cpu") and z.grad.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="Tensor.cpu"):
        y.numpy()


# ---------------------------------------------------------------------------- in-place operations
def test_inplace_ops_values(device):
    a = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    x = mt.tensor(a, device=device)
    version = x._version
    assert x.add_(1) is x and to_numpy(x).tolist() == (a + 1).tolist()
    assert to_numpy(x.add_(mt.tensor([1.0, 1.0, 1.0], device=device), alpha=2)).tolist() == (a + 3).tolist()
    assert to_numpy(x.sub_(3)).tolist() == a.tolist()
    assert to_numpy(x.sub_(x.detach().clone(), alpha=0.5)).tolist() == (a / 2).tolist()
    assert to_numpy(x.mul_(4)).tolist() == (a * 2).tolist()
    assert to_numpy(x.div_(2)).tolist() == a.tolist()
    assert to_numpy(x.clamp_(-1, 2)).tolist() == [1.0, -1.0, 2.0]
    assert to_numpy(x.fill_(2.5)).tolist() == [2.5] * 3
    assert to_numpy(x.zero_()).tolist() == [0.0] * 3
    assert to_numpy(x.copy_(mt.tensor([7, 8, 9], device=device))).tolist() == [7.0, 8.0, 9.0]
    assert to_numpy(x.copy_(np.array([5.0]))).tolist() == [5.0] * 3  # broadcast and cast
    assert x.dtype == mt.float32 and x._version == version + 11


def test_random_inplace_fills_keep_dtype_and_bounds(device):
    x = mt.empty(1000, dtype=mt.float64, device=device)
    x.uniform_(-3.0, -1.0)
    v = to_numpy(x)
    assert x.dtype == mt.float64 and v.min() >= -3.0 and v.max() < -1.0 and len(np.unique(v)) > 900
    y = mt.empty(1000, device=device).normal_(5.0, 0.01)
    assert y.dtype == mt.float32 and abs(to_numpy(y).mean() - 5.0) < 0.01


def test_inplace_on_leaf_requiring_grad():
    w = mt.ones(3, requires_grad=True)
    for call in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.fill_(1.0),
                 lambda: w.copy_(mt.zeros(3)), lambda: w.uniform_(), lambda: w.normal_(),
                 lambda: w.sub_(1), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used"):
            call()
    (w * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    with mt.no_grad():  # the optimiser's pattern
        w.sub_(w.grad, alpha=0.5)
        w[0] = 10.0
    assert w.tolist() == [10.0, 0.0, -0.5] and w.requires_grad and w.is_leaf
    w.grad.zero_()  # a gradient is writable, even one that came from a broadcast
    assert w.grad.tolist() == [0.0, 0.0, 0.0]


def test_gradients_do_not_alias_each_other_or_the_upstream_gradient():
    x = mt.ones(2, requires_grad=True)
    y = mt.ones(2, requires_grad=True)
    g = mt.tensor([1.0, 2.0])
    (x + y).backward(g)
    x.grad.mul_(10)
    assert y.grad.tolist() == [1.0, 2.0] and g.tolist() == [1.0, 2.0]
    z = mt.ones(2, 3, requires_grad=True)
    z.sum().backward()
    z.grad[0, 0] = 5.0
    assert z.grad.tolist() == [[5.0, 1.0, 1.0], [1.0, 1.0, 1.0]]


def test_inplace_inside_the_graph_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(x)
        y[1] = 3.0
        z = y * 1.5
        z.clamp_(max=4.0)
        z.sum().backward()
        return z.detach().numpy(), x.grad.numpy()

    for a, b in zip(run(mt), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_inplace_from_operands_that_require_grad_records_the_graph():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        buf = lib.zeros(5, dtype=lib.float64)
        buf[1:4] = x * x  # setitem of a value that requires grad
        out = lib.zeros(5, dtype=lib.float64)
        out.copy_(buf)  # copy_ of a source that requires grad
        acc = lib.ones(5, dtype=lib.float64)
        acc.mul_(out)
        (acc * lib.arange(5, dtype=lib.float64)).sum().backward()
        return x.grad.numpy(), acc.requires_grad

    (ours, ours_rg), (theirs, theirs_rg) = run(mt), run(torch)
    np.testing.assert_allclose(ours, theirs)
    assert ours_rg and theirs_rg


def test_copy_over_non_finite_values_gives_the_source():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * mt.tensor([float("inf"), float("nan")])
    y.copy_(mt.tensor([5.0, 6.0]))
    assert y.tolist() == [5.0, 6.0] and y.requires_grad
    z = x * mt.tensor([float("inf"), 1.0])
    z.zero_()
    assert z.tolist() == [0.0, 0.0]
    w = x * mt.tensor([float("-inf"), 1.0])
    w.fill_(2.0)
    assert w.tolist() == [2.0, 2.0]


def test_inplace_on_an_expanded_tensor_raises():
    x = mt.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="clone\\(\\) the tensor"):
        x.mul_(2)
    assert x.clone().add_(1).tolist() == [[2.0] * 3] * 2
    x.zero_()  # one value everywhere is well defined, and PyTorch allows it
    assert x.tolist() == [[0.0] * 3] * 2


def test_inplace_shape_mismatch_raises():
    for x in (mt.ones(2), mt.ones(2, requires_grad=True) * 1):
        with pytest.raises(RuntimeError, match=r"shape \[2\] doesn't match the broadcast shape \[3, 2\]"):
            x.add_(mt.ones(3, 2))
        assert x.shape == (2,)



def test_augmented_assignment_is_in_place_like_torch():
    torch = pytest.importorskip("torch")
    for op in ("+=", "-=", "*=", "/="):
        ours, theirs = mt.ones(3), torch.ones(3)
        alias_ours, alias_theirs = ours, theirs
        exec(f"ours {op} 2; theirs {op} 2")
        assert alias_ours is ours and alias_theirs is theirs, op
        np.testing.assert_array_equal(alias_ours.numpy(), alias_theirs.numpy())
    p = mt.ones(2, requires_grad=True)
    p.grad = mt.full((2,), 0.5)
    params = [p]
    with mt.no_grad():
        for q in params:
            q -= 0.1 * q.grad  # a hand-written SGD step updates the parameter itself
    np.testing.assert_allclose(p.detach().numpy(), [0.95, 0.95])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p += 1


def test_inplace_refuses_a_float_result_into_an_integer_tensor():
    torch = pytest.importorskip("torch")
    for lib in (mt, torch):
        x = lib.ones(3, dtype=lib.int64)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            x.add_(1.5)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            x += 1.5
        assert x.tolist() == [1, 1, 1] and x.dtype == lib.int64
        x.add_(2)  # int into int is fine, and float64 into float32 is cast
        assert x.tolist() == [3, 3, 3]
        y = lib.ones(2)
        y.add_(lib.ones(2, dtype=lib.float64))
        assert y.dtype == lib.float32 and y.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------- indexing and setitem
def test_indexing_values(device):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mt.tensor(a, device=device)
    mask = a > 10
    for index, ours in [
        ((1, 2, 3), (1, 2, 3)),
        ((slice(None), 1), (slice(None), 1)),
        ((Ellipsis, slice(1, 3)), (Ellipsis, slice(1, 3))),
        ((None, 0), (None, 0)),
        (([1, 0, 1],), ([1, 0, 1],)),
        ((0, [2, 2, 0], slice(None)), (0, [2, 2, 0], slice(None))),
        ((mask,), (mt.tensor(mask, device=device),)),
        ((np.array([[0, 1]]),), (mt.tensor([[0, 1]], device=device),)),
        ((slice(None, None, -1),), (slice(None, None, -1),)),
    ]:
        np.testing.assert_array_equal(to_numpy(x[ours if len(ours) > 1 else ours[0]]),
                                      a[index if len(index) > 1 else index[0]])


def test_setitem_values(device):
    a = np.zeros((3, 4), dtype=np.float32)
    x = mt.tensor(a, device=device)
    x[0] = 1.0
    a[0] = 1.0
    x[:, 1] = mt.tensor([5.0, 6.0, 7.0], device=device)
    a[:, 1] = [5.0, 6.0, 7.0]
    x[mt.tensor(a > 5.5, device=device)] = -1.0
    a[a > 5.5] = -1.0
    x[[2, 2], [0, 3]] = 9
    a[[2, 2], [0, 3]] = 9
    np.testing.assert_array_equal(to_numpy(x), a)
    assert x.dtype == mt.float32


def test_integers_mixed_with_array_indices_select_first_like_torch():
    torch = pytest.importorskip("torch")
    data = np.arange(24.0).reshape(2, 3, 4)
    keys = [lambda t: (0, slice(None), [1, 2]), lambda t: ([0, 1], 0, [1, 2]),
            lambda t: (t.tensor(1), slice(1, None), [[1], [2]]), lambda t: (None, -1, Ellipsis, [0, 3]),
            lambda t: (0, slice(None), t.tensor([True, False, True, False]))]
    for key in keys:
        ours = mt.tensor(data, requires_grad=True)
        theirs = torch.tensor(data, requires_grad=True)
        y, z = ours[key(mt)], theirs[key(torch)]
        assert y.shape == tuple(z.shape)
        np.testing.assert_array_equal(y.detach().numpy(), z.detach().numpy())
        upstream = np.arange(float(z.numel())).reshape(z.shape)
        (y * mt.tensor(upstream)).sum().backward()
        (z * torch.tensor(upstream)).sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
        a, b = mt.zeros(2, 3, 4, dtype=mt.float64), torch.zeros(2, 3, 4, dtype=torch.float64)
        a[key(mt)] = mt.tensor(upstream)
        b[key(torch)] = torch.tensor(upstream)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_setitem_shape_mismatch_and_integer_clamp_like_torch():
    torch = pytest.importorskip("torch")
    for lib in (mt, torch):
        with pytest.raises(RuntimeError):
            lib.zeros(2, 3)[0] = lib.ones(2)
        clamped = lib.tensor([1, 5]).clamp(min=2.5)
        assert clamped.dtype == lib.float32 and clamped.tolist() == [2.5, 5.0]
        assert lib.tensor([1, 5]).clamp(min=2).dtype == lib.int64

def test_index_gradient_accumulates_repeated_indices():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = mt.tensor([0, 2, 0, 0])
    (x[idx] * mt.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert x.grad.tolist() == [1101.0, 0.0, 10.0]
    y = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y[y > 1.5].sum().backward()
    assert y.grad.tolist() == [[0.0, 1.0], [1.0, 1.0]]


def test_iteration_and_len():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(x) == 2 and [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * 2 + rows[1]).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [1.0, 1.0]]


def test_empty_tensors_have_pytorchs_strides_and_gradcheck_takes_them():
    """NumPy gives an empty array's dimensions stride 0, which PyTorch never does (and which made
    gradcheck refuse an empty upstream gradient as overlapping)."""
    torch = pytest.importorskip("torch")
    for shape in [(2, 0), (0, 3), (2, 0, 3), (0,)]:
        assert mt.zeros(*shape).stride() == torch.zeros(*shape).stride()
    x = mt.ones(2, 3, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: t[:, 3:] * 2, (x,))
