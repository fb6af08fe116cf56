"""The union skeleton and the mappings between skeletons."""
import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from mmpose_ext import skeletons
from mmpose_ext.paths import UNION_METAINFO_FILE


def test_union_is_coco_then_the_four_mpii_only_joints():
    assert skeletons.UNION_KEYPOINTS[:17] == skeletons.COCO_KEYPOINTS
    assert skeletons.UNION_KEYPOINTS[17:] == (
        'pelvis', 'thorax', 'upper_neck', 'head_top')
    assert skeletons.MPII_ONLY_KEYPOINTS == skeletons.UNION_KEYPOINTS[17:]


@pytest.mark.parametrize('source', ['coco', 'mpii', 'crowdpose'])
def test_mapping_to_union_is_a_bijection_onto_a_subset(source):
    idx = skeletons.to_union_indices(source)
    assert len(idx) == skeletons.num_keypoints(source)
    assert len(set(idx.tolist())) == len(idx)
    assert idx.min() >= 0 and idx.max() < 21


@pytest.mark.parametrize('source', ['coco', 'mpii', 'crowdpose'])
def test_round_trip_through_union_is_identity(source):
    rng = np.random.default_rng(0)
    kpts = rng.normal(size=(3, skeletons.num_keypoints(source), 2))
    union = skeletons.convert_keypoints(kpts, source, 'union', fill=np.nan)
    back = skeletons.convert_keypoints(union, 'union', source)
    np.testing.assert_array_equal(back, kpts)
    # joints the source does not know stay empty in the union
    unknown = ~skeletons.union_mask(source)
    assert np.isnan(union[:, unknown]).all()


def test_mpii_joints_land_on_the_union_joints_of_the_same_name():
    union = skeletons.to_union_indices('mpii')
    for i, name in enumerate(skeletons.MPII_KEYPOINTS):
        assert skeletons.UNION_KEYPOINTS[union[i]] == name
    assert skeletons.MPII_KEYPOINTS[9] == 'head_top'  # MPII's own order


@pytest.mark.parametrize('skeleton', ['union', 'coco', 'mpii', 'crowdpose'])
def test_flip_pairs_are_symmetric_and_mirror_left_and_right(skeleton):
    flip = skeletons.flip_indices(skeleton)
    names = skeletons.keypoint_names(skeleton)
    assert [flip[flip[i]] for i in range(len(flip))] == list(range(len(flip)))
    for i, j in enumerate(flip):
        a, b = names[i], names[j]
        assert a.replace('left_', 'right_') == b or \
            a.replace('right_', 'left_') == b or (i == j and 'left' not in a
                                                   and 'right' not in a)


def test_union_joint_order_is_pinned():
    # Checkpoints, teacher caches and results depend on this order.
    assert skeletons.UNION_KEYPOINTS == (
        'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
        'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
        'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
        'right_knee', 'left_ankle', 'right_ankle', 'pelvis', 'thorax',
        'upper_neck', 'head_top')


@pytest.mark.parametrize('skeleton', ['coco', 'mpii'])
def test_dataset_skeletons_are_mmposes_own(skeleton):
    upstream = parse_pose_metainfo(
        dict(from_file=skeletons.METAINFO_FILES[skeleton]))
    assert skeletons.keypoint_names(skeleton) == tuple(
        upstream['keypoint_id2name'][i]
        for i in range(upstream['num_keypoints']))


def test_union_dataset_info_file_is_built_from_the_skeletons_module():
    info = Config.fromfile(UNION_METAINFO_FILE).dataset_info
    assert info.to_dict() == skeletons.union_dataset_info()
    union = parse_pose_metainfo(dict(from_file=UNION_METAINFO_FILE))
    assert [union['keypoint_id2name'][i] for i in range(21)] == list(
        skeletons.UNION_KEYPOINTS)
    assert union['flip_indices'] == skeletons.flip_indices('union')
    assert union['skeleton_links'] == skeletons.links('union')


def test_union_dataset_info_keeps_cocos_weights_and_sigmas():
    info = skeletons.union_dataset_info()
    coco = parse_pose_metainfo(dict(from_file=skeletons.METAINFO_FILES['coco']))
    np.testing.assert_array_equal(
        np.float32(info['sigmas'][:17]), coco['sigmas'])
    np.testing.assert_array_equal(
        np.float32(info['joint_weights'][:17]),
        coco['dataset_keypoint_weights'])
    assert info['sigmas'][17:] == [0.066, 0.079, 0.026, 0.026]
    assert info['joint_weights'][17:] == [1., 1., 1., 1.]


def test_unknown_skeleton_and_joint_names_raise_clear_errors():
    with pytest.raises(KeyError, match="unknown skeleton 'h36m'"):
        skeletons.mapping('h36m', 'union')
    with pytest.raises(KeyError, match='not in the .union. skeleton'):
        skeletons.joint_indices('union', ['nose', 'tail'])


def test_convert_rejects_wrong_joint_count():
    with pytest.raises(ValueError, match='expected 17'):
        skeletons.convert_keypoints(np.zeros((1, 16, 2)), 'coco', 'union')
