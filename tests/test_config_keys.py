"""Top-level config keys nothing reads are reported; the project's own
configs, their helper variables and MMEngine's dumps of them are not."""
import glob
import os.path as osp
import re
import subprocess
import sys
import textwrap
import warnings

import pytest
from mmengine.config import Config

from mmpose_ext.apis import load_config, train_cfg
from mmpose_ext.config_keys import (ConfigOptionError,
                                    UnreadConfigKeyWarning, read_config,
                                    unread_keys)
from mmpose_ext.paths import REPO_ROOT

PROJECT_CONFIGS = sorted(
    p for p in glob.glob(f'{REPO_ROOT}/configs/**/*.py', recursive=True) +
    glob.glob(f'{REPO_ROOT}/teachers/configs/*.py')
    if '/_base_/' not in p)

BASE = '''\
input_size = (64, 64)
codec = dict(type='SimCCLabel', input_size=input_size)
unused_helper = 1  # a shared base may offer helpers a config does not use
model = dict(type='Toy', head=dict(decoder=codec))
train_cfg = dict(max_epochs=2)
'''


def _config(tmp_path, text, name='cfg.py'):
    (tmp_path / 'base.py').write_text(BASE)
    path = tmp_path / name
    path.write_text("_base_ = ['./base.py']\n" + textwrap.dedent(text))
    return str(path)


def _no_warning(load):
    with warnings.catch_warnings():
        warnings.simplefilter('error', UnreadConfigKeyWarning)
        return load()


def test_misspelled_runner_key_is_reported_with_the_key_meant(tmp_path):
    config = _config(tmp_path, "load_form = 'epoch_10.pth'\n")
    with pytest.warns(UnreadConfigKeyWarning,
                      match=f"{config}: top-level key 'load_form' is read by "
                      "neither MMEngine's runner nor mmpose_ext; did you "
                      "mean 'load_from'"):
        load_config(config)


def test_key_the_config_defines_and_nothing_uses_is_reported(tmp_path):
    config = _config(tmp_path, 'max_epoch = 10\n')
    assert unread_keys(Config.fromfile(config)) == {'max_epoch': None}


def test_helpers_other_keys_use_are_not_reported(tmp_path):
    config = _config(tmp_path, '''\
        input_size = (32, 32)
        student_codec = dict(_base_.codec, input_size=input_size)
        model = dict(head=dict(decoder=student_codec))
        ''')
    _no_warning(lambda: load_config(config))


def test_dumped_config_reports_only_near_misses(tmp_path):
    config = _config(tmp_path, "val_evalutor = dict(type='PCKAccuracy')\n")
    dumped = str(tmp_path / 'dumped.py')
    Config.fromfile(config).dump(dumped)  # as the runner does in work_dir
    assert unread_keys(Config.fromfile(dumped)) == {
        'val_evalutor': 'val_evaluator'}


def test_cfg_options_key_is_checked_through_train_cfg(tmp_path):
    config = _config(tmp_path, '')
    with pytest.warns(UnreadConfigKeyWarning,
                      match="'resum' is read .*; did you mean 'resume'"):
        train_cfg(config, cfg_options={'resum': True})


@pytest.mark.parametrize('option, held, wanted', [
    ({'train_cfg.max_epochs': 'two'}, '2', 'a number'),
    ({'model.parts.1.width': '16px'}, '16', 'a number'),
    ({'flag': 'yes'}, 'True', 'True or False'),
], ids=['number', 'number-in-a-list', 'switch'])
def test_cfg_options_word_where_the_config_holds_a_number_is_refused(
        tmp_path, option, held, wanted):
    config = _config(tmp_path, 'flag = True\n'
                     'model = dict(flag=flag, parts=[dict(width=8), '
                     'dict(width=16)])\n')
    (key, value), = option.items()
    with pytest.raises(ConfigOptionError,
                       match=re.escape(f'--cfg-options {key}={value}: the '
                                       f'config holds {held} there; pass '
                                       f'{wanted}')):
        train_cfg(config, cfg_options=option)


def test_cfg_options_of_the_right_kind_and_new_keys_merge(tmp_path):
    config = _config(tmp_path, 'model = dict(parts=[dict(width=8)])\n')
    cfg = train_cfg(config, cfg_options={
        'train_cfg.max_epochs': 3, 'model.type': 'Other',
        'model.parts.0.width': 24, 'model.new_key': 'text'})
    assert cfg.train_cfg.max_epochs == 3 and cfg.model.type == 'Other'
    assert cfg.model.parts[0].width == 24 and cfg.model.new_key == 'text'


def _ann_files(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'ann_file':
                yield value
            yield from _ann_files(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _ann_files(value)


@pytest.mark.parametrize('config, key', [
    ('configs/rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py',
     'union_data_root'),
    ('configs/quickstart/rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
     'qs_root'),
])
def test_data_root_option_moves_the_data_paths_built_from_it(
        config, key, tmp_path):
    root = str(tmp_path / 'elsewhere')
    cfg = train_cfg(osp.join(REPO_ROOT, config), cfg_options={key: root})
    sources = cfg.train_dataloader.dataset.datasets
    assert [osp.normpath(d.data_root) for d in sources[:2]] == [
        osp.join(root, 'coco'), osp.join(root, 'mpii')]
    evaluator_files = list(_ann_files(cfg.val_evaluator))
    assert evaluator_files and all(f.startswith(root)
                                   for f in evaluator_files)


def test_data_root_option_moves_the_data_paths_of_load_config(tmp_path):
    # tools/cache_teachers.py and the benchmarks read configs this way
    config = osp.join(REPO_ROOT, 'configs', 'quickstart',
                      'distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48'
                      '.py')
    root = str(tmp_path / 'elsewhere')
    cfg = load_config(config, cfg_options={'qs_root': root})
    assert [osp.normpath(d.data_root) for d in
            cfg.train_dataloader.dataset.datasets[:2]] == [
        osp.join(root, 'coco'), osp.join(root, 'mpii')]


def test_two_data_root_options_naming_different_folders_are_refused(
        tmp_path):
    config = osp.join(REPO_ROOT, 'configs', 'quickstart',
                      'rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py')
    with pytest.raises(ConfigOptionError, match='given different folders'):
        train_cfg(config, cfg_options={'union_data_root': str(tmp_path / 'a'),
                                       'qs_root': str(tmp_path / 'b')})


def test_train_py_refuses_a_word_for_a_number_in_one_line(tmp_path):
    config = _config(tmp_path, '')
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), config,
         '--work-dir', str(tmp_path / 'work'),
         '--cfg-options', 'train_cfg.max_epochs=1O'],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        'train.py: error: --cfg-options train_cfg.max_epochs=1O: the config '
        'holds 2 there; pass a number')
    assert 'Traceback' not in result.stderr


@pytest.mark.parametrize('config', PROJECT_CONFIGS,
                         ids=[osp.relpath(p, REPO_ROOT)
                              for p in PROJECT_CONFIGS])
def test_project_configs_give_no_warning(config):
    _no_warning(lambda: load_config(config))


def test_dumped_project_config_gives_no_warning(tmp_path):
    dumped = str(tmp_path / 'dumped.py')
    Config.fromfile(f'{REPO_ROOT}/configs/quickstart/distill_rtmpose-t_'
                    'quickstart_synthetic-coco-mpii-64x48.py').dump(dumped)
    _no_warning(lambda: load_config(dumped))


def test_a_read_config_dumps_unformatted_python_that_reads_back_the_same(
        tmp_path):
    cfg = read_config(osp.join(REPO_ROOT, 'configs', 'quickstart',
                               'distill_rtmpose-t_quickstart_synthetic-'
                               'coco-mpii-64x48.py'))
    dumped = str(tmp_path / 'dumped.py')
    cfg.dump(dumped)
    with open(dumped) as f:
        text = f.read()
    assert 'auto_scale_lr=dict(' in text  # not yapf's "auto_scale_lr = dict("
    assert Config.fromfile(dumped).to_dict() == cfg.to_dict()


def test_resume_without_a_checkpoint_in_the_work_dir_warns(tmp_path):
    config = _config(tmp_path, '')
    with pytest.warns(UserWarning, match='holds no checkpoint to resume from'):
        train_cfg(config, work_dir=str(tmp_path / 'work'), resume='auto')
    work = tmp_path / 'run'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        train_cfg(config, work_dir=str(work), resume='auto')
