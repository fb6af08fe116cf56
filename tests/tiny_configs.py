"""Real project configs shrunk to a few CPU iterations on test-made data."""
import copy

from mmpose_ext.config_keys import read_config
from mmpose_ext.datasets.pipelines import (resize_pipeline,
                                           teacher_crops_from_model)
from mmpose_ext.paths import CONFIG_ROOT

STUDENT_CFG = f'{CONFIG_ROOT}/rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py'
SMALL_STUDENT_CFG = STUDENT_CFG.replace('rtmpose-t_', 'rtmpose-s_')
DISTILL_CFG = f'{CONFIG_ROOT}/distill_config_tiny.py'
STUDENT_SIZE = (64, 64)


def tiny_model(model, input_size, num_keypoints):
    """An RTMPose-t-sized model at ``input_size`` with ``num_keypoints``."""
    model = copy.deepcopy(model)
    codec = dict(model.head.decoder, input_size=input_size)
    model.backbone.init_cfg = None
    model.backbone.norm_cfg = dict(type='BN')
    model.head.update(
        out_channels=num_keypoints, input_size=input_size,
        in_featuremap_size=tuple(s // 32 for s in input_size),
        decoder=codec)
    model.test_cfg = dict(flip_test=False)
    return model


# The folder under the test's data root that each dataset type reads
# (tests/conftest.py writes them).
DATA_FOLDERS = dict(CocoDataset='coco', MpiiDataset='mpii',
                    CrowdPoseDataset='crowdpose')


def _data(cfg, data_root):
    coco, mpii = f'{data_root}/coco/', f'{data_root}/mpii/'
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.batch_size = 4
        loader.num_workers = 0
        loader.persistent_workers = False
        for dataset in loader.dataset.datasets:
            dataset.data_root = f'{data_root}/{DATA_FOLDERS[dataset.type]}/'
    cfg.val_dataloader.dataset.datasets[1].headbox_file = \
        f'{mpii}annotations/mpii_gt_val.mat'
    cfg.test_dataloader = cfg.val_dataloader
    sources = cfg.val_evaluator.sources
    sources.coco.ann_file = f'{coco}annotations/person_keypoints_val2017.json'
    if 'crowdpose' in sources:
        sources.crowdpose.ann_file = (f'{data_root}/crowdpose/annotations/'
                                      'mmpose_crowdpose_test.json')
    cfg.test_evaluator = cfg.val_evaluator


def _schedule(cfg, work_dir, max_epochs):
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.randomness = dict(seed=0, deterministic=False)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]


def tiny_student_cfg(data_root, work_dir, max_epochs=1, config=STUDENT_CFG):
    cfg = read_config(config)
    codec = dict(cfg.codec, input_size=STUDENT_SIZE)
    cfg.model = tiny_model(cfg.model, STUDENT_SIZE, 21)
    cfg.train_dataloader.dataset.pipeline = resize_pipeline(
        cfg.train_pipeline, STUDENT_SIZE, codec)
    cfg.val_dataloader.dataset.pipeline = resize_pipeline(
        cfg.val_pipeline, STUDENT_SIZE, codec)
    cfg.custom_hooks = []
    _data(cfg, data_root)
    _schedule(cfg, work_dir, max_epochs)
    return cfg


def tiny_teachers(base_model, sizes=None):
    """Randomly initialised teachers of other input sizes than the student."""
    sizes = sizes or dict(coco=(64, 96), mpii=(96, 96))
    skeleton_joints = dict(coco=17, mpii=16, crowdpose=14)
    return [
        dict(name=name, config=tiny_model(base_model, size,
                                          skeleton_joints[name]),
             checkpoint=None, input_size=size, skeleton=name)
        for name, size in sizes.items()
    ]


def tiny_distill_cfg(data_root, work_dir, max_epochs=1, teachers=None,
                     config=DISTILL_CFG):
    cfg = read_config(config)
    student = tiny_model(cfg.model.student, STUDENT_SIZE, 21)
    teachers = teachers or tiny_teachers(cfg.model.student)
    cfg.model = dict(type='MultiTeacherDistiller', student=student,
                     teachers=teachers)
    codec = dict(cfg.codec, input_size=STUDENT_SIZE)
    cfg.train_dataloader.dataset.pipeline = resize_pipeline(
        cfg.train_pipeline, STUDENT_SIZE, codec)
    cfg.val_dataloader.dataset.pipeline = resize_pipeline(
        cfg.val_pipeline, STUDENT_SIZE, codec)
    cfg.custom_hooks = [dict(type='KDWeightScheduleHook', schedule='linear')]
    _data(cfg, data_root)
    _schedule(cfg, work_dir, max_epochs)
    teacher_crops_from_model(cfg)
    return cfg
