"""Offline teacher outputs: replayable views, the sparse store, cached
targets against live ones, fallback, resuming and bad caches."""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmpose.registry import DATASETS, MODELS
from mmpose.utils import register_all_modules

from mmpose_ext.datasets import ViewSampler
from mmpose_ext.models import TeacherConfigError
from kd_bench.teacher_cache_writer import (MAX_TRUNCATION_ERROR, bins_needed,
                                           make_teacher_cache, sparse_simcc,
                                           truncation_error)
from mmpose_ext.models.teacher_outputs import LiveTeacherOutputs
from mmpose_ext.teacher_cache import (CachedTeacherOutputs, TeacherCacheError,
                                      complete_views, dense_distribution)
from tiny_configs import tiny_distill_cfg

register_all_modules(init_default_scope=True)

ALL_BINS = 10_000  # more than any axis has: the cache is then exact


@pytest.fixture(autouse=True)
def mmpose_scope():
    # an earlier test's runner may have left another default scope current
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield


@pytest.fixture
def replay_cfg(coco_mpii_root, tmp_path):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    cfg.train_dataloader.dataset = dict(
        type='ReplayDataset', dataset=cfg.train_dataloader.dataset, seed=0)
    cfg.train_dataloader.sampler = dict(type='ViewSampler', num_views=2,
                                        shuffle=True)
    return cfg


def _quiet(*args):
    pass


def _cache(cfg, folder, views=1, topk=ALL_BINS):
    # Tiny teachers have no checkpoint: the seed gives them the weights
    # _build gives them.
    torch.manual_seed(0)
    make_teacher_cache(cfg, str(folder), views, topk=topk, batch_size=4,
                       log=_quiet)
    return str(folder)


def _build(cfg, teacher_cache=None):
    torch.manual_seed(0)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['teacher_cache'] = teacher_cache
    return MODELS.build(model_cfg)


def _losses(model, dataset, keys):
    data = model.data_preprocessor(
        pseudo_collate([dataset[k] for k in keys]), True)
    with torch.no_grad():
        return model(**data, mode='loss')


def _save_teachers(cfg, folder, seed):
    """Give the tiny teachers checkpoint files named as the quick start
    names them, ``coco.pth`` and ``mpii.pth``, with weights from ``seed``."""
    os.makedirs(folder, exist_ok=True)
    for teacher in cfg.model.teachers:
        torch.manual_seed(seed)
        path = os.path.join(folder, f'{teacher["name"]}.pth')
        torch.save(dict(state_dict=MODELS.build(teacher['config'])
                        .state_dict()), path)
        teacher['checkpoint'] = path
    return cfg


def _cli(argv):
    from tool_modules import load_tool
    load_tool('cache_teachers').main(argv)


def _live_and_cached(cfg, folder, keys):
    """Losses on the samples ``keys`` with live teachers and with the
    cache in ``folder``."""
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return (_losses(_build(cfg), dataset, keys),
            _losses(_build(cfg, folder), dataset, keys))


# --- replayable augmentation -------------------------------------------------

def test_a_view_draws_the_same_augmentation_again(replay_cfg):
    dataset = DATASETS.build(replay_cfg.train_dataloader.dataset)
    first, again = dataset[(1, 2)], dataset[(1, 2)]
    other_view = dataset[(0, 2)]
    assert torch.equal(first['inputs'], again['inputs'])
    assert first['data_samples'].replay_key == (1, 2)
    np.testing.assert_array_equal(first['data_samples'].input_center,
                                  again['data_samples'].input_center)
    assert not torch.equal(first['inputs'], other_view['inputs'])


def test_replay_leaves_the_global_generators_as_they_were(replay_cfg):
    dataset = DATASETS.build(replay_cfg.train_dataloader.dataset)
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    dataset[(0, 1)]
    assert np.random.rand() == expected


def test_view_sampler_cycles_views_over_epochs():
    sampler = ViewSampler(list(range(5)), num_views=2, shuffle=True, seed=0)
    views = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        keys = list(sampler)
        assert sorted(i for _, i in keys) == list(range(5))
        views.append({v for v, _ in keys})
    assert views == [{0}, {1}, {0}, {1}]
    with pytest.raises(ValueError, match='num_views must be at least 1'):
        ViewSampler(list(range(5)), num_views=0)


def test_pipeline_switch_reaches_the_wrapped_dataset(replay_cfg):
    dataset = DATASETS.build(replay_cfg.train_dataloader.dataset)
    dataset.pipeline = 'stage 2'  # what mmdet's PipelineSwitchHook does
    assert dataset.dataset.pipeline == 'stage 2'


# --- the sparse store --------------------------------------------------------

def test_sparse_distribution_is_exact_on_kept_bins_and_keeps_all_mass():
    logits = torch.randn(3, 5, 40)
    scale = 10.
    exact = torch.softmax(logits * scale, -1)
    sparse = {k: torch.as_tensor(v)
              for k, v in sparse_simcc(logits, scale, topk=4).items()}
    dense = dense_distribution(sparse['bins'], sparse['logits'],
                               sparse['lse'], 40, scale)
    kept = sparse['bins'].long()
    assert torch.allclose(dense.gather(-1, kept), exact.gather(-1, kept),
                          atol=1e-6)
    assert torch.allclose(dense.sum(-1), torch.ones(3, 5), atol=1e-5)
    full = {k: torch.as_tensor(v)
            for k, v in sparse_simcc(logits, scale, topk=40).items()}
    assert torch.allclose(
        dense_distribution(full['bins'], full['logits'], full['lse'], 40,
                           scale), exact, atol=1e-6)


def _sharp_simcc_logits(num_bins=384):
    """SimCC logits shaped like the labels of RTMPose's 256x192 codec: a
    Gaussian peak (sigma 5 bins) over a little noise."""
    gen = torch.Generator().manual_seed(0)
    bins = torch.arange(num_bins, dtype=torch.float32)
    centers = torch.rand(8, 17, 1, generator=gen) * (num_bins - 80) + 40
    peaks = torch.exp(-(bins - centers)**2 / (2 * 5.**2))
    return peaks + 0.02 * torch.randn(8, 17, num_bins, generator=gen)


@pytest.mark.parametrize('temperature, within_limit', [
    (1, True), (2, False), (4, False)])
def test_16_bins_hold_sharp_targets_only_at_temperature_1(
        temperature, within_limit):
    error = truncation_error(_sharp_simcc_logits(), 10 / temperature, 16)
    assert (error.mean() <= MAX_TRUNCATION_ERROR) == within_limit


def test_bins_needed_bring_the_truncation_error_within_the_limit():
    logits = _sharp_simcc_logits()
    k = bins_needed(logits, 10 / 4, 16)
    assert 16 < k < 384
    assert truncation_error(logits, 10 / 4, k).mean() <= \
        MAX_TRUNCATION_ERROR < truncation_error(logits, 10 / 4, k // 2).mean()


# --- cached targets ----------------------------------------------------------

def test_cached_targets_give_the_live_losses(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    live, cached = _live_and_cached(replay_cfg, folder,
                                    [(0, i) for i in range(4)])
    for name in ('coco', 'mpii'):
        assert cached[f'cache_hit_{name}'].item() == 1.0
        assert cached[f'loss_kd_{name}'].item() == pytest.approx(
            live[f'loss_kd_{name}'].item(), rel=1e-5)
    assert cached['loss_kpt'].item() == live['loss_kpt'].item()


def test_top16_cache_keeps_the_losses_within_a_percent(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache', topk=16)
    live, cached = _live_and_cached(replay_cfg, folder,
                                    [(0, i) for i in range(4)])
    for name in ('coco', 'mpii'):
        assert cached[f'loss_kd_{name}'].item() == pytest.approx(
            live[f'loss_kd_{name}'].item(), rel=1e-2)


def test_the_bins_caching_asks_for_keep_the_losses_within_a_percent(
        replay_cfg, tmp_path):
    # At temperature 10 the tiny teachers' targets are flat enough that 16
    # bins misplace about 10% of their mass.
    cfg = copy.deepcopy(replay_cfg)
    cfg.model.teachers[0]['temperature'] = 10.
    with pytest.raises(TeacherCacheError, match="teacher 'coco': 16 bins "
                       'per joint keep its KD targets') as err:
        _cache(cfg, tmp_path / 'cache16', topk=16)
    topk = int(str(err.value).split('--topk ')[1].split(')')[0])
    live, cached = _live_and_cached(
        cfg, _cache(cfg, tmp_path / 'cache', topk=topk),
        [(0, i) for i in range(4)])
    assert cached['loss_kd_coco'].item() == pytest.approx(
        live['loss_kd_coco'].item(), rel=1e-2)


def test_samples_the_cache_lacks_go_through_the_teachers(replay_cfg,
                                                         tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')  # view 0 only
    # Half the samples come from the view not cached.
    live, cached = _live_and_cached(replay_cfg, folder,
                                    [(1, 0), (0, 1), (1, 2), (0, 3)])
    for name in ('coco', 'mpii'):
        assert cached[f'cache_hit_{name}'].item() == 0.5
        assert cached[f'loss_kd_{name}'].item() == pytest.approx(
            live[f'loss_kd_{name}'].item(), rel=1e-5)


def test_the_output_source_is_chosen_when_the_distiller_is_built(
        replay_cfg, tmp_path):
    live = _build(replay_cfg)
    assert isinstance(live.teacher_outputs, LiveTeacherOutputs)
    cached = _build(replay_cfg, _cache(replay_cfg, tmp_path / 'cache'))
    assert isinstance(cached.teacher_outputs, CachedTeacherOutputs)
    assert cached.teacher_outputs.live is cached.live_outputs


def test_a_cached_view_of_another_crop_is_not_served(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    model = _build(replay_cfg, folder)
    dataset = DATASETS.build(replay_cfg.train_dataloader.dataset)
    meta = dataset[(0, 0)]['data_samples'].metainfo
    crop = meta['teacher_crops']['coco']
    center, scale = crop['center'][None], crop['scale'][None]
    cache = model.teacher_outputs.cache
    assert cache.lookup('coco', [(0, 0)], center, scale).all()
    assert not cache.lookup('coco', [(0, 0)], center + 1, scale).any()
    assert not cache.lookup('coco', [None], center, scale).any()


# --- making the cache --------------------------------------------------------

def test_a_killed_run_resumes_at_the_view_it_was_writing(replay_cfg,
                                                         tmp_path):
    folder = tmp_path / 'cache'
    assert make_teacher_cache(replay_cfg, str(folder), 1, batch_size=4,
                              log=_quiet) == [0]
    # What a kill while writing view 1 leaves: a partial temporary folder.
    partial = folder / 'view_0001.tmp-99999'
    partial.mkdir()
    (partial / 'coco_center.npy').write_bytes(b'partial')
    assert complete_views(str(folder)) == [0]
    before = (folder / 'view_0000' / 'coco_x_logits.npy').read_bytes()
    assert make_teacher_cache(replay_cfg, str(folder), 2, batch_size=4,
                              log=_quiet) == [1]
    assert complete_views(str(folder)) == [0, 1]
    assert (folder / 'view_0000' / 'coco_x_logits.npy').read_bytes() == \
        before


def test_a_view_with_files_deleted_by_hand_is_cached_again(replay_cfg,
                                                           tmp_path):
    folder = tmp_path / 'cache'
    make_teacher_cache(replay_cfg, str(folder), 2, batch_size=4, log=_quiet)
    gone = folder / 'view_0001' / 'coco_x_logits.npy'
    kept = (folder / 'view_0000' / 'coco_x_logits.npy').read_bytes()
    gone.unlink()
    lines = []
    assert make_teacher_cache(replay_cfg, str(folder), 2, batch_size=4,
                              log=lines.append) == [1]
    assert gone.exists()
    assert (folder / 'view_0000' / 'coco_x_logits.npy').read_bytes() == kept
    assert any('view 1: 1 file(s) of it are gone (coco_x_logits.npy' in line
               for line in lines), lines


def test_caching_removes_temporary_views_of_dead_writers_only(replay_cfg,
                                                             tmp_path):
    folder = tmp_path / 'cache'
    make_teacher_cache(replay_cfg, str(folder), 1, log=_quiet)
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()  # a pid no process has any more
    left = folder / f'view_0001.tmp-{dead.pid}'
    busy = folder / f'view_0002.tmp-{os.getppid()}'  # a running writer's
    for partial in (left, busy):
        partial.mkdir()
        (partial / 'coco_center.npy').write_bytes(b'partial')
    make_teacher_cache(replay_cfg, str(folder), 1, log=_quiet)
    assert not left.exists() and busy.exists()


def test_caching_tool_refuses_bins_that_do_not_hold_the_targets(
        replay_cfg, tmp_path, capsys):
    cfg = copy.deepcopy(replay_cfg)
    cfg.model.teachers[1]['temperature'] = 10.
    config = str(tmp_path / 'hot.py')
    cfg.dump(config)
    with pytest.raises(SystemExit) as exit_info:
        _cli([config, '--views', '1', '--batch-size', '4', '--topk', '16',
              '--out', str(tmp_path / 'cache')])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cache_teachers.py: error: teacher 'mpii': 16 bins "
                          'per joint keep its KD targets')
    assert 'Cache more bins (--topk ' in err and '\n' not in err
    assert complete_views(str(tmp_path / 'cache')) == []


def test_cache_settings_must_match_the_folder(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache', topk=16)
    with pytest.raises(TeacherCacheError, match='made with other settings'):
        make_teacher_cache(replay_cfg, folder, 1, topk=8, log=_quiet)


def test_caching_needs_a_replayable_train_set(coco_mpii_root, tmp_path):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    with pytest.raises(TeacherCacheError, match='cannot be replayed; wrap'):
        make_teacher_cache(cfg, str(tmp_path / 'cache'), 1, log=_quiet)


# --- bad caches --------------------------------------------------------------

def test_missing_cache_says_how_to_make_it(replay_cfg, tmp_path):
    with pytest.raises(TeacherCacheError,
                       match='does not exist: make it with python '
                       'tools/cache_teachers.py'):
        _build(replay_cfg, str(tmp_path / 'nowhere'))


def test_cache_of_other_teacher_settings_is_refused(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    cfg = copy.deepcopy(replay_cfg)
    cfg.model.teachers[0]['temperature'] = 2.0
    with pytest.raises(TeacherCacheError,
                       match=r"made for another teacher 'coco' .*softmax "
                       r"scale \(the head's beta / the teacher's "
                       r"temperature\): cache 10, teacher 5. Remake"):
        _build(cfg, folder)


def test_cache_of_other_weights_under_the_same_file_name_is_refused(
        replay_cfg, tmp_path):
    _save_teachers(replay_cfg, tmp_path / 'teachers', seed=1)
    folder = _cache(replay_cfg, tmp_path / 'cache')
    _build(replay_cfg, folder)  # the same weights: accepted
    _save_teachers(replay_cfg, tmp_path / 'teachers', seed=2)  # retrained
    with pytest.raises(TeacherCacheError,
                       match=r"another teacher 'coco' than this config's "
                       r"\(checkpoint 'coco.pth'\): weights \(sha256\): cache "
                       "'[0-9a-f]{64}', teacher '[0-9a-f]{64}'"):
        _build(replay_cfg, folder)


def test_cache_of_the_same_weights_under_another_name_is_used(replay_cfg,
                                                             tmp_path):
    _save_teachers(replay_cfg, tmp_path / 'teachers', seed=1)
    folder = _cache(replay_cfg, tmp_path / 'cache')
    for teacher in replay_cfg.model.teachers:
        renamed = str(tmp_path / f'{teacher["name"]}_teacher.pth')
        os.rename(teacher['checkpoint'], renamed)
        teacher['checkpoint'] = renamed
    assert isinstance(_build(replay_cfg, folder).teacher_outputs,
                      CachedTeacherOutputs)


def test_corrupt_cache_json_is_named_with_the_fix(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    meta = os.path.join(folder, 'cache.json')
    with open(meta, 'w') as f:
        f.write('{"version": 2, "teach')
    with pytest.raises(TeacherCacheError,
                       match=f'teacher cache file {meta} is corrupt .*delete '
                       f'{folder} and make the cache again'):
        _build(replay_cfg, folder)


def test_corrupt_cache_json_stops_the_caching_tool(replay_cfg, tmp_path,
                                                   capsys):
    folder = tmp_path / 'cache'
    folder.mkdir()
    (folder / 'cache.json').write_text('')
    config = str(tmp_path / 'cfg.py')
    replay_cfg.dump(config)
    with pytest.raises(SystemExit):
        _cli([config, '--views', '1', '--out', str(folder)])
    err = capsys.readouterr().err.strip()
    assert err.startswith(f'cache_teachers.py: error: teacher cache file '
                          f'{folder}/cache.json is corrupt')


@pytest.mark.parametrize('damage', [
    lambda path: open(path, 'wb').close(),
    lambda path: os.truncate(path, os.path.getsize(path) // 2),
    os.remove,
], ids=['empty', 'truncated', 'missing'])
def test_damaged_view_array_names_the_file_and_the_view_to_rebuild(
        replay_cfg, tmp_path, damage):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    view = os.path.join(folder, 'view_0000')
    damage(os.path.join(view, 'coco_x_logits.npy'))
    with pytest.raises(TeacherCacheError,
                       match=f'teacher cache file {view}/coco_x_logits.npy '
                       f'.*Rebuild that view: delete {view} and run'):
        _build(replay_cfg, folder)


def test_cache_without_a_complete_view_is_refused(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    os.remove(os.path.join(folder, 'view_0000', 'done'))
    with pytest.raises(TeacherCacheError, match='no complete view'):
        _build(replay_cfg, folder)


def test_feature_distillation_cannot_use_a_cache(replay_cfg, tmp_path):
    folder = _cache(replay_cfg, tmp_path / 'cache')
    cfg = copy.deepcopy(replay_cfg)
    cfg.model.teachers[1]['feature_weight'] = 1.0
    with pytest.raises(TeacherConfigError, match=r"\['mpii'\] distil "
                       'features'):
        _build(cfg, folder)


# --- end to end --------------------------------------------------------------

def test_training_reads_the_cache_made_by_the_command(replay_cfg, tmp_path):
    from mmengine.runner import Runner
    config = str(tmp_path / 'cached.py')
    cfg = copy.deepcopy(replay_cfg)
    cfg.model.teacher_cache = str(tmp_path / 'cache')
    cfg.train_cfg.max_epochs = 2
    cfg.train_cfg.val_interval = 10  # no validation: training only
    cfg.dump(config)
    _cli([config, '--views', '2', '--batch-size', '4'])
    runner = Runner.from_cfg(cfg)
    runner.train()
    for teacher in ('coco', 'mpii'):  # every step of both epochs
        hits, _ = runner.message_hub.get_scalar(
            f'train/cache_hit_{teacher}').data
        assert len(hits) == 2 * len(runner.train_dataloader)
        assert (hits == 1.0).all()


def test_the_command_notes_views_the_config_replays_and_the_cache_lacks(
        replay_cfg):
    """Epochs replaying an uncached view quietly run the live teachers."""
    from tool_modules import load_tool
    note = load_tool('cache_teachers').views_note
    assert note(replay_cfg, 2) is None  # the config's ViewSampler: 2 views
    assert note(replay_cfg, 1) == (
        'the config replays 2 views (epoch e draws view e % 2); view 1 is '
        'not cached, so some epochs run the live teachers: cache them all '
        'with --views 2 (the views made are kept)')
    assert note(replay_cfg, 4) == ('the config replays 2 views: views 2 to 3 '
                                   'are cached but never read')
