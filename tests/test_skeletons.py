"""The union skeleton and the mappings between skeletons."""
import numpy as np
import pytest
from mmengine.config import Config

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


def test_union_dataset_info_agrees_with_skeletons_module():
    info = Config.fromfile(UNION_METAINFO_FILE).dataset_info
    kinfo = info['keypoint_info']
    assert [kinfo[i]['name'] for i in range(len(kinfo))] == list(
        skeletons.UNION_KEYPOINTS)
    flip = skeletons.flip_indices('union')
    for i in range(len(kinfo)):
        swap = kinfo[i]['swap']
        expected = '' if flip[i] == i else skeletons.UNION_KEYPOINTS[flip[i]]
        assert swap == expected
    links = [tuple(v['link']) for v in info['skeleton_info'].values()]
    assert links == [(a, b) for a, b, _ in skeletons.UNION_LINKS]
    assert len(info['joint_weights']) == len(info['sigmas']) == 21
    coco = Config.fromfile(
        skeletons.METAINFO_FILES['coco'].replace(
            'configs/', _mmpose_mim_configs())).dataset_info
    assert info['sigmas'][:17] == coco['sigmas']
    assert info['joint_weights'][:17] == coco['joint_weights']


def _mmpose_mim_configs():
    import os.path as osp

    import mmpose
    return osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs') + '/'


def test_unknown_skeleton_and_joint_names_raise_clear_errors():
    with pytest.raises(KeyError, match="unknown skeleton 'h36m'"):
        skeletons.mapping('h36m', 'union')
    with pytest.raises(KeyError, match='not in the .union. skeleton'):
        skeletons.joint_indices('union', ['nose', 'tail'])


def test_convert_rejects_wrong_joint_count():
    with pytest.raises(ValueError, match='expected 17'):
        skeletons.convert_keypoints(np.zeros((1, 16, 2)), 'coco', 'union')
