"""The benchmark's accuracy path, on test-made data and tiny models."""
import json

import pytest
import torch
from conftest import write_coco, write_mpii

from kd_bench.inference_benchmark import (machine_info, prepare_model,
                                          render_markdown, run_benchmark)
from kd_bench.machine import cpu_description, vector_extensions
from mmpose_ext import apis
from mmpose_ext.inference.model import init_pose_model
from tiny_configs import SMALL_STUDENT_CFG, STUDENT_CFG, tiny_student_cfg
from tool_modules import exit_message, load_tool

COCO_AP = ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AP (M)',
           'coco/AP (L)')
MPII_PCKH = ('mpii/PCK', 'mpii/PCK@0.1')  # MPII PCKh, in percent


@pytest.fixture(scope='module')
def accuracy_run(tmp_path_factory):
    """A tiny RTMPose-t with a (seeded random) checkpoint and a tiny
    RTMPose-s with random weights, benchmarked with the RTMPose-t config as
    dataset config (one person, one timed run)."""
    root = tmp_path_factory.mktemp('benchmark_accuracy')
    data_root = root / 'data'
    # Only the test (val) splits are read. At this image size the COCO people
    # are of both area ranges, so AP (M) and AP (L) are values rather than
    # pycocotools' -1 for "no people of that size".
    write_coco(str(data_root / 'coco'), 'val', seed=2, extra=False,
               img_size=(160, 224))
    write_mpii(str(data_root / 'mpii'), 'val', seed=3, missing_image=False)
    configs = {}
    for name, base in (('rtmpose-t_tiny', STUDENT_CFG),
                       ('rtmpose-s_tiny', SMALL_STUDENT_CFG)):
        cfg = tiny_student_cfg(str(data_root), str(root / name),
                               config=base)
        configs[name] = str(root / f'{name}.py')
        cfg.dump(configs[name])
    torch.manual_seed(0)
    model = init_pose_model(configs['rtmpose-t_tiny'])
    checkpoint = str(root / 'rtmpose-t_tiny.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    report = run_benchmark(
        [(configs['rtmpose-t_tiny'], checkpoint),
         (configs['rtmpose-s_tiny'], None)],
        num_people=1, dataset_config=configs['rtmpose-t_tiny'],
        work_dir=str(root / 'bench'), warmup=0, repeats=1)
    return dict(report=report, config=configs['rtmpose-t_tiny'],
                checkpoint=checkpoint, work_dir=str(root / 'test'))


def test_benchmark_reports_coco_ap_and_mpii_pckh_in_range(accuracy_run):
    accuracy = accuracy_run['report']['models'][0]['accuracy']
    for key in COCO_AP:
        assert 0 <= accuracy[key] <= 1, key
    for key in MPII_PCKH:
        assert 0 <= accuracy[key] <= 100, key


def test_benchmark_accuracy_equals_the_project_test_of_the_checkpoint(
        accuracy_run):
    # apis.test_cfg is not imported by name: pytest would collect it.
    expected = apis.run_test(apis.test_cfg(
        accuracy_run['config'], accuracy_run['checkpoint'],
        work_dir=accuracy_run['work_dir']))
    accuracy = accuracy_run['report']['models'][0]['accuracy']
    assert accuracy == {k: float(v) for k, v in expected.items()}
    assert accuracy['mpii/PCK'] > 0  # not a comparison of zeros only


def test_benchmark_does_not_evaluate_random_weights(accuracy_run):
    random_model = accuracy_run['report']['models'][1]
    assert random_model['weights'].startswith('random')
    assert 'accuracy' not in random_model


def _model_row(markdown, model):
    """The row of ``model`` in the markdown's model table."""
    start = f'| {model["model"]} | {model["weights"]} |'
    return next(line for line in markdown.splitlines()
                if line.startswith(start))


def test_benchmark_markdown_shows_ap_and_pckh_or_not_evaluated(accuracy_run):
    markdown = render_markdown(accuracy_run['report'])
    trained, random_model = accuracy_run['report']['models']
    accuracy = trained['accuracy']
    assert _model_row(markdown, trained).endswith(
        f'| coco/AP: {accuracy["coco/AP"]:.4g}, '
        f'mpii/PCK: {accuracy["mpii/PCK"]:.4g} |')
    assert _model_row(markdown, random_model).endswith('| not evaluated |')


def test_threads_reach_both_onnx_runtime_sessions(tmp_path):
    cfg = tiny_student_cfg(str(tmp_path / 'data'), str(tmp_path / 'work'))
    config = str(tmp_path / 'rtmpose-t_tiny.py')
    cfg.dump(config)
    for threads in (1, 0):  # 0: ONNX Runtime's default
        model = prepare_model(config, None, str(tmp_path / 'bench'),
                              name=f'threads{threads}', num_threads=threads)
        for session in (model.estimator.session, model.rtmlib.session):
            options = session.get_session_options()
            assert options.intra_op_num_threads == threads
    assert machine_info(1)['ort_threads'] == 1
    assert machine_info()['ort_threads'].startswith('default')


def test_benchmark_tool_runs_with_the_threads_asked_for(tmp_path):
    cfg = tiny_student_cfg(str(tmp_path / 'data'), str(tmp_path / 'work'))
    config = str(tmp_path / 'rtmpose-t_tiny.py')
    cfg.dump(config)
    threads = torch.get_num_threads()
    try:
        load_tool('benchmark').main([
            '--models', f'{config}:random', '--threads', '1',
            '--num-people', '1', '--warmup', '0', '--repeats', '1',
            '--calls', '1', '--settle', '0', '--work-dir',
            str(tmp_path / 'bench'), '--out', str(tmp_path / 'bench.md')])
    finally:
        torch.set_num_threads(threads)
    with open(tmp_path / 'bench.json') as f:
        machine = json.load(f)['machine']
    assert machine['ort_threads'] == 1 and machine['torch_threads'] == 1
    assert machine['vector_extensions'] == vector_extensions()
    text = (tmp_path / 'bench.md').read_text()
    assert 'with 1 threads. Figures' in text
    # the CPU and the vector extensions its kernels ran on
    assert f'Measured {machine["date"]} on {cpu_description()}, no GPU' \
        in text


def test_negative_threads_are_refused(capsys):
    err = exit_message(capsys, load_tool('benchmark').main,
                       ['--models', 'a.py:random', '--threads', '-1'])
    assert err == ('benchmark.py: error: argument --threads: must be an '
                   'integer of 0 or more, got -1')


def test_a_report_not_named_md_is_refused(capsys):
    """--out student_int8.onnx would have replaced a graph with Markdown."""
    err = exit_message(capsys, load_tool('benchmark').main,
                       ['--models', 'a.py:random', '--out',
                        'student_int8.onnx'])
    assert err.startswith("benchmark.py: error: argument --out: "
                          "'student_int8.onnx' does not end in .md")
