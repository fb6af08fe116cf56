"""The per-operator profile of an ONNX graph (``tools/profile_onnx.py``):
every node ONNX Runtime runs is counted once, warm-up runs are left out, and
the report puts the graphs side by side. No timing is asserted."""
import pytest

from kd_bench.op_profile import _kernel_events, profile_graphs
from tool_modules import exit_message, load_tool


def _optimized_node_names(onnx_file, tmp_path):
    import onnx
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / 'optimized.onnx')
    options.log_severity_level = 3
    ort.InferenceSession(onnx_file, options,
                         providers=['CPUExecutionProvider'])
    return {node.name for node in onnx.load(
        options.optimized_model_filepath).graph.node}


def test_every_node_onnx_runtime_runs_is_profiled_once(student_onnx,
                                                       tmp_path):
    profile, again = profile_graphs([student_onnx.onnx_file] * 2, threads=1,
                                    runs=7, warmup=2)  # turns of 5 and 4
    names = [node.name for node in profile.nodes]
    assert sorted(names) == sorted(
        _optimized_node_names(student_onnx.onnx_file, tmp_path))
    assert profile.runs == again.runs == 7
    assert sorted(node.name for node in again.nodes) == sorted(names)
    assert profile.total_micros > 0
    by_type = profile.by_op_type()
    assert sum(count for _, _, count in by_type) == len(names)
    assert sum(us for _, us, _ in by_type) == pytest.approx(
        profile.total_micros)
    assert 'Conv' in {op for op, _, _ in by_type}


def _event(cat, name, ts, dur, op='Conv'):
    return dict(cat=cat, name=name, ts=ts, dur=dur, args=dict(op_name=op))


def test_warm_up_runs_and_fences_are_left_out():
    trace = []
    for run in range(3):
        start = 100 * run
        trace += [_event('Session', 'model_run', start, 50),
                  _event('Node', 'conv_fence_before', start + 1, 1),
                  _event('Node', 'conv_kernel_time', start + 2, 10 + run)]
    kernels, runs = _kernel_events(trace, warmup=1)
    assert runs == 2
    assert [event['dur'] for event in kernels] == [11, 12]
    assert _kernel_events(trace, warmup=3) == ([], 0)


def test_tool_reports_two_graphs_side_by_side(student_onnx, tmp_path,
                                              capsys):
    out = tmp_path / 'profile.md'
    load_tool('profile_onnx').main([
        f'a={student_onnx.onnx_file}', f'b={student_onnx.onnx_file}',
        '--threads', '1', '--runs', '2', '--warmup', '1', '--top', '3',
        '--out', str(out)])
    report = out.read_text()
    assert report == capsys.readouterr().out
    assert '| operator | a (us, nodes) | b (us, nodes) |' in report
    conv = next(line for line in report.splitlines()
                if line.startswith('| Conv |'))
    assert len(conv.split('|')) == 5  # operator and one cell per graph
    assert report.count('slowest nodes (student.onnx)') == 2  # not tmp_path


@pytest.mark.parametrize('text, name, path', [
    ('int8=a/s.onnx', 'int8', 'a/s.onnx'),
    ('a/s.onnx', 's', 'a/s.onnx'),
    # an '=' in a folder's name does not name the graph
    ('runs/lr=0.1/s.onnx', 's', 'runs/lr=0.1/s.onnx'),
])
def test_a_graph_is_named_by_its_name_or_its_file(text, name, path):
    assert load_tool('profile_onnx').parse_graph(text) == (name, path)


@pytest.mark.parametrize('argv, message', [
    (['student.pth'], "'student.pth' is not [NAME=]FILE.onnx"),
    (['x=a/s.onnx', 'x=b/s.onnx'], 'more than one graph has the same name'),
])
def test_tool_refuses_what_it_cannot_profile_at_parsing(argv, message,
                                                        capsys):
    err = exit_message(capsys, load_tool('profile_onnx').main, argv)
    assert message in err


def test_tool_names_a_missing_graph(tmp_path, capsys):
    missing = tmp_path / 'student.onnx'
    err = exit_message(capsys, load_tool('profile_onnx').main,
                       [str(missing)])
    assert err == (f"profile_onnx.py: error: ONNX file '{missing}' does not "
                   'exist')


def test_tool_names_a_graph_of_other_inputs(tmp_path, capsys):
    import onnx
    from onnx import TensorProto, helper
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 3])
              for name in ('a', 'b')]
    output = helper.make_tensor_value_info('sum', TensorProto.FLOAT, [1, 3])
    graph = helper.make_graph([helper.make_node('Add', ['a', 'b'], ['sum'])],
                              'two_inputs', inputs, [output])
    path = str(tmp_path / 'two_inputs.onnx')
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid('', 17)], ir_version=8),
        path)
    err = exit_message(capsys, load_tool('profile_onnx').main, [path])
    assert err == (f"profile_onnx.py: error: '{path}' takes a (tensor(float)),"
                   ' b (tensor(float)): this profiles graphs of one float '
                   "input (a pose model's crops), as tools/export_onnx.py "
                   'writes them')
