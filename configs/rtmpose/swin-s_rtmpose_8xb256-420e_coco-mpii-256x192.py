# RTMPose-s recipe on COCO + MPII (21-joint union skeleton, no distillation)
# with a Swin Transformer backbone in place of CSPNeXt-s: see
# configs/_base_/swin_student.py for the backbone, its sizing and weights.
_base_ = [
    './rtmpose-s_8xb256-420e_coco-mpii-256x192.py',
    '../_base_/swin_student.py',
]

model = dict(
    backbone=_base_.swin_backbone,
    head=dict(in_channels=_base_.swin_out_channels))
