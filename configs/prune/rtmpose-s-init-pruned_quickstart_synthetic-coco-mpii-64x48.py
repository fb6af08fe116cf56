# Quick start, compression: RTMPose-s pruned early to about RTMPose-t's
# FLOPs. Its label-only initialisation is channel-pruned after the first
# quarter (rtmpose-s-init-part1_...) and trains on the labels for the
# remaining iterations (a new warm-up and cosine decay); then it is distilled
# like the t student (distill_rtmpose-s-init-pruned_...). Both have
# qs_student_init_iters + qs_student_iters iterations in all
# (docs/compression.md, "Pruned s against t, same start and iterations"):
#   python tools/train.py configs/prune/rtmpose-s-init-part1_quickstart_synthetic-coco-mpii-64x48.py
#   python tools/prune.py configs/prune/rtmpose-s-init-part1_quickstart_synthetic-coco-mpii-64x48.py \
#       work_dirs/rtmpose-s-init-part1_quickstart_synthetic-coco-mpii-64x48/iter_3750.pth \
#       --method channel --ratio 0.3 --round-to 16 --out work_dirs/prune/quickstart/s-init-ch30/pruned.pth
#   python tools/train.py THIS_CONFIG
#   python tools/train.py configs/prune/distill_rtmpose-s-init-pruned_quickstart_synthetic-coco-mpii-64x48.py
_base_ = ['./rtmpose-s-init-part1_quickstart_synthetic-coco-mpii-64x48.py']

pruned_checkpoint = 'work_dirs/prune/quickstart/s-init-ch30/pruned.pth'
model = dict(
    type='PrunedTopdownPoseEstimator', pruned_checkpoint=pruned_checkpoint)
qs_pruned_iters = _base_.qs_student_init_iters - _base_.qs_prune_at
train_cfg = dict(max_iters=qs_pruned_iters, val_interval=qs_pruned_iters // 3)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=qs_pruned_iters, T_max=qs_pruned_iters)
]
