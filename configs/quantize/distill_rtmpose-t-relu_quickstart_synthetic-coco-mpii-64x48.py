# Quick start: fine-tune the quick start's distilled RTMPose-t for int8, with
# ReLU in place of the backbone's SiLU (configs/_base_/relu_student.py) and
# the quick start's COCO-style and MPII-style teachers, for qs_relu_iters
# iterations (results/compression_int8.md):
#   python tools/train.py THIS_CONFIG
#   python tools/export_onnx.py THIS_CONFIG \
#       work_dirs/distill_rtmpose-t-relu_quickstart_synthetic-coco-mpii-64x48/iter_3000.pth \
#       t_relu_int8.onnx --int8
# (or --cfg-options load_from=OTHER_DISTILLED_T.pth).
_base_ = [
    '../quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    '../_base_/relu_student.py',
]

model = dict(student=_base_.relu_student)
# tools/quickstart.py's distilled student, seed 0
load_from = 'work_dirs/quickstart/seed0/distilled/iter_1000.pth'
train_cfg = _base_.qs_relu_train_cfg
param_scheduler = _base_.qs_relu_param_scheduler
