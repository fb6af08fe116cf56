"""Harnesses that measure the method of :mod:`mmpose_ext`; not part of it.

``mmpose_ext`` is what a config imports and a user calls to train, test,
export or estimate poses. This package holds what the project runs *about*
that method, behind the command-line tools, and what nothing in
``mmpose_ext`` may import:

* :mod:`kd_bench.inference_benchmark`: size, FLOPs and CPU latency of pose
  models (PyTorch, ONNX Runtime, rtmlib), the project's latency goal and the
  Markdown report (``tools/benchmark.py``, ``results/benchmark.md``);
* :mod:`kd_bench.op_profile`: ONNX Runtime kernel time per operator and
  node, graphs side by side (``tools/profile_onnx.py``);
* :mod:`kd_bench.training_cost`: training throughput with and without the
  teachers (``tools/benchmark_distill.py``, ``results/distill_cost.md``);
* :mod:`kd_bench.quickstart`: the quick-start study on the synthetic
  benchmark and its report (``tools/quickstart.py``, ``results/quickstart/``);
* :mod:`kd_bench.portable`: repository-relative paths for committed results.
"""
