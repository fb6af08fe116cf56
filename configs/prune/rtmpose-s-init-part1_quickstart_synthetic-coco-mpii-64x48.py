# Quick start, compression: the first quarter of the RTMPose-s
# initialisation (rtmpose-s-init_...: the same schedule, stopped after
# qs_student_init_iters // 4 iterations), where it is channel-pruned; the
# pruned network trains the remaining iterations under
# rtmpose-s-init-pruned_... (the whole recipe is there).
_base_ = ['./rtmpose-s-init_quickstart_synthetic-coco-mpii-64x48.py']

qs_prune_at = _base_.qs_student_init_iters // 4
train_cfg = dict(max_iters=qs_prune_at, val_interval=qs_prune_at)
