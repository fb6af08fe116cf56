"""Draw poses on a BGR image with the links and colours of
:mod:`mmpose_ext.skeletons`."""
from typing import List, Tuple

import cv2
import numpy as np

from mmpose_ext import skeletons

from .result import PoseResult

BBOX_COLOR = (0, 255, 0)


def _bgr(rgb: List[int]) -> Tuple[int, int, int]:
    return int(rgb[2]), int(rgb[1]), int(rgb[0])


def joint_colors(skeleton: str) -> List[Tuple[int, int, int]]:
    """BGR colour of each joint: by side (``left_``/``right_``/centre)."""
    colors = []
    for name in skeletons.keypoint_names(skeleton):
        side = name.split('_')[0] if name.startswith(('left_', 'right_')) \
            else 'center'
        colors.append(_bgr(skeletons.SIDE_COLORS[side]))
    return colors


def link_colors(skeleton: str) -> List[Tuple[int, int, Tuple[int, int, int]]]:
    """``(joint_a, joint_b, BGR colour)`` of each union link ``skeleton``
    has both ends of, in the order of :func:`skeletons.links`."""
    order = skeletons.keypoint_names(skeleton)
    return [(order.index(a), order.index(b), _bgr(skeletons.SIDE_COLORS[side]))
            for a, b, side in skeletons.UNION_LINKS
            if a in order and b in order]


def draw_poses(image: np.ndarray,
               result: PoseResult,
               kpt_thr: float = 0.3,
               radius: int = 4,
               thickness: int = 2,
               draw_bbox: bool = True) -> np.ndarray:
    """A copy of ``image`` with each person's box, links and joints.

    Args:
        image (np.ndarray): BGR image.
        result (PoseResult): poses with a known ``skeleton``.
        kpt_thr (float): joints scoring below are not drawn (nor their
            links).
        radius (int): joint circle radius in pixels.
        thickness (int): link and box line width in pixels.
        draw_bbox (bool): draw the person boxes.

    Returns:
        np.ndarray: the drawing.
    """
    canvas = image.copy()
    if result.skeleton is None:
        raise ValueError('draw_poses needs a result with a known skeleton')
    links = link_colors(result.skeleton)
    colors = joint_colors(result.skeleton)
    for kpts, scores, box in zip(result.keypoints, result.scores,
                                 result.bboxes):
        if draw_bbox:
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(canvas, (x1, y1), (x2, y2), BBOX_COLOR,
                          max(1, thickness // 2))
        visible = scores >= kpt_thr
        points = [(int(round(x)), int(round(y))) for x, y in kpts]
        for a, b, color in links:
            if visible[a] and visible[b]:
                cv2.line(canvas, points[a], points[b], color, thickness,
                         cv2.LINE_AA)
        for point, color, shown in zip(points, colors, visible):
            if shown:
                cv2.circle(canvas, point, radius, color, -1, cv2.LINE_AA)
    return canvas
