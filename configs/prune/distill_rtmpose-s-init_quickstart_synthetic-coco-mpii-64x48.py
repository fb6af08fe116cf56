# Quick start, compression: the unpruned RTMPose-s student distilled from its
# label-only initialisation (rtmpose-s-init_quickstart_...) for the students'
# whole schedule, as the t student is from the shared one: the reference for
# distill_rtmpose-s-init-pruned_... (docs/compression.md, "Pruned s against
# t, same start and iterations").
#   python tools/train.py configs/prune/rtmpose-s-init_quickstart_synthetic-coco-mpii-64x48.py
#   python tools/train.py THIS_CONFIG
_base_ = [
    '../quickstart/distill_rtmpose-s_quickstart_synthetic-coco-mpii-64x48.py'
]

# where tools/train.py writes the initialisation's last checkpoint
s_init = ('work_dirs/rtmpose-s-init_quickstart_synthetic-coco-mpii-64x48/'
          f'iter_{_base_.qs_student_init_iters}.pth')
model = dict(
    student=dict(
        backbone=dict(init_cfg=None),
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=s_init)))
