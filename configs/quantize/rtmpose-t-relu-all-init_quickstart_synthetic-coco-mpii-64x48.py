# Quick start, int8: the students' shared initialisation
# (../quickstart/rtmpose-t-init_...) with ReLU in place of every SiLU, the
# head's included (configs/_base_/relu_student.py), trained from scratch the
# same way: qs_student_init_iters iterations on the labels alone, MPII-style
# instances drawn three times as often. The distilled student of
# distill_rtmpose-t-relu-all_... starts from it.
#   python tools/train.py THIS_CONFIG
# (writes work_dirs/rtmpose-t-relu-all-init_quickstart_synthetic-coco-mpii-
# 64x48/iter_15000.pth; 40 min on the 2-core AMD EPYC of docs/compression.md)
_base_ = [
    '../quickstart/rtmpose-t-init_quickstart_synthetic-coco-mpii-64x48.py',
    '../_base_/relu_student.py',
]

model = _base_.relu_student_all
