# RTMPose-t student on COCO + MPII (21-joint union skeleton), distilled from
# an RTMPose-m COCO teacher (256x192) and an RTMPose-m MPII teacher (256x256)
# through their SimCC distributions. Training recipe and data as the
# no-distillation baseline this inherits from.
_base_ = ['../rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py']
from mmpose_ext.datasets.pipelines import with_teacher_crops  # noqa: E402

# Each teacher's crop size is its config's model.head.input_size; the
# pipelines' TeacherCrops steps take names and sizes from model.teachers
# (mmpose_ext.datasets.pipelines.teacher_crops_from_model), so
# --cfg-options model.teachers... reaches them too.
teachers = [
    dict(
        name='coco',
        config='teachers/configs/rtmpose-m_8xb256-420e_coco-256x192.py',
        checkpoint='teachers/rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth',
        checkpoint_hash_prefix='d8dd5ca4',
        skeleton='coco',
        loss_weight=1.0,
        temperature=1.0),
    dict(
        name='mpii',
        config='teachers/configs/rtmpose-m_8xb64-210e_mpii-256x256.py',
        checkpoint='teachers/rtmpose-m_simcc-mpii_pt-aic-coco_210e-256x256-ec4dbec8_20230206.pth',
        checkpoint_hash_prefix='ec4dbec8',
        skeleton='mpii',
        loss_weight=1.0,
        temperature=1.0),
]

model = dict(
    _delete_=True,
    type='MultiTeacherDistiller',
    student=_base_.model,
    teachers=teachers,
    # Teachers in bfloat16 where the CPU/GPU computes it natively, float32
    # elsewhere; channels-last suits oneDNN convolutions.
    teacher_dtype='auto',
    teacher_channels_last=True)

# Teachers see their own crops of each person: TeacherCrops cuts them right
# before the student's TopdownAffine, PackDistillInputs carries them along.
train_pipeline = with_teacher_crops(_base_.train_pipeline)
train_pipeline_stage2 = with_teacher_crops(_base_.train_pipeline_stage2)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=_base_.max_epochs - _base_.stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2),
    # DWPose's linear decay of the distillation weight to 0 over training.
    dict(type='KDWeightScheduleHook', schedule='linear', start=1.0, end=0.0),
]
