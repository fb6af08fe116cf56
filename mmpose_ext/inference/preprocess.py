"""Numpy pre-processing of top-down pose estimation: person boxes to a batch
of fixed-size crops, the same arithmetic as MMPose's ``GetBBoxCenterScale``
and ``TopdownAffine`` (and rtmlib's ``bbox_xyxy2cs``/``top_down_affine``),
without torch or the MMPose pipeline."""
from typing import NamedTuple, Tuple

import cv2
import numpy as np


class CropBatch(NamedTuple):
    """Crops of all people in one image.

    Attributes:
        crops (np.ndarray): ``(N, h, w, 3)`` uint8, the image's channel order.
        centers (np.ndarray): ``(N, 2)`` box centres in image pixels.
        scales (np.ndarray): ``(N, 2)`` ``(w, h)`` image extent of each crop
            (padded, at the input aspect ratio).
    """

    crops: np.ndarray
    centers: np.ndarray
    scales: np.ndarray


def as_boxes(bboxes) -> np.ndarray:
    """``(N, 4)`` or ``(N, 5)`` float64 boxes from any array-like (an empty
    one gives ``(0, 4)``)."""
    boxes = np.asarray(bboxes, dtype=np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    boxes = boxes.reshape(-1, boxes.shape[-1])
    if boxes.shape[1] not in (4, 5):
        raise ValueError(f'expected boxes x1, y1, x2, y2[, score], got an '
                         f'array of shape {boxes.shape}')
    return boxes


def bbox_xyxy2cs(bboxes: np.ndarray,
                 padding: float = 1.25) -> Tuple[np.ndarray, np.ndarray]:
    """Centres and padded sizes of ``(N, 4)`` ``x1, y1, x2, y2`` boxes.

    Returns:
        tuple[np.ndarray, np.ndarray]: centres ``(N, 2)`` and scales
        ``(N, 2)`` as ``(w, h) * padding``.
    """
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    centers = (bboxes[:, :2] + bboxes[:, 2:]) * 0.5
    scales = (bboxes[:, 2:] - bboxes[:, :2]) * padding
    return centers, scales


def fix_aspect_ratio(scales: np.ndarray, aspect_ratio: float) -> np.ndarray:
    """Grow each ``(w, h)`` along one side to reach ``w / h = aspect_ratio``.
    """
    w, h = scales[:, :1], scales[:, 1:]
    return np.where(w > h * aspect_ratio, np.hstack([w, w / aspect_ratio]),
                    np.hstack([h * aspect_ratio, h]))


def _triangle(x: float, y: float, width: float) -> np.ndarray:
    """Three float32 points that fix an affine map without rotation:
    ``(x, y)``, the point half a ``width`` to its left, and ``(x, y)`` turned
    a quarter turn about that second point.

    The arithmetic (float64 sums stored as float32, float32 differences) is
    that of MMPose's ``get_warp_matrix``, so the map, and so the crops, are
    bit for bit the MMPose pipeline's.
    """
    f32 = np.float32
    x0, y0 = f32(x), f32(y)
    x1, y1 = f32(x + width * -0.5), f32(y + 0.)
    dx, dy = x0 - x1, y0 - y1
    return np.array([[x0, y0], [x1, y1], [x1 - dy, y1 + dx]],
                    dtype=np.float32)


def warp_matrix(center: np.ndarray, scale: np.ndarray,
                output_size: Tuple[int, int]) -> np.ndarray:
    """``2 x 3`` affine map of the box ``(center, scale)`` onto a crop of
    ``output_size = (w, h)``, without rotation."""
    out_w, out_h = output_size
    return cv2.getAffineTransform(
        _triangle(center[0], center[1], scale[0]),
        _triangle(out_w * 0.5, out_h * 0.5, out_w))


def top_down_affine(image: np.ndarray, bboxes: np.ndarray,
                    input_size: Tuple[int, int],
                    padding: float = 1.25) -> CropBatch:
    """Cut one crop of ``input_size = (w, h)`` per person box.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 image.
        bboxes (np.ndarray): ``(N, 4)`` or ``(N, 5)`` boxes ``x1, y1, x2,
            y2[, score]`` in image pixels.
        input_size (tuple[int, int]): model input ``(w, h)``.
        padding (float): box enlargement factor.

    Returns:
        CropBatch: the crops and the box each was cut from.
    """
    w, h = input_size
    bboxes = as_boxes(bboxes)
    centers, scales = bbox_xyxy2cs(bboxes[:, :4], padding)
    scales = fix_aspect_ratio(scales, aspect_ratio=w / h)
    crops = np.empty((len(bboxes), h, w, 3), dtype=np.uint8)
    for i, (center, scale) in enumerate(zip(centers, scales)):
        crops[i] = cv2.warpAffine(image, warp_matrix(center, scale, (w, h)),
                                  (int(w), int(h)), flags=cv2.INTER_LINEAR)
    return CropBatch(crops, centers, scales)


def crops_to_nchw(crops: np.ndarray) -> np.ndarray:
    """``(N, h, w, 3)`` uint8 crops as a contiguous ``(N, 3, h, w)`` float32
    network input (pixel values kept, channel order unchanged)."""
    return np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)


def normalize(inputs: np.ndarray, mean: Tuple[float, ...],
              std: Tuple[float, ...], bgr_to_rgb: bool) -> np.ndarray:
    """MMPose's ``PoseDataPreprocessor`` on an ``(N, 3, h, w)`` batch, for
    graphs that do not normalise their input themselves."""
    if bgr_to_rgb:
        inputs = inputs[:, ::-1]
    mean = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
    std = np.asarray(std, np.float32).reshape(1, 3, 1, 1)
    return np.ascontiguousarray((inputs - mean) / std, dtype=np.float32)
