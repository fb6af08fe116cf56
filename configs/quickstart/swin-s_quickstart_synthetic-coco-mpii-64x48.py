# Quick start: the union student with the Swin backbone of
# configs/_base_/swin_student.py, trained from scratch on the labels alone
# (the baseline of distill_swin-s_quickstart_...). As the quick start's
# RTMPose-t baseline (which it inherits from) except the backbone, and that
# there is no shared label-only Swin initialisation: both Swin students
# start from Swin's own init for the pre-training schedule, same seed.
_base_ = [
    './rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    '../_base_/swin_student.py',
]

model = dict(
    backbone=_base_.swin_qs_backbone,
    head=dict(in_channels=_base_.swin_qs_out_channels),
    init_cfg=None)

train_cfg = _base_.qs_pretrain_train_cfg
param_scheduler = _base_.qs_pretrain_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_pretrain_lr))
