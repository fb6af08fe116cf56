"""Bad input a user audit gave the tools ends in one line naming what is
wrong (exit 2), before anything is written: options without a value, a
misspelt nested config key, an output path a file is in the way of, and
names the benchmark cannot tell apart."""
import os.path as osp
import subprocess
import sys

import pytest
from conftest import STUDENT_CONFIG

from mmpose_ext.paths import REPO_ROOT
from tool_modules import exit_message, load_tool


def test_cfg_options_item_without_a_value_is_refused_at_parsing(
        tmp_path, capsys):
    err = exit_message(capsys, load_tool('train').main, [
        STUDENT_CONFIG, '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', 'train_cfg.max_epochs'])
    assert err == ('train.py: error: argument --cfg-options: '
                   '\'train_cfg.max_epochs\' has no "=": give each option as '
                   'key=value, e.g. train_cfg.max_iters=100')
    assert not (tmp_path / 'work').exists()


def test_misspelt_nested_cfg_option_names_the_key_meant(tmp_path, capsys,
                                                        coco_mpii_root):
    err = exit_message(capsys, load_tool('train').main, [
        STUDENT_CONFIG, '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', 'model.backbone.widen_factr=0.5',
        f'union_data_root={coco_mpii_root}/'])
    assert err == ('train.py: error: --cfg-options model.backbone.widen_factr:'
                   ' CSPNeXt.__init__() takes no argument \'widen_factr\'; '
                   'did you mean model.backbone.widen_factor?')


def test_work_dir_that_is_a_file_is_named(tmp_path, capsys, coco_mpii_root):
    work = tmp_path / 'work'
    work.write_text('notes\n')
    err = exit_message(capsys, load_tool('train').main, [
        STUDENT_CONFIG, '--work-dir', str(work), '--cfg-options',
        f'union_data_root={coco_mpii_root}/'])
    assert err == (f'train.py: error: {work}: file exists (a file is where a '
                   'folder is needed: give another path or move the file)')
    assert work.read_text() == 'notes\n'


def test_test_py_dump_that_is_not_a_pickle_is_refused_at_parsing(
        student_checkpoints, tmp_path, capsys):
    err = exit_message(capsys, load_tool('test').main, [
        STUDENT_CONFIG, student_checkpoints['plain'], '--out',
        str(tmp_path / 'preds.txt')])
    assert "argument --out: '" in err and 'is not a .pkl file' in err


def test_quickstart_output_folder_that_is_a_file_stops_before_any_stage(
        tmp_path, capsys):
    out = tmp_path / 'report'
    out.write_text('')
    err = exit_message(capsys, load_tool('quickstart').main, [
        '--work-root', str(tmp_path / 'work'), '--data-root',
        str(tmp_path / 'data'), '--out-dir', str(out)])
    assert err == (f'quickstart.py: error: --out-dir {out}: {out} is a file, '
                   'not a folder; give another folder or move that file')
    assert not any(osp.exists(tmp_path / d) for d in ('work', 'data'))


@pytest.mark.parametrize('models, reference, message', [
    (['t=A.py:random', 't=B.py:random'], None,
     'more than one model is named t: give each its own name'),
    (['A.py:random', 'x/A.py:random'], None, 'more than one model is named A'),
    (['t=A.py:random'], 's', '--reference s: no model has that name; the '
     'models are t'),
    # random weights only when asked for: scored, they would read as a model
    (['t=A.py'], None, "argument --models: 't=A.py' names no weights: give "
     'CFG:CKPT, or CFG:random to time random weights'),
])
def test_benchmark_refuses_names_it_cannot_tell_apart_before_running(
        models, reference, message, tmp_path, capsys):
    out = tmp_path / 'benchmark.md'
    argv = ['--models', *models, '--out', str(out)]
    if reference:
        argv += ['--reference', reference]
    err = exit_message(capsys, load_tool('benchmark').main, argv)
    assert message in err
    assert not out.exists()


def test_benchmark_refuses_to_export_over_a_graph_it_is_given(tmp_path,
                                                             capsys):
    graph = tmp_path / 'student.onnx'  # a user's int8 graph, say
    graph.write_bytes(b'int8 graph')
    err = exit_message(capsys, load_tool('benchmark').main, [
        '--models', f'student={STUDENT_CONFIG}:random',
        f'student-int8={STUDENT_CONFIG}:{graph}', '--work-dir', str(tmp_path),
        '--out', str(tmp_path / 'benchmark.md')])
    assert err == (f"benchmark.py: error: {graph} is model student-int8's "
                   'file, and model student would be written over it: give '
                   'another --work-dir, or another name')
    assert graph.read_bytes() == b'int8 graph'


@pytest.mark.parametrize('script, args, message', [
    ('dist_train.sh', [STUDENT_CONFIG, 'two'],
     "GPUS must be the number of processes, 1 or more, got 'two'"),
    ('dist_train.sh', [STUDENT_CONFIG, '0'], "got '0'"),
    ('dist_train.sh', ['missing.py', '1'],
     "CONFIG 'missing.py' is not a file"),
    ('dist_test.sh', [STUDENT_CONFIG, 'missing.pth', '1'],
     "CHECKPOINT 'missing.pth' is not a file"),
])
def test_distributed_launch_scripts_check_their_arguments_first(
        script, args, message, tmp_path):
    result = subprocess.run(
        ['bash', osp.join(REPO_ROOT, 'tools', script), *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'{script}: error: ')
    assert message in lines[0]


def test_a_tool_in_a_fresh_process_prints_its_error_and_nothing_else(
        student_checkpoints, tmp_path):
    """What a user sees of a mistake is the one line, not import-time
    warnings ahead of it (setuptools 80.9 and later warned seven times that
    mmengine imports pkg_resources)."""
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'prune.py'),
         osp.join(REPO_ROOT, 'configs', 'distill_config_small.py'),
         student_checkpoints['plain'], '--method', 'channel', '--ratio',
         '0.5', '--out', str(tmp_path / 'pruned.pth')],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith('prune.py: error: checkpoint ')
    assert 'does not fit the model of config' in lines[0]
    assert not (tmp_path / 'pruned.pth').exists()


def test_test_py_names_a_folder_given_as_the_checkpoint(tmp_path, capsys):
    err = exit_message(capsys, load_tool('test').main, [
        STUDENT_CONFIG, str(tmp_path)])
    assert err == (f"test.py: error: checkpoint '{tmp_path}' is a folder: "
                   "give the .pth file in it (a work dir's last_checkpoint "
                   'file names its latest)')


def test_prune_names_an_onnx_graph_given_as_the_checkpoint(
        student_onnx, tmp_path, capsys):
    onnx_file = student_onnx.onnx_file
    err = exit_message(capsys, load_tool('prune').main, [
        STUDENT_CONFIG, onnx_file, '--method', 'magnitude', '--ratio', '0.2',
        '--out', str(tmp_path / 'pruned.pth')])
    assert err == (f"prune.py: error: '{onnx_file}' is an ONNX graph; this "
                   'needs the PyTorch checkpoint (.pth) it was exported from')


def test_export_to_a_file_not_named_onnx_is_refused_at_parsing(
        student_checkpoints, tmp_path, capsys):
    out = tmp_path / 'student.pth'  # later read as a checkpoint by name
    err = exit_message(capsys, load_tool('export_onnx').main, [
        STUDENT_CONFIG, student_checkpoints['plain'], str(out)])
    assert err == (f"export_onnx.py: error: argument out: '{out}' does not "
                   'end in .onnx; name the graph NAME.onnx')
    assert not out.exists()


def test_extract_student_from_a_plain_checkpoint_says_it_is_one(
        student_checkpoints, tmp_path, capsys):
    plain, out = student_checkpoints['plain'], tmp_path / 'student.pth'
    err = exit_message(capsys, load_tool('extract_student').main,
                       [plain, str(out)])
    assert err == (f"extract_student.py: error: '{plain}' holds no distiller "
                   'weights (no student.* keys): it is a plain checkpoint '
                   'already; use it as it is')
    assert not out.exists()


def test_extract_student_writes_the_student_of_a_distillation_checkpoint(
        student_checkpoints, tmp_path):
    import torch
    out = tmp_path / 'student.pth'
    load_tool('extract_student').main([student_checkpoints['distill'],
                                       str(out)])
    written = torch.load(out, weights_only=True)['state_dict']
    plain = torch.load(student_checkpoints['plain'],
                       weights_only=True)['state_dict']
    assert written.keys() == plain.keys()
    assert all(torch.equal(written[k], plain[k]) for k in plain)


def test_extract_student_will_not_write_over_the_checkpoint_it_reads(
        student_checkpoints, tmp_path, capsys):
    import shutil
    distill = str(tmp_path / 'epoch_1.pth')
    shutil.copy(student_checkpoints['distill'], distill)
    before = open(distill, 'rb').read()
    err = exit_message(capsys, load_tool('extract_student').main,
                       [distill, distill])
    assert err.startswith(f"extract_student.py: error: '{distill}' is the "
                          'distillation checkpoint being read')
    assert open(distill, 'rb').read() == before
