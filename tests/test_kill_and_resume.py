"""``tools/train.py`` killed with SIGKILL at any moment, a checkpoint save
included, resumes with ``--resume`` to the state of a run never killed; and
one training at a time per work dir."""
import contextlib
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import torch
from torch.utils.data._utils import MP_STATUS_CHECK_INTERVAL

from mmpose_ext.apis.work_dir_lock import LOCK_FILE, work_dir_lock
from mmpose_ext.checkpoint import safe_torch_load
from tiny_configs import tiny_student_cfg

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TESTS = osp.join(REPO, 'tests')
WAIT_SECONDS = 300

# No random augmentation: what a resumed run computes then depends only on
# what its checkpoint holds, which is what these tests are about.
FIXED_PIPELINE = ['LoadImage', 'GetBBoxCenterScale', 'TopdownAffine',
                  'GenerateTarget', 'PackPoseInputs']


def _config(data_root, tmp_path, name, checkpoint=None, custom_hooks=(),
            workers=0):
    """8 iterations, a checkpoint every 2 keeping only the last (as the
    upstream RTMPose configs do), written to ``<tmp_path>/<name>.py``;
    ``workers`` persistent DataLoader workers, as the quick start has."""
    cfg = tiny_student_cfg(str(data_root), None)
    cfg.train_dataloader.update(num_workers=workers,
                                persistent_workers=workers > 0)
    # A third of RTMPose-t's width: 4 MB checkpoints instead of 39 MB.
    cfg.model.backbone.widen_factor = 0.125
    cfg.model.head.in_channels = 128
    pipeline = cfg.train_dataloader.dataset.pipeline
    cfg.train_dataloader.dataset.pipeline = [
        step for step in pipeline if step['type'] in FIXED_PIPELINE]
    cfg.train_cfg = dict(by_epoch=False, max_iters=8)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=2, max_keep_ckpts=1,
        **(checkpoint or {}))
    cfg.custom_hooks = list(custom_hooks)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.custom_imports = dict(imports=['mmpose_ext', 'kill_points'],
                              allow_failed_imports=False)
    path = str(tmp_path / f'{name}.py')
    cfg.dump(path)
    return path


def _train(config, work_dir, log, *args):
    # One thread: the same arithmetic in every run, and no OpenMP threads
    # spinning against each other on a busy machine.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO, TESTS]),
               OMP_NUM_THREADS='1')
    with open(log, 'w') as out:
        return subprocess.Popen(
            [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
             '--work-dir', str(work_dir), '--no-validate', *args],
            stdout=out, stderr=subprocess.STDOUT, env=env)


def _read(path):
    with open(path) as f:
        return f.read()


def _wait_for_pause(process, signal_file, log):
    """Return once ``process`` has written ``signal_file``."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not osp.exists(signal_file):
        assert process.poll() is None, \
            f'exited {process.returncode} before the pause:\n{_read(log)}'
        assert time.monotonic() < deadline, f'no pause:\n{_read(log)}'
        time.sleep(0.1)


def _kill_when_paused(process, signal_file, log):
    """SIGKILL ``process`` once it has written ``signal_file``."""
    _wait_for_pause(process, signal_file, log)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def _finish(process, log):
    assert process.wait(WAIT_SECONDS) == 0, _read(log)


def _checkpoints(work_dir):
    return sorted(name for name in os.listdir(work_dir)
                  if name.endswith('.pth') and not name.startswith('.'))


def _last_checkpoint(work_dir):
    return osp.basename(_read(osp.join(work_dir, 'last_checkpoint')))


def _assert_same_state(ours, reference):
    for key in ('state_dict', 'optimizer'):
        flat_ours, flat_ref = _flatten(ours[key]), _flatten(reference[key])
        assert flat_ours.keys() == flat_ref.keys(), key
        for name, value in flat_ref.items():
            if isinstance(value, torch.Tensor):
                assert torch.equal(flat_ours[name], value), (key, name)
            else:
                assert flat_ours[name] == value, (key, name)


def _flatten(tree, prefix=''):
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, (list, tuple)):
        items = enumerate(tree)
    else:
        return {prefix: tree}
    flat = {}
    for key, value in items:
        flat.update(_flatten(value, f'{prefix}/{key}'))
    return flat


def test_training_killed_mid_save_and_between_saves_resumes_to_the_same_state(
        coco_mpii_root, tmp_path):
    reference_dir = tmp_path / 'reference'
    reference = _train(_config(coco_mpii_root, tmp_path, 'plain'),
                       reference_dir, tmp_path / 'reference.log')
    work, signal_file = tmp_path / 'work', str(tmp_path / 'paused')

    def kill_at(name, resume=(), **pause):
        if osp.exists(signal_file):
            os.remove(signal_file)
        log = tmp_path / f'{name}.log'
        process = _train(_config(coco_mpii_root, tmp_path, name, **pause),
                         work, log, *resume)
        _kill_when_paused(process, signal_file, log)
        return _read(log)

    # Half-way through writing iter_4.pth, which replaces iter_2.pth.
    kill_at('mid_save', checkpoint=dict(backend_args=dict(
        backend='pausing_atomic_local', at='put', file='iter_4.pth',
        signal_file=signal_file)))
    assert _checkpoints(work) == ['iter_2.pth']
    assert _last_checkpoint(work) == 'iter_2.pth'
    assert safe_torch_load(str(work / 'iter_2.pth'))['meta']['iter'] == 2
    assert any(name.startswith('.iter_4.pth.') for name in os.listdir(work))

    # During iteration 5, after iter_4.pth replaced iter_2.pth.
    log = kill_at('mid_iteration', resume=['--resume'], custom_hooks=[
        dict(type='PauseAfterIterHook', iteration=5,
             signal_file=signal_file)])
    assert 'taking over the lock of a training that ended without ' \
        'releasing it' in log
    assert 'an unfinished checkpoint save of a run that was killed' in log
    assert not any(name.startswith('.') for name in os.listdir(work))
    assert _checkpoints(work) == ['iter_4.pth']
    assert _last_checkpoint(work) == 'iter_4.pth'

    # iter_6.pth and last_checkpoint written, iter_4.pth not yet removed.
    kill_at('before_removal', resume=['--resume'],
            checkpoint=dict(backend_args=dict(
                backend='pausing_atomic_local', at='remove',
                file='iter_4.pth', signal_file=signal_file)))
    assert _checkpoints(work) == ['iter_4.pth', 'iter_6.pth']
    assert _last_checkpoint(work) == 'iter_6.pth'

    log = tmp_path / 'finish.log'
    _finish(_train(_config(coco_mpii_root, tmp_path, 'plain'), work, log,
                   '--resume'), log)
    _finish(reference, tmp_path / 'reference.log')
    assert _checkpoints(work) == _checkpoints(reference_dir) == ['iter_8.pth']
    assert not any(name.startswith('.') for name in os.listdir(work))
    assert not osp.exists(work / LOCK_FILE)
    _assert_same_state(safe_torch_load(str(work / 'iter_8.pth')),
                       safe_torch_load(str(reference_dir / 'iter_8.pth')))


def test_training_in_a_locked_work_dir_stops_naming_the_holder(
        coco_mpii_root, tmp_path):
    work, log = tmp_path / 'work', tmp_path / 'train.log'
    config = _config(coco_mpii_root, tmp_path, 'plain')
    with work_dir_lock(str(work)):
        process = _train(config, work, log)
        assert process.wait(WAIT_SECONDS) == 2
    message = _read(log).strip().splitlines()[-1]
    assert message.startswith('train.py: error: work dir ')
    assert f'PID {os.getpid()} ' in message and str(work) in message
    assert os.listdir(work) == []


def _alive(pid):
    return _stat(pid)[1] not in ('gone', 'Z')


def _children(pid):
    """PIDs of the live processes whose parent is ``pid``."""
    return [int(entry) for entry in os.listdir('/proc') if entry.isdigit()
            and _stat(entry)[0] == str(pid) and _alive(entry)]


def _stat(pid):
    """``(parent PID, state)`` from ``/proc/PID/stat``; ``('', 'gone')`` once
    it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return '', 'gone'
    return fields[1], fields[0]


def test_a_killed_training_leaves_no_worker_holding_its_work_dir(
        coco_mpii_root, tmp_path):
    """Its DataLoader workers are forked with the lock's file open, and an
    flock belongs to the open file: the lock is free the moment the
    training is killed, and the workers die with it (persistent ones live
    on otherwise, blocked on a queue nobody reads)."""
    work, signal_file = tmp_path / 'work', str(tmp_path / 'paused')
    log = tmp_path / 'train.log'
    process = _train(_config(coco_mpii_root, tmp_path, 'workers', workers=1,
                             custom_hooks=[dict(type='PauseAfterIterHook',
                                                iteration=2,
                                                signal_file=signal_file)]),
                     work, log)
    workers = []
    try:
        _wait_for_pause(process, signal_file, log)
        workers = _children(process.pid)
        assert workers, 'no DataLoader worker to check'
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
        with work_dir_lock(str(work)):
            pass
        # PyTorch's own check would end an idle worker within this interval,
        # one blocked writing a batch never: the training's end ends it.
        deadline = time.monotonic() + MP_STATUS_CHECK_INTERVAL / 2
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, \
                f'workers {workers} outlived the training'
            time.sleep(0.1)
    finally:
        for pid in [process.pid] + workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_ends_training_with_one_line_on_how_to_go_on(
        coco_mpii_root, tmp_path):
    """Not MMEngine's traceback from wherever the interrupt fell."""
    work, signal_file = tmp_path / 'work', str(tmp_path / 'paused')
    log = tmp_path / 'train.log'
    process = _train(_config(coco_mpii_root, tmp_path, 'interrupted',
                             custom_hooks=[dict(type='PauseAfterIterHook',
                                                iteration=3,
                                                signal_file=signal_file)]),
                     work, log)
    _wait_for_pause(process, signal_file, log)
    process.send_signal(signal.SIGINT)
    assert process.wait(WAIT_SECONDS) == 130, _read(log)
    output = _read(log)
    assert 'Traceback' not in output
    assert output.strip().splitlines()[-1] == (
        f'train.py: interrupted. Its last checkpoint is {work}/iter_2.pth: '
        f'continue from it with --resume --work-dir {work}.')
    assert not osp.exists(work / LOCK_FILE)
