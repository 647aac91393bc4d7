"""mt.onnx.export: every exported model is checked by onnx.checker and run in ONNX Runtime (CPU)
against our own forward, at the traced batch size and another one (batch is a dynamic axis)."""

from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path

import numpy as np
import pytest
from interop_models import mobilenet_block, randomize_batchnorm, resnet18

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = Path(__file__).resolve().parents[2]


def export_and_compare(model, example, *, batches=(5,), opset=None, atol=1e-5, **kwargs):
    """Export ``model`` traced on ``example`` with a dynamic batch; run it in ONNX Runtime at the
    example's batch size and at ``batches``; compare with ``model``; return the ModelProto."""
    buffer = io.BytesIO()
    mt.onnx.export(model, example, buffer, input_names=["x"], output_names=["y"],
                   dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=opset,
                   **kwargs)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    model.eval()
    rng = np.random.default_rng(0)
    for batch in (example.shape[0], *batches):
        x = rng.standard_normal((batch, *example.shape[1:])).astype(np.float32)
        with mt.no_grad():
            expected = model(mt.tensor(x)).numpy()
        (got,) = session.run(None, {"x": x})
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=atol)
    return proto


def op_types(proto) -> list[str]:
    return [node.op_type for node in proto.graph.node if node.op_type != "Constant"]


def load_example_cnn():
    spec = importlib.util.spec_from_file_location("train_cnn", ROOT / "examples" / "train_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SmallCNN


# ---------------------------------------------------------------------------- the example models
def test_the_example_cnn():
    mt.manual_seed(0)
    model = load_example_cnn()((8, 8), channels=(8, 16))
    proto = export_and_compare(model, mt.randn(2, 1, 8, 8), batches=(1, 7))
    assert op_types(proto) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {i.name for i in proto.graph.initializer} == set(model.state_dict())


def test_a_resnet_with_batchnorm():
    mt.manual_seed(0)
    model = resnet18(nn, num_classes=10, width=8)
    randomize_batchnorm(model, mt)
    proto = export_and_compare(model, mt.randn(2, 3, 32, 32))
    ops = op_types(proto)
    assert ops.count("BatchNormalization") == 20 and ops.count("Add") == 8  # the 8 residual adds
    assert "GlobalAveragePool" in ops and "Gemm" in ops
    names = [node.name for node in proto.graph.node]
    assert "/layer1/0/conv1/Conv" in names  # nodes are named after the module path


@pytest.mark.parametrize("stride", [1, 2])
def test_a_depthwise_mobilenet_block(stride):
    mt.manual_seed(0)
    model = mobilenet_block(nn, channels=8, expansion=4, stride=stride)
    randomize_batchnorm(model, mt)
    proto = export_and_compare(model, mt.randn(2, 8, 10, 10))
    groups = [next(a.i for a in node.attribute if a.name == "group")
              for node in proto.graph.node if node.op_type == "Conv"]
    assert groups == [1, 32, 1]
    assert op_types(proto).count("Clip") == 2 and ("Add" in op_types(proto)) == (stride == 1)


@pytest.mark.parametrize("opset", [13, 17, 20, 22])
def test_opset_versions(opset):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding="same"), nn.BatchNorm2d(4), nn.GELU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2), nn.Softmax(1))
    proto = export_and_compare(model, mt.randn(2, 3, 6, 6), opset=opset)
    assert proto.opset_import[0].version == opset
    assert ("Gelu" in op_types(proto)) == (opset >= 20)  # an Erf formula before opset 20


# ---------------------------------------------------------------------------- layer by layer
class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


LAYERS = {
    "conv asymmetric same": (nn.Conv2d(4, 6, (4, 3), padding="same", dilation=(2, 1)), ["Conv"]),
    "conv strides dilations groups": (nn.Conv2d(4, 6, 3, stride=(2, 1), padding=(1, 2),
                                                dilation=(1, 2), groups=2), ["Conv"]),
    "conv reflect": (nn.Conv2d(4, 6, 3, padding=2, padding_mode="reflect"), ["Pad", "Conv"]),
    "conv replicate": (nn.Conv2d(4, 6, 3, padding=1, padding_mode="replicate"), ["Pad", "Conv"]),
    "conv circular": (nn.Conv2d(4, 6, 3, padding=(1, 2), padding_mode="circular"), None),
    "conv transpose": (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1),
                       ["ConvTranspose"]),
    "conv transpose groups": (nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=(0, 1), groups=2,
                                                 dilation=2), ["ConvTranspose"]),
    "max pool": (nn.MaxPool2d(3, 2, 1), ["MaxPool"]),
    "max pool ceil dilation": (nn.MaxPool2d(2, 2, 0, dilation=2, ceil_mode=True), ["MaxPool"]),
    "avg pool": (nn.AvgPool2d(3, 2, 1), ["AveragePool"]),
    "avg pool exclude pad ceil": (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                  ["AveragePool"]),
    "avg pool divisor": (nn.AvgPool2d(2, divisor_override=3), ["AveragePool", "Mul"]),
    "adaptive (1, 1)": (nn.AdaptiveAvgPool2d((1, 1)), ["GlobalAveragePool"]),
    "adaptive (3, 5)": (nn.AdaptiveAvgPool2d((3, 5)), ["AveragePool"]),
    "adaptive (4, 7), unequal windows": (nn.AdaptiveAvgPool2d((4, 7)), ["MatMul", "MatMul"]),
    "relu": (nn.ReLU(), ["Relu"]), "leaky relu": (nn.LeakyReLU(0.2), ["LeakyRelu"]),
    "sigmoid": (nn.Sigmoid(), ["Sigmoid"]), "tanh": (nn.Tanh(), ["Tanh"]),
    "gelu": (nn.GELU(), ["Gelu"]), "gelu tanh": (nn.GELU("tanh"), ["Gelu"]),
    "silu": (nn.SiLU(), ["Sigmoid", "Mul"]), "elu": (nn.ELU(0.5), ["Elu"]),
    "softplus": (nn.Softplus(2.0, 3.0), None),
    "softmax": (nn.Softmax(1), ["Softmax"]), "log softmax": (nn.LogSoftmax(-1), ["LogSoftmax"]),
    "batch norm": (nn.BatchNorm2d(4), ["BatchNormalization"]),
    "dropout (eval)": (nn.Dropout(0.3), ["Identity"]),
    "linear (3-D input)": (nn.Linear(10, 3), ["Transpose", "MatMul", "Add"]),
    "flatten": (nn.Flatten(), ["Flatten"]),
    "pad constant": (Fn(lambda x: F.pad(x, (1, 2, 0, 3), value=1.5)), ["Pad"]),
    "pad negative": (Fn(lambda x: F.pad(x, (-1, 2, 0, -2))), ["Pad"]),
    "pad reflect": (Fn(lambda x: F.pad(x, (1, 2, 2, 3), mode="reflect")), ["Pad"]),
    "pad replicate": (Fn(lambda x: F.pad(x, (1, 2, 2, 3), mode="replicate")), ["Pad"]),
    "pad circular": (Fn(lambda x: F.pad(x, (1, 2, 2, 3), mode="circular")), None),
    "arithmetic": (Fn(lambda x: (x + 1) * 2 - x / 3 + 2 ** x.tanh() - (1 - x) / (x.abs() + 1)),
                   None),
    "in place": (Fn(lambda x: F.relu(x * 2, inplace=True).add_(1).mul_(x)), None),
    "concat": (Fn(lambda x: mt.cat([x, x * 2], 1)), ["Mul", "Concat"]),
    "view keeps the batch": (Fn(lambda x: x.view(x.size(0), -1)), ["Reshape"]),
    "reshape -1 first": (Fn(lambda x: x.reshape(-1, 90)), ["Reshape"]),
    "matmul": (Fn(lambda x: x @ x.transpose(2, 3)), ["Transpose", "MatMul"]),
    "mean over space": (Fn(lambda x: x.mean((2, 3))), ["ReduceMean"]),
    "indexing": (Fn(lambda x: x[:, 1:3, 1:9:2, -4:] + x[..., 0, None, 1:5, :4]), None),
    "where, clamp": (Fn(lambda x: mt.where(x > 0, x, x * 0.1) + x.clamp(-0.5, 0.5)), None),
    "split, chunk, stack": (Fn(lambda x: mt.stack(x.chunk(2, 1), 0).sum(0) + x.split(2, 1)[1]),
                            None),
    "ones_like": (Fn(lambda x: x + mt.ones_like(x)), None),
}

for _name, _factory, _ops in (  # layers of the nn package that other work adds
        ("group norm", lambda: nn.GroupNorm(2, 4), None),
        ("instance norm", lambda: nn.InstanceNorm2d(4, affine=True), ["InstanceNormalization"]),
        ("layer norm", lambda: nn.LayerNorm([9, 10]), ["LayerNormalization"]),
        ("pixel shuffle", lambda: nn.PixelShuffle(2), ["DepthToSpace"]),
        ("zero pad", lambda: nn.ZeroPad2d((1, 2, 3, 4)), ["Pad"]),
        ("reflection pad", lambda: nn.ReflectionPad2d(2), ["Pad"]),
        ("relu6", lambda: nn.ReLU6(), ["Clip"]), ("hardswish", lambda: nn.Hardswish(), ["HardSwish"]),
        ("upsample", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), ["Resize"])):
    try:
        LAYERS[_name] = (_factory(), _ops)
    except AttributeError:  # not in this version of nn
        pass


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer(name):
    mt.manual_seed(0)
    model, expected_ops = LAYERS[name]
    example = mt.randn(2, 5, 10) if name.startswith("linear") else mt.randn(2, 4, 9, 10)
    if isinstance(model, nn.BatchNorm2d):
        randomize_batchnorm(nn.Sequential(model), mt)
    proto = export_and_compare(model, example)
    if expected_ops is not None:
        assert op_types(proto) == expected_ops


@pytest.mark.skipif(not hasattr(F, "interpolate"), reason="F.interpolate is not implemented")
@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("bilinear", False),
                                                ("bilinear", True)])
@pytest.mark.parametrize("how", ["scale_factor", "size"])
def test_resize(mode, align_corners, how):
    size_or_scale = {"scale_factor": 2} if how == "scale_factor" else {"size": (13, 7)}
    model = Fn(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **size_or_scale))
    proto = export_and_compare(model, mt.randn(2, 3, 9, 10))
    assert op_types(proto)[-1] == "Resize"


# ---------------------------------------------------------------------------- refusals
def test_an_unsupported_operation_is_named():
    model = nn.Sequential(nn.Linear(4, 4), Fn(lambda x: x.cumsum(1)))
    with pytest.raises(mt.onnx.UnsupportedOperatorError, match="'Tensor.cumsum' to ONNX opset "
                                                              "version 20"):
        mt.onnx.export(model, mt.randn(2, 4), io.BytesIO())
    with pytest.raises(mt.onnx.UnsupportedOperatorError, match="max_pool2d.*return_indices"):
        mt.onnx.export(Fn(lambda x: F.max_pool2d(x, 2, return_indices=True)[0]),
                       mt.randn(1, 1, 4, 4), io.BytesIO())
    with pytest.raises(mt.onnx.UnsupportedOperatorError, match="dropout in training mode"):
        mt.onnx.export(nn.Dropout(), mt.randn(2, 3), io.BytesIO(),
                       training=mt.onnx.TrainingMode.TRAINING)
    with pytest.raises(mt.onnx.UnsupportedOperatorError, match="Tensor.__setitem__.*in place"):
        mt.onnx.export(Fn(lambda x: x.__setitem__(0, 1.0) or x), mt.randn(2, 3), io.BytesIO())
    assert issubclass(mt.onnx.UnsupportedOperatorError, RuntimeError)


def test_a_function_without_a_translation_exports_as_what_it_is_made_of():
    hardswish = F.hardswish  # held under its own name: not recorded itself, but its insides are
    proto = export_and_compare(Fn(lambda x: hardswish(x) + F.pixel_unshuffle(x[..., :8, :], 2)
                                  .sum(1, keepdim=True)[..., :1, :1]), mt.randn(2, 4, 9, 10))
    assert "Transpose" in op_types(proto) and "Where" in op_types(proto)


def test_writing_through_a_view_is_refused():
    def through_a_view(x):
        y = x * 1
        y[:, :2].relu_()  # changes y, which the graph would not know
        return y + 1

    with pytest.raises(mt.onnx.OnnxExporterError, match="changed in place through a view"):
        mt.onnx.export(Fn(through_a_view), mt.randn(2, 4), io.BytesIO())
    proto = export_and_compare(Fn(lambda x: (x * 1).relu_().add_(1)), mt.randn(2, 4))
    assert op_types(proto) == ["Mul", "Relu", "Add"]


def test_a_value_computed_out_of_sight_is_an_error_not_a_constant():
    with pytest.raises(mt.onnx.OnnxExporterError, match="depends on the model's inputs"):
        mt.onnx.export(Fn(lambda x: x.T + 1), mt.randn(2, 3), io.BytesIO())


def test_a_failed_export_leaves_everything_as_it_was():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), Fn(lambda x: x.cumsum(1)))
    model.train()
    model[0].bias.requires_grad_(False)
    relu, add = F.relu, mt.Tensor.__add__
    with pytest.raises(mt.onnx.UnsupportedOperatorError):
        mt.onnx.export(model, mt.randn(2, 4), io.BytesIO())
    assert model.training and model[0].weight.requires_grad and not model[0].bias.requires_grad
    assert F.relu is relu and mt.Tensor.__add__ is add and not mt.onnx.is_in_onnx_export()


# ---------------------------------------------------------------------------- the arguments
class TwoInTwoOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)
        self.seen_exporting = None

    def forward(self, x, y, scale=1.0):
        self.seen_exporting = mt.onnx.is_in_onnx_export()
        return self.linear(x) * scale, (x + y).sum(1)


def test_names_multiple_inputs_outputs_and_keyword_arguments(tmp_path):
    model = TwoInTwoOut()
    path = tmp_path / "two.onnx"
    mt.onnx.export(model, (mt.randn(2, 3), mt.randn(2, 3), {"scale": 2.0}), path,
                   input_names=["a", "b"], output_names=["out"], dynamic_axes={"a": [0], "b": [0]})
    assert model.seen_exporting and not mt.onnx.is_in_onnx_export()
    proto = onnx.load(path)
    assert [i.name for i in proto.graph.input] == ["a", "b"]
    assert [o.name for o in proto.graph.output] == ["out", "output_1"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "a_dynamic_axes_1"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    a, b = np.ones((4, 3), np.float32), np.full((4, 3), 2.0, np.float32)
    out, total = session.run(None, {"a": a, "b": b})
    with mt.no_grad():
        expected = model(mt.tensor(a), mt.tensor(b), scale=2.0)
    np.testing.assert_allclose(out, expected[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(total, expected[1].numpy())
    assert os.listdir(tmp_path) == ["two.onnx"]


def test_export_params_false_and_initializers_as_inputs():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    buffer = io.BytesIO()
    mt.onnx.export(model, mt.randn(1, 3), buffer, export_params=False)
    proto = onnx.load_from_string(buffer.getvalue())
    assert len(proto.graph.initializer) == 0
    assert [i.name for i in proto.graph.input] == ["input", "0.weight", "0.bias"]
    buffer = io.BytesIO()
    mt.onnx.export(model, mt.randn(1, 3), buffer, keep_initializers_as_inputs=True)
    proto = onnx.load_from_string(buffer.getvalue())
    assert {i.name for i in proto.graph.initializer} == {"0.weight", "0.bias"}
    assert [i.name for i in proto.graph.input] == ["input", "0.weight", "0.bias"]


def test_bad_arguments():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="opset_version must be an int from 13 to 22"):
        mt.onnx.export(model, mt.randn(1, 3), io.BytesIO(), opset_version=9)
    with pytest.raises(ValueError, match="f \\(a path or a binary file object\\) is required"):
        mt.onnx.export(model, mt.randn(1, 3))
    with pytest.raises(ValueError, match="dynamic_axes instead"):
        mt.onnx.export(model, mt.randn(1, 3), io.BytesIO(), dynamic_shapes={"x": {0: "b"}})
    with pytest.warns(UserWarning, match="not a valid input/output name"):
        mt.onnx.export(model, mt.randn(1, 3), io.BytesIO(), dynamic_axes={"nope": [0]})


def test_the_export_example_runs(tmp_path):
    """examples/export_onnx.py trains, exports and runs its model in ONNX Runtime (1 epoch)."""
    pytest.importorskip("sklearn")  # the digits ship with scikit-learn
    spec = importlib.util.spec_from_file_location("export_onnx", ROOT / "examples" / "export_onnx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    difference = module.main(["--epochs", "1", "--out", str(tmp_path)])
    assert difference < 1e-4 and (tmp_path / "digits_cnn.onnx").exists()
