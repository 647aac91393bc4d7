"""vision.models: shapes, parameter counts from the papers, gradients reaching every parameter,
the CIFAR ResNet's parameter-free shortcut by hand, and torchvision's state_dict keys and outputs
(weights loaded from torchvision's model) where torchvision is installed."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv import nn
from minitorch_conv.vision import models


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    "build,shape,params",
    [
        (lambda: models.lenet5(padding=2), (2, 1, 28, 28), 61706),
        (lambda: models.lenet5(), (2, 1, 32, 32), 61706),
        (lambda: models.resnet20(), (2, 3, 16, 16), 269722),  # "0.27M" in the paper's table 6
        (lambda: models.resnet56(num_classes=100), (2, 3, 8, 8), 853018 + 64 * 90 + 90),  # "0.85M"
        (lambda: models.alexnet_small(), (2, 3, 32, 32), None),
        (lambda: models.mobilenet_v2(num_classes=10, width_mult=0.5), (2, 3, 32, 32), None),
        (lambda: models.resnet18(num_classes=10), (2, 3, 32, 32), 11181642),
        (
            lambda: models.VGG(models.make_layers([8, "M", 16, "M"], batch_norm=True), num_classes=5),
            (2, 3, 16, 16),
            None,
        ),
    ],
    ids=[
        "lenet5-28",
        "lenet5-32",
        "resnet20",
        "resnet56",
        "alexnet_small",
        "mobilenet_v2",
        "resnet18",
        "vgg",
    ],
)
def test_models_run_forward_and_backward(build, shape, params):
    mt.manual_seed(0)
    model = build()
    if params is not None:
        assert n_params(model) == params
    x = mt.randn(*shape)
    out = model(x)
    assert out.ndim == 2 and out.shape[0] == shape[0]
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    with mt.no_grad():
        assert model(x).shape == out.shape


def test_cifar_resnet_shortcut_is_option_a():
    block = models.CifarBasicBlock(4, 8, stride=2)
    assert not [k for k in block.state_dict() if k.startswith("shortcut")]  # no parameters
    for conv in (block.conv1, block.conv2):
        nn.init.zeros_(conv.weight)
    block.eval()
    x = mt.randn(2, 4, 6, 6)
    with mt.no_grad():
        out = block(x).numpy()  # the residual branch is zero: out = relu(shortcut(x))
    expected = np.zeros((2, 8, 3, 3), np.float32)
    expected[:, 2:6] = np.maximum(x.numpy()[:, :, ::2, ::2], 0)  # subsampled, zero channels on both sides
    np.testing.assert_allclose(out, expected, atol=1e-6)
    with pytest.raises(ValueError, match="depth should be 6n \\+ 2"):
        models.CifarResNet(depth=21)


def test_resnet_state_dict_keys_are_torchvisions_names():
    keys = list(models.resnet18(num_classes=10).state_dict())
    assert keys[:6] == [
        "conv1.weight",
        "bn1.weight",
        "bn1.bias",
        "bn1.running_mean",
        "bn1.running_var",
        "bn1.num_batches_tracked",
    ]
    assert "layer2.0.downsample.0.weight" in keys and "layer2.0.downsample.1.running_var" in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"] and len(keys) == 122
    mobilenet = list(models.mobilenet_v2(num_classes=10).state_dict())
    assert mobilenet[:2] == ["features.0.0.weight", "features.0.1.weight"]
    assert "features.1.conv.0.0.weight" in mobilenet and "features.2.conv.1.0.weight" in mobilenet
    assert mobilenet[-2:] == ["classifier.1.weight", "classifier.1.bias"] and len(mobilenet) == 314
    with pytest.raises(ValueError, match="ships no pretrained weights"):
        models.resnet18(weights="IMAGENET1K_V1")


@pytest.mark.parametrize(
    "name,size", [("resnet18", 32), ("mobilenet_v2", 32), ("alexnet", 64), ("vgg11_bn", 32)]
)
def test_same_keys_and_outputs_as_torchvision(name, size):
    tv = pytest.importorskip("torchvision")  # first: it is skipped without importing PyTorch
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = getattr(tv.models, name)(num_classes=10).eval()
    ours = getattr(models, name)(num_classes=10).eval()
    reference = theirs.state_dict()
    assert list(ours.state_dict()) == list(reference)
    assert all(tuple(v.shape) == tuple(reference[k].shape) for k, v in ours.state_dict().items())
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in reference.items()})
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), expected, atol=1e-4, rtol=1e-4)
    assert repr(ours) == repr(theirs)
