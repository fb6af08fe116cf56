# Quick start: the distilled RTMPose-t union student trained from scratch
# for the pre-training schedule (5000 iterations), the counterpart of the
# label-only shared initialisation (rtmpose-t-init_..., shipped as
# teachers/quickstart/student_init.pth) and of the Swin pair
# (swin-s_quickstart_... and distill_swin-s_quickstart_...): distillation
# from the first iteration rather than as a fine-tuning.
_base_ = ['./distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

model = dict(student=dict(init_cfg=None))
train_cfg = _base_.qs_pretrain_train_cfg
param_scheduler = _base_.qs_pretrain_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_pretrain_lr))
