"""The skeletons this project knows and the joint mappings between them.

This module is the single source of truth for joint names, their order in each
dataset, left/right pairs and the index mappings into the 21-joint union
skeleton. Configs, datasets, the distiller and the metrics all take their
mappings from here by skeleton name (``'coco'``, ``'mpii'``, ``'crowdpose'``,
``'union'``); nothing restates a mapping by hand.

COCO's, MPII's and CrowdPose's joints are read from MMPose's own metainfo files
(``configs/_base_/datasets/*.py`` in the installed mmpose) through
``parse_pose_metainfo``. The union skeleton is COCO's 17 keypoints, in COCO
order, followed by the four joints MPII labels and COCO does not, in MPII
order: pelvis, thorax, upper_neck, head_top. Its MMPose dataset info
(``configs/_base_/datasets/coco_mpii.py``) is built here too, by
:func:`union_dataset_info`. Every skeleton is written as the union names of
its joints, in the dataset's own order, so a mapping is derived by name and
cannot disagree with the skeleton it maps.
"""
from __future__ import annotations

import functools
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import mmpose
import numpy as np
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo


def _mmpose_dataset_info_file(name: str) -> str:
    """MMPose's metainfo file ``configs/_base_/datasets/<name>.py``: in the
    package (``.mim``) when installed, in the source tree when editable."""
    package = osp.dirname(mmpose.__file__)
    for root in (osp.join(package, '.mim'), osp.dirname(package)):
        path = osp.join(root, 'configs', '_base_', 'datasets', f'{name}.py')
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'MMPose\'s metainfo file configs/_base_/datasets/{name}.py is in '
        f'neither {package}/.mim nor the mmpose source tree: reinstall mmpose')


def installed_metainfo(metainfo: dict) -> dict:
    """``metainfo`` whose ``from_file`` is MMPose's datasets' default, a path
    in MMPose's source tree relative to where one runs
    (``configs/_base_/datasets/coco.py``), pointing at MMPose's installed copy
    of that file instead. MMPose falls back to the same file, but warns on
    every dataset it builds. Any other ``metainfo`` is returned as it is."""
    path = metainfo.get('from_file')
    folder, name = osp.split(path or '')
    if (osp.normpath(folder) != osp.join('configs', '_base_', 'datasets')
            or not name.endswith('.py') or osp.isfile(path)):
        return metainfo
    try:
        installed = _mmpose_dataset_info_file(name[:-3])
    except FileNotFoundError:
        return metainfo  # MMPose's own error names the missing file
    return dict(metainfo, from_file=installed)


# The MMPose dataset-info file of each upstream skeleton.
METAINFO_FILES: Dict[str, str] = {
    name: _mmpose_dataset_info_file(name)
    for name in ('coco', 'mpii', 'crowdpose')
}


@functools.lru_cache(maxsize=None)
def _upstream_dataset_info(skeleton: str) -> dict:
    """The dataset info of an upstream skeleton, as MMPose writes it."""
    return Config.fromfile(METAINFO_FILES[skeleton]).dataset_info.to_dict()


def _upstream_keypoints(skeleton: str,
                        renames: Dict[str, str] = None) -> Tuple[str, ...]:
    """Joint names of an upstream skeleton in its order, as union names."""
    parsed = parse_pose_metainfo(_upstream_dataset_info(skeleton))
    names = [parsed['keypoint_id2name'][i]
             for i in range(parsed['num_keypoints'])]
    return tuple((renames or {}).get(n, n) for n in names)


COCO_KEYPOINTS: Tuple[str, ...] = _upstream_keypoints('coco')

# MPII's 16 joints in the order of its annotation files (mpii_train.json,
# mpii_gt_val.mat): r_ankle, r_knee, r_hip, l_hip, l_knee, l_ankle, pelvis,
# thorax, upper_neck, head_top, r_wrist, r_elbow, r_shoulder, l_shoulder,
# l_elbow, l_wrist. MPII's hips are taken to be COCO's hips (same names).
MPII_KEYPOINTS: Tuple[str, ...] = _upstream_keypoints('mpii')

# Joints that only the union adds to COCO: what a COCO-labelled image never
# labels and an MPII teacher must supply.
MPII_ONLY_KEYPOINTS: Tuple[str, ...] = tuple(
    n for n in MPII_KEYPOINTS if n not in COCO_KEYPOINTS)

UNION_KEYPOINTS: Tuple[str, ...] = COCO_KEYPOINTS + MPII_ONLY_KEYPOINTS

# CrowdPose's 14 joints: COCO's 12 limb joints (same names) and two it names
# 'top_head' and 'neck', which become the union's head_top and upper_neck.
# Why those two: CrowdPose labels the top of the head, as MPII's head_top; and
# its neck point is taken to be MPII's upper neck, not the thorax, as MMPose
# itself does when it merges datasets: its RTMPose body8 Halpe-26 config
# (configs/body_2d_keypoint/rtmpose/body8/rtmpose-m_8xb512-700e_body8-
# halpe26-256x192.py) maps CrowdPose's top_head and neck (12, 13) and MPII's
# head_top and upper_neck (9, 8) onto the same two Halpe joints, head and
# neck, and leaves MPII's thorax out. A CrowdPose teacher's neck therefore
# teaches the union's upper_neck, and the union's thorax and pelvis stay
# unlabelled on CrowdPose images.
CROWDPOSE_KEYPOINTS: Tuple[str, ...] = _upstream_keypoints(
    'crowdpose', renames=dict(top_head='head_top', neck='upper_neck'))

SKELETONS: Dict[str, Tuple[str, ...]] = {
    'union': UNION_KEYPOINTS,
    'coco': COCO_KEYPOINTS,
    'mpii': MPII_KEYPOINTS,
    'crowdpose': CROWDPOSE_KEYPOINTS,
}

# Lines drawn between union joints (by name), with the colour group of each.
UNION_LINKS: Tuple[Tuple[str, str, str], ...] = (
    ('left_ankle', 'left_knee', 'left'), ('left_knee', 'left_hip', 'left'),
    ('right_ankle', 'right_knee', 'right'),
    ('right_knee', 'right_hip', 'right'),
    ('left_hip', 'pelvis', 'left'), ('right_hip', 'pelvis', 'right'),
    ('pelvis', 'thorax', 'center'), ('thorax', 'upper_neck', 'center'),
    ('upper_neck', 'head_top', 'center'),
    ('left_shoulder', 'thorax', 'left'), ('right_shoulder', 'thorax', 'right'),
    ('left_shoulder', 'left_elbow', 'left'),
    ('right_shoulder', 'right_elbow', 'right'),
    ('left_elbow', 'left_wrist', 'left'),
    ('right_elbow', 'right_wrist', 'right'),
    ('left_shoulder', 'left_hip', 'left'),
    ('right_shoulder', 'right_hip', 'right'),
    ('left_eye', 'right_eye', 'center'), ('nose', 'left_eye', 'left'),
    ('nose', 'right_eye', 'right'), ('left_eye', 'left_ear', 'left'),
    ('right_eye', 'right_ear', 'right'), ('left_ear', 'left_shoulder', 'left'),
    ('right_ear', 'right_shoulder', 'right'),
)
SIDE_COLORS: Dict[str, List[int]] = {
    'left': [0, 255, 0], 'right': [255, 128, 0], 'center': [51, 153, 255]}


# OKS sigmas of the union joints COCO does not define (COCO's 17 are COCO's):
#   pelvis 0.066: Halpe-26 'hip' (mid-hip) sigma, HalpeCOCOAPI cocoeval.py;
#   thorax 0.079: no dataset defines one; the shoulder sigma, since the
#     thorax lies between the shoulders and is located about as well;
#   upper_neck 0.026: Halpe-26 'neck' sigma;
#   head_top 0.026: Halpe-26 'head' sigma.
# (MPII's own file gives all four 0.026, "adapted from COCO".)
MPII_ONLY_SIGMAS: Dict[str, float] = dict(
    pelvis=0.066, thorax=0.079, upper_neck=0.026, head_top=0.026)


def _side(name: str) -> str:
    return next((s for s in ('left', 'right') if name.startswith(s + '_')),
                'center')


def union_dataset_info() -> dict:
    """The union skeleton's MMPose dataset info (``dataset_info`` of
    ``configs/_base_/datasets/coco_mpii.py``).

    Each joint keeps the body part (``type``), mirror joint (``swap``) and
    RTMPose joint weight of the dataset it comes from (COCO for COCO's 17,
    MPII for the other four); OKS sigmas are COCO's and
    :data:`MPII_ONLY_SIGMAS`; colours follow the joint's side
    (:data:`SIDE_COLORS`), links are :data:`UNION_LINKS`.
    """
    sources = [_upstream_dataset_info(name) for name in ('coco', 'mpii')]
    keypoint_info, joint_weights, sigmas = {}, [], []
    for index, name in enumerate(UNION_KEYPOINTS):
        source = sources[0] if name in COCO_KEYPOINTS else sources[1]
        (own_id, own), = [(i, k) for i, k in source['keypoint_info'].items()
                          if k['name'] == name]
        keypoint_info[index] = dict(
            name=name, id=index, color=list(SIDE_COLORS[_side(name)]),
            type=own['type'], swap=own['swap'])
        joint_weights.append(source['joint_weights'][own_id])
        sigmas.append(sources[0]['sigmas'][own_id] if source is sources[0]
                      else MPII_ONLY_SIGMAS[name])
    skeleton_info = {
        index: dict(link=(a, b), id=index, color=list(SIDE_COLORS[side]))
        for index, (a, b, side) in enumerate(UNION_LINKS)
    }
    return dict(
        dataset_name='coco_mpii',
        paper_info=[source['paper_info'] for source in sources],
        keypoint_info=keypoint_info,
        skeleton_info=skeleton_info,
        joint_weights=joint_weights,
        sigmas=sigmas)


def _check_name(skeleton: str) -> Tuple[str, ...]:
    try:
        return SKELETONS[skeleton]
    except KeyError:
        raise KeyError(
            f'unknown skeleton {skeleton!r}: expected one of '
            f'{sorted(SKELETONS)} (defined in mmpose_ext/skeletons.py)'
        ) from None


def keypoint_names(skeleton: str) -> Tuple[str, ...]:
    """Joint names of ``skeleton`` in its dataset's order."""
    return _check_name(skeleton)


def num_keypoints(skeleton: str) -> int:
    return len(_check_name(skeleton))


def joint_indices(skeleton: str, names: Sequence[str]) -> List[int]:
    """Indices of ``names`` in ``skeleton``; unknown names raise ``KeyError``."""
    order = _check_name(skeleton)
    missing = [n for n in names if n not in order]
    if missing:
        raise KeyError(f'joints {missing} are not in the {skeleton!r} '
                       f'skeleton, whose joints are {list(order)}')
    return [order.index(n) for n in names]


def mapping(source: str, target: str) -> List[Tuple[int, int]]:
    """``(source_index, target_index)`` for every joint both skeletons know.

    Pairs are in source order. For ``target='union'`` every source joint has a
    partner, so the mapping is a bijection onto a subset of the union.
    """
    src, dst = _check_name(source), _check_name(target)
    return [(i, dst.index(n)) for i, n in enumerate(src) if n in dst]


def to_union_indices(source: str) -> np.ndarray:
    """Union index of each ``source`` joint, in source order."""
    return np.array([t for _, t in mapping(source, 'union')], dtype=np.int64)


def union_mask(source: str) -> np.ndarray:
    """Boolean mask over the union joints that ``source`` labels."""
    mask = np.zeros(len(UNION_KEYPOINTS), dtype=bool)
    mask[to_union_indices(source)] = True
    return mask


def convert_keypoints(values: np.ndarray, source: str, target: str,
                      axis: int = -2, fill: float = 0.0) -> np.ndarray:
    """Re-order the joint axis of ``values`` from ``source`` to ``target``.

    Args:
        values: keypoints ``(..., K, 2)`` (``axis=-2``) or per-joint scores or
            visibilities ``(..., K)`` (``axis=-1``).
        source, target: skeleton names.
        axis: the joint axis.
        fill: value of the ``target`` joints that ``source`` does not know.

    Returns:
        np.ndarray: ``values`` with ``num_keypoints(target)`` joints on ``axis``.
    """
    values = np.asarray(values)
    axis = axis % values.ndim
    if values.shape[axis] != num_keypoints(source):
        raise ValueError(
            f'expected {num_keypoints(source)} {source!r} joints on axis '
            f'{axis}, got an array of shape {values.shape}')
    pairs = mapping(source, target)
    shape = list(values.shape)
    shape[axis] = num_keypoints(target)
    out = np.full(shape, fill, dtype=values.dtype)
    dst = [slice(None)] * values.ndim
    src = [slice(None)] * values.ndim
    dst[axis] = [t for _, t in pairs]
    src[axis] = [s for s, _ in pairs]
    out[tuple(dst)] = values[tuple(src)]
    return out


def flip_pairs(skeleton: str) -> List[Tuple[int, int]]:
    """Left/right index pairs of ``skeleton`` (each pair once)."""
    order = _check_name(skeleton)
    pairs = []
    for i, name in enumerate(order):
        if name.startswith('left_'):
            partner = 'right_' + name[len('left_'):]
            pairs.append((i, order.index(partner)))
    return pairs


def flip_indices(skeleton: str) -> List[int]:
    """For each joint, the index of its mirror image (itself if central)."""
    order = _check_name(skeleton)
    idx = list(range(len(order)))
    for a, b in flip_pairs(skeleton):
        idx[a], idx[b] = b, a
    return idx


def links(skeleton: str) -> List[Tuple[int, int]]:
    """Index pairs of the union links whose both ends ``skeleton`` knows."""
    order = _check_name(skeleton)
    return [(order.index(a), order.index(b)) for a, b, _ in UNION_LINKS
            if a in order and b in order]
