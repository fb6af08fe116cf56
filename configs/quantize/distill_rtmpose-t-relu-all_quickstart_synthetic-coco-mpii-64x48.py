# Quick start, int8: the quick start's distilled RTMPose-t (same teachers,
# data and qs_student_iters schedule) with ReLU in place of every SiLU, the
# head's included (configs/_base_/relu_student.py), distilled from the ReLU
# initialisation of rtmpose-t-relu-all-init_... instead of the shipped SiLU
# one. Its int8 graph has no QLinearSigmoid or QLinearMul left
# (docs/compression.md, "A ReLU student from its initialisation on"):
#   python tools/train.py configs/quantize/rtmpose-t-relu-all-init_quickstart_synthetic-coco-mpii-64x48.py
#   python tools/train.py THIS_CONFIG
#   python tools/export_onnx.py THIS_CONFIG \
#       work_dirs/distill_rtmpose-t-relu-all_quickstart_synthetic-coco-mpii-64x48/iter_1000.pth \
#       t_relu_all_int8.onnx --int8
_base_ = [
    '../quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    '../_base_/relu_student.py',
]

# where tools/train.py writes the initialisation's last checkpoint
relu_init = ('work_dirs/rtmpose-t-relu-all-init_quickstart_synthetic-coco-'
             f'mpii-64x48/iter_{_base_.qs_student_init_iters}.pth')
model = dict(student=dict(_base_.relu_student_all, init_cfg=dict(
    type='Pretrained', checkpoint=relu_init)))
