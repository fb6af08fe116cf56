# Fine-tune a distilled RTMPose-t union student for int8: ReLU in place of
# the backbone's SiLU (configs/_base_/relu_student.py), with the same COCO
# and MPII RTMPose-m teachers it was distilled from; everything else is the
# distillation config's.
#   python tools/train.py THIS_CONFIG --cfg-options load_from=DISTILLED_T.pth
#   python tools/export_onnx.py THIS_CONFIG work_dirs/.../epoch_420.pth \
#       rtmpose-t-relu_int8.onnx --int8
# Without load_from the ReLU student trains from the ImageNet backbone like
# the distillation config. A pruned student takes the same swap:
#   --cfg-options model.student.backbone.act_cfg.type=ReLU
_base_ = [
    '../distill/rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py',
    '../_base_/relu_student.py',
]

model = dict(student=_base_.relu_student)
