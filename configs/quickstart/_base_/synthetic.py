# What the quick start changes in the real configs: data (the synthetic
# full-truth benchmark under data/synthetic/), input size and schedule. Keys
# are prefixed qs_ so this file can sit beside a real config in `_base_`.
qs_root = '{{fileDirname}}/../../../data/synthetic/'

# Small crops so that four models train on two CPU cores within minutes.
qs_input_size = (96, 128)      # students and the COCO-style teacher
qs_mpii_input_size = (128, 128)  # the MPII-style teacher, square like MPII's
# Upstream sigmas scaled with the input: 256x192 uses (4.9, 5.66).
qs_codec = dict(
    type='SimCCLabel',
    input_size=qs_input_size,
    sigma=(2.45, 2.83),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)
qs_mpii_codec = dict(qs_codec, input_size=qs_mpii_input_size, sigma=(2.83, 2.83))

qs_coco_train = dict(
    type='CocoDataset',
    data_root=qs_root + 'coco/',
    data_mode='topdown',
    ann_file='annotations/person_keypoints_train.json',
    data_prefix=dict(img='images/train/'))
qs_mpii_train = dict(
    type='MpiiDataset',
    data_root=qs_root + 'mpii/',
    data_mode='topdown',
    ann_file='annotations/mpii_train.json',
    data_prefix=dict(img='images/'))
# The oracle's training labels: the same images with all 21 union joints.
qs_union_metainfo = dict(
    from_file='{{fileDirname}}/../../_base_/datasets/coco_mpii.py')
qs_coco_oracle_train = dict(
    qs_coco_train,
    ann_file='annotations/union_train.json',
    metainfo=qs_union_metainfo,
    skeleton='union')
qs_mpii_oracle_train = dict(
    type='CocoDataset',
    data_root=qs_root + 'mpii/',
    data_mode='topdown',
    ann_file='annotations/union_train.json',
    data_prefix=dict(img='images/'),
    metainfo=qs_union_metainfo,
    skeleton='union')
qs_coco_val = dict(
    qs_coco_train,
    ann_file='annotations/person_keypoints_val.json',
    data_prefix=dict(img='images/val/'),
    test_mode=True)
qs_mpii_val = dict(
    qs_mpii_train,
    ann_file='annotations/mpii_val.json',
    headbox_file=qs_root + 'mpii/annotations/mpii_gt_val.mat',
    test_mode=True)

qs_coco_metric = dict(
    type='CocoMetric',
    ann_file=qs_root + 'coco/annotations/person_keypoints_val.json')
qs_mpii_metric = dict(type='MpiiPCKAccuracy', norm_item='head')
qs_union_evaluator = [
    dict(
        type='PerSourceMetric',
        sources=dict(coco=qs_coco_metric, mpii=qs_mpii_metric)),
    dict(
        type='FullTruthPCKh',
        full_truth=dict(
            coco=dict(
                ann_file=qs_root + 'coco/annotations/full_truth_val.json',
                sample_id='id'),
            mpii=dict(
                ann_file=qs_root + 'mpii/annotations/full_truth_val.json',
                sample_id='mpii_index'))),
]

# Schedule: a fixed number of iterations per model (datasets differ in
# size), warm-up then cosine, the upstream stage-2 (lighter) augmentation
# throughout, evaluated at the end. Teachers are trained first and a little
# shorter, so that the whole quick start fits in 20 minutes on two cores.
qs_student_iters = 450
qs_teacher_iters = 300
qs_base_lr = 2e-3
qs_student_train_cfg = dict(
    _delete_=True,
    by_epoch=False,
    max_iters=qs_student_iters,
    val_interval=qs_student_iters)
qs_teacher_train_cfg = dict(
    qs_student_train_cfg,
    max_iters=qs_teacher_iters,
    val_interval=qs_teacher_iters)
qs_warmup = dict(
    type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=50)
qs_student_param_scheduler = [
    qs_warmup,
    dict(type='CosineAnnealingLR', eta_min=qs_base_lr * 0.05,
         by_epoch=False, begin=0, end=qs_student_iters,
         T_max=qs_student_iters),
]
qs_teacher_param_scheduler = [
    qs_warmup,
    dict(qs_student_param_scheduler[1], end=qs_teacher_iters,
         T_max=qs_teacher_iters),
]
qs_loader = dict(batch_size=32, num_workers=1, persistent_workers=True)
qs_default_hooks = dict(
    non_finite_loss=dict(type='NonFiniteLossHook'),  # also for the teachers
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=-1, save_last=True,
                    save_best=None, max_keep_ckpts=1))
