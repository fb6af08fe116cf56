# Quick start, compression: RTMPose-s pruned early to about RTMPose-t's
# FLOPs (rtmpose-s-init-pruned_..., whose comment has the whole recipe),
# distilled with the quick start's teachers for the students' schedule
# (qs_student_iters) as the t student is from its initialisation. Both have
# qs_student_init_iters + qs_student_iters iterations in all: this is the
# pruned s to set against the quick start's distilled t (docs/compression.md,
# "Pruned s against t, same start and iterations").
#   python tools/train.py THIS_CONFIG
_base_ = [
    '../quickstart/distill_rtmpose-s_quickstart_synthetic-coco-mpii-64x48.py'
]

# the widths, where tools/prune.py writes them (rtmpose-s-init-pruned_...)
pruned_checkpoint = 'work_dirs/prune/quickstart/s-init-ch30/pruned.pth'
# the weights: rtmpose-s-init-pruned_...'s last checkpoint, where
# tools/train.py writes it (all but the first quarter of the initialisation)
init_checkpoint = (
    'work_dirs/rtmpose-s-init-pruned_quickstart_synthetic-coco-mpii-64x48/'
    f'iter_{_base_.qs_student_init_iters - _base_.qs_student_init_iters // 4}'
    '.pth')
model = dict(
    student=dict(
        type='PrunedTopdownPoseEstimator',
        pruned_checkpoint=pruned_checkpoint,
        init_checkpoint=init_checkpoint))
# A magnitude-pruned student keeps its zeros (no-op for channel pruning).
custom_hooks = _base_.custom_hooks + [dict(type='KeepSparsityHook')]
