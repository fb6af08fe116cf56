"""Where an ONNX graph's time goes on this CPU: ONNX Runtime's own profiler,
its kernel times summed per node and per operator type.

The benchmark (:mod:`kd_bench.inference_benchmark`) says how long a graph
takes; this says which operators take it, e.g. whether a CPU's int8
convolutions (``QLinearConv``) are much faster than its float ones
(``Conv``) at all, or where the quantise/dequantise steps around the float
operators go. The profiler adds its own overhead to every node, so compare
graphs profiled alike, not these times with the benchmark's.
"""
import json
import os.path as osp
import tempfile
import time
from collections import defaultdict
from typing import List, NamedTuple, Optional, Tuple

import numpy as np

from .inference_benchmark import SETTLE_SECONDS
from .portable import portable_path

# The profiler's record of one node's compute (it also records the fences
# around it, which are not the node's work).
KERNEL_SUFFIX = '_kernel_time'
# Graphs take turns of this many back-to-back runs (a video loop's calls).
RUNS_PER_TURN = 5
INPUT_SEED = 0


class NodeTime(NamedTuple):
    """One node of the graph as ONNX Runtime ran it (after its own graph
    optimisations, so fused and renamed nodes appear as they ran).

    Attributes:
        name (str): node name.
        op_type (str): operator, e.g. ``Conv`` or ``QLinearConv``.
        micros (float): kernel time per run, microseconds.
        input_shape (tuple): shape of its first input.
    """

    name: str
    op_type: str
    micros: float
    input_shape: Tuple[int, ...]


class OpProfile(NamedTuple):
    """Kernel times of one graph over ``runs`` timed runs.

    Attributes:
        onnx_file (str): the graph.
        threads (int): ONNX Runtime intra-op threads (0: its default).
        batch (int): crops per run.
        runs (int): profiled runs (after the warm-up ones).
        nodes (list[NodeTime]): every node run, slowest first.
    """

    onnx_file: str
    threads: int
    batch: int
    runs: int
    nodes: List[NodeTime]

    @property
    def total_micros(self) -> float:
        """Kernel time of all nodes per run."""
        return sum(node.micros for node in self.nodes)

    def by_op_type(self) -> List[Tuple[str, float, int]]:
        """``(op_type, microseconds per run, nodes)``, slowest first."""
        micros, count = defaultdict(float), defaultdict(int)
        for node in self.nodes:
            micros[node.op_type] += node.micros
            count[node.op_type] += 1
        return sorted(((op, micros[op], count[op]) for op in micros),
                      key=lambda row: -row[1])


def graph_input(session, batch: int,
                onnx_file: str = 'the graph') -> Tuple[str, np.ndarray]:
    """The graph's input name and a seeded ``uint8``-valued float32 batch
    (pixel values, as the exported pose graphs take them), symbolic
    dimensions set to ``batch``."""
    from mmpose_ext.inference.errors import OnnxModelMismatchError
    inputs = session.get_inputs()
    if len(inputs) != 1 or inputs[0].type != 'tensor(float)':
        takes = ', '.join(f'{i.name} ({i.type})' for i in inputs)
        raise OnnxModelMismatchError(
            f'{onnx_file!r} takes {takes}: this profiles graphs of one '
            'float input (a pose model\'s crops), as tools/export_onnx.py '
            'writes them')
    spec = inputs[0]
    shape = [dim if isinstance(dim, int) else batch for dim in spec.shape]
    rng = np.random.default_rng(INPUT_SEED)
    return spec.name, rng.integers(0, 256, shape).astype(np.float32)


def _kernel_events(trace: list, warmup: int) -> Tuple[list, int]:
    """The node kernel events of the runs after the first ``warmup``, and
    how many runs that is."""
    starts = sorted(event['ts'] for event in trace
                    if event.get('cat') == 'Session'
                    and event.get('name') == 'model_run')
    if len(starts) <= warmup:
        return [], 0
    kernels = [event for event in trace
               if event.get('cat') == 'Node'
               and event['name'].endswith(KERNEL_SUFFIX)
               and event['ts'] >= starts[warmup]]
    return kernels, len(starts) - warmup


def profile_graphs(onnx_files: List[str],
                   threads: int = 0,
                   runs: int = 200,
                   warmup: int = 20,
                   batch: int = 1) -> List[OpProfile]:
    """Run each graph ``warmup + runs`` times on ONNX Runtime's CPU provider
    with its profiler on, and sum each node's kernel time.

    The graphs take turns of :data:`RUNS_PER_TURN` runs, so that a burst of
    load on a shared machine falls on all of them alike, each turn after a
    pause in which the last graph's spinning threads go idle (as in the
    benchmark).

    Args:
        onnx_files (list[str]): the graphs (one input each; symbolic
            dimensions become ``batch``).
        threads (int): intra-op threads, 0 for ONNX Runtime's default.
        runs (int): profiled runs of each graph.
        warmup (int): runs before, left out.
        batch (int): crops per run.

    Raises:
        OnnxModelMismatchError: ONNX Runtime cannot load a file, or a graph
            has other inputs than one float tensor.
    """
    from mmpose_ext.inference.ort_pose import create_session
    total = warmup + runs
    with tempfile.TemporaryDirectory() as tmp:
        sessions = [create_session(path, threads,
                                   profile_prefix=osp.join(tmp, f'graph{i}'))
                    for i, path in enumerate(onnx_files)]
        feeds = [dict([graph_input(session, batch, path)])
                 for session, path in zip(sessions, onnx_files)]
        for done in range(0, total, RUNS_PER_TURN):
            for session, feed in zip(sessions, feeds):
                time.sleep(SETTLE_SECONDS)
                for _ in range(min(RUNS_PER_TURN, total - done)):
                    session.run(None, feed)
        traces = []
        for session in sessions:
            with open(session.end_profiling()) as f:
                traces.append(json.load(f))
    return [_node_times(path, trace, threads, batch, warmup)
            for path, trace in zip(onnx_files, traces)]


def _node_times(onnx_file: str, trace: list, threads: int, batch: int,
                warmup: int) -> OpProfile:
    """The profile of one session's trace."""
    kernels, timed = _kernel_events(trace, warmup)
    micros, shapes, op_types = defaultdict(float), {}, {}
    for event in kernels:
        node = event['name'][:-len(KERNEL_SUFFIX)]
        micros[node] += event['dur']
        op_types[node] = event['args']['op_name']
        first = (event['args'].get('input_type_shape') or [{}])[0]
        shapes[node] = tuple(next(iter(first.values()), ()))
    nodes = sorted((NodeTime(node, op_types[node], micros[node] / timed,
                             shapes[node]) for node in micros),
                   key=lambda node: -node.micros)
    return OpProfile(onnx_file, threads, batch, timed, nodes)


def _shape(shape: Tuple[int, ...]) -> str:
    return 'x'.join(str(dim) for dim in shape) or '-'


def format_profiles(profiles: List[OpProfile], names: List[str],
                    machine: str, top: int = 10,
                    ort_version: Optional[str] = None,
                    measured: Optional[str] = None) -> str:
    """A Markdown report: kernel time per operator type side by side, then
    each graph's slowest nodes (graphs named as committed results name
    paths: :func:`kd_bench.portable.portable_path`)."""
    first = profiles[0]
    threads = first.threads or 'default (0)'
    lines = [
        '# Where the time goes: ONNX Runtime kernel time per operator', '',
        f'Measured {measured + " " if measured else ""}on {machine}; '
        f'ONNX Runtime {ort_version or "?"} (CPU '
        f'provider), intra-op threads: {threads}, batch {first.batch}, '
        f'{first.runs} profiled runs of each after the warm-up ones (the '
        f'graphs taking turns of {RUNS_PER_TURN}), on seeded random pixel '
        'values. Microseconds of kernel time per run, from '
        'ONNX Runtime\'s profiler, which adds overhead to every node: '
        'compare the graphs here with each other, not with a benchmark\'s '
        'latencies. Node names and operators are as ONNX Runtime ran the '
        'graph, after its own fusions.', '',
        '| operator | ' + ' | '.join(f'{n} (us, nodes)' for n in names)
        + ' |',
        '| --- |' + ' --- |' * len(names)]
    by_type = [profile.by_op_type() for profile in profiles]
    tables = [{op: (us, count) for op, us, count in rows}
              for rows in by_type]
    order = []
    for rows in by_type:
        order += [op for op, _, _ in rows if op not in order]
    for op in order:
        cells = [f'{t[op][0]:.1f} ({t[op][1]})' if op in t else '-'
                 for t in tables]
        lines.append(f'| {op} | ' + ' | '.join(cells) + ' |')
    lines.append('| **all** | ' + ' | '.join(
        f'**{p.total_micros:.1f}** ({len(p.nodes)})' for p in profiles)
        + ' |')
    for name, profile in zip(names, profiles):
        shown = min(top, len(profile.nodes))
        slowest = 'the slowest node' if shown == 1 else \
            f'the {shown} slowest nodes'
        lines += ['', f'## {name}: {slowest} '
                  f'({portable_path(profile.onnx_file)})', '',
                  '| node | operator | first input | us per run |',
                  '| --- | --- | --- | --- |']
        lines += [f'| {node.name} | {node.op_type} | '
                  f'{_shape(node.input_shape)} | {node.micros:.1f} |'
                  for node in profile.nodes[:top]]
    return '\n'.join(lines) + '\n'
