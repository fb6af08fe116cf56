"""What the benchmark states about each person: joint positions and
visibility, the visible-body box, the head box and the PCKh head size.

Visibility follows COCO: ``2`` the joint is inside the image and drawn there
by its own person; ``1`` it is inside the image but covered (by an occluding
object, by a person in front, or, for face points, by the back of the
person's own head); ``0`` it is outside the image. A joint is "drawn there"
when the pixel it rounds to belongs to its person in the renderer's owner map.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np

from ..skeletons import joint_indices
from .body import Body

# mmpose's MpiiDataset and MPII's own evaluation scale the head-box diagonal
# by this factor (SC_BIAS) to get the PCKh normaliser.
HEAD_SIZE_FACTOR = 0.6
# The head box spans the head top, the upper neck and both ears.
HEAD_BOX_JOINTS = ('head_top', 'upper_neck', 'left_ear', 'right_ear')
# Coordinates are stored to this many decimals; the truth is computed from
# the stored values, so files and labels cannot disagree by rounding.
COORD_DECIMALS = 2

NOT_LABELLED, OCCLUDED, VISIBLE = 0, 1, 2


@dataclass
class PersonTruth:
    """Ground truth of one person, in union joint order.

    Attributes:
        keypoints: ``(21, 2)`` joint positions in pixels, also for joints
            outside the image.
        visibility: ``(21,)`` 0 / 1 / 2 as described in the module docstring.
        bbox: ``[x, y, w, h]`` around the person's visible pixels.
        area: number of the person's visible pixels.
        head_box: ``[x1, y1, x2, y2]`` around head top, upper neck and ears.
        body_box: ``[x1, y1, x2, y2]`` around the whole drawn body, also the
            parts outside the image.
    """
    keypoints: np.ndarray
    visibility: np.ndarray
    bbox: List[float]
    area: float
    head_box: List[float]
    body_box: List[float]

    @property
    def head_size(self) -> float:
        """PCKh normaliser: the head-box diagonal times
        :data:`HEAD_SIZE_FACTOR`, as mmpose computes it from MPII head
        boxes."""
        x1, y1, x2, y2 = self.head_box
        return float(np.hypot(x2 - x1, y2 - y1) * HEAD_SIZE_FACTOR)


@dataclass
class ImageRecord:
    """One written image and the people in it, back to front."""
    image_id: int
    file_name: str
    width: int
    height: int
    people: List[PersonTruth] = field(default_factory=list)


def joint_pixel(xy: np.ndarray) -> Tuple[int, int]:
    """``(column, row)`` of the pixel whose centre is nearest to ``xy``."""
    return int(np.floor(xy[0] + 0.5)), int(np.floor(xy[1] + 0.5))


def in_image(xy: np.ndarray, image_size: Tuple[int, int]) -> bool:
    """Whether ``xy`` lies between the first and last pixel centres."""
    width, height = image_size
    return bool(0.0 <= xy[0] <= width - 1 and 0.0 <= xy[1] <= height - 1)


def _box(mask: np.ndarray) -> Tuple[List[float], float]:
    rows, cols = np.nonzero(mask)
    x0, y0 = int(cols.min()), int(rows.min())
    return ([float(x0), float(y0), float(cols.max() - x0 + 1),
             float(rows.max() - y0 + 1)], float(len(rows)))


def label_person(body: Body, index: int, owner: np.ndarray,
                 silhouette: np.ndarray) -> PersonTruth:
    """The truth of person ``index`` of a rendered scene.

    Args:
        body: the person as drawn.
        index: its owner id in ``owner``.
        owner: the scene's owner map ``(H, W)``.
        silhouette: ``(H, W)`` pixels the person covers, visible or not.

    Returns:
        PersonTruth: the labels.
    """
    height, width = owner.shape
    keypoints = np.round(body.joints, COORD_DECIMALS)
    visibility = np.full(len(keypoints), NOT_LABELLED, dtype=np.int64)
    for j, xy in enumerate(keypoints):
        if not in_image(xy, (width, height)):
            continue
        col, row = joint_pixel(xy)
        drawn_here = owner[row, col] == index and not body.face_hidden[j]
        visibility[j] = VISIBLE if drawn_here else OCCLUDED

    visible = owner == index
    if visible.any():
        bbox, area = _box(visible)
    elif silhouette.any():   # hidden behind others: fall back to its outline
        bbox, area = _box(silhouette)
    else:
        bbox, area = [0.0, 0.0, 0.0, 0.0], 0.0

    head = keypoints[joint_indices('union', HEAD_BOX_JOINTS)]
    outline = np.concatenate([p.outline for p in body.parts])
    return PersonTruth(
        keypoints=keypoints, visibility=visibility, bbox=bbox, area=area,
        head_box=[float(v) for v in
                  np.concatenate([head.min(0), head.max(0)])],
        body_box=[float(v) for v in np.round(np.concatenate(
            [outline.min(0), outline.max(0)]), COORD_DECIMALS)])
