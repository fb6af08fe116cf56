"""The command-line tools refuse numbers out of range at parsing: one
argparse line naming the option, before anything runs or is written."""
import argparse
import os.path as osp

import pytest
from conftest import STUDENT_CONFIG

from mmpose_ext.apis.arguments import (non_negative_float, positive_float,
                                       positive_int, seed)
from tool_modules import exit_message, load_tool


@pytest.mark.parametrize('parse, text, message', [
    (positive_int, '0', 'must be an integer of 1 or more, got 0'),
    (positive_int, '2.5', "must be an integer, got '2.5'"),
    (seed, '-1', 'must be an integer from 0 to 4294967295, got -1'),
    (seed, str(2**32), 'from 0 to 4294967295'),
    (positive_float, '0', 'must be a number above 0, got 0'),
    (positive_float, 'nan', "must be a finite number, got 'nan'"),
    (non_negative_float, '-0.5', 'must be a number 0 or more, got -0.5'),
])
def test_out_of_range_numbers_are_refused_with_the_bound(parse, text,
                                                         message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


@pytest.mark.parametrize('parse, text, value', [
    (positive_int, '3', 3), (seed, '0', 0), (seed, str(2**32 - 1), 2**32 - 1),
    (positive_float, '1e-4', 1e-4), (non_negative_float, '0', 0.0)])
def test_numbers_in_range_are_parsed(parse, text, value):
    assert parse(text) == value


def test_benchmark_of_zero_rounds_stops_before_writing_a_report(
        tmp_path, capsys):
    out = tmp_path / 'benchmark.md'
    err = exit_message(capsys, load_tool('benchmark').main, [
        '--models', f'{STUDENT_CONFIG}:random', '--repeats', '0',
        '--work-dir', str(tmp_path), '--out', str(out)])
    assert err == ('benchmark.py: error: argument --repeats: must be an '
                   'integer of 1 or more, got 0')
    assert not out.exists()


@pytest.mark.parametrize('argv, message', [
    (['--seeds', '0', '1', '0'], '--seeds: [0] given more than once'),
    (['--seeds', '-1'], 'argument --seeds: must be an integer from 0'),
    (['--max-iters', '0'], 'argument --max-iters: must be an integer of 1'),
    (['--num-train', '0'], 'argument --num-train: must be an integer of 1'),
])
def test_quickstart_refuses_bad_seeds_and_counts(argv, message, tmp_path,
                                                 capsys):
    err = exit_message(capsys, load_tool('quickstart').main, argv + [
        '--work-root', str(tmp_path / 'work'), '--data-root',
        str(tmp_path / 'data'), '--out-dir', str(tmp_path / 'out')])
    assert err.startswith('quickstart.py: error: ') and message in err
    assert not any(osp.exists(tmp_path / d) for d in ('work', 'data', 'out'))


def test_export_at_an_opset_older_than_the_graph_supports_is_refused(
        student_checkpoints, tmp_path, capsys):
    out = tmp_path / 'old.onnx'
    err = exit_message(capsys, load_tool('export_onnx').main, [
        STUDENT_CONFIG, student_checkpoints['plain'], str(out),
        '--opset', '6'])
    assert 'opset 6 is older than 7' in err
    assert not out.exists()


def test_export_at_an_opset_newer_than_torch_writes_is_refused(
        student_checkpoints, tmp_path, capsys):
    from mmpose_ext.inference.onnx_export import MAX_OPSET
    out = tmp_path / 'new.onnx'
    err = exit_message(capsys, load_tool('export_onnx').main, [
        STUDENT_CONFIG, student_checkpoints['plain'], str(out),
        '--opset', str(MAX_OPSET + 1)])
    assert f'opset {MAX_OPSET + 1} is newer than {MAX_OPSET}' in err
    assert not out.exists()


def test_int8_export_below_opset_13_is_refused_before_calibrating(
        student_checkpoints, tmp_path, capsys):
    # the config's data do not exist here: the opset is checked first
    out = tmp_path / 'q.onnx'
    err = exit_message(capsys, load_tool('export_onnx').main, [
        STUDENT_CONFIG, student_checkpoints['plain'], str(out), '--int8',
        '--opset', '11'])
    assert 'an int8 graph needs opset 13 or newer' in err
    assert not out.exists()
