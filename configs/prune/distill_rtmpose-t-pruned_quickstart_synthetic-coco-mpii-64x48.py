# Quick start: fine-tune a pruned quick-start student with the quick start's
# COCO-style and MPII-style teachers, for the quick start's schedule.
#   python tools/prune.py configs/quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py \
#       work_dirs/quickstart/distill/best.pth --method channel --ratio 0.25 \
#       --out work_dirs/prune/quickstart/pruned.pth
#   python tools/train.py THIS_CONFIG
_base_ = [
    '../quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py'
]

pruned_checkpoint = 'work_dirs/prune/quickstart/pruned.pth'
model = dict(
    student=dict(
        type='PrunedTopdownPoseEstimator',
        pruned_checkpoint=pruned_checkpoint))
# A magnitude-pruned student keeps its zeros (no-op for channel pruning).
custom_hooks = _base_.custom_hooks + [dict(type='KeepSparsityHook')]
