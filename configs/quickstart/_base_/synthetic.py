# What the quick start changes in the real configs: data (the synthetic
# full-truth benchmark under data/synthetic/), input size and schedule. Keys
# are prefixed qs_ so this file can sit beside a real config in `_base_`.
qs_root = '{{fileDirname}}/../../../data/synthetic/'

# Small crops so that four models train on two CPU cores within minutes.
qs_input_size = (48, 64)      # students and the COCO-style teacher
qs_mpii_input_size = (64, 64)  # the MPII-style teacher, square like MPII's
# Upstream sigmas scaled with the input: 256x192 uses (4.9, 5.66).
qs_codec = dict(
    type='SimCCLabel',
    input_size=qs_input_size,
    sigma=(1.2, 1.4),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)
qs_mpii_codec = dict(qs_codec, input_size=qs_mpii_input_size, sigma=(1.4, 1.4))

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

# Schedule: a few epochs, warm-up then cosine, evaluated at the end.
qs_max_epochs = 12
qs_stage2_epochs = 2
qs_base_lr = 4e-3
qs_train_cfg = dict(
    by_epoch=True, max_epochs=qs_max_epochs, val_interval=qs_max_epochs)
qs_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', eta_min=qs_base_lr * 0.05, begin=0,
         end=qs_max_epochs, T_max=qs_max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]
qs_loader = dict(batch_size=32, num_workers=1, persistent_workers=True)
qs_default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=qs_max_epochs, save_best=None, max_keep_ckpts=1))
