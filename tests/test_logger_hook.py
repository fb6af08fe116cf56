"""AtomicLoggerHook: the test metrics file comes from the main process
only, written whole."""
import json
import os
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from mmpose_ext.apis.runner import use_atomic_hooks
from mmpose_ext.engine import AtomicLoggerHook
from mmpose_ext.engine import logger_hook


class _LogProcessor:

    def get_log_after_epoch(self, runner, batch_idx, mode, with_non_scalar):
        assert mode == 'test' and with_non_scalar
        return {'coco/AP': 0.5, 'mpii/PCK': 80.0}, 'Epoch(test) done'


def _runner(log_dir):
    return SimpleNamespace(
        log_processor=_LogProcessor(), test_dataloader=[0, 1],
        logger=SimpleNamespace(info=lambda msg: None), log_dir=str(log_dir),
        timestamp='20261205_000000')


@pytest.mark.parametrize('main', [True, False])
def test_only_the_main_process_writes_the_metrics_file(tmp_path, monkeypatch,
                                                       main):
    monkeypatch.setattr(logger_hook, 'is_main_process', lambda: main)
    hook = AtomicLoggerHook()
    runner = _runner(tmp_path)
    hook.before_run(runner)
    hook.after_test_epoch(runner)
    path = osp.join(tmp_path, '20261205_000000.json')
    if main:
        assert json.load(open(path)) == {'coco/AP': 0.5, 'mpii/PCK': 80.0}
    assert os.listdir(tmp_path) == (['20261205_000000.json'] if main else [])


def test_upstream_hooks_are_swapped_and_others_kept():
    cfg = Config(dict(default_hooks=dict(
        logger=dict(type='LoggerHook', interval=7),
        checkpoint=dict(type='mmengine.CheckpointHook', interval=1),
        timer=dict(type='IterTimerHook'))))
    use_atomic_hooks(cfg)
    assert cfg.default_hooks.logger == dict(type='AtomicLoggerHook',
                                            interval=7)
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert cfg.default_hooks.timer.type == 'IterTimerHook'
    custom = Config(dict(default_hooks=dict(
        logger=dict(type='MyLoggerHook'))))
    use_atomic_hooks(custom)
    assert custom.default_hooks.logger.type == 'MyLoggerHook'
