"""MMEngine checkpoints load under torch's ``weights_only`` default; files
holding anything else are refused without running the code they carry.
``AtomicCheckpointHook`` saves them whole or not at all."""
import argparse
import errno
import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.fileio import register_backend
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from torch import nn

import mmpose_ext  # noqa: F401  (installs the safe checkpoint loader)
from mmpose_ext.checkpoint import UnsafeCheckpointError, safe_torch_load
from mmpose_ext.engine import AtomicCheckpointHook
from mmpose_ext.fileio import AtomicLocalBackend, atomic_output
from mmpose_ext.paths import UNION_METAINFO_FILE


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=((out - torch.stack(labels))**2).mean())
        return out


class ToyPoseData(list):
    """Four samples; the runner saves ``metainfo`` as the checkpoint's
    ``dataset_meta``, numpy arrays included, as it does for MMPose data."""
    metainfo = parse_pose_metainfo(dict(from_file=UNION_METAINFO_FILE))


def toy_runner(work_dir, name, checkpoint=None, max_epochs=1, **kwargs):
    torch.manual_seed(0)
    data = ToyPoseData(dict(inputs=torch.randn(2), labels=torch.randn(1))
                       for _ in range(4))
    return Runner(
        model=ToyModel(), work_dir=str(work_dir), experiment_name=name,
        train_dataloader=dict(
            dataset=data, batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=checkpoint or dict(
            type='CheckpointHook', interval=1)),
        default_scope='mmengine', **kwargs)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A runner after one epoch and the checkpoint it saved."""
    work_dir = tmp_path_factory.mktemp('runner')
    runner = toy_runner(work_dir, 'toy_train')
    runner.train()
    return runner, work_dir / 'epoch_1.pth'


def test_runner_checkpoint_holds_classes_torch_refuses_by_default(trained):
    # Precondition of the loading tests below: without the allow-list torch
    # would refuse this file.
    _, path = trained
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
            str(path))
    finally:
        torch.serialization.add_safe_globals(allowed)
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in unsafe
    assert any(name.startswith('numpy') for name in unsafe)


def test_runner_checkpoint_loads_into_a_model_with_load_checkpoint(trained):
    runner, path = trained
    model = ToyModel()
    load_checkpoint(model, str(path))
    for key, value in runner.model.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_runner_checkpoint_loads_its_message_hub_and_dataset_meta(trained):
    _, path = trained
    checkpoint = safe_torch_load(str(path))
    loss = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer) and len(loss.data[0]) == 2
    np.testing.assert_array_equal(checkpoint['meta']['dataset_meta']['sigmas'],
                                  ToyPoseData.metainfo['sigmas'])


def test_runner_resumes_from_its_checkpoint(trained, tmp_path):
    _, path = trained
    runner = toy_runner(tmp_path, 'toy_resume', resume=True,
                        load_from=str(path))
    runner.load_or_resume()
    assert runner.epoch == 1 and runner.iter == 2
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 2


def test_message_hub_with_numpy_arrays_and_scalars_loads(tmp_path):
    hub = MessageHub('numpy_values')
    hub.update_scalar('train/loss', np.float32(0.5))
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_scalar('train/count', np.int64(3))
    hub.update_info('flags', np.array([True, False]))
    hub.update_info('colors', np.zeros((2, 3), dtype=np.uint8))
    hub.update_info('weights', np.ones(4, dtype=np.float16))
    hub.update_info('best_epoch', np.int32(7))
    path = tmp_path / 'hub.pth'
    torch.save(dict(message_hub=hub.state_dict(),
                    state_dict=dict(w=torch.ones(2))), path)

    state = safe_torch_load(str(path))['message_hub']
    np.testing.assert_allclose(state['log_scalars']['train/loss'].data[0],
                               [0.5, 0.25])
    info = state['runtime_info']
    assert info['flags'].dtype == np.bool_ and info['colors'].dtype == np.uint8
    assert info['weights'].dtype == np.float16 and info['best_epoch'] == 7


def write_marker(path):
    with open(path, 'w') as f:
        f.write('pickled code ran')
    return 'payload'


class RunsCodeWhenUnpickled:
    """Unpickling this calls ``write_marker``: a stand-in for any code a
    crafted checkpoint could run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return write_marker, (self.marker, )


def save_payload(path, payload):
    torch.save(dict(state_dict=dict(w=torch.ones(2)), extra=payload), path)


@pytest.mark.parametrize('payload', [
    lambda tmp: RunsCodeWhenUnpickled(tmp / 'marker'),
    lambda tmp: argparse.Namespace(lr=0.1),
], ids=['custom-class', 'argparse-namespace'])
@pytest.mark.parametrize('load', [
    safe_torch_load,
    lambda path: load_checkpoint(ToyModel(), path),
], ids=['safe_torch_load', 'load_checkpoint'])
def test_checkpoint_holding_other_classes_is_refused_naming_the_file(
        tmp_path, payload, load):
    path = str(tmp_path / 'crafted.pth')
    save_payload(path, payload(tmp_path))
    with pytest.raises(UnsafeCheckpointError, match=re.escape(path)):
        load(path)


def test_code_in_a_refused_checkpoint_is_not_run(tmp_path):
    marker = tmp_path / 'marker'
    path = str(tmp_path / 'crafted.pth')
    save_payload(path, RunsCodeWhenUnpickled(marker))
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(ToyModel(), path)
    assert not marker.exists()


def test_the_payload_does_run_when_loaded_unsafely(tmp_path):
    # Shows the test above is not vacuous.
    marker = tmp_path / 'marker'
    path = str(tmp_path / 'crafted.pth')
    save_payload(path, RunsCodeWhenUnpickled(marker))
    assert torch.load(path, weights_only=False)['extra'] == 'payload'
    assert marker.exists()


# --- AtomicCheckpointHook ---------------------------------------------------


@register_backend('disk_full_local')
class DiskFullBackend(AtomicLocalBackend):
    """Fails as a full disk would, half-way through writing ``file``."""

    def __init__(self, file):
        super().__init__()
        self.file = file

    def put(self, obj, filepath):
        if osp.basename(filepath) != self.file:
            return super().put(obj, filepath)
        with atomic_output(filepath) as tmp:
            with open(tmp, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                raise OSError(errno.ENOSPC, 'No space left on device', tmp)


class ImprovingMetric(BaseMetric):
    """A score that is better at every validation."""

    def __init__(self):
        super().__init__()
        self.validations = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        self.validations += 1
        return dict(acc=float(self.validations))


def atomic_toy_runner(work_dir, max_epochs, validate=False, **checkpoint):
    checkpoint = dict(type=AtomicCheckpointHook, interval=1, **checkpoint)
    val = {}
    if validate:
        val = dict(val_dataloader=dict(
            dataset=[dict(inputs=torch.randn(2), labels=torch.randn(1))],
            batch_size=1, sampler=dict(type='DefaultSampler', shuffle=False)),
            val_cfg=dict(), val_evaluator=dict(type=ImprovingMetric))
    return toy_runner(work_dir, f'atomic_{work_dir.name}', checkpoint,
                      max_epochs, **val)


def files(folder):
    return sorted(name for name in os.listdir(folder)
                  if not osp.isdir(osp.join(folder, name)))


def test_atomic_checkpoint_hook_renames_each_written_file_into_place(
        tmp_path, monkeypatch):
    renames, replace = [], os.replace

    def spying_replace(src, dst):
        renames.append((src, str(dst)))
        replace(src, dst)

    monkeypatch.setattr(os, 'replace', spying_replace)
    atomic_toy_runner(tmp_path, max_epochs=1).train()
    assert [osp.basename(dst) for _, dst in renames] == [
        'epoch_1.pth', 'last_checkpoint']
    for src, dst in renames:
        assert osp.dirname(src) == str(tmp_path)
        assert osp.basename(src).startswith(f'.{osp.basename(dst)}.')


def test_failed_save_keeps_the_previous_checkpoint_and_last_checkpoint(
        tmp_path):
    runner = atomic_toy_runner(
        tmp_path, max_epochs=2, max_keep_ckpts=1,
        backend_args=dict(backend='disk_full_local', file='epoch_2.pth'))
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    assert [f for f in files(tmp_path) if not f.endswith('.py')] == [
        'epoch_1.pth', 'last_checkpoint']
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_1.pth')
    assert safe_torch_load(str(tmp_path / 'epoch_1.pth'))['meta']['epoch'] == 1


def test_failed_best_save_keeps_the_previous_best_checkpoint(tmp_path):
    runner = atomic_toy_runner(
        tmp_path, max_epochs=2, validate=True, save_best='acc',
        backend_args=dict(backend='disk_full_local',
                          file='best_acc_epoch_2.pth'))
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    assert 'best_acc_epoch_1.pth' in files(tmp_path)


def test_save_best_keeps_only_the_latest_best_checkpoint(tmp_path):
    atomic_toy_runner(tmp_path, max_epochs=2, validate=True,
                      save_best='acc', max_keep_ckpts=1).train()
    assert [f for f in files(tmp_path) if f.endswith('.pth')] == [
        'best_acc_epoch_2.pth', 'epoch_2.pth']
