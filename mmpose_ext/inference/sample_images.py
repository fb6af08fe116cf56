"""Images for checks, tests and the benchmark, made on the spot: the
``astronaut`` photograph that ships with scikit-image, and a row of stick
figures drawn with OpenCV together with their person boxes."""
from typing import Tuple

import cv2
import numpy as np


def astronaut() -> np.ndarray:
    """scikit-image's ``astronaut`` photograph (512 x 512) as BGR."""
    from skimage import data
    return np.ascontiguousarray(data.astronaut()[..., ::-1])


def _stick_figure(canvas: np.ndarray, x: float, top: float, height: float,
                  color: Tuple[int, int, int], thickness: int) -> np.ndarray:
    """Draw one standing figure; returns its box ``x1, y1, x2, y2``."""
    u = height / 8.
    head = (int(x), int(top + u * 0.6))
    neck, hip = (x, top + 1.3 * u), (x, top + 4.2 * u)
    joints = dict(
        l_shoulder=(x - 1.1 * u, top + 1.6 * u),
        r_shoulder=(x + 1.1 * u, top + 1.6 * u),
        l_hand=(x - 1.8 * u, top + 4.0 * u),
        r_hand=(x + 1.9 * u, top + 3.2 * u),
        l_foot=(x - 1.2 * u, top + 8 * u), r_foot=(x + 1.2 * u, top + 8 * u),
        l_knee=(x - 0.8 * u, top + 6.1 * u),
        r_knee=(x + 0.7 * u, top + 6.1 * u))
    segments = [(neck, hip), (joints['l_shoulder'], joints['r_shoulder']),
                (joints['l_shoulder'], joints['l_hand']),
                (joints['r_shoulder'], joints['r_hand']),
                (hip, joints['l_knee']), (joints['l_knee'], joints['l_foot']),
                (hip, joints['r_knee']), (joints['r_knee'], joints['r_foot'])]
    for a, b in segments:
        cv2.line(canvas, tuple(int(v) for v in a), tuple(int(v) for v in b),
                 color, thickness, cv2.LINE_AA)
    cv2.circle(canvas, head, int(0.6 * u), color, -1, cv2.LINE_AA)
    return np.array([x - 2.2 * u, top, x + 2.3 * u, top + 8.2 * u])


def stick_figures(num_people: int = 6,
                  size: Tuple[int, int] = (960, 540),
                  seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """A BGR image of ``num_people`` stick figures side by side in up to two
    rows, and their ``(N, 4)`` boxes ``x1, y1, x2, y2``."""
    rng = np.random.default_rng(seed)
    w, h = size
    image = np.full((h, w, 3), 235, np.uint8)
    image[:] += rng.integers(0, 15, (h, w, 3), dtype=np.uint8)
    rows = 1 if num_people <= 4 else 2
    per_row = int(np.ceil(num_people / rows))
    boxes = []
    for i in range(num_people):
        row, col = divmod(i, per_row)
        cell_w, cell_h = w / per_row, h / rows
        height = cell_h * rng.uniform(0.7, 0.85)
        x = cell_w * (col + 0.5) + rng.uniform(-0.1, 0.1) * cell_w
        top = cell_h * row + (cell_h - height) * rng.uniform(0.2, 0.8)
        color = tuple(int(v) for v in rng.integers(0, 160, 3))
        boxes.append(_stick_figure(image, x, top, height, color,
                                   max(2, int(height / 40))))
    boxes = np.array(boxes)
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w - 1)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h - 1)
    return image, boxes
