"""tools/dist_train.sh and tools/dist_test.sh: two CPU processes over gloo,
on a tiny distillation config and test-made data."""
import glob
import json
import math
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
from conftest import write_coco_mpii
from scipy.io import loadmat, savemat

from mmpose_ext import apis
from mmpose_ext.paths import REPO_ROOT
from tiny_configs import tiny_distill_cfg

TESTS = osp.dirname(osp.abspath(__file__))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _launch(script: str, *args: str) -> None:
    """Run ``tools/<script>`` as users do, with this interpreter."""
    env = dict(os.environ, PORT=str(_free_port()), PYTHON=sys.executable,
               OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS]))
    done = subprocess.run(['bash', osp.join(REPO_ROOT, 'tools', script),
                           *args], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]


def _lenient_val_split(data_root) -> None:
    """Widen the val split's tolerances (COCO areas x100, MPII head boxes the
    whole image) so that a student two epochs into training on noise images
    scores above 0, and equal metrics mean something."""
    path = osp.join(data_root, 'coco', 'annotations',
                    'person_keypoints_val2017.json')
    with open(path) as f:
        coco = json.load(f)
    for ann in coco['annotations']:
        ann['area'] *= 100
    with open(path, 'w') as f:
        json.dump(coco, f)
    path = osp.join(data_root, 'mpii', 'annotations', 'mpii_gt_val.mat')
    mpii = {k: v for k, v in loadmat(path).items() if not k.startswith('__')}
    mpii['headboxes_src'][0], mpii['headboxes_src'][1] = 0, 128
    savemat(path, mpii)


def _config(data_root, work_dir, max_epochs, path):
    cfg = tiny_distill_cfg(data_root, work_dir, max_epochs)
    # SyncBN as in the real configs; CPU processes run it as BatchNorm.
    cfg.model.student.backbone.norm_cfg = dict(type='SyncBN')
    cfg.custom_imports = dict(imports=['mmpose_ext', 'dist_probe'],
                              allow_failed_imports=False)
    cfg.custom_hooks.append(dict(type='DistProbeHook'))
    # Each rank initialises its random teachers differently: had DDP
    # registered them, it would have made them equal.
    cfg.randomness = dict(seed=0, diff_rank_seed=True)
    cfg.dump(path)


def _probes(work_dir, start_epoch):
    return [json.load(open(osp.join(work_dir, 'probe',
                                    f'rank{r}_from_epoch{start_epoch}.json')))
            for r in range(2)]


@pytest.fixture(scope='module')
def distributed_run(tmp_path_factory):
    """Two epochs on two processes: one run, then one resumed from it."""
    root = tmp_path_factory.mktemp('distributed')
    data_root = str(write_coco_mpii(root / 'data'))
    _lenient_val_split(data_root)
    work = str(root / 'work')
    for epochs in (1, 2):
        path = str(root / f'cfg_{epochs}.py')
        _config(data_root, work, epochs, path)
        _launch('dist_train.sh', path, '2', '--no-validate',
                *(['--resume'] if epochs == 2 else []))
    return path, work


def test_dist_train_splits_samples_and_leaves_teachers_alone(
        distributed_run):
    _, work = distributed_run
    covered = []
    for epoch in (0, 1):
        ranks = _probes(work, epoch)
        seen = [{s for batch in r['samples'] for s in batch} for r in ranks]
        assert all(seen) and not seen[0] & seen[1], epoch
        covered.append(seen[0] | seen[1])
        for r in ranks:
            assert r['epochs'] == epoch + 1
            assert r['losses'] and all(math.isfinite(v) for v in r['losses'])
            assert r['ddp'] and r['teacher_params_in_ddp'] == 0
            assert r['teacher_grads'] == 0
            assert r['teacher_fingerprint_after'] == \
                r['teacher_fingerprint_before']
        # DDP keeps the students equal; nothing synchronised the teachers.
        assert ranks[0]['student_fingerprint'] == pytest.approx(
            ranks[1]['student_fingerprint'], rel=1e-6)
        for a, b in zip(ranks[0]['teacher_fingerprint_after'],
                        ranks[1]['teacher_fingerprint_after']):
            assert a != b
    assert covered[0] == covered[1]  # each epoch went through every sample
    first, second = _probes(work, 0), _probes(work, 1)
    assert second[0]['start_iter'] == len(first[0]['samples']) > 0


def test_dist_test_metrics_equal_one_process_metrics(distributed_run,
                                                     tmp_path):
    path, work = distributed_run
    checkpoint = osp.join(work, 'epoch_2.pth')
    _launch('dist_test.sh', path, checkpoint, '2', '--work-dir',
            str(tmp_path / 'dist_test'))
    logs = glob.glob(str(tmp_path / 'dist_test' / '2*' / '*.json'))
    assert len(logs) == 1, logs
    # MMEngine's LoggerHook has both ranks write this file at once, which
    # now and then left one's text over the other's tail.
    for rank in range(2):
        probe = json.load(open(tmp_path / 'dist_test' / 'probe' /
                               f'rank{rank}_test.json'))
        assert 'AtomicLoggerHook' in probe['hooks']
        assert 'LoggerHook' not in probe['hooks']
    distributed = json.load(open(logs[0]))
    single = apis.run_test(apis.test_cfg(path, checkpoint,
                                         work_dir=str(tmp_path / 'test')))
    assert single['coco/AP'] > 0 and single['mpii/PCK'] > 0
    assert set(single) <= set(distributed)
    for key, value in single.items():
        assert distributed[key] == pytest.approx(value, abs=1e-6), key


@pytest.mark.parametrize('script, args, command', [
    ('slurm_train.sh', ['gpu', 'kd', 'cfg.py', 'work', '--amp'],
     ['train.py', 'cfg.py', '--work-dir=work', '--launcher', 'slurm',
      '--amp']),
    ('slurm_test.sh', ['gpu', 'kd', 'cfg.py', 'ckpt.pth', '--out', 'p.pkl'],
     ['test.py', 'cfg.py', 'ckpt.pth', '--launcher', 'slurm', '--out',
      'p.pkl']),
])
def test_slurm_scripts_hand_srun_the_tasks_and_the_slurm_launcher(
        tmp_path, script, args, command):
    srun = tmp_path / 'srun'  # records its arguments instead of a job
    srun.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    srun.chmod(0o755)
    log = tmp_path / 'srun.log'
    env = dict(os.environ, PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}',
               SRUN_LOG=str(log), GPUS='16', GPUS_PER_NODE='8',
               SRUN_ARGS='--qos=high --time=1:00:00', PYTHON='python3')
    subprocess.run(['bash', osp.join(REPO_ROOT, 'tools', script), *args],
                   env=env, check=True, timeout=60)
    tools = osp.join(REPO_ROOT, 'tools')
    assert log.read_text().splitlines() == [
        '-p', 'gpu', '--job-name=kd', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        '--qos=high', '--time=1:00:00', 'python3', '-u',
        osp.join(tools, command[0]), *command[1:]]
