"""CrowdPose files as MMPose reads them (``CrowdPoseDataset``, and
``CocoMetric`` with ``iou_type='keypoints_crowd'``): COCO's person-keypoint
format with CrowdPose's 14 joints, and each image's ``crowdIndex``, which the
metric splits its AP by (easy < 0.1 <= medium <= 0.8 < hard).

The joints are :data:`mmpose_ext.skeletons.CROWDPOSE_KEYPOINTS` in MMPose's
CrowdPose order; the category names them as this project does
(``head_top``, ``upper_neck``), which no reader looks at.
"""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from ..skeletons import convert_keypoints
from .coco_format import build_coco
from .truth import NOT_LABELLED, ImageRecord


def crowd_index(image: ImageRecord) -> float:
    """CrowdPose's crowd index of an image (Li et al., CrowdPose, CVPR 2019):
    over its people, the mean of (joints of other people inside the
    person's box) / (the person's own joints), counting the labelled
    CrowdPose joints; 0 for an image without labelled people."""
    joints, boxes = [], []
    for person in image.people:
        xy = convert_keypoints(person.keypoints, 'union', 'crowdpose')
        vis = convert_keypoints(person.visibility, 'union', 'crowdpose',
                                axis=-1)
        joints.append(xy[vis != NOT_LABELLED])
        boxes.append(person.bbox)
    ratios = []
    for i, (x, y, w, h) in enumerate(boxes):
        if not len(joints[i]):
            continue
        others = [j for k, j in enumerate(joints) if k != i and len(j)]
        if others:
            xy = np.concatenate(others)
            inside = ((xy[:, 0] >= x) & (xy[:, 0] <= x + w) &
                      (xy[:, 1] >= y) & (xy[:, 1] <= y + h))
            ratios.append(inside.sum() / len(joints[i]))
        else:
            ratios.append(0.0)
    return round(float(np.mean(ratios)), 4) if ratios else 0.0


def build_crowdpose(images: Sequence[ImageRecord]) -> Dict[str, list]:
    """A CrowdPose annotation file as a dict: :func:`~.coco_format.build_coco`
    on the ``'crowdpose'`` skeleton, each image with its ``crowdIndex``."""
    data = build_coco(images, 'crowdpose')
    for entry, image in zip(data['images'], images):
        entry['crowdIndex'] = crowd_index(image)
    return data
