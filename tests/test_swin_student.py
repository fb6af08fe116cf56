"""The Swin Transformer student: its configs build, it predicts the 21 union
joints on SimCC bins, it distils from random teachers and exports to ONNX."""
import copy
import os.path as osp

import numpy as np
import onnxruntime as ort
import pytest
import torch
from mmpose.models.backbones import SwinTransformer
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmpose.registry import DATASETS, MODELS
from mmpose.utils import register_all_modules

from mmpose_ext.apis import load_config
from mmpose_ext.inference.onnx_export import export_student
from mmpose_ext.inference.sample_images import astronaut
from mmpose_ext.models import ExportableSwinTransformer, MultiTeacherDistiller
from mmpose_ext.paths import CONFIG_ROOT
from tiny_configs import tiny_distill_cfg

register_all_modules(init_default_scope=True)

SWIN_CFG = osp.join(CONFIG_ROOT, 'rtmpose',
                    'swin-s_rtmpose_8xb256-420e_coco-mpii-256x192.py')
SWIN_DISTILL_CFG = osp.join(
    CONFIG_ROOT, 'distill',
    'swin-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py')
INPUT_HW = (256, 192)
SIMCC_SPLIT_RATIO = 2.0


def _build(model_cfg):
    torch.manual_seed(0)
    return MODELS.build(copy.deepcopy(model_cfg))


@pytest.fixture(scope='module')
def swin_student():
    return _build(load_config(SWIN_CFG).model).eval()


def test_student_backbone_is_swin_feeding_its_last_stage_to_the_head(
        swin_student):
    backbone = swin_student.backbone
    assert isinstance(backbone, SwinTransformer)
    assert backbone.out_indices == (3, )
    assert swin_student.head.in_channels == backbone.num_features[3] == 320


def test_student_is_sized_like_rtmpose_s(swin_student):
    params = sum(p.numel() for p in swin_student.parameters())
    assert 5.0e6 < params < 6.5e6


def test_exportable_swin_equals_upstream_swin_with_the_same_weights():
    args = dict(embed_dims=16, depths=(2, 2), num_heads=(1, 2),
                strides=(4, 2), out_indices=(1, ))
    torch.manual_seed(0)
    ours, upstream = ExportableSwinTransformer(**args), SwinTransformer(**args)
    upstream.load_state_dict(ours.state_dict())
    ours.eval()  # Swin's train() returns None: no chaining
    upstream.eval()
    x = torch.rand(2, 3, 64, 48)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), upstream(x), rtol=0, atol=0)


def test_forward_on_two_crops_gives_simcc_for_the_21_union_joints(
        swin_student):
    h, w = INPUT_HW
    with torch.no_grad():
        simcc_x, simcc_y = swin_student(
            torch.rand(2, 3, h, w), None, mode='tensor')
    assert simcc_x.shape == (2, 21, int(w * SIMCC_SPLIT_RATIO))
    assert simcc_y.shape == (2, 21, int(h * SIMCC_SPLIT_RATIO))
    assert torch.isfinite(simcc_x).all() and torch.isfinite(simcc_y).all()


def test_distillation_config_builds_a_distiller_with_a_swin_student():
    cfg = load_config(SWIN_DISTILL_CFG)
    for teacher in cfg.model.teachers:
        teacher.checkpoint = None  # random teachers: nothing downloaded
    model = _build(cfg.model)
    assert isinstance(model, MultiTeacherDistiller)
    assert isinstance(model.student.backbone, SwinTransformer)
    assert model.student.head.in_channels == 320
    assert [spec.name for spec in model.teacher_specs] == ['coco', 'mpii']


def test_a_distillation_training_step_updates_the_swin_student(
        coco_mpii_root, tmp_path):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    swin = load_config(SWIN_DISTILL_CFG).model.student
    cfg.model.student.backbone = swin.backbone
    cfg.model.student.head.in_channels = swin.head.in_channels
    model = _build(cfg.model).train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    samples = pseudo_collate([dataset[i] for i in range(2)])
    before = copy.deepcopy(model.student.backbone.state_dict())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-2))
    log_vars = model.train_step(samples, optim)
    assert {'loss_kpt', 'loss_kd_coco', 'loss_kd_mpii'} <= set(log_vars)
    assert all(torch.isfinite(v) for v in log_vars.values())
    after = model.student.backbone.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_onnx_export_matches_pytorch_with_random_weights(tmp_path):
    report = export_student(SWIN_CFG, None, str(tmp_path / 'swin.onnx'),
                            images=[astronaut()])
    assert osp.isfile(report.onnx_file)
    assert report.max_abs_diff_random < 1e-4
    assert report.max_abs_diff_real < 1e-4
    session = ort.InferenceSession(report.onnx_file,
                                   providers=['CPUExecutionProvider'])
    h, w = INPUT_HW
    for batch in (1, 4):
        simcc_x, simcc_y = session.run(
            None, {'input': np.zeros((batch, 3, h, w), np.float32)})
        assert simcc_x.shape == (batch, 21, 384)
        assert simcc_y.shape == (batch, 21, 512)


QS_SWIN_CFG = osp.join(CONFIG_ROOT, 'quickstart',
                       'swin-s_quickstart_synthetic-coco-mpii-64x48.py')
QS_SWIN_DISTILL_CFG = osp.join(
    CONFIG_ROOT, 'quickstart',
    'distill_swin-s_quickstart_synthetic-coco-mpii-64x48.py')


def test_quickstart_swin_students_read_the_stride_8_stage_at_64x48():
    label_only = load_config(QS_SWIN_CFG).model
    distilled = load_config(QS_SWIN_DISTILL_CFG).model
    # the same student in both, from Swin's own init (no shared checkpoint)
    assert distilled.student.backbone == label_only.backbone
    assert distilled.student.head == label_only.head
    assert label_only.init_cfg is None and distilled.student.init_cfg is None
    student = _build(label_only).eval()
    assert isinstance(student.backbone, ExportableSwinTransformer)
    with torch.no_grad():
        (features, ) = student.backbone(torch.rand(2, 3, 64, 48))
        simcc_x, simcc_y = student(torch.rand(2, 3, 64, 48), None,
                                   mode='tensor')
    assert features.shape == (2, student.head.in_channels, 8, 6)
    assert tuple(student.head.in_featuremap_size) == (6, 8)
    assert simcc_x.shape == (2, 21, int(48 * SIMCC_SPLIT_RATIO))
    assert simcc_y.shape == (2, 21, int(64 * SIMCC_SPLIT_RATIO))


def test_quickstart_swin_distiller_uses_the_shipped_quickstart_teachers():
    model = _build(load_config(QS_SWIN_DISTILL_CFG).model)
    assert isinstance(model, MultiTeacherDistiller)
    assert [spec.name for spec in model.teacher_specs] == ['coco', 'mpii']
    assert all(not p.requires_grad for t in model.teachers
               for p in t.parameters())


def test_quickstart_swin_exports_to_onnx_with_a_padded_window(tmp_path):
    # 8x6 tokens at stride 8 pad to 8x8 for windows of 4
    report = export_student(QS_SWIN_CFG, None, str(tmp_path / 'qs.onnx'),
                            images=[astronaut()])
    assert report.max_abs_diff_random < 1e-4
    assert report.max_abs_diff_real < 1e-4
