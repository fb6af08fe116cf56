# Quick start: the RTMPose-t union-skeleton baseline (no distillation) on the
# synthetic benchmark. Only size, schedule, data and the initialisation differ from the real
# configs/rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py.
_base_ = [
    '../rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py',
    './_base_/synthetic.py',
]
from mmpose_ext.datasets.pipelines import resize_pipeline  # noqa: E402
input_size, codec = _base_.qs_input_size, _base_.qs_codec
train_pipeline = resize_pipeline(_base_.train_pipeline_stage2, input_size,
                                 codec)
val_pipeline = resize_pipeline(_base_.val_pipeline, input_size, codec)

model = dict(
    backbone=_base_.qs_backbone,
    head=dict(
        in_channels=96,  # stage 2 of CSPNeXt at widen_factor 0.375
        input_size=input_size,
        in_featuremap_size=_base_.qs_featuremap_size,
        decoder=codec),
    # fine-tuned from the shared label-only initialisation (see _base_)
    init_cfg=_base_.qs_student_init)

train_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(
        datasets=[_base_.qs_coco_train, _base_.qs_mpii_train],
        sample_ratio_factor=_base_.qs_sample_ratio,
        pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(
        datasets=[_base_.qs_coco_val, _base_.qs_mpii_val],
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = _base_.qs_union_evaluator
test_evaluator = val_evaluator

train_cfg = _base_.qs_student_train_cfg
param_scheduler = _base_.qs_student_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_base_lr))
default_hooks = _base_.qs_default_hooks
custom_hooks = []
