# Quick start: the students' shared initialisation. The label-only
# RTMPose-t union student of rtmpose-t_quickstart_..., trained from scratch
# for qs_student_init_iters iterations (_base_/synthetic.py) on the labels
# alone (no joint a style does not label reaches it). Shipped as
# teachers/quickstart/student_init.pth and made again by
# `tools/quickstart.py --train-teachers`. Like the students it draws each
# MPII-style instance three times as often as its share (qs_sample_ratio).
_base_ = ['./rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']
model = dict(init_cfg=None)
train_cfg = _base_.qs_student_init_train_cfg
param_scheduler = _base_.qs_student_init_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_pretrain_lr))
