# Quick start: an RTMPose-s union student (CSPNeXt deepen 0.33, widen 0.5 on
# the quick start's two-stage backbone), distilled like the RTMPose-t one of
# distill_rtmpose-t_quickstart_... It is the unpruned start of the
# compression study (results/compression.md): channel-pruned to about the
# t student's FLOPs and fine-tuned with the teachers, against the t student.
# There is no label-only RTMPose-s initialisation: its backbone starts from
# the shipped COCO-style teacher's (an RTMPose-s trained for 8000
# iterations on COCO-style labels only), its head from scratch.
_base_ = ['./distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

model = dict(
    student=dict(
        backbone=dict(
            deepen_factor=0.33,
            widen_factor=0.5,
            init_cfg=dict(
                _delete_=True,
                type='Pretrained',
                prefix='backbone.',
                checkpoint='{{fileDirname}}/../../teachers/quickstart/'
                'coco.pth')),
        head=dict(in_channels=128),  # stage 2 of CSPNeXt at widen 0.5
        init_cfg=None))
