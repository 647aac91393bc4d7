"""The benchmark's plumbing (shape parsing, FLOP counts, report structure); never its timings."""

from __future__ import annotations

import importlib.util
import json

import pytest

from minitorch_conv import bench


def test_parse_shape_reads_every_field():
    shape = bench.parse_shape("16,32,30,31:64,3x5,2,1x2,2,4")
    assert (shape.n, shape.c, shape.h, shape.w, shape.out) == (16, 32, 30, 31, 64)
    assert shape.kernel == (3, 5) and shape.stride == (2, 2)
    assert shape.padding == (1, 2) and shape.dilation == (2, 2) and shape.groups == 4
    defaults = bench.parse_shape("1,3,8,8:4,3")
    assert defaults.stride == (1, 1) and defaults.padding == (0, 0) and defaults.groups == 1


def test_parse_shape_refuses_garbage():
    with pytest.raises(SystemExit, match="bad shape"):
        bench.parse_shape("1,3,8:4,3")


def test_flops_and_output_size_follow_the_conv_formula():
    shape = bench.parse_shape("2,4,9,10:6,3,2,1,1,2")
    ho, wo = (9 + 2 - 2 - 1) // 2 + 1, (10 + 2 - 2 - 1) // 2 + 1
    assert shape.output_hw == (ho, wo)
    assert shape.forward_flops == 2 * 2 * 6 * ho * wo * (4 // 2) * 9


def test_run_reports_every_phase_for_each_shape(capsys):
    report = bench.run([bench.parse_shape("2,3,8,8:4,3,1,1")], repeat=1)
    (row,) = report["results"]
    assert set(row["ours"]) == {"forward", "backward", "both"}
    assert all(t > 0 for t in row["ours"].values())
    assert report["gemm_peak_gflops"] > 0 and report["machine"]["numpy"]
    table = bench.format_table(report)
    assert "(2,3,8,8)->4 k3 p1" in table
    if bench.mt.backends.get_backend("cpu").use_numba:  # the compile/load time is reported
        assert report["numba_warm_up_s"] >= 0 and "kernels compiled or loaded" in table
    else:
        assert report["numba_warm_up_s"] is None and "kernels compiled" not in table
    assert bench.main(["2,3,8,8:4,3", "--repeat", "1", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["results"][0]["shape"] == "(2,3,8,8)->4 k3"


def test_compare_torch_adds_ratios():
    pytest.importorskip("torch")
    report = bench.run([bench.parse_shape("2,4,8,8:4,3,1,1,1,4")], repeat=1, compare_torch=True)
    row = report["results"][0]
    assert row["ratio"]["both"] == pytest.approx(row["torch"]["both"] / row["ours"]["both"])
    assert report["summary"]["geomean_ratio_both"] == pytest.approx(row["ratio"]["both"])


def test_memory_measurement_counts_the_output_and_gradients():
    shape = bench.parse_shape("16,8,32,32:8,3,1,1")
    added = bench.peak_memory_added_mb(shape, "minitorch_conv")
    # the float32 output and the input gradient are 16*8*32*32*4 bytes = 0.5 MB each; part of
    # them may reuse heap memory that setting up the inputs freed (already resident), but not all
    assert added is not None and added >= 0.45


def test_per_op_overhead_is_measured_for_each_phase():
    costs = bench.per_op_microseconds(bench.mt, chain=5, repeat=1)
    assert set(costs) == {"forward", "backward", "no_grad"} and all(v > 0 for v in costs.values())


def test_train_step_runs_the_example_model():
    assert bench.train_step_ms(bench.mt, (8, 8), 4, repeat=1) > 0


def test_train_example_loop_learns_and_reports_both_frameworks():
    pytest.importorskip("sklearn")
    run = bench._ExampleRun(bench.mt, epochs=2)
    run.epoch(0)
    run.epoch(1)
    assert run.accuracy > 0.5  # two epochs of the example's training take the digits well past chance
    report = bench.train_example_report(threads=1, epochs=1)
    assert "minitorch_conv" in report and "final test accuracy" in report
    if importlib.util.find_spec("torch") is not None:
        assert "PyTorch" in report and "ratio" in report
