"""MPII files as mmpose reads them: the json list ``MpiiDataset`` loads and
the ``mpii_gt_val.mat`` whose head boxes give PCKh its normaliser.

Coordinate conventions, taken from mmpose 1.3's ``MpiiDataset`` and
``MpiiPCKAccuracy``:

- json ``joints`` are used as they are, so they are written 0-based, in the
  same pixel frame as the images and the COCO files; unlabelled joints are
  ``[-1, -1]`` with ``joints_vis`` 0.
- json ``center`` has 1 subtracted by the dataset (MATLAB's 1-based origin),
  so it is written 1-based; ``scale * 200`` is 1.2 times the larger side of
  the body box, centred on the body after mmpose's downward shift,
  mmpose adds its own padding.
- the ``.mat`` is MATLAB's 1-based layout: ``headboxes_src`` ``(2, 2, N)``
  (``[corner, xy, person]``, top-left then bottom-right), ``pos_gt_src``
  ``(16, 2, N)``, ``jnt_missing`` ``(16, N)`` and the cell ``dataset_joints``
  ``(1, 16)`` of MPII's short joint names, person ``n`` being entry ``n`` of
  the json.
"""
from __future__ import annotations

import io
from typing import Dict, List, Sequence

import numpy as np
from scipy.io import savemat

from ..skeletons import MPII_KEYPOINTS, convert_keypoints
from .truth import NOT_LABELLED, ImageRecord, PersonTruth

# MPII's own short names of its joints (the ``dataset_joints`` cell of
# mpii_gt_val.mat, which MPII's evaluation looks joints up by).
MAT_JOINT_LABELS: Dict[str, str] = {
    'right_ankle': 'rank', 'right_knee': 'rkne', 'right_hip': 'rhip',
    'left_hip': 'lhip', 'left_knee': 'lkne', 'left_ankle': 'lank',
    'pelvis': 'pelv', 'thorax': 'thor', 'upper_neck': 'neck',
    'head_top': 'head', 'right_wrist': 'rwri', 'right_elbow': 'relb',
    'right_shoulder': 'rsho', 'left_shoulder': 'lsho', 'left_elbow': 'lelb',
    'left_wrist': 'lwri'}
PIXEL_STD = 200.0      # MPII scales are body sizes in units of 200 pixels
MATLAB_ORIGIN = 1.0    # MATLAB counts pixels from 1
# MPII's person scales leave room around the body (the head top is not on the
# crop border); without it augmentation pushes the head top out of most
# training crops and it is never learnt.
SCALE_MARGIN = 1.2
MMPOSE_CENTRE_SHIFT = 15. / PIXEL_STD
# scipy stamps the creation time into the 116-byte MAT header text; a fixed
# text keeps equal content byte-identical.
MAT_HEADER = b'MATLAB 5.0 MAT-file, written by mmpose_ext.synthetic'


def _mpii_joints(person: PersonTruth, skeleton: str = 'mpii'):
    xy = convert_keypoints(person.keypoints, 'union', skeleton)
    labelled = convert_keypoints(person.visibility, 'union', skeleton,
                                 axis=-1) != NOT_LABELLED
    return xy, labelled


def mpii_entry(file_name: str, person: PersonTruth,
               skeleton: str = 'mpii') -> dict:
    """One person as an entry of an MMPose MPII json, with the joints of
    ``skeleton`` (``'union'``: all 21, for the oracle's labels)."""
    xy, labelled = _mpii_joints(person, skeleton)
    x1, y1, x2, y2 = person.body_box
    size = max(x2 - x1, y2 - y1) * SCALE_MARGIN
    # mmpose's MpiiDataset moves the centre down by 15/200 of the scale;
    # undo that here so the crop is centred on the body.
    centre_y = (y1 + y2) / 2 - MMPOSE_CENTRE_SHIFT * size
    return {
        'image': file_name,
        'center': [round((x1 + x2) / 2 + MATLAB_ORIGIN, 2),
                   round(centre_y + MATLAB_ORIGIN, 2)],
        'scale': round(size / PIXEL_STD, 4),
        'joints': [[float(x), float(y)] if ok else [-1.0, -1.0]
                   for (x, y), ok in zip(xy, labelled)],
        'joints_vis': [int(ok) for ok in labelled],
    }


def build_mpii_json(images: Sequence[ImageRecord],
                    skeleton: str = 'mpii') -> List[dict]:
    """Every person of ``images``, in order, as an MMPose MPII json list
    with the joints of ``skeleton``."""
    return [mpii_entry(image.file_name, person, skeleton)
            for image in images for person in image.people]


def build_gt_mat(images: Sequence[ImageRecord]) -> bytes:
    """``mpii_gt_val.mat`` for the people of ``images`` (same order as
    :func:`build_mpii_json`), as bytes."""
    people = [p for image in images for p in image.people]
    head_boxes = np.array([p.head_box for p in people], np.float64)
    # N, corner (top-left, bottom-right), xy
    head_boxes = head_boxes.reshape(-1, 2, 2) + MATLAB_ORIGIN
    positions, missing = [], []
    for person in people:
        xy, labelled = _mpii_joints(person)
        positions.append(np.where(labelled[:, None], xy + MATLAB_ORIGIN, 0.0))
        missing.append(~labelled)
    names = np.empty((1, len(MPII_KEYPOINTS)), dtype=object)
    names[0, :] = [MAT_JOINT_LABELS[n] for n in MPII_KEYPOINTS]
    buffer = io.BytesIO()
    savemat(buffer, {
        'headboxes_src': np.transpose(head_boxes, (1, 2, 0)),
        'pos_gt_src': np.transpose(np.array(positions, np.float64), (1, 2, 0)),
        'jnt_missing': np.array(missing, np.float64).T,
        'dataset_joints': names,
    }, format='5', do_compression=False)
    data = bytearray(buffer.getvalue())
    data[:116] = MAT_HEADER.ljust(116)
    return bytes(data)
