"""The skeletons this project knows and the joint mappings between them.

This module is the single source of truth for joint names, their order in each
dataset, left/right pairs and the index mappings into the 21-joint union
skeleton. Configs, datasets, the distiller and the metrics all take their
mappings from here by skeleton name (``'coco'``, ``'mpii'``, ``'crowdpose'``,
``'union'``); nothing restates a mapping by hand.

The union skeleton is COCO's 17 keypoints, in COCO order, followed by the four
joints MPII labels and COCO does not: pelvis, thorax, upper_neck, head_top.
Every other skeleton is written as the union names of its joints, in the
dataset's own order, so a mapping is derived by name and cannot disagree with
the skeleton it maps.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np

COCO_KEYPOINTS: Tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
    'left_knee', 'right_knee', 'left_ankle', 'right_ankle')

UNION_KEYPOINTS: Tuple[str, ...] = COCO_KEYPOINTS + (
    'pelvis', 'thorax', 'upper_neck', 'head_top')

# MPII's 16 joints in the order of its annotation files (mpii_train.json,
# mpii_gt_val.mat): r_ankle, r_knee, r_hip, l_hip, l_knee, l_ankle, pelvis,
# thorax, upper_neck, head_top, r_wrist, r_elbow, r_shoulder, l_shoulder,
# l_elbow, l_wrist. MPII's hips are taken to be COCO's hips.
MPII_KEYPOINTS: Tuple[str, ...] = (
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
    'left_ankle', 'pelvis', 'thorax', 'upper_neck', 'head_top',
    'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder',
    'left_elbow', 'left_wrist')

# CrowdPose's 14 joints; its 'top_head' is MPII's head top and its 'neck' is
# taken to be MPII's upper neck (both mark the top of the neck, under the chin).
CROWDPOSE_KEYPOINTS: Tuple[str, ...] = (
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle', 'head_top', 'upper_neck')

SKELETONS: Dict[str, Tuple[str, ...]] = {
    'union': UNION_KEYPOINTS,
    'coco': COCO_KEYPOINTS,
    'mpii': MPII_KEYPOINTS,
    'crowdpose': CROWDPOSE_KEYPOINTS,
}

# The MMPose dataset-info file of each skeleton. Upstream files are found by
# mmpose's parse_pose_metainfo inside the installed package; the union's lives
# in this repository.
METAINFO_FILES: Dict[str, str] = {
    'coco': 'configs/_base_/datasets/coco.py',
    'mpii': 'configs/_base_/datasets/mpii.py',
    'crowdpose': 'configs/_base_/datasets/crowdpose.py',
}

# Joints that only the union adds to COCO: what a COCO-labelled image never
# labels and an MPII teacher must supply.
MPII_ONLY_KEYPOINTS: Tuple[str, ...] = tuple(
    n for n in MPII_KEYPOINTS if n not in COCO_KEYPOINTS)
COCO_ONLY_KEYPOINTS: Tuple[str, ...] = tuple(
    n for n in COCO_KEYPOINTS if n not in MPII_KEYPOINTS)

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


def from_union_indices(target: str) -> np.ndarray:
    """Union index of each ``target`` joint: ``union_kpts[idx]`` gives them
    in ``target`` order."""
    return to_union_indices(target)


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
