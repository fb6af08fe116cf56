# Quick start: fine-tune a pruned quick-start student with the quick start's
# COCO-style and MPII-style teachers, for the fine-tuning schedule
# (qs_finetune_iters; results/compression.md):
#   python tools/prune.py configs/quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py \
#       work_dirs/quickstart/seed0/distilled/iter_1000.pth --method channel \
#       --ratio 0.25 --out work_dirs/prune/quickstart/pruned.pth
#   python tools/train.py THIS_CONFIG
# (or --cfg-options model.student.pruned_checkpoint=OTHER.pth).
# Another round: prune this config's checkpoint into a new --out, then train
# the config tools/prune.py writes next to it.
_base_ = [
    '../quickstart/distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py'
]

pruned_checkpoint = 'work_dirs/prune/quickstart/pruned.pth'
model = dict(
    student=dict(
        type='PrunedTopdownPoseEstimator',
        pruned_checkpoint=pruned_checkpoint))
train_cfg = _base_.qs_finetune_train_cfg
param_scheduler = _base_.qs_finetune_param_scheduler
# A magnitude-pruned student keeps its zeros (no-op for channel pruning).
custom_hooks = _base_.custom_hooks + [dict(type='KeepSparsityHook')]
