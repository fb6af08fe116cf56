# Quick start: the CrowdPose teacher (RTMPose-m, 14 CrowdPose joints) trained
# on the CrowdPose-style part of the synthetic benchmark only (generated for
# `tools/quickstart.py --teachers coco mpii crowdpose`; no such teacher is
# shipped). Only size (RTMPose-s widths at 64x48, head on the stride-8
# stage), schedule and data differ from the real
# teachers/configs/rtmpose-m_8xb64-210e_crowdpose-256x192.py.
_base_ = [
    '../../teachers/configs/rtmpose-m_8xb64-210e_crowdpose-256x192.py',
    './_base_/synthetic.py',
]
from mmpose_ext.datasets.pipelines import resize_pipeline  # noqa: E402
custom_imports = dict(imports=['mmpose_ext'], allow_failed_imports=False)
input_size, codec = _base_.qs_input_size, _base_.qs_codec
train_pipeline = resize_pipeline(_base_.train_pipeline_stage2, input_size,
                                 codec)
val_pipeline = resize_pipeline(_base_.val_pipeline, input_size, codec)

model = dict(
    backbone=dict(
        _base_.qs_backbone, deepen_factor=0.33, widen_factor=0.5),
    head=dict(
        in_channels=128,  # stage 2 of CSPNeXt at widen_factor 0.5
        input_size=input_size,
        in_featuremap_size=_base_.qs_featuremap_size,
        decoder=codec))

train_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(_base_.qs_crowdpose_train, _delete_=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(_base_.qs_crowdpose_val, _delete_=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
# prefixed as upstream's CrowdPose configs: crowdpose/AP, crowdpose/AP(E)...
val_evaluator = dict(_base_.qs_crowdpose_metric, prefix='crowdpose',
                     _delete_=True)
test_evaluator = val_evaluator

train_cfg = _base_.qs_pretrain_train_cfg
param_scheduler = _base_.qs_pretrain_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_pretrain_lr))
default_hooks = _base_.qs_default_hooks
custom_hooks = []
