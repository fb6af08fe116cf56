# Fine-tune a pruned RTMPose-s union student with the same COCO and MPII
# RTMPose-m teachers it was distilled from. The student is rebuilt at the
# layer widths recorded in the pruned checkpoint (tools/prune.py) and starts
# from its weights; everything else is the distillation config's.
#   python tools/prune.py configs/distill/rtmpose-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py \
#       STUDENT_OR_DISTILL.pth --method channel --ratio 0.25 \
#       --out work_dirs/prune/rtmpose-s/pruned.pth
#   python tools/train.py THIS_CONFIG
# Another round: prune this config's best checkpoint into a new --out, then
# train the config tools/prune.py writes next to it.
_base_ = ['../distill/rtmpose-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']

pruned_checkpoint = 'work_dirs/prune/rtmpose-s/pruned.pth'
model = dict(
    student=dict(
        type='PrunedTopdownPoseEstimator',
        pruned_checkpoint=pruned_checkpoint))
# A magnitude-pruned student keeps its zeros (no-op for channel pruning).
custom_hooks = _base_.custom_hooks + [dict(type='KeepSparsityHook')]
