"""MMEngine checkpoints load under torch's ``weights_only`` default; files
holding anything else are refused without running the code they carry;
weights load strictly, a distillation checkpoint's student included.
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

from mmpose_ext.apis.runner import StrictLoadRunner
from mmpose_ext.checkpoint import (CheckpointError, CheckpointMismatchError,
                                   UnsafeCheckpointError, load_weights,
                                   read_checkpoint, safe_torch_load)
from mmpose_ext.engine import AtomicCheckpointHook
from mmpose_ext.fileio import AtomicLocalBackend, atomic_output
from mmpose_ext.paths import UNION_METAINFO_FILE
from conftest import write_coco, write_mpii
from tiny_configs import tiny_student_cfg
from tool_modules import load_tool


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


class ToyDistiller(nn.Module):
    """A distiller's state dict: ``student.*`` and projector keys."""

    def __init__(self):
        super().__init__()
        self.student = ToyModel()
        self.projectors = nn.ModuleDict(dict(coco=nn.Linear(1, 1)))


def toy_runner(work_dir, name, checkpoint=None, max_epochs=1,
               runner_cls=Runner, model=None, **kwargs):
    torch.manual_seed(0)
    data = ToyPoseData(dict(inputs=torch.randn(2), labels=torch.randn(1))
                       for _ in range(4))
    return runner_cls(
        model=model or ToyModel(), work_dir=str(work_dir),
        experiment_name=name,
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


@pytest.mark.parametrize('content, reason', [
    (b'# a README, not a checkpoint\n', 'neither a zip archive'),
    (None, 'failed finding central directory'),
], ids=['text-file', 'truncated-checkpoint'])
def test_unreadable_file_says_why_without_advising_unsafe_loading(
        tmp_path, content, reason):
    path = tmp_path / 'weights.pth'
    if content is None:  # the first half of a real checkpoint
        torch.save(dict(state_dict=dict(w=torch.ones(1000))), path)
        content = path.read_bytes()[:path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(UnsafeCheckpointError) as info:
        read_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message and reason in message
    assert 'weights_only' not in message


def test_code_in_a_refused_checkpoint_is_not_run(tmp_path):
    marker = tmp_path / 'marker'
    path = str(tmp_path / 'crafted.pth')
    save_payload(path, RunsCodeWhenUnpickled(marker))
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(ToyModel(), path)
    assert not marker.exists()


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


# --- strict loading ----------------------------------------------------------

def test_weights_of_another_model_stop_with_the_keys(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=dict(conv=torch.ones(1),
                                    linear__weight=torch.ones(1, 2))), path)
    with pytest.raises(CheckpointMismatchError) as err:
        load_weights(ToyModel(), path, config='toy.py')
    message = str(err.value)
    assert f"checkpoint '{path}' does not fit the model of config " \
        "'toy.py'" in message
    assert '2 missing keys (linear.weight, linear.bias)' in message
    assert '2 unexpected keys (conv, linear__weight)' in message


def test_weights_of_another_shape_stop_with_both_shapes(tmp_path):
    wide = ToyModel()
    wide.linear = nn.Linear(3, 1)
    path = str(tmp_path / 'wide.pth')
    torch.save(dict(state_dict=wide.state_dict()), path)
    with pytest.raises(CheckpointMismatchError,
                       match=re.escape('1 shape-mismatched keys (linear.'
                                       'weight: checkpoint (1, 3) vs model '
                                       '(1, 2))')):
        load_weights(ToyModel(), path)


def test_distillation_checkpoint_loads_its_student(tmp_path):
    distiller = ToyDistiller()
    path = str(tmp_path / 'distill.pth')
    torch.save(dict(state_dict=distiller.state_dict()), path)
    student = ToyModel()
    loaded = load_weights(student, path)
    assert set(loaded['state_dict']) == {'linear.weight', 'linear.bias'}
    for key, value in distiller.student.state_dict().items():
        assert torch.equal(student.state_dict()[key], value)
    load_weights(ToyDistiller(), path)  # and, as it is, its distiller


@pytest.mark.parametrize('content, described', [
    (torch.ones(3, 4), 'a bare tensor of shape (3, 4)'),
    (dict(model=dict(w=1)), "a dict with keys [model] and no 'state_dict'"),
], ids=['bare-tensor', 'no-state-dict'])
def test_file_without_weights_is_not_a_checkpoint(tmp_path, content,
                                                  described):
    path = str(tmp_path / 'weights.pth')
    torch.save(content, path)
    with pytest.raises(CheckpointError,
                       match=re.escape(f"'{path}' is not a model checkpoint: "
                                       f'it holds {described}')):
        load_weights(ToyModel(), path)


def test_runner_refuses_load_from_of_another_model(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=dict(conv=torch.ones(1))), path)
    runner = toy_runner(tmp_path, 'toy_load_other',
                        runner_cls=StrictLoadRunner,
                        load_from=path)
    with pytest.raises(CheckpointMismatchError, match='1 unexpected keys'):
        runner.load_or_resume()


def test_runner_loads_a_distillation_checkpoint_into_the_student_and_ema(
        tmp_path):
    distiller = ToyDistiller()
    path = str(tmp_path / 'distill.pth')
    torch.save(dict(state_dict=distiller.state_dict()), path)
    runner = toy_runner(tmp_path, 'toy_load_distill',
                        runner_cls=StrictLoadRunner,
                        load_from=path,
                        custom_hooks=[dict(type='EMAHook')])
    runner.call_hook('before_run')  # EMAHook makes its averaged copy
    runner.load_or_resume()
    ema_hook, = [h for h in runner.hooks if type(h).__name__ == 'EMAHook']
    ema = ema_hook.ema_model.module
    for key, value in distiller.student.state_dict().items():
        assert torch.equal(runner.model.state_dict()[key], value)
        assert torch.equal(ema.state_dict()[key], value)


def test_strict_runner_resumes_from_its_checkpoint(trained, tmp_path):
    _, path = trained
    runner = toy_runner(tmp_path, 'toy_strict_resume',
                        runner_cls=StrictLoadRunner,
                        resume=True, load_from=str(path))
    runner.load_or_resume()
    assert runner.epoch == 1 and runner.iter == 2


def test_resuming_from_weights_without_training_state_says_so(
        trained, tmp_path):
    runner, _ = trained
    path = str(tmp_path / 'weights_only.pth')
    torch.save(dict(state_dict=runner.model.state_dict()), path)
    resuming = toy_runner(tmp_path, 'toy_resume_weights',
                          runner_cls=StrictLoadRunner, resume=True,
                          load_from=path)
    with pytest.raises(CheckpointError,
                       match=re.escape(f"cannot resume from '{path}': it "
                                       'holds weights but no training state '
                                       '(no meta.epoch, meta.iter, '
                                       'message_hub)')):
        resuming.load_or_resume()


# --- through tools/test.py and tools/train.py --------------------------------

@pytest.fixture(scope='module')
def student(tmp_path_factory):
    """The tiny student's config file and its (random) weights, once for
    the tests below (dumping a config takes seconds)."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('student')
    data = root / 'data'
    write_coco(str(data / 'coco'), 'train', seed=0)
    write_coco(str(data / 'coco'), 'val', seed=2, extra=False)
    write_mpii(str(data / 'mpii'), 'train', seed=1)
    write_mpii(str(data / 'mpii'), 'val', seed=3, missing_image=False)
    cfg = tiny_student_cfg(str(data), str(root / 'work'))
    config = str(root / 'student.py')
    cfg.dump(config)
    torch.manual_seed(0)
    return config, MODELS.build(cfg.model).state_dict()


def _exit_message(capsys, main, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip()


def _teacher_like(state, path):
    """``state`` with a 17-joint head: another model's checkpoint."""
    state = dict(state)
    state['head.final_layer.weight'] = torch.zeros(17, 384, 1, 1)
    state['head.final_layer.bias'] = torch.zeros(17)
    torch.save(dict(state_dict=state), path)
    return path


def test_test_py_stops_on_a_checkpoint_of_another_model(student, tmp_path,
                                                        capsys):
    config, state = student
    ckpt = _teacher_like(state, str(tmp_path / 'teacher.pth'))
    err = _exit_message(capsys, load_tool('test').main, [config, ckpt])
    assert err.startswith(f"test.py: error: checkpoint '{ckpt}' does not fit "
                          f"the model of config '{config}': 2 shape-"
                          'mismatched keys (head.final_layer.weight')
    assert '\n' not in err


def test_test_py_refuses_a_bare_tensor(student, tmp_path, capsys):
    config, _ = student
    ckpt = str(tmp_path / 'tensor.pth')
    torch.save(torch.zeros(3), ckpt)
    err = _exit_message(capsys, load_tool('test').main, [config, ckpt])
    assert err.startswith(f"test.py: error: '{ckpt}' is not a model "
                          'checkpoint: it holds a bare tensor of shape (3,)')


def test_test_py_names_a_file_that_is_no_checkpoint(student, tmp_path,
                                                    capsys):
    config, _ = student
    notes = tmp_path / 'notes.pth'
    notes.write_text('# not weights\n')
    err = _exit_message(capsys, load_tool('test').main, [config, str(notes)])
    assert err == (f"test.py: error: cannot read '{notes}' as a PyTorch "
                   'checkpoint (it is neither a zip archive, the format '
                   'torch.save writes, nor a pickle torch can read); is it a '
                   'file written by torch.save / MMEngine?')


def test_test_py_evaluates_a_distillation_checkpoint_with_the_student_config(
        student, tmp_path):
    config, state = student
    ckpt = str(tmp_path / 'distill.pth')
    torch.save(dict(state_dict={
        **{f'student.{k}': v for k, v in state.items()},
        'projectors.coco.weight': torch.zeros(1)}), ckpt)
    load_tool('test').main([config, ckpt, '--work-dir', str(tmp_path / 'test')])


def test_train_py_resume_from_weights_without_training_state_says_so(
        student, tmp_path, capsys):
    config, state = student
    ckpt = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=state), ckpt)
    err = _exit_message(capsys, load_tool('train').main,
                        [config, '--resume', ckpt])
    assert err.startswith(f"train.py: error: cannot resume from '{ckpt}': it "
                          'holds weights but no training state')


def test_train_py_resume_from_another_model_stops_with_its_keys(
        student, tmp_path, capsys):
    config, state = student
    path = _teacher_like(state, str(tmp_path / 'teacher.pth'))
    ckpt = str(tmp_path / 'teacher_run.pth')  # saved by a training run
    torch.save(dict(torch.load(path), meta=dict(epoch=1, iter=10),
                    message_hub=dict()), ckpt)
    err = _exit_message(capsys, load_tool('train').main,
                        [config, '--resume', ckpt])
    assert err.startswith(f"train.py: error: checkpoint '{ckpt}' does not fit "
                          'the model')
    assert 'head.final_layer.bias: checkpoint (17,) vs model (21,)' in err
