"""Real training through MMEngine's runner on CPU, on test-made data."""
import os.path as osp

import pytest
import torch

from mmpose_ext.apis import run_test, run_train
from mmpose_ext.checkpoint import safe_torch_load
from mmpose_ext.models.student_export import extract_student
from tiny_configs import (SMALL_STUDENT_CFG, STUDENT_CFG, tiny_distill_cfg,
                          tiny_student_cfg)
from tool_modules import load_tool


def _train_via_cli(cfg, tmp_path, *args):
    path = str(tmp_path / f'cfg{len(list(tmp_path.iterdir()))}.py')
    cfg.dump(path)
    load_tool('train').main([path, '--work-dir', cfg.work_dir, *args])


def _metrics_are_reported(metrics):
    assert {'coco/AP', 'coco/AR', 'mpii/PCK', 'mpii/PCK@0.1'} <= set(metrics)


def test_runners_of_one_process_keep_their_own_visualizers(coco_mpii_root,
                                                          tmp_path):
    first, second = (
        run_train(tiny_student_cfg(str(coco_mpii_root),
                                   str(tmp_path / name), 1))
        for name in ('a', 'b'))
    assert first.visualizer is not second.visualizer
    assert second.visualizer.instance_name == f'visualizer:{tmp_path / "b"}'


@pytest.mark.parametrize('config', [STUDENT_CFG, SMALL_STUDENT_CFG],
                         ids=['rtmpose-t', 'rtmpose-s'])
def test_student_trains_checkpoints_resumes_and_evaluates(
        config, coco_mpii_root, tmp_path):
    work = str(tmp_path / 'work')
    cfg = tiny_student_cfg(str(coco_mpii_root), work, 1, config=config)
    runner = run_train(cfg)
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    first_iters = runner.iter

    cfg = tiny_student_cfg(str(coco_mpii_root), work, 2, config=config)
    _train_via_cli(cfg, tmp_path, '--resume')
    ckpt = safe_torch_load(osp.join(work, 'epoch_2.pth'))
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == 2 * first_iters

    cfg = tiny_student_cfg(str(coco_mpii_root), work, 2, config=config)
    cfg.load_from = osp.join(work, 'epoch_2.pth')
    _metrics_are_reported(run_test(cfg))


def _teacher_files(cfg, tmp_path):
    """Save the tiny random teachers so the run loads them from files."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    for teacher in cfg.model.teachers:
        torch.manual_seed(len(teacher['name']))
        model = MODELS.build(teacher['config'])
        path = str(tmp_path / f'teacher_{teacher["name"]}.pth')
        torch.save(dict(state_dict=model.state_dict()), path)
        teacher['checkpoint'] = path


@pytest.mark.parametrize('amp', [False, True], ids=['fp32', 'amp'])
def test_distillation_trains_resumes_exports_and_evaluates(
        amp, coco_mpii_root, tmp_path):
    work = str(tmp_path / 'work')
    cfg = tiny_distill_cfg(str(coco_mpii_root), work, 1)
    _teacher_files(cfg, tmp_path)
    teachers = {t['name']: t['checkpoint'] for t in cfg.model.teachers}
    runner = run_train(cfg) if not amp else None
    if amp:
        _train_via_cli(cfg, tmp_path, '--amp')
    ckpt = safe_torch_load(osp.join(work, 'epoch_1.pth'))
    losses = [k for k in ckpt['message_hub']['log_scalars']
              if k.startswith('train/loss')]
    assert {'train/loss_kd_coco', 'train/loss_kd_mpii', 'train/loss_kpt'} <= \
        set(losses)
    for key in losses:
        values = ckpt['message_hub']['log_scalars'][key].data[0]
        assert torch.isfinite(torch.as_tensor(values)).all(), key
    if runner is not None:
        for teacher, spec in zip(runner.model.teachers,
                                 runner.model.teacher_specs):
            saved = safe_torch_load(teachers[spec.name])['state_dict']
            for key, value in teacher.state_dict().items():
                assert torch.equal(value, saved[key]), (spec.name, key)
    if amp:
        return

    cfg = tiny_distill_cfg(str(coco_mpii_root), work, 2)
    for teacher in cfg.model.teachers:
        teacher['checkpoint'] = teachers[teacher['name']]
    _train_via_cli(cfg, tmp_path, '--resume')
    first = safe_torch_load(osp.join(work, 'epoch_1.pth'))['state_dict']
    second = safe_torch_load(osp.join(work, 'epoch_2.pth'))['state_dict']
    assert any(not torch.equal(first[k], second[k]) for k in first
               if k.startswith('student.backbone'))

    student_ckpt = extract_student(osp.join(work, 'epoch_2.pth'),
                                   str(tmp_path / 'student.pth'))
    state = safe_torch_load(student_ckpt)['state_dict']
    assert not any(k.startswith(('student.', 'projectors.')) for k in state)
    test = tiny_student_cfg(str(coco_mpii_root), str(tmp_path / 'eval'))
    test.load_from = student_ckpt
    _metrics_are_reported(run_test(test))
