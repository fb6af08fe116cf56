# What the quick start changes in the real configs: data (the synthetic
# full-truth benchmark under data/synthetic/), input size and schedule. Keys
# are prefixed qs_ so this file can sit beside a real config in `_base_`.
qs_root = '{{fileDirname}}/../../../data/synthetic/'

# Small crops so that the models train on two CPU cores within minutes.
# At 64x48 the backbone's last stage (stride 32) would leave the SimCC head a
# 2x2 feature map: each joint's position squeezed into 4 numbers, and the
# models stayed at the mean pose (COCO-style AP 0.5 after 600 iterations).
# The head reads the stride-8 stage instead, an 8x6 map: the same grid the
# real RTMPose head sees at 256x192 (measurements: docs/quickstart.md).
qs_input_size = (48, 64)     # students, the COCO- and CrowdPose-style teachers
qs_mpii_input_size = (64, 64)  # the MPII-style teacher, square like MPII's
qs_stride = 8
qs_out_indices = (2, )       # CSPNeXt stage 2, stride 8
# Stages 3 and 4 would then only cost time (half the backbone's FLOPs at
# these widths): the quick start's networks stop after stage 2 (CSPNeXt's
# P5 settings, first two stages).
qs_backbone = dict(
    init_cfg=None,
    out_indices=qs_out_indices,
    arch_ovewrite=[[64, 128, 3, True, False], [128, 256, 6, True, False]])
qs_featuremap_size = tuple(-(-s // qs_stride) for s in qs_input_size)
qs_mpii_featuremap_size = tuple(
    -(-s // qs_stride) for s in qs_mpii_input_size)
# Upstream sigmas scaled with the input: 256x192 uses (4.9, 5.66).
qs_codec = dict(
    type='SimCCLabel',
    input_size=qs_input_size,
    sigma=(1.23, 1.42),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)
qs_mpii_codec = dict(
    qs_codec, input_size=qs_mpii_input_size, sigma=(1.42, 1.42))

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
    qs_mpii_train,
    ann_file='annotations/union_train.json',
    metainfo=qs_union_metainfo,
    skeleton='union')
# The CrowdPose style (generated only for the three-teacher quick start,
# `tools/quickstart.py --teachers coco mpii crowdpose`): CrowdPose's format,
# both splits' images in one folder, as MMPose's CrowdPose layout.
qs_crowdpose_train = dict(
    type='CrowdPoseDataset',
    data_root=qs_root + 'crowdpose/',
    data_mode='topdown',
    ann_file='annotations/mmpose_crowdpose_train.json',
    data_prefix=dict(img='images/'))
qs_crowdpose_oracle_train = dict(
    qs_crowdpose_train,
    type='CocoDataset',
    ann_file='annotations/union_train.json',
    metainfo=qs_union_metainfo,
    skeleton='union')
qs_coco_val = dict(
    qs_coco_train,
    ann_file='annotations/person_keypoints_val.json',
    data_prefix=dict(img='images/val/'),
    test_mode=True)
qs_crowdpose_val = dict(
    qs_crowdpose_train,
    ann_file='annotations/mmpose_crowdpose_val.json',
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
# MMPose's CrowdPose evaluation, as crowdpose_metric in
# configs/_base_/coco_mpii_data.py and the CrowdPose teacher's config
# (tests/test_quickstart_crowdpose.py checks they agree), on this val set.
qs_crowdpose_metric = dict(
    type='CocoMetric',
    ann_file=qs_root + 'crowdpose/annotations/mmpose_crowdpose_val.json',
    use_area=False,
    iou_type='keypoints_crowd')
qs_full_truth = dict(
    coco=dict(
        ann_file=qs_root + 'coco/annotations/full_truth_val.json',
        sample_id='id'),
    mpii=dict(
        ann_file=qs_root + 'mpii/annotations/full_truth_val.json',
        sample_id='mpii_index'))
qs_crowdpose_full_truth = dict(
    ann_file=qs_root + 'crowdpose/annotations/full_truth_val.json',
    sample_id='id')
qs_union_evaluator = [
    dict(
        type='PerSourceMetric',
        sources=dict(coco=qs_coco_metric, mpii=qs_mpii_metric)),
    dict(type='FullTruthPCKh', full_truth=qs_full_truth),
]
# The three-style students' evaluator: the same, and the CrowdPose style.
qs_union_crowdpose_evaluator = [
    dict(
        type='PerSourceMetric',
        sources=dict(coco=qs_coco_metric, mpii=qs_mpii_metric,
                     crowdpose=qs_crowdpose_metric)),
    dict(type='FullTruthPCKh',
         full_truth=dict(qs_full_truth, crowdpose=qs_crowdpose_full_truth)),
]

# Schedule: a fixed number of iterations per model (datasets differ in
# size), warm-up then cosine, the upstream stage-2 (lighter) augmentation
# throughout, evaluated four times during training for the curves.
#
# Trained from scratch, these models need thousands of iterations; the
# quick start cannot afford that on two cores. So, as real teachers are
# downloaded, the long runs are made once and shipped (teachers/quickstart/,
# listed in teachers/manifest.json; `tools/quickstart.py --train-teachers`
# makes them again): the two teachers, and one shared initialisation for
# the three students, trained on the labels alone. The quick start then
# fine-tunes that initialisation three ways for the same iterations and
# seed: labels only (baseline), labels + teachers (distilled) and the full
# 21-joint truth (oracle).
qs_pretrain_iters = 5000  # the CrowdPose-style teacher
# The COCO-style teacher's AP was still rising at 5000 iterations (57.9);
# trained for 8000 it passes 60 (docs/quickstart.md, "The shipped models").
qs_coco_teacher_iters = 8000
# With up to two people per MPII-style image (benchmark 1.4) the MPII-style
# teacher trained from scratch reached PCKh 81.8 in 5000 iterations, 84.1 in
# 10000 (docs/quickstart.md, "Two people per MPII-style image"); started from
# the COCO-style teacher's backbone, 84.4 in 5000 and 87.6 in 10000
# (docs/quickstart.md, "The MPII-style teacher starts from the COCO-style
# one"). Those are on the 100-image validation split of then; on today's
# 600 images it scores 88.8.
qs_mpii_teacher_iters = 10000
# The shared initialisation, likewise: trained for 5000 the label-only
# student stayed 10.2 AP and 14.3 PCKh below the teachers (3 seeds); for
# 10000 it came within 10 of both (docs/quickstart.md, "The shipped models")
# until the MPII-style teacher got stronger. With each style drawn by its
# share, a longer initialisation let the label-only student find the cross
# joints by itself (25000: distillation added only +5 to +11 there;
# docs/quickstart.md, "How long to train the shared initialisation"). Drawn
# 1:3 (qs_sample_ratio below) it finds them far less well, and 15000
# brings it within 10 of both teachers with distillation still adding +15
# to +20 (docs/quickstart.md, "A 15000-iteration initialisation"; 10000
# left it 10.4 PCKh below the MPII-style teacher).
qs_student_init_iters = 15000
qs_student_iters = 1000   # each fine-tuned student
# The students (and their shared initialisation) draw each MPII-style
# instance three times as often as its share of the training set (MMPose's
# CombinedDataset `sample_ratio_factor`, per style in the order of the train
# sets). Sampled by their shares, the label-only student stayed 12.1 PCKh
# below the MPII-style teacher with 4.8 AP to spare against the COCO-style
# one; 1:3 moves about 2 PCKh for 4 AP, and the label-only student then
# finds the joints its images never label far less well, so distillation
# gains more (docs/quickstart.md, "MPII-style instances three times as
# often", has the runs).
qs_sample_ratio = [1.0, 3.0]  # COCO-style, MPII-style
qs_crowdpose_sample_ratio = qs_sample_ratio + [1.0]  # ... CrowdPose-style
# a pruned student's fine-tuning (configs/prune/, results/compression.md)
qs_finetune_iters = 300
# the ReLU student's fine-tuning from the distilled SiLU one
# (configs/quantize/)
qs_relu_iters = 3000
# AdamW at upstream's 4e-3 (meant for batch 2048) stayed at the mean pose at
# batch 32; 2e-3 learned faster than 1e-3 from scratch. Fine-tuning from the
# shared initialisation uses half of it.
qs_pretrain_lr = 2e-3
qs_base_lr = 1e-3
# The shipped pre-trained models (teachers/manifest.json, `quickstart`).
qs_pretrained_root = '{{fileDirname}}/../../../teachers/quickstart/'
qs_student_init = dict(
    type='Pretrained', checkpoint=qs_pretrained_root + 'student_init.pth')


def qs_schedule(iters):
    """train_cfg and param_scheduler for ``iters`` iterations."""
    train_cfg = dict(_delete_=True, by_epoch=False, max_iters=iters,
                     val_interval=max(iters // 4, 1))
    param_scheduler = [
        dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0,
             end=min(100, iters)),
        dict(type='CosineAnnealingLR', eta_min=qs_base_lr * 0.05,
             by_epoch=False, begin=0, end=iters, T_max=iters),
    ]
    return train_cfg, param_scheduler


qs_student_train_cfg, qs_student_param_scheduler = qs_schedule(
    qs_student_iters)
qs_pretrain_train_cfg, qs_pretrain_param_scheduler = qs_schedule(
    qs_pretrain_iters)
qs_coco_teacher_train_cfg, qs_coco_teacher_param_scheduler = qs_schedule(
    qs_coco_teacher_iters)
qs_mpii_teacher_train_cfg, qs_mpii_teacher_param_scheduler = qs_schedule(
    qs_mpii_teacher_iters)
qs_student_init_train_cfg, qs_student_init_param_scheduler = qs_schedule(
    qs_student_init_iters)
qs_finetune_train_cfg, qs_finetune_param_scheduler = qs_schedule(
    qs_finetune_iters)
qs_relu_train_cfg, qs_relu_param_scheduler = qs_schedule(qs_relu_iters)
qs_loader = dict(batch_size=32, num_workers=1, persistent_workers=True)
qs_default_hooks = dict(
    non_finite_loss=dict(type='NonFiniteLossHook'),  # also for the teachers
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=-1, save_last=True,
                    save_best=None, max_keep_ckpts=1))
