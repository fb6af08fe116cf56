# Quick start: the Swin union student of swin-s_quickstart_... distilled
# from the quick start's two shipped teachers, trained from scratch for the
# same schedule and seed as that label-only baseline. As the quick start's
# distilled RTMPose-t (which it inherits from) except the backbone and the
# start from Swin's own init.
_base_ = [
    './distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    '../_base_/swin_student.py',
]

model = dict(
    student=dict(
        backbone=_base_.swin_qs_backbone,
        head=dict(in_channels=_base_.swin_qs_out_channels),
        init_cfg=None))

train_cfg = _base_.qs_pretrain_train_cfg
param_scheduler = _base_.qs_pretrain_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_pretrain_lr))
