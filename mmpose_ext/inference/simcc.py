"""Numpy decoding of SimCC outputs: the same results as MMPose's
``SimCCLabel.decode`` (without DARK) followed by the top-down estimator's
crop-to-image mapping, vectorised over all people of an image."""
from typing import Sequence, Tuple

import numpy as np


def simcc_maximum(simcc_x: np.ndarray,
                  simcc_y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Peak bin and confidence of each joint.

    Args:
        simcc_x (np.ndarray): ``(N, K, Wx)`` x-axis logits.
        simcc_y (np.ndarray): ``(N, K, Wy)`` y-axis logits.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(N, K, 2)`` float32 bin locations
        (``-1`` where the confidence is not positive) and ``(N, K)``
        confidences, the smaller of the two axes' maxima.
    """
    x_locs = simcc_x.argmax(axis=-1)
    y_locs = simcc_y.argmax(axis=-1)
    locs = np.stack((x_locs, y_locs), axis=-1).astype(np.float32)
    scores = np.minimum(simcc_x.max(axis=-1), simcc_y.max(axis=-1))
    locs[scores <= 0.] = -1
    return locs, scores


def flip_back_simcc(simcc_x: np.ndarray, simcc_y: np.ndarray,
                    flip_indices: Sequence[int]
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Outputs of horizontally flipped crops, mapped back to the unflipped
    crops: joints swap left and right and the x axis reverses."""
    return simcc_x[:, flip_indices, ::-1], simcc_y[:, flip_indices]


def crop_to_image(points: np.ndarray, centers: np.ndarray,
                  scales: np.ndarray,
                  input_size: Tuple[int, int]) -> np.ndarray:
    """Map ``(N, K, 2)`` crop pixels to image pixels, per person box."""
    size = np.asarray(input_size, dtype=np.float64)
    centers = np.asarray(centers)[:, None]
    scales = np.asarray(scales)[:, None]
    return points / size * scales + centers - 0.5 * scales


def decode_simcc(simcc_x: np.ndarray, simcc_y: np.ndarray,
                 simcc_split_ratio: float, centers: np.ndarray,
                 scales: np.ndarray,
                 input_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Image-pixel keypoints and scores of all people.

    Args:
        simcc_x (np.ndarray): ``(N, K, Wx)`` x-axis logits.
        simcc_y (np.ndarray): ``(N, K, Wy)`` y-axis logits.
        simcc_split_ratio (float): bins per crop pixel.
        centers (np.ndarray): ``(N, 2)`` centre of each crop in the image.
        scales (np.ndarray): ``(N, 2)`` image extent ``(w, h)`` of each crop.
        input_size (tuple[int, int]): crop size ``(w, h)``.

    Returns:
        tuple[np.ndarray, np.ndarray]: keypoints ``(N, K, 2)`` and scores
        ``(N, K)``.
    """
    locs, scores = simcc_maximum(simcc_x, simcc_y)
    keypoints = crop_to_image(locs / simcc_split_ratio, centers, scales,
                              input_size)
    return keypoints.astype(np.float32), scores
