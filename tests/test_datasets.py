"""UnionPoseDataset: COCO and MPII files read as one stream of union-skeleton
instances, and bad data stopped where it enters with one clear error."""
import copy
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed
from mmpose.registry import DATASETS

from mmpose_ext import skeletons
from mmpose_ext.datasets import DataConfigError
from mmpose_ext.paths import REPO_ROOT
from tiny_configs import STUDENT_SIZE, tiny_student_cfg

COCO, MPII = 0, 1  # order of the sub-datasets in the configs


@pytest.fixture(scope='module', autouse=True)
def mmpose_scope():
    init_default_scope('mmpose')


@pytest.fixture(scope='module')
def student_cfg():
    """The real student config at test size; data roots are set per test."""
    return tiny_student_cfg('unset', 'unset')


def train_dataset_cfg(cfg, root, sources=(COCO, MPII)):
    """The config's training UnionPoseDataset, reading from ``root``."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    roots = {COCO: f'{root}/coco/', MPII: f'{root}/mpii/'}
    dataset.datasets = [dict(dataset.datasets[i], data_root=roots[i])
                        for i in sources]
    return dataset


def train_samples(cfg, root):
    """Every data sample of one epoch through the real train dataloader,
    with the transformed keypoints packed too."""
    loader = copy.deepcopy(cfg.train_dataloader)
    loader.dataset = train_dataset_cfg(cfg, root)
    for step in loader.dataset.pipeline:
        if step['type'] == 'PackPoseInputs':
            step['pack_transformed'] = True
    set_random_seed(0)
    samples = []
    for batch in Runner.build_dataloader(loader, seed=0):
        samples += batch['data_samples']
    return samples


def source_of(sample):
    return sample.metainfo['dataset_name']


def test_train_stream_yields_21_joint_instances_from_both_sources(
        student_cfg, coco_mpii_root):
    samples = train_samples(student_cfg, coco_mpii_root)
    # 8 COCO people and 4 MPII people with images on disk
    assert sorted(source_of(s) for s in samples) == ['coco'] * 8 + ['mpii'] * 4
    for sample in samples:
        assert sample.gt_instances.keypoints.shape == (1, 21, 2)
        assert sample.gt_instance_labels.keypoint_weights.shape == (1, 21)


def test_sources_read_mmposes_metainfo_files_without_a_warning(
        student_cfg, coco_mpii_root):
    """COCO's and MPII's datasets default to MMPose's metainfo files by a path
    in MMPose's source tree; the union dataset points them at MMPose's own
    copies, which MMPose would use too, after a warning on every build."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        dataset = DATASETS.build(
            train_dataset_cfg(student_cfg, coco_mpii_root))
    assert [str(w.message) for w in caught
            if 'metainfo' in str(w.message)] == []
    for source, sub in zip(dataset.sources, dataset.datasets):
        assert sub.metainfo['dataset_name'] == source
        assert sub.metainfo['num_keypoints'] == skeletons.num_keypoints(
            source)


def test_sample_ratio_factor_draws_a_source_more_often(
        student_cfg, coco_mpii_root):
    """The quick start's students draw MPII-style instances three times as
    often (qs_sample_ratio): one epoch of the real train dataloader then
    holds each COCO person once and 3 x 4 MPII draws, over every MPII
    person."""
    cfg = copy.deepcopy(student_cfg)
    cfg.train_dataloader.dataset.sample_ratio_factor = [1.0, 3.0]
    samples = train_samples(cfg, coco_mpii_root)
    sources = [source_of(s) for s in samples]
    assert sorted(sources) == ['coco'] * 8 + ['mpii'] * 12
    mpii_ids = {s.metainfo['id'] for s in samples if source_of(s) == 'mpii'}
    assert len(mpii_ids) == 4
    coco_ids = [s.metainfo['id'] for s in samples if source_of(s) == 'coco']
    assert len(set(coco_ids)) == 8


@pytest.mark.parametrize('ratio', [[1.0], [1.0, -1.0], [0, 0], 'ab'])
def test_sample_ratio_factor_of_the_wrong_shape_is_a_data_config_error(
        student_cfg, coco_mpii_root, ratio):
    dataset = train_dataset_cfg(student_cfg, coco_mpii_root)
    dataset.sample_ratio_factor = ratio
    with pytest.raises(DataConfigError,
                       match='one non-negative number per dataset'):
        DATASETS.build(dataset)


def test_joints_a_source_does_not_label_carry_zero_weight(
        student_cfg, coco_mpii_root):
    for sample in train_samples(student_cfg, coco_mpii_root):
        weights = sample.gt_instance_labels.keypoint_weights[0].numpy()
        unlabelled = ~skeletons.union_mask(source_of(sample))
        assert unlabelled.sum() == {'coco': 4, 'mpii': 5}[source_of(sample)]
        assert (weights[unlabelled] == 0).all()


def test_labelled_joints_inside_the_crop_carry_positive_weight(
        student_cfg, coco_mpii_root):
    checked = 0
    for sample in train_samples(student_cfg, coco_mpii_root):
        weights = sample.gt_instance_labels.keypoint_weights[0].numpy()
        xy = sample.gt_instances.transformed_keypoints[0]
        # a joint augmentation pushes out of the crop rightly gets weight 0
        inside = ((xy >= 1) & (xy < np.array(STUDENT_SIZE) - 1)).all(axis=1)
        labelled = skeletons.union_mask(source_of(sample))
        assert (weights[labelled & inside] > 0).all()
        checked += (labelled & inside).sum()
    assert checked > 100


def test_crowd_and_jointless_annotations_are_not_training_instances(
        student_cfg, coco_mpii_root):
    ann_file = coco_mpii_root / 'coco' / 'annotations' / \
        'person_keypoints_train2017.json'
    anns = json.loads(ann_file.read_text())['annotations']
    excluded = {a['id'] for a in anns
                if a['iscrowd'] or a['num_keypoints'] == 0}
    assert len(excluded) == 2  # conftest writes one crowd, one jointless
    dataset = DATASETS.build(
        train_dataset_cfg(student_cfg, coco_mpii_root, [COCO]))
    ids = {dataset.get_data_info(i)['id'] for i in range(len(dataset))}
    assert len(ids) == 8
    assert not ids & excluded


@pytest.mark.parametrize('source, missing', [(COCO, 'missing.jpg'),
                                             (MPII, '199999.jpg')])
def test_instances_whose_image_is_missing_are_dropped_with_a_warning(
        student_cfg, coco_mpii_root, source, missing):
    cfg = train_dataset_cfg(student_cfg, coco_mpii_root, [source])
    with pytest.warns(UserWarning, match=rf'1 image\(s\) are missing.*'
                      rf'{missing}'):
        dataset = DATASETS.build(cfg)
    paths = [dataset.get_data_info(i)['img_path']
             for i in range(len(dataset))]
    assert len(paths) == {COCO: 8, MPII: 4}[source]
    assert all(osp.isfile(p) for p in paths)


def test_all_images_missing_is_an_error(student_cfg, coco_mpii_root):
    images = coco_mpii_root / 'coco' / 'train2017'
    for image in images.iterdir():
        image.unlink()
    with pytest.raises(DataConfigError, match=f'none of its 5 images can be '
                       f'read \\(missing\\), e.g. {images}'):
        DATASETS.build(train_dataset_cfg(student_cfg, coco_mpii_root))


def _missing_data_root(datasets, root):
    datasets[COCO]['data_root'] = f'{root}/nowhere/'
    return f"coco dataset: data_root '{root}/nowhere' is not a folder"


def _missing_annotation_file(datasets, root):
    path = f'{root}/mpii/annotations/mpii_train.json'
    os.remove(path)
    return f"ann_file '{path}' does not exist"


def _missing_image_folder(datasets, root):
    shutil.rmtree(f'{root}/coco/train2017')
    return f"image folder (data_prefix.img) '{root}/coco/train2017' does " \
        "not exist"


def _mpii_file_as_coco(datasets, root):
    path = f'{root}/mpii/annotations/mpii_train.json'
    datasets[COCO]['ann_file'] = path
    return f"CocoDataset could not read '{path}'"


def _coco_file_as_mpii(datasets, root):
    path = f'{root}/coco/annotations/person_keypoints_train2017.json'
    datasets[MPII]['ann_file'] = path
    return f"MpiiDataset could not read '{path}'"


def _coco_file_with_16_keypoints(datasets, root):
    path = f'{root}/coco/annotations/person_keypoints_train2017.json'
    with open(path) as f:
        coco = json.load(f)
    for ann in coco['annotations']:
        ann['keypoints'] = ann['keypoints'][:16 * 3]
    with open(path, 'w') as f:
        json.dump(coco, f)
    return f"{path}: instance 1 of image {root}/coco/train2017/" \
        "train_0000.jpg has 16 keypoints, but the 'coco' skeleton has 17"


def _edit_json(path, edit):
    with open(path) as f:
        data = json.load(f)
    edit(data)
    with open(path, 'w') as f:
        json.dump(data, f)


def _nan_coco_bbox(datasets, root):
    path = f'{root}/coco/annotations/person_keypoints_train2017.json'
    _edit_json(path, lambda coco: coco['annotations'][0]['bbox'].__setitem__(
        2, float('nan')))
    return f"coco dataset: {path}: 1 of 9 instances hold NaN, infinite or " \
        f"invalid numbers: annotation id 1 (image {root}/coco/train2017/" \
        "train_0000.jpg): `bbox` is not finite ("


def _nan_coco_keypoint(datasets, root):
    path = f'{root}/coco/annotations/person_keypoints_train2017.json'
    _edit_json(path, lambda coco: coco['annotations'][3][
        'keypoints'].__setitem__(7, float('nan')))
    return "annotation id 4 (image " \
        f"{root}/coco/train2017/train_0001.jpg): `keypoints` is not finite"


def _nan_mpii_centre(datasets, root):
    path = f'{root}/mpii/annotations/mpii_train.json'
    _edit_json(path, lambda entries: entries[1]['center'].__setitem__(
        0, float('nan')))
    return f"mpii dataset: {path}: 1 of 5 instances hold NaN, infinite or " \
        f"invalid numbers: entry 1 (image {root}/mpii/images/100001.jpg): " \
        "`center` is not finite"


def _unknown_dataset_type(datasets, root):
    datasets[MPII]['type'] = 'NoSuchDataset'
    return "unknown dataset type 'NoSuchDataset'"


def _dataset_without_union_mapping(datasets, root):
    datasets[COCO]['type'] = 'AicDataset'
    return "dataset 'AicDataset' (skeleton 'aic') has no mapping"


def _unknown_skeleton(datasets, root):
    datasets[COCO]['skeleton'] = 'halpe'
    return "dataset 'CocoDataset' (skeleton 'halpe') has no mapping"


@pytest.mark.parametrize('break_data', [
    _missing_data_root, _missing_annotation_file, _missing_image_folder,
    _mpii_file_as_coco, _coco_file_as_mpii, _coco_file_with_16_keypoints,
    _nan_coco_bbox, _nan_coco_keypoint, _nan_mpii_centre,
    _unknown_dataset_type, _dataset_without_union_mapping, _unknown_skeleton,
], ids=lambda f: f.__name__.strip('_'))
def test_bad_data_stops_with_one_data_config_error_naming_it(
        student_cfg, coco_mpii_root, break_data):
    cfg = train_dataset_cfg(student_cfg, coco_mpii_root)
    expected = break_data(cfg.datasets, coco_mpii_root)
    with pytest.raises(DataConfigError) as error:
        DATASETS.build(cfg)
    assert expected in str(error.value)
    assert '\n' not in str(error.value)


def test_train_py_on_missing_data_prints_one_error_line_and_exits_2(
        student_cfg, tmp_path):
    # Only what the runner needs, so the subprocess spends no time on the
    # config dump; the data part is the real one, pointed at nothing.
    cfg = Config({key: student_cfg[key] for key in (
        'default_scope', 'custom_imports', 'model', 'train_cfg',
        'optim_wrapper', 'env_cfg', 'randomness')})
    cfg.train_dataloader = dict(
        student_cfg.train_dataloader,
        dataset=train_dataset_cfg(student_cfg, tmp_path / 'no_data'))
    cfg.dump(str(tmp_path / 'config.py'))
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'),
         str(tmp_path / 'config.py'), '--work-dir', str(tmp_path / 'work')],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    errors = [line for line in result.stderr.splitlines()
              if line.startswith('train.py:')]
    assert errors == [result.stderr.splitlines()[-1]]
    assert errors[0].startswith(
        f"train.py: error: coco dataset: data_root "
        f"'{tmp_path}/no_data/coco' is not a folder")
    # before the runner: no environment and config dump, no log folder
    assert 'System environment' not in result.stdout + result.stderr
    assert not (tmp_path / 'work').exists()


def test_missing_data_is_found_inside_wrappers_before_the_runner(
        student_cfg, coco_mpii_root):
    """``check_loader_paths`` reaches the datasets a ReplayDataset wraps."""
    from mmpose_ext.datasets import replay_dataloader
    from mmpose_ext.data_check import check_loader_paths
    dataset = train_dataset_cfg(student_cfg, coco_mpii_root)
    cfg = Config(dict(train_dataloader=replay_dataloader(dataset, 2)))
    check_loader_paths(cfg, ['train_dataloader', 'val_dataloader'])
    dataset.datasets[MPII].ann_file = 'annotations/nothing.json'
    cfg = Config(dict(train_dataloader=replay_dataloader(dataset, 2)))
    with pytest.raises(DataConfigError, match=r"^mpii dataset: ann_file "
                       r"'.*/mpii/annotations/nothing.json' does not exist; "
                       'see "Real data"'):
        check_loader_paths(cfg, ['train_dataloader'])


def test_labelled_joints_at_negative_coordinates_are_reported_at_build(
        student_cfg, coco_mpii_root):
    path = coco_mpii_root / 'mpii/annotations/mpii_train.json'
    _edit_json(path, lambda entries: entries[3]['joints'].__setitem__(
        2, [-6.0, 40.0]))
    with pytest.warns(UserWarning) as warned:
        DATASETS.build(train_dataset_cfg(student_cfg, coco_mpii_root, [MPII]))
    message = next(str(w.message) for w in warned
                   if 'negative' in str(w.message))
    assert message.startswith(
        f'mpii dataset: {path}: 1 of 5 instances have labelled joints '
        f'(visibility > 0) at negative coordinates, outside the image: '
        f'entry 3 (image {coco_mpii_root}/mpii/images/100003.jpg): joint(s) 2')


def test_instances_whose_image_is_empty_are_dropped_with_a_warning(
        student_cfg, coco_mpii_root):
    image = coco_mpii_root / 'coco' / 'train2017' / 'train_0001.jpg'
    image.write_bytes(b'')
    with pytest.warns(UserWarning, match=r'2 image\(s\) are empty \(0 bytes\)'
                      r' or missing and their 3 instance\(s\) are skipped'):
        dataset = DATASETS.build(
            train_dataset_cfg(student_cfg, coco_mpii_root, [COCO]))
    paths = {dataset.get_data_info(i)['img_path']
             for i in range(len(dataset))}
    assert len(dataset) == 6 and str(image) not in paths


def test_validation_image_missing_is_an_error_not_a_skip(
        student_cfg, coco_mpii_root):
    # CocoMetric scores every image of its annotation file: a skipped image
    # would count as missed people, so perfect predictions scored AP 0.66.
    image = coco_mpii_root / 'coco' / 'val2017' / 'val_0003.jpg'
    image.unlink()
    cfg = tiny_student_cfg(str(coco_mpii_root), 'unused')
    with pytest.raises(DataConfigError) as error:
        DATASETS.build(cfg.val_dataloader.dataset)
    assert str(error.value).startswith(
        f'coco dataset: 1 of 4 images of this validation/test set are '
        f'missing: {image} (missing); restore them')
    assert 'evaluate on an annotation file' in str(error.value)


def test_empty_image_prefix_reads_images_from_data_root(student_cfg,
                                                        coco_mpii_root):
    cfg = train_dataset_cfg(student_cfg, coco_mpii_root, [MPII])
    mpii = cfg.datasets[0]
    mpii.update(data_root=f'{coco_mpii_root}/mpii/images/',
                ann_file='../annotations/mpii_train.json',
                data_prefix=dict(img=''))
    with pytest.warns(UserWarning, match='199999.jpg'):
        dataset = DATASETS.build(cfg)
    assert len(dataset) == 4
    assert dataset.get_data_info(0)['img_path'] == \
        f'{coco_mpii_root}/mpii/images/100000.jpg'


def test_image_that_does_not_decode_stops_the_epoch_naming_the_file(
        student_cfg, coco_mpii_root):
    image = coco_mpii_root / 'mpii' / 'images' / '100002.jpg'
    image.write_text('<html>404 Not Found</html>')
    with pytest.raises(DataConfigError) as error:
        train_samples(student_cfg, coco_mpii_root)
    assert str(error.value).startswith(
        f'mpii dataset: image {image} (instance id 2) is not a decodable '
        'image; replace the file or remove its annotations')
    assert '--decode' in str(error.value)


def test_source_declared_union_keeps_all_21_labelled_joints(tmp_path):
    from mmpose_ext.datasets.union_dataset import UNION_METAINFO
    from mmpose_ext.synthetic import generate_benchmark
    generate_benchmark(tmp_path, seed=0, num_train=2, num_val=1,
                       image_size=(112, 96))
    dataset = DATASETS.build(dict(
        type='UnionPoseDataset',
        datasets=[dict(type='CocoDataset', data_root=f'{tmp_path}/coco/',
                       data_mode='topdown',
                       ann_file='annotations/union_train.json',
                       data_prefix=dict(img='images/train/'),
                       metainfo=UNION_METAINFO, skeleton='union')],
        pipeline=[]))
    assert dataset.sources == ['union']
    sample = dataset[0]
    with open(tmp_path / 'coco' / 'annotations' / 'union_train.json') as f:
        ann, = [a for a in json.load(f)['annotations']
                if a['id'] == sample['id']]
    labels = np.array(ann['keypoints']).reshape(21, 3)
    assert sample['keypoints'].shape == (1, 21, 2)
    visible = np.asarray(sample['keypoints_visible'][0]).reshape(21, -1)
    assert np.array_equal(visible[:, 0] > 0, labels[:, 2] > 0)
    assert np.allclose(sample['keypoints'][0][labels[:, 2] > 0],
                       labels[labels[:, 2] > 0, :2])


def test_mpii_format_union_source_keeps_all_21_labelled_joints(tmp_path):
    from mmpose_ext.datasets.union_dataset import UNION_METAINFO
    from mmpose_ext.synthetic import generate_benchmark
    generate_benchmark(tmp_path, seed=0, num_train=2, num_val=1,
                       image_size=(112, 96))
    dataset = DATASETS.build(dict(
        type='UnionPoseDataset',
        datasets=[dict(type='MpiiDataset', data_root=f'{tmp_path}/mpii/',
                       data_mode='topdown',
                       ann_file='annotations/union_train.json',
                       data_prefix=dict(img='images/'),
                       metainfo=UNION_METAINFO, skeleton='union')],
        pipeline=[]))
    with open(tmp_path / 'mpii' / 'annotations' / 'union_train.json') as f:
        entry = json.load(f)[0]
    sample = dataset[0]
    labelled = np.array(entry['joints_vis']) > 0
    assert sample['keypoints'].shape == (1, 21, 2)
    visible = np.asarray(sample['keypoints_visible'][0]).reshape(21, -1)
    assert np.array_equal(visible[:, 0] > 0, labelled)
    assert np.allclose(sample['keypoints'][0][labelled],
                       np.array(entry['joints'])[labelled])
