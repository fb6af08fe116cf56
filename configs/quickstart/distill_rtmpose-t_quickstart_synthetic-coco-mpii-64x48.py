# Quick start: the RTMPose-t union student distilled from the quick start's
# COCO-style and MPII-style teachers on the synthetic benchmark. Only size,
# schedule, data, initialisation, the teachers' files and the joints they
# distil differ from the real
# configs/distill/rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py.
# The quick start's teachers have seen one style each and are out of their
# domain on the other style's images, so they distil only the joints a
# sample's labels do not give; distilling every joint cost 1.8 MPII-style
# PCKh over 3 seeds (docs/quickstart.md, "Why these settings"). The real
# configs keep joints='all'.
_base_ = [
    '../distill/rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py',
    './_base_/synthetic.py',
]
from mmpose_ext.datasets.pipelines import resize_pipeline  # noqa: E402
from mmpose_ext.synthetic.mpii_format import SCALE_MARGIN  # noqa: E402
input_size, codec = _base_.qs_input_size, _base_.qs_codec

# The same person's box in the two styles: an MPII-style box (MpiiDataset
# takes scale x 200 x 1.25, the synthetic writer's scale being SCALE_MARGIN
# = 1.2 times the body's larger side) is 1.5 times the COCO-style box around
# the visible body. The COCO-style teacher, run on MPII-style images with the
# MPII box, found their face points with PCKh 72.0; with the box scaled by
# 1 / 1.5 (its own framing), 94.9 (100 validation images of benchmark 1.3,
# one person per MPII-style image; 88.0 on today's, with up to two).
# The one-person MPII-style teacher did best on COCO-style images with their
# own box (72.0; 68.0 with the box x1.25, 59.4 with x1.5), so it keeps it.
mpii_box_to_coco = 1 / (SCALE_MARGIN * 1.25)

# The shipped quick-start teachers (teachers/manifest.json, `quickstart`).
teachers = [
    dict(
        name='coco',
        config='configs/quickstart/'
        'teacher-coco_rtmpose-s_quickstart_synthetic-64x48.py',
        checkpoint='teachers/quickstart/coco.pth',
        skeleton='coco',
        joints='unlabelled',
        # MPII-style boxes framed as COCO-style ones (see above)
        box_scale=dict(mpii=mpii_box_to_coco),
        # Softer targets on the face points of MPII-style images: over seeds
        # 0-2 of benchmark 1.3 the distilled student's PCKh there rose by
        # +11.0, +10.2 and +10.4 over labels only, against +10.0, +8.8 and
        # +9.2 at 1 (docs/quickstart.md, "The COCO-style teacher's
        # temperature"); on today's, 2 did not raise the lowest seed.
        temperature=1.5),
    dict(
        name='mpii',
        config='configs/quickstart/'
        'teacher-mpii_rtmpose-s_quickstart_synthetic-64x64.py',
        checkpoint='teachers/quickstart/mpii.pth',
        skeleton='mpii',
        joints='unlabelled',
        # It distils only the joints it scores 0.6 or more. Chosen for the
        # one-person teacher of benchmark 1.3: on COCO-style images it found
        # head top, neck, thorax and pelvis with PCKh 72.0 in all, 88.7 on
        # the 66% it scored 0.6 or more. Today's (up to two people per
        # image, started from the COCO-style teacher's backbone) finds them
        # with 85.5; the threshold was kept, not measured again
        # (docs/quickstart.md).
        conf_thr=0.6),
]
# TeacherCrops takes the teachers' crop sizes from model.teachers.
train_pipeline = resize_pipeline(_base_.train_pipeline_stage2, input_size,
                                 codec)
val_pipeline = resize_pipeline(_base_.val_pipeline, input_size, codec)

model = dict(
    teachers=teachers,
    student=dict(
        backbone=_base_.qs_backbone,
        head=dict(
            in_channels=96,
            input_size=input_size,
            in_featuremap_size=_base_.qs_featuremap_size,
            decoder=codec),
        # the shared label-only initialisation, as for the baseline
        init_cfg=_base_.qs_student_init))

train_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(
        datasets=[_base_.qs_coco_train, _base_.qs_mpii_train],
        sample_ratio_factor=_base_.qs_sample_ratio,
        pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.qs_loader,
    dataset=dict(
        datasets=[_base_.qs_coco_val, _base_.qs_mpii_val],
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = _base_.qs_union_evaluator
test_evaluator = val_evaluator

train_cfg = _base_.qs_student_train_cfg
param_scheduler = _base_.qs_student_param_scheduler
optim_wrapper = dict(optimizer=dict(lr=_base_.qs_base_lr))
default_hooks = _base_.qs_default_hooks
custom_hooks = [
    # fine-tuning from a label-only start: the teachers' pull stays on
    dict(type='KDWeightScheduleHook', schedule='constant', start=1.0),
]
