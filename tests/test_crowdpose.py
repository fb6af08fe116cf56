"""CrowdPose as a third dataset and teacher: its joints on the union skeleton,
its files read by UnionPoseDataset, its AP scored by PerSourceMetric, the
three-teacher config, and bad CrowdPose input stopped with one clear line."""
import copy
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS, MODELS

from conftest import write_crowdpose
from mmpose_ext import skeletons
from mmpose_ext.apis import exit_on_user_error, load_config, run_train
from mmpose_ext.checkpoint import safe_torch_load
from mmpose_ext.data_check import check_data, repoint_data_root
from mmpose_ext.datasets import DataConfigError
from mmpose_ext.datasets.pipelines import without_teacher_crops
from mmpose_ext.models import MultiTeacherDistiller, TeacherConfigError
from mmpose_ext.paths import CONFIG_ROOT, REPO_ROOT
from mmpose_ext.teacher_zoo import load_manifest
from tiny_configs import tiny_distill_cfg, tiny_teachers

THREE_TEACHER_CFG = osp.join(
    CONFIG_ROOT, 'distill', 'rtmpose-t_kd-m-coco-m-mpii-m-crowdpose_'
    '8xb256-420e_coco-mpii-crowdpose-256x192.py')
CROWDPOSE = 2  # index of CrowdPose among the config's sub-datasets
# CrowdPose's names for the two joints the union names after MPII's.
RENAMED = dict(top_head='head_top', neck='upper_neck')
# Where the union joints CrowdPose does not label are put: if the metric read
# them, no score could be perfect.
FAR_AWAY = -1000.


@pytest.fixture(scope='module', autouse=True)
def mmpose_scope():
    init_default_scope('mmpose')


def three_teacher_cfg(data_root=None):
    """The three-teacher config, reading its data from ``data_root``."""
    cfg = load_config(THREE_TEACHER_CFG)
    if data_root is not None:
        repoint_data_root(cfg, str(data_root))
    return cfg


def read_json(path):
    with open(path) as f:
        return json.load(f)


# --- the joints -------------------------------------------------------------

def test_crowdpose_joints_are_mmposes_with_neck_and_top_head_renamed():
    upstream = Config.fromfile(skeletons.METAINFO_FILES['crowdpose'])
    names = [k['name'] for _, k in sorted(
        upstream.dataset_info.keypoint_info.items())]
    assert skeletons.CROWDPOSE_KEYPOINTS == tuple(
        RENAMED.get(n, n) for n in names)
    # the other twelve are COCO's limb joints, by the same name
    assert set(skeletons.CROWDPOSE_KEYPOINTS) - set(RENAMED.values()) <= \
        set(skeletons.COCO_KEYPOINTS)


def test_crowdpose_neck_and_top_head_land_on_upper_neck_and_head_top():
    union = skeletons.to_union_indices('crowdpose')
    assert skeletons.UNION_KEYPOINTS[union[12]] == 'head_top'
    assert skeletons.UNION_KEYPOINTS[union[13]] == 'upper_neck'
    assert [skeletons.UNION_KEYPOINTS[i] for i in
            np.flatnonzero(~skeletons.union_mask('crowdpose'))] == [
        'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'pelvis',
        'thorax']


def test_crowdpose_keypoints_round_trip_through_the_union():
    rng = np.random.default_rng(0)
    kpts = rng.normal(size=(3, 14, 2))
    union = skeletons.convert_keypoints(kpts, 'crowdpose', 'union',
                                        fill=np.nan)
    np.testing.assert_array_equal(
        skeletons.convert_keypoints(union, 'union', 'crowdpose'), kpts)
    assert np.isnan(union[:, ~skeletons.union_mask('crowdpose')]).all()
    scores = rng.uniform(size=(3, 14))
    np.testing.assert_array_equal(skeletons.convert_keypoints(
        skeletons.convert_keypoints(scores, 'crowdpose', 'union', axis=-1),
        'union', 'crowdpose', axis=-1), scores)


# --- the dataset ------------------------------------------------------------

@pytest.fixture
def crowdpose_train(coco_mpii_crowdpose_root):
    """The three-teacher config's CrowdPose training set, on its own."""
    cfg = three_teacher_cfg(coco_mpii_crowdpose_root)
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset.datasets = [dataset.datasets[CROWDPOSE]]
    return dataset


def test_crowdpose_file_loads_as_21_joint_instances(
        crowdpose_train, coco_mpii_crowdpose_root):
    ann_file = coco_mpii_crowdpose_root / \
        'crowdpose/annotations/mmpose_crowdpose_trainval.json'
    truth = {a['id']: np.array(a['keypoints']).reshape(14, 3)
             for a in read_json(ann_file)['annotations']}
    crowdpose_train.pipeline = [dict(type='LoadImage')]  # no augmentation
    dataset = DATASETS.build(crowdpose_train)
    assert dataset.sources == ['crowdpose']
    assert len(dataset) == len(truth) == 6
    labelled = skeletons.union_mask('crowdpose')
    for i in range(len(dataset)):
        sample = dataset[i]
        assert sample['dataset_name'] == 'crowdpose'
        assert sample['keypoints'].shape == (1, 21, 2)
        assert (sample['keypoints_visible'][0, ~labelled] == 0).all()
        assert (sample['keypoints_visible'][0, labelled] > 0).all()
        np.testing.assert_allclose(
            skeletons.convert_keypoints(sample['keypoints'][0], 'union',
                                        'crowdpose'),
            truth[sample['id']][:, :2], rtol=0, atol=1e-4)


def test_crowdpose_joints_it_lacks_carry_zero_training_weight(
        crowdpose_train):
    crowdpose_train.pipeline = without_teacher_crops(crowdpose_train.pipeline)
    dataset = DATASETS.build(crowdpose_train)
    labelled = skeletons.union_mask('crowdpose')
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        weights = sample.gt_instance_labels.keypoint_weights[0].numpy()
        assert weights.shape == (21, )
        assert (weights[~labelled] == 0).all()
        assert (weights[labelled] > 0).any()


# --- the metric -------------------------------------------------------------

def test_ground_truth_scores_crowdpose_ap_1_beside_coco_and_mpii(
        coco_mpii_crowdpose_root):
    cfg = three_teacher_cfg(coco_mpii_crowdpose_root)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    truth = {
        'coco': read_json(coco_mpii_crowdpose_root /
                          'coco/annotations/person_keypoints_val2017.json'),
        'crowdpose': read_json(coco_mpii_crowdpose_root / 'crowdpose/'
                               'annotations/mmpose_crowdpose_test.json')}
    truth = {source: {a['id']: np.array(a['keypoints']).reshape(-1, 3)[:, :2]
                      for a in data['annotations']}
             for source, data in truth.items()}
    mpii = read_json(coco_mpii_crowdpose_root / 'mpii/annotations/'
                     'mpii_val.json')
    truth['mpii'] = {i: np.array(e['joints']) for i, e in enumerate(mpii)}
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    sources = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        source = sample.metainfo['dataset_name']
        sources.append(source)
        keypoints = truth[source][sample.metainfo['id']]
        sample.pred_instances = InstanceData(
            keypoints=skeletons.convert_keypoints(
                keypoints[None], source, 'union', fill=FAR_AWAY),
            keypoint_scores=np.ones((1, 21)))
        evaluator.process([sample])
    results = evaluator.evaluate(len(dataset))
    assert sources.count('crowdpose') == 6
    for name in ('AP', 'AP .5', 'AP .75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)'):
        assert results[f'crowdpose/{name}'] == pytest.approx(1.0), name
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['mpii/PCK'] == pytest.approx(100.)


# --- the config and the teacher ---------------------------------------------

def test_three_teacher_config_builds_with_random_teachers():
    cfg = three_teacher_cfg()
    for teacher in cfg.model.teachers:
        teacher.checkpoint = None  # random teachers: nothing downloaded
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert isinstance(model, MultiTeacherDistiller)
    assert [s.name for s in model.teacher_specs] == [
        'coco', 'mpii', 'crowdpose']
    spec, teacher = model.teacher_specs[2], model.teachers[2]
    assert spec.input_size == (192, 256)
    assert teacher.head.out_channels == 14
    assert [skeletons.UNION_KEYPOINTS[i] for i in spec.union_indices] == \
        list(skeletons.CROWDPOSE_KEYPOINTS)
    assert not any(p.requires_grad for p in teacher.parameters())
    assert [d['type'] for d in cfg.train_dataloader.dataset.datasets] == [
        'CocoDataset', 'MpiiDataset', 'CrowdPoseDataset']
    assert cfg.test_dataloader == cfg.val_dataloader
    assert cfg.test_evaluator.sources.crowdpose == dict(
        type='CocoMetric', ann_file=cfg.union_data_root +
        'crowdpose/annotations/mmpose_crowdpose_test.json',
        use_area=False, iou_type='keypoints_crowd')
    switch, = [h for h in cfg.custom_hooks if 'switch_pipeline' in h]
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     switch.switch_pipeline):
        crops, = [s for s in pipeline if s['type'] == 'TeacherCrops']
        assert crops.teachers[2] == dict(name='crowdpose',
                                         input_size=(192, 256),
                                         box_scale={})


def test_manifest_lists_the_crowdpose_teacher_the_config_declares():
    entry, = [e for e in load_manifest() if e['name'] == 'crowdpose']
    declared, = [t for t in three_teacher_cfg().model.teachers
                 if t['name'] == 'crowdpose']
    assert entry['url'].endswith('/' + entry['file'])
    assert f'-{entry["hash_prefix"]}_' in entry['file']
    assert declared['checkpoint'] == f'teachers/{entry["file"]}'
    assert declared['checkpoint_hash_prefix'] == entry['hash_prefix']
    assert declared['config'] == entry['config']
    assert osp.isfile(osp.join(REPO_ROOT, entry['config']))
    teacher = load_config(osp.join(REPO_ROOT, entry['config'])).model
    assert teacher.head.out_channels == 14
    assert tuple(teacher.head.input_size) == (192, 256)


# --- a training -------------------------------------------------------------

def test_three_teacher_training_runs_with_every_teacher_frozen(
        coco_mpii_crowdpose_root, tmp_path):
    work = str(tmp_path / 'work')
    student = Config.fromfile(THREE_TEACHER_CFG).model.student
    teachers = tiny_teachers(student, sizes=dict(
        coco=(64, 96), mpii=(96, 96), crowdpose=(64, 96)))
    cfg = tiny_distill_cfg(str(coco_mpii_crowdpose_root), work, 1,
                           teachers=teachers, config=THREE_TEACHER_CFG)
    saved = {}
    for teacher in cfg.model.teachers:  # loaded from files, as real ones are
        torch.manual_seed(len(saved))
        saved[teacher['name']] = MODELS.build(teacher['config']).state_dict()
        teacher['checkpoint'] = str(tmp_path / f'{teacher["name"]}.pth')
        torch.save(dict(state_dict=saved[teacher['name']]),
                   teacher['checkpoint'])
    runner = run_train(cfg)
    model = runner.model
    assert [s.name for s in model.teacher_specs] == list(saved)
    for spec, teacher in zip(model.teacher_specs, model.teachers):
        assert not teacher.training, spec.name
        assert not any(p.requires_grad for p in teacher.parameters())
        for key, value in teacher.state_dict().items():
            assert torch.equal(value, saved[spec.name][key]), (spec.name, key)
    scalars = safe_torch_load(osp.join(work, 'epoch_1.pth'))[
        'message_hub']['log_scalars']
    for key in ('train/loss_kd_coco', 'train/loss_kd_mpii',
                'train/loss_kd_crowdpose', 'train/loss_kpt'):
        values = scalars[key].data[0]
        assert torch.isfinite(torch.as_tensor(values)).all(), key
    # one validation scored all three sources, each with its own metric
    assert {'val/coco/AP', 'val/mpii/PCK', 'val/crowdpose/AP',
            'val/crowdpose/AP(E)', 'val/crowdpose/AP(M)',
            'val/crowdpose/AP(H)'} <= set(runner.message_hub.log_scalars)


# --- bad input --------------------------------------------------------------

def one_line_error(capsys, error):
    """What a tool prints for ``error`` (``exit_on_user_error``)."""
    capsys.readouterr()  # not what came before
    with pytest.raises(SystemExit) as exit_info:
        with exit_on_user_error('train.py'):
            raise error
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def give_17_keypoints(root):
    """Make every annotation of the CrowdPose training file COCO-sized."""
    ann_file = str(root / 'crowdpose/annotations/'
                   'mmpose_crowdpose_trainval.json')
    data = read_json(ann_file)
    for ann in data['annotations']:
        ann['keypoints'] += ann['keypoints'][:9]
    with open(ann_file, 'w') as f:
        json.dump(data, f)
    return ann_file


def test_crowdpose_file_with_17_keypoints_stops_with_one_line(
        crowdpose_train, coco_mpii_crowdpose_root, capsys):
    ann_file = give_17_keypoints(coco_mpii_crowdpose_root)
    with pytest.raises(DataConfigError) as error:
        DATASETS.build(crowdpose_train)
    line = one_line_error(capsys, error.value)
    assert line.startswith(f'train.py: error: {ann_file}: instance 1 of ')
    assert "has 17 keypoints, but the 'crowdpose' skeleton has 14" in line


def test_a_teacher_joint_the_union_lacks_is_named_with_the_union_source(
        coco_mpii_root, tmp_path, capsys):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    third, = tiny_teachers(cfg.model.student, sizes=dict(crowdpose=(64, 96)))
    third.pop('skeleton')
    third['keypoints'] = list(skeletons.CROWDPOSE_KEYPOINTS[:-1]) + ['tail']
    cfg.model.teachers.append(third)
    with pytest.raises(TeacherConfigError) as error:
        MODELS.build(cfg.model)
    line = one_line_error(capsys, error.value)
    assert line.startswith(
        "train.py: error: teacher 'crowdpose': its keypoints name joint(s) "
        "['tail'] that the union skeleton lacks; the union's joints are "
        'UNION_KEYPOINTS in mmpose_ext/skeletons.py: ')
    assert str(list(skeletons.UNION_KEYPOINTS)) in line


# --- the data checker -------------------------------------------------------

def crowdpose_problems(root):
    """What ``check_data`` lists about CrowdPose under ``root`` (whose COCO
    and MPII training sets lack an image each, as tests/conftest.py writes
    them)."""
    report = check_data(three_teacher_cfg(root))
    return report, [line for line in report.problems
                    if '(CrowdPoseDataset)' in line or 'crowdpose:' in line]


def test_complete_crowdpose_layout_has_no_problems(coco_mpii_crowdpose_root):
    report, problems = crowdpose_problems(coco_mpii_crowdpose_root)
    assert problems == []
    assert len(report.problems) == 2  # COCO's and MPII's missing image
    assert 'train_dataloader.dataset.datasets[2] (CrowdPoseDataset)' in \
        report.checked


def test_missing_crowdpose_test_file_is_listed(coco_mpii_crowdpose_root):
    ann = coco_mpii_crowdpose_root / \
        'crowdpose/annotations/mmpose_crowdpose_test.json'
    os.remove(ann)
    assert crowdpose_problems(coco_mpii_crowdpose_root)[1] == [
        f"val_dataloader.dataset.datasets[2] (CrowdPoseDataset): ann_file "
        f"'{ann}' does not exist",
        f"val_evaluator.sources.crowdpose: ann_file '{ann}' does not exist"]


def test_crowdpose_file_with_17_keypoints_is_listed(
        coco_mpii_crowdpose_root):
    ann_file = give_17_keypoints(coco_mpii_crowdpose_root)
    assert crowdpose_problems(coco_mpii_crowdpose_root)[1] == [
        f'train_dataloader.dataset.datasets[2] (CrowdPoseDataset): '
        f'{ann_file}: 6 of 6 annotations have 51 keypoint values instead of '
        f'42 (14 keypoints x 3), first annotation id 1; is it the right '
        f'file for this dataset type?']


def test_crowdpose_images_missing_are_listed(coco_mpii_crowdpose_root):
    folder = coco_mpii_crowdpose_root / 'crowdpose' / 'images'
    os.remove(folder / 'trainval_000001.jpg')
    ann = folder.parent / 'annotations' / 'mmpose_crowdpose_trainval.json'
    assert crowdpose_problems(coco_mpii_crowdpose_root)[1] == [
        f'train_dataloader.dataset.datasets[2] (CrowdPoseDataset): 1 of 3 '
        f'images named in {ann} are missing from {folder}: '
        f'trainval_000001.jpg']


def test_crowdpose_writer_matches_the_official_format(tmp_path):
    # the fields MMPose's CrowdPoseDataset and CrowdPose's metric read
    data = read_json(write_crowdpose(str(tmp_path), 'test'))
    assert {'crowdIndex', 'file_name', 'id', 'width', 'height'} <= set(
        data['images'][0])
    ann = data['annotations'][0]
    assert len(ann['keypoints']) == 3 * 14 and ann['num_keypoints'] == 14
    assert data['categories'][0]['keypoints'][12:] == ['top_head', 'neck']
