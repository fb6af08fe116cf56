"""MultiTeacherDistiller: losses, masking, frozen teachers, bad declarations."""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseDataPreprocessor
from mmengine.optim import OptimWrapper
from mmpose.registry import DATASETS, MODELS
from mmpose.utils import register_all_modules

from mmpose_ext import skeletons
from mmpose_ext.apis import load_config
from mmpose_ext.datasets.pipelines import (teacher_crops_from_model,
                                           without_teacher_crops)
from mmpose_ext.models import (MultiTeacherDistiller, TeacherConfigError,
                               simcc_kd_loss)
from mmpose_ext.models.teachers import teacher_autocast_dtype
from tiny_configs import DISTILL_CFG, tiny_distill_cfg, tiny_teachers
from tool_modules import load_tool

register_all_modules(init_default_scope=True)


@pytest.fixture
def tiny(coco_mpii_root, tmp_path):
    return tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))


def _build(cfg) -> MultiTeacherDistiller:
    torch.manual_seed(0)
    return MODELS.build(copy.deepcopy(cfg.model))


def _samples(cfg, size=4):
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return pseudo_collate([dataset[i] for i in range(size)])


def _batch(cfg, model, size=4):
    return model.data_preprocessor(_samples(cfg, size), True)


def test_kd_loss_matches_hand_computation():
    rng = np.random.default_rng(0)
    sx, sy = rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 3, 4))
    qx = rng.dirichlet(np.ones(5), size=(2, 3))
    qy = rng.dirichlet(np.ones(4), size=(2, 3))
    mask = np.array([[1, 0, 1], [1, 1, 0]], dtype=np.float64)
    beta, temp = 10., 2.

    def log_softmax(z):
        z = z - z.max(-1, keepdims=True)
        return z - np.log(np.exp(z).sum(-1, keepdims=True))

    expected = 0.
    for b in range(2):
        for k in range(3):
            if not mask[b, k]:
                continue
            for s, q in ((sx, qx), (sy, qy)):
                lp = log_softmax(s[b, k] * beta / temp)
                expected += np.mean(q[b, k] * (np.log(q[b, k]) - lp))
    expected *= temp**2 / 3
    got = simcc_kd_loss(
        (torch.tensor(sx), torch.tensor(sy)),
        (torch.tensor(qx), torch.tensor(qy)), torch.tensor(mask), beta, temp)
    assert got.item() == pytest.approx(expected, rel=1e-10)


def test_kd_loss_ignores_masked_joints():
    sx, sy = torch.randn(1, 2, 6), torch.randn(1, 2, 6)
    q = torch.softmax(torch.randn(1, 2, 6), -1)
    mask = torch.tensor([[1., 0.]])
    before = simcc_kd_loss((sx, sy), (q, q), mask, 10., 1.)
    sx[0, 1] += 5.
    after = simcc_kd_loss((sx, sy), (q, q), mask, 10., 1.)
    assert before.item() == after.item()


def test_each_term_is_logged_once_and_the_total_is_their_sum(tiny):
    model = _build(tiny)
    batch = _batch(tiny, model)
    losses = model(**batch, mode='loss')
    assert set(losses) == {'loss_kpt', 'acc_pose', 'loss_kd_coco',
                           'loss_kd_mpii'}
    total, log_vars = model.parse_losses(losses)
    expected = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    assert 'total' not in ''.join(losses)


def test_kd_terms_follow_loss_weight_and_schedule_scale(tiny):
    model = _build(tiny)
    batch = _batch(tiny, model)
    base = model(**batch, mode='loss')
    model.kd_scale = 0.25
    model.teacher_specs[0].loss_weight = 3.0
    scaled = model(**batch, mode='loss')
    assert scaled['loss_kd_coco'].item() == pytest.approx(
        0.75 * base['loss_kd_coco'].item(), rel=1e-5)
    assert scaled['loss_kd_mpii'].item() == pytest.approx(
        0.25 * base['loss_kd_mpii'].item(), rel=1e-5)
    assert scaled['loss_kpt'].item() == pytest.approx(base['loss_kpt'].item())


def _x_logit_grad(model, batch, *terms):
    """``(B, K)`` gradient magnitude of the loss ``terms`` on the student
    head's x logits."""
    out = {}

    def keep(_, __, output):
        out['x'] = output[0]
        output[0].retain_grad()

    handle = model.student.head.register_forward_hook(keep)
    losses = model.loss(batch['inputs'], batch['data_samples'])
    handle.remove()
    sum(losses[term] for term in terms).backward()
    return out['x'].grad.abs().sum(2)


def test_kd_touches_only_the_union_joints_a_teacher_knows(tiny):
    model = _build(tiny)
    grad = _x_logit_grad(model, _batch(tiny, model), 'loss_kd_mpii').sum(0)
    known = skeletons.union_mask('mpii')
    assert (grad[~known] == 0).all()
    assert (grad[known] > 0).any()


def test_unlabelled_teachers_distil_only_joints_without_ground_truth(tiny):
    cfg = copy.deepcopy(tiny)
    for teacher in cfg.model.teachers:
        teacher['joints'] = 'unlabelled'
    model = _build(cfg)
    batch = _batch(cfg, model)
    grad = _x_logit_grad(model, batch, 'loss_kd_coco', 'loss_kd_mpii')
    weights = torch.cat([d.gt_instance_labels.keypoint_weights
                         for d in batch['data_samples']])
    assert (grad[weights > 0] == 0).all()
    assert (grad[weights <= 0] > 0).any()


def test_teacher_joints_choice_must_be_known(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.teachers[0]['joints'] = 'labelled'
    with pytest.raises(TeacherConfigError, match="joints must be 'all' or"):
        _build(cfg)


@pytest.mark.parametrize('name, says', [
    ('float', 'an nn.Module attribute'),  # ModuleDict's KeyError before
    ('train', 'an nn.Module attribute'),
    ('coco.v2', 'not a Python identifier'),
    ('', 'not a Python identifier')])
def test_teacher_name_must_key_a_module_dict(tiny, name, says):
    cfg = copy.deepcopy(tiny)
    cfg.model.teachers[0]['name'] = name
    with pytest.raises(TeacherConfigError, match=f'teacher name .*{says}'):
        _build(cfg)


def test_student_settings_set_on_the_distiller_point_to_model_student(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.test_cfg = dict(flip_test=False)  # belongs to the student
    with pytest.raises(TeacherConfigError,
                       match=r"does not take: \['test_cfg'\].*"
                       r'model\.student\.test_cfg'):
        _build(cfg)


def test_test_py_points_student_settings_to_model_student(tiny, tmp_path,
                                                          capsys):
    config, ckpt = str(tmp_path / 'distill.py'), str(tmp_path / 'w.pth')
    tiny.dump(config)
    torch.save(dict(state_dict=_build(tiny).state_dict()), ckpt)
    with pytest.raises(SystemExit) as exit_info:
        load_tool('test').main([config, ckpt, '--work-dir',
                                str(tmp_path / 'test'), '--cfg-options',
                                'model.test_cfg.flip_test=False'])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('test.py: error: ')
    assert "does not take: ['test_cfg']" in err
    assert 'model.student.test_cfg' in err


def test_train_py_says_how_to_start_distilling_from_a_plain_checkpoint(
        tiny, tmp_path, capsys):
    config, ckpt = str(tmp_path / 'distill.py'), str(tmp_path / 'student.pth')
    tiny.dump(config)
    torch.save(dict(state_dict=_build(tiny).student.state_dict()), ckpt)
    with pytest.raises(SystemExit) as exit_info:
        load_tool('train').main([config, '--work-dir', str(tmp_path / 'w'),
                                 '--cfg-options', f'load_from={ckpt}'])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"train.py: error: checkpoint '{ckpt}' does not "
                          'fit the model')
    assert err.endswith("It holds a plain model's weights (no student.* "
                        'keys); to start distilling from them, set '
                        "model.student.init_cfg=dict(type='Pretrained', "
                        'checkpoint=...) instead of load_from')


def test_teachers_are_frozen_in_eval_and_outside_the_state_dict(tiny):
    model = _build(tiny)
    model.train()
    for teacher in model.teachers:
        assert not teacher.training
        assert all(not m.training for m in teacher.modules())
        assert not any(p.requires_grad for p in teacher.parameters())
    assert not any('teacher' in k for k in model.state_dict())
    params = {id(p) for p in model.parameters()}
    assert not any(id(p) in params for t in model.teachers
                   for p in t.parameters())


def test_teacher_weights_and_bn_statistics_survive_training_steps(tiny):
    model = _build(tiny)
    before = [copy.deepcopy(t.state_dict()) for t in model.teachers]
    student_before = copy.deepcopy(model.student.state_dict())
    optim = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(2):
        batch = _batch(tiny, model)
        total, _ = model.parse_losses(model(**batch, mode='loss'))
        optim.zero_grad()
        total.backward()
        optim.step()
        model.train()
    for teacher, state in zip(model.teachers, before):
        for key, value in teacher.state_dict().items():
            assert torch.equal(value, state[key]), key
    changed = [k for k, v in model.student.state_dict().items()
               if not torch.equal(v, student_before[k])]
    assert changed


@pytest.mark.parametrize('move', [
    lambda model: model.to('meta'),
    lambda model: model.to_empty(device='meta'),
], ids=['to', 'to_empty'])
def test_teachers_and_their_preprocessing_follow_a_device_move(tiny, move):
    """``meta`` stands in for a GPU: a device every machine has."""
    model = _build(tiny)
    batch = _batch(tiny, model)
    move(model)
    meta = torch.device('meta')
    for spec, teacher in zip(model.teacher_specs, model.teachers):
        assert all(t.device == meta for t in teacher.state_dict().values())
        preprocessors = [m for m in teacher.modules()
                         if isinstance(m, BaseDataPreprocessor)]
        assert preprocessors and all(p.device == meta for p in preprocessors)
        targets = model._teacher_targets(spec, teacher,
                                         batch['data_samples'], 128, 128,
                                         meta)
        assert targets.x.device == meta and targets.mask.device == meta
    assert not any('teacher' in k for k in model.state_dict())


def test_a_training_step_runs_after_a_dtype_move(tiny):
    model = _build(tiny).to(torch.float64)
    for teacher in model.teachers:
        assert all(t.dtype == torch.float64
                   for t in teacher.state_dict().values()
                   if t.is_floating_point())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    model.train()
    log_vars = model.train_step(_samples(tiny), optim)
    assert log_vars['loss'].dtype == torch.float64
    assert all(torch.isfinite(v) for v in log_vars.values())


def test_three_teachers_each_get_their_own_term(tiny):
    cfg = copy.deepcopy(tiny)
    teachers = tiny_teachers(cfg.model.student, sizes=dict(
        coco=(64, 96), mpii=(96, 96), crowdpose=(64, 64)))
    cfg.model.teachers = teachers
    _crops_from_model(cfg)
    model = _build(cfg)
    losses = model(**_batch(cfg, model), mode='loss')
    assert {'loss_kd_coco', 'loss_kd_mpii', 'loss_kd_crowdpose'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())


def _crops_from_model(cfg):
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'TeacherCrops':
            step.teachers = None
    teacher_crops_from_model(cfg)


def test_cfg_options_on_model_teachers_reach_every_pipelines_crops():
    cfg = load_config(DISTILL_CFG, {
        'model.teachers.1.config':
        'teachers/configs/rtmpose-m_8xb256-420e_coco-256x192.py'})
    switch, = [h for h in cfg.custom_hooks if 'switch_pipeline' in h]
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     switch.switch_pipeline):
        crops, = [s for s in pipeline if s['type'] == 'TeacherCrops']
        assert [(t['name'], tuple(t['input_size']))
                for t in crops.teachers] == [('coco', (192, 256)),
                                             ('mpii', (192, 256))]


def test_cfg_options_box_scale_reaches_the_crops_and_bad_values_stop():
    cfg = load_config(DISTILL_CFG, {'model.teachers.0.box_scale.mpii': 0.5})
    crops, = [s for s in cfg.train_dataloader.dataset.pipeline
              if s['type'] == 'TeacherCrops']
    assert [t['box_scale'] for t in crops.teachers] == [dict(mpii=0.5), {}]
    with pytest.raises(TeacherConfigError, match=r"box_scale\['mpii'\]"):
        load_config(DISTILL_CFG, {'model.teachers.0.box_scale.mpii': -1})


def test_teacher_input_size_is_read_from_its_config_head(tiny):
    cfg = copy.deepcopy(tiny)
    for teacher in cfg.model.teachers:
        teacher.pop('input_size')
    model = _build(cfg)
    assert [s.input_size for s in model.teacher_specs] == [(64, 96),
                                                           (96, 96)]


def test_crops_of_another_size_than_the_teacher_takes_are_refused(tiny):
    cfg = copy.deepcopy(tiny)
    model = _build(cfg)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'TeacherCrops':
            step.teachers = [dict(name='coco', input_size=(96, 96)),
                             dict(name='mpii', input_size=(96, 96))]
    with pytest.raises(TeacherConfigError,
                       match=r"teacher 'coco' takes \(64, 96\) crops but the "
                       r'train pipeline cut \[\(96, 96\)\]'):
        model(**_batch(cfg, model), mode='loss')


def test_an_old_declaration_key_names_its_new_name(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.teachers[0]['checkpoint_sha256'] = 'd8dd5ca4'
    with pytest.raises(TeacherConfigError,
                       match='`checkpoint_sha256` is now called '
                       '`checkpoint_hash_prefix`'):
        _build(cfg)


def test_feature_distillation_adds_a_term_per_teacher(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.teachers[1]['feature_weight'] = 1.0
    model = _build(cfg)
    losses = model(**_batch(cfg, model), mode='loss')
    assert 'loss_fea_mpii' in losses and 'loss_fea_coco' not in losses
    losses['loss_fea_mpii'].backward()
    assert model.projectors['mpii'].weight.grad.abs().sum() > 0


def test_confidence_threshold_can_mask_every_joint(tiny):
    cfg = copy.deepcopy(tiny)
    for teacher in cfg.model.teachers:
        teacher['conf_thr'] = 1e9
    model = _build(cfg)
    losses = model(**_batch(cfg, model), mode='loss')
    assert losses['loss_kd_coco'].item() == 0
    assert losses['loss_kd_mpii'].item() == 0


@pytest.mark.parametrize('change, message', [
    (dict(keypoints=['nose', 'tail'], skeleton=None), "'tail'"),
    (dict(name='mpii'), "two teachers are named 'mpii'"),
    (dict(input_size=(96, 128)), 'declared input_size'),
    (dict(skeleton='h36m'), "unknown skeleton 'h36m'"),
    (dict(box_scale=0.67), r'box_scale must map source dataset names'),
    (dict(box_scale=dict(mpii=0)), r"box_scale\['mpii'\] must be a number"),
    (dict(box_scale=dict(mpii='x')), r"box_scale\['mpii'\] must be a number"),
])
def test_bad_teacher_declarations_fail_at_build(tiny, change, message):
    cfg = copy.deepcopy(tiny)
    cfg.model.teachers[0].update(change)
    with pytest.raises(TeacherConfigError, match=message):
        _build(cfg)


def test_student_head_must_predict_the_union(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.student.head.out_channels = 17
    with pytest.raises(TeacherConfigError, match='needs 21'):
        _build(cfg)


def test_samples_without_teacher_crops_say_which_pipeline_steps_to_add(
        tiny):
    cfg = copy.deepcopy(tiny)
    model = _build(cfg)
    cfg.train_dataloader.dataset.pipeline = without_teacher_crops(
        cfg.train_dataloader.dataset.pipeline)
    batch = _batch(cfg, model)
    with pytest.raises(KeyError, match='carry no teacher crops: the train '
                       'pipeline needs TeacherCrops'):
        model(**batch, mode='loss')


def test_teacher_checkpoint_that_does_not_fit_names_teacher_and_keys(
        tiny, tmp_path):
    cfg = copy.deepcopy(tiny)
    other = _build(cfg).student  # 21 joints: the coco teacher has 17
    path = str(tmp_path / 'wrong.pth')
    torch.save(dict(state_dict=other.state_dict()), path)
    cfg.model.teachers[0]['checkpoint'] = path
    with pytest.raises(TeacherConfigError) as err:
        _build(cfg)
    assert "teacher 'coco'" in str(err.value)
    assert 'shape-mismatched keys' in str(err.value)
    assert 'head' in str(err.value)


def test_teacher_checkpoint_with_another_hash_prefix_is_refused(tiny,
                                                                 tmp_path):
    cfg = copy.deepcopy(tiny)
    model = _build(cfg)
    path = str(tmp_path / 'coco.pth')
    torch.save(dict(state_dict=model.teachers[0].state_dict()), path)
    cfg.model.teachers[0].update(checkpoint=path,
                                 checkpoint_hash_prefix='0' * 8)
    with pytest.raises(TeacherConfigError,
                       match='does not start with checkpoint_hash_prefix'):
        _build(cfg)
    cfg.model.teachers[0]['checkpoint_hash_prefix'] = None
    loaded = _build(cfg).teachers[0]
    for key, value in model.teachers[0].state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


def _targets(model, batch):
    """Each teacher's SimCC targets in the student frame, and its mask."""
    out = {}
    with torch.no_grad():
        pred_x, pred_y = model.student(batch['inputs'], None, mode='tensor')
        nx, ny = pred_x.shape[-1], pred_y.shape[-1]
        for spec, teacher in zip(model.teacher_specs, model.teachers):
            targets = model._teacher_targets(
                spec, teacher, batch['data_samples'], nx, ny,
                batch['inputs'].device)
            out[spec.name] = targets.x, targets.y, targets.mask
        losses = model(**batch, mode='loss')
    return out, losses


def test_teacher_layout_and_precision_keep_the_targets(tiny):
    """Channels-last float32 teachers give the NCHW float32 targets; bfloat16
    teachers give the same masks and KD losses within 1%."""
    cfg = copy.deepcopy(tiny)
    batch = _batch(cfg, _build(cfg))  # one batch: augmentation is random
    runs = {}
    for name, options in dict(
            reference=dict(teacher_dtype='float32',
                           teacher_channels_last=False),
            channels_last=dict(teacher_dtype='float32',
                               teacher_channels_last=True),
            bfloat16=dict(teacher_dtype='bfloat16',
                          teacher_channels_last=True)).items():
        cfg.model.update(options)
        runs[name] = _targets(_build(cfg), batch)
    (reference, ref_losses) = runs['reference']
    for teacher, (ref_x, ref_y, ref_mask) in reference.items():
        # Peaked random-teacher distributions magnify float32 rounding.
        cl_x, cl_y, cl_mask = runs['channels_last'][0][teacher]
        assert torch.allclose(cl_x, ref_x, atol=1e-4)
        assert torch.allclose(cl_y, ref_y, atol=1e-4)
        assert torch.equal(cl_mask, ref_mask)
        assert torch.equal(runs['bfloat16'][0][teacher][2], ref_mask)
        key = f'loss_kd_{teacher}'
        assert runs['bfloat16'][1][key].item() == pytest.approx(
            ref_losses[key].item(), rel=1e-2)
        assert runs['bfloat16'][1][key].item() != ref_losses[key].item()


def test_bfloat16_teachers_ignore_a_logit_offset(tiny):
    """A softmax does not see a constant added to every logit; bfloat16
    logits of 8 would, rounded in steps of 1/16 (KD losses moved by 1-4%),
    so the teacher head runs in float32."""
    cfg = copy.deepcopy(tiny)
    cfg.model.update(teacher_dtype='bfloat16')
    batch = _batch(cfg, _build(cfg))
    runs = {}
    for offset in (0., 8.):
        model = _build(cfg)
        for teacher in model.teachers:
            for layer in (teacher.head.cls_x, teacher.head.cls_y):
                layer.register_forward_hook(
                    lambda module, args, out, offset=offset: out + offset)
        runs[offset] = _targets(model, batch)[0]
    for teacher, (x, y, mask) in runs[0.].items():
        shifted_x, shifted_y, shifted_mask = runs[8.][teacher]
        assert torch.allclose(shifted_x, x, atol=1e-4)
        assert torch.allclose(shifted_y, y, atol=1e-4)
        assert torch.equal(shifted_mask, mask)


def test_teacher_dtype_must_be_known(tiny):
    cfg = copy.deepcopy(tiny)
    cfg.model.teacher_dtype = 'int8'
    with pytest.raises(TeacherConfigError, match="teacher_dtype='int8'"):
        _build(cfg)


@pytest.mark.parametrize('choice, expected', [
    ('float32', None), ('bfloat16', torch.bfloat16),
    ('float16', torch.float16)])
def test_explicit_teacher_dtypes(choice, expected):
    assert teacher_autocast_dtype(choice, torch.device('cpu')) == expected


def test_auto_teacher_dtype_is_float32_under_avx2_cpu_kernels():
    # ATEN_CPU_CAPABILITY=avx2 makes torch run as on a CPU without AVX-512,
    # where bfloat16 is emulated; the bfloat16 probes still see the hardware.
    code = ('import torch\n'
            'from mmpose_ext.models.teachers import teacher_autocast_dtype\n'
            'print(torch.backends.cpu.get_cpu_capability(),'
            ' teacher_autocast_dtype("auto", torch.device("cpu")))')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, ATEN_CPU_CAPABILITY='avx2'))
    assert out.stdout.split() == ['AVX2', 'None']


@MODELS.register_module()
class HalfSimCCKDLoss(torch.nn.Module):
    """An alternative KD loss, for the test below."""

    def forward(self, student, teacher, mask, beta, temperature):
        return 0.5 * simcc_kd_loss(student, teacher, mask, beta, temperature)


def test_kd_loss_is_picked_by_config_per_distiller_or_teacher(tiny):
    batch_model = _build(tiny)
    batch = _batch(tiny, batch_model)
    default = batch_model(**batch, mode='loss')
    cfg = copy.deepcopy(tiny)
    cfg.model.kd_loss = dict(type='HalfSimCCKDLoss')
    halved = _build(cfg)(**batch, mode='loss')
    cfg.model.teachers[1]['kd_loss'] = dict(type='SimCCKDLoss')
    mixed = _build(cfg)(**batch, mode='loss')
    for name, expected in (('coco', 0.5), ('mpii', 0.5)):
        assert halved[f'loss_kd_{name}'].item() == pytest.approx(
            expected * default[f'loss_kd_{name}'].item(), rel=1e-6)
    assert mixed['loss_kd_coco'].item() == halved['loss_kd_coco'].item()
    assert mixed['loss_kd_mpii'].item() == default['loss_kd_mpii'].item()


def test_loss_modules_add_nothing_to_the_state_dict(tiny):
    model = _build(tiny)
    assert not any(k.startswith(('kd_losses', 'feature_losses'))
                   for k in model.state_dict())
