# The Swin student of
# configs/rtmpose/swin-s_rtmpose_8xb256-420e_coco-mpii-256x192.py (5.80 M
# params, 0.98 GFLOPs at 256x192; see configs/_base_/swin_student.py for its
# sizing and weights) distilled from the RTMPose-m COCO and MPII teachers
# with the RTMPose-s distillation recipe this inherits from: only the
# student's backbone and head width change.
_base_ = [
    './rtmpose-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py',
    '../_base_/swin_student.py',
]

model = dict(
    student=dict(
        backbone=_base_.swin_backbone,
        head=dict(in_channels=_base_.swin_out_channels)))
