"""TensorBoard logging of a tiny distillation training, read back with
TensorBoard's own event reader; bad histogram intervals."""
import glob
import os.path as osp
from typing import NamedTuple, Set

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules
from tensorboard.backend.event_processing import event_accumulator

from conftest import write_coco_mpii
from kd_bench.teacher_cache_writer import make_teacher_cache
from mmpose_ext.engine import (TensorboardConfigError, TensorboardHook,
                               use_tensorboard)
from tiny_configs import tiny_distill_cfg
from tool_modules import load_tool

ALL_BINS = 10_000  # an exact cache, whatever the tiny teachers predict


class Run(NamedTuple):
    events: event_accumulator.EventAccumulator
    student_parameters: Set[str]  # as the distiller names them


def _cached_distill_config(root) -> str:
    """A tiny two-teacher distillation config whose teachers are served
    from a teacher cache, so the run logs ``cache_hit_<teacher>`` too."""
    data = write_coco_mpii(root / 'data')
    cfg = tiny_distill_cfg(str(data), str(root / 'work'))
    cfg.train_dataloader.dataset = dict(
        type='ReplayDataset', dataset=cfg.train_dataloader.dataset, seed=0)
    cfg.train_dataloader.sampler = dict(type='ViewSampler', num_views=1,
                                        shuffle=True)
    register_all_modules()
    with DefaultScope.overwrite_default_scope('mmpose'):
        make_teacher_cache(cfg, str(root / 'cache'), 1, topk=ALL_BINS,
                           batch_size=4, log=lambda *args: None)
    cfg.model.teacher_cache = str(root / 'cache')
    config = str(root / 'distill.py')
    cfg.dump(config)
    return config


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """``tools/train.py --tensorboard`` with histograms and scalars at every
    iteration; the work dir's events as TensorBoard reads them."""
    root = tmp_path_factory.mktemp('tensorboard')
    config = _cached_distill_config(root)
    work = str(root / 'work')
    load_tool('train').main([
        config, '--work-dir', work, '--no-validate', '--tensorboard',
        '--cfg-options', 'tensorboard.histogram_interval=1',
        'tensorboard.scalar_interval=1'])
    files = glob.glob(osp.join(work, '*', 'vis_data', 'events.out.tfevents.*'))
    assert len(files) == 1, files
    events = event_accumulator.EventAccumulator(
        files[0], size_guidance={event_accumulator.SCALARS: 0,
                                 event_accumulator.HISTOGRAMS: 0})
    events.Reload()
    student = MODELS.build(Config.fromfile(config).model.student)
    return Run(events,
               {f'student.{n}' for n, _ in student.named_parameters()})


def test_scalars_hold_kd_losses_kd_weight_lr_and_cache_hits(run):
    events = run.events
    assert {'train/loss_kd_coco', 'train/loss_kd_mpii', 'train/kd_scale',
            'train/lr', 'train/cache_hit_coco',
            'train/cache_hit_mpii'} <= set(events.Tags()['scalars'])
    iterations = len(events.Scalars('train/lr'))
    assert iterations >= 2
    for tag in ('train/loss_kd_coco', 'train/loss_kd_mpii',
                'train/kd_scale', 'train/cache_hit_coco'):
        steps = [e.step for e in events.Scalars(tag)]
        assert steps == list(range(1, iterations + 1)), tag
    # KDWeightScheduleHook's linear decay from 1; an exact cache serves all
    kd_scale = [e.value for e in events.Scalars('train/kd_scale')]
    assert kd_scale[0] == 1.0 and kd_scale[-1] < kd_scale[0]
    assert all(e.value == 1.0 for e in events.Scalars('train/cache_hit_coco'))


def test_histograms_cover_every_student_parameter_and_no_teacher(run):
    histograms = run.events.Tags()['histograms']
    params = {t[len('params/'):] for t in histograms
              if t.startswith('params/')}
    grads = {t[len('grads/'):] for t in histograms if t.startswith('grads/')}
    assert params == run.student_parameters
    assert grads == run.student_parameters
    assert not any('teacher' in tag for tag in histograms)


def test_gradient_histograms_are_not_all_zero(run):
    tag = next(t for t in run.events.Tags()['histograms']
               if t.startswith('grads/student.head.'))
    for event in run.events.Histograms(tag):
        assert event.histogram_value.sum_squares > 0, event.step


def _tiny_config(tmp_path, **settings) -> str:
    cfg = tiny_distill_cfg(str(tmp_path / 'data'), str(tmp_path / 'work'))
    cfg.update(settings)
    config = str(tmp_path / 'distill.py')
    cfg.dump(config)
    return config


@pytest.mark.parametrize('interval', [0, -5])
def test_histogram_interval_of_zero_or_less_stops_before_training(
        interval, tmp_path, capsys):
    config = _tiny_config(tmp_path)
    with pytest.raises(SystemExit) as stop:
        load_tool('train').main([
            config, '--tensorboard', '--cfg-options',
            f'tensorboard.histogram_interval={interval}'])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert f'tensorboard.histogram_interval = {interval}' in message
    assert 'positive integer' in message and config in message
    assert not (tmp_path / 'work').exists()


@pytest.mark.parametrize('interval', [0, -1])
def test_hook_refuses_a_histogram_interval_of_zero_or_less(interval):
    with pytest.raises(TensorboardConfigError,
                       match=f'histogram_interval = {interval}'):
        TensorboardHook(histogram_interval=interval)


def test_config_switch_adds_backend_and_hook_once(tmp_path):
    cfg = Config.fromfile(_tiny_config(
        tmp_path, tensorboard=dict(histogram_interval=5)))
    use_tensorboard(cfg)
    use_tensorboard(cfg)  # a config a TensorBoard run dumped
    backends = [b['type'] for b in cfg.visualizer.vis_backends]
    assert backends == ['LocalVisBackend', 'TensorboardVisBackend']
    hooks = [h for h in cfg.custom_hooks if h['type'] == 'TensorboardHook']
    assert hooks == [dict(type='TensorboardHook', histogram_interval=5)]


def test_without_the_switch_nothing_is_added(tmp_path):
    cfg = Config.fromfile(_tiny_config(tmp_path))
    use_tensorboard(cfg)
    assert [b['type'] for b in cfg.visualizer.vis_backends] == \
        ['LocalVisBackend']
    assert not any(h['type'] == 'TensorboardHook' for h in cfg.custom_hooks)
