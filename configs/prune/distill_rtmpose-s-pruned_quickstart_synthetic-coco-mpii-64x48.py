# Quick start: fine-tune a pruned quick-start RTMPose-s student
# (configs/quickstart/distill_rtmpose-s_...) with the quick start's teachers,
# for the fine-tuning schedule (qs_finetune_iters; results/compression.md).
# Pruned with tools/prune.py from that config, as for
# distill_rtmpose-t-pruned_quickstart_...
_base_ = [
    '../quickstart/distill_rtmpose-s_quickstart_synthetic-coco-mpii-64x48.py'
]

pruned_checkpoint = 'work_dirs/prune/quickstart/pruned-s.pth'
model = dict(
    student=dict(
        type='PrunedTopdownPoseEstimator',
        pruned_checkpoint=pruned_checkpoint))
train_cfg = _base_.qs_finetune_train_cfg
param_scheduler = _base_.qs_finetune_param_scheduler
custom_hooks = _base_.custom_hooks + [dict(type='KeepSparsityHook')]
