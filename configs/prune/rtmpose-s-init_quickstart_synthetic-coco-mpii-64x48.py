# Quick start, compression: a label-only initialisation for the RTMPose-s
# student, made exactly as the t students' shared one
# (../quickstart/rtmpose-t-init_...: qs_student_init_iters iterations from
# scratch on the labels alone, MPII-style instances drawn three times as
# often), only with RTMPose-s's depth and width. The unpruned s of
# distill_rtmpose-s-init_... starts from it; the pruned one of
# rtmpose-s-init-pruned_... from its first quarter.
#   python tools/train.py THIS_CONFIG
_base_ = ['../quickstart/rtmpose-t-init_quickstart_synthetic-coco-mpii-64x48.py']

model = dict(
    backbone=dict(deepen_factor=0.33, widen_factor=0.5),
    head=dict(in_channels=128))  # stage 2 of CSPNeXt at widen 0.5
