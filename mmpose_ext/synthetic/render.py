"""Rasterising outlines into anti-aliased layers and compositing them.

A :class:`Layer` is one person or object: premultiplied colour and coverage
over the window it occupies. Layers are composited back to front; the owner
map records, per pixel, which layer covers it at least half, which is what the
truth calls "drawn there".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .textures import Fill

# Sub-pixel precision of cv2's polygon fill (coordinates * 2**SHIFT).
SHIFT = 4
# Coverage from which a pixel counts as drawn by a layer.
DRAWN = 0.5
BACKGROUND = -1
OCCLUDER = -2


@dataclass
class Layer:
    """A rendered person or object.

    Attributes:
        x0, y0: top-left pixel of the window in the image.
        color: premultiplied float32 BGR ``(h, w, 3)``.
        alpha: coverage ``(h, w)`` in 0..1.
        owner: person index (>= 0), or :data:`OCCLUDER`.
    """
    x0: int
    y0: int
    color: np.ndarray
    alpha: np.ndarray
    owner: int

    def drawn(self, image_size: Tuple[int, int]) -> np.ndarray:
        """Image-sized mask of the pixels this layer covers at least half."""
        width, height = image_size
        mask = np.zeros((height, width), dtype=bool)
        h, w = self.alpha.shape
        mask[self.y0:self.y0 + h, self.x0:self.x0 + w] = self.alpha >= DRAWN
        return mask


def _window(outline: np.ndarray, image_size: Tuple[int, int],
            margin: int = 2) -> Optional[Tuple[int, int, int, int]]:
    """Pixel window ``(x0, y0, x1, y1)`` covering ``outline``, clipped to the
    image; ``None`` when it misses the image."""
    width, height = image_size
    x0 = max(int(np.floor(outline[:, 0].min())) - margin, 0)
    y0 = max(int(np.floor(outline[:, 1].min())) - margin, 0)
    x1 = min(int(np.ceil(outline[:, 0].max())) + margin + 1, width)
    y1 = min(int(np.ceil(outline[:, 1].max())) + margin + 1, height)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def coverage(outline: np.ndarray,
             window: Tuple[int, int, int, int]) -> np.ndarray:
    """Anti-aliased coverage (0..1, float32) of the polygon ``outline``
    (pixel coordinates) over ``window``."""
    x0, y0, x1, y1 = window
    canvas = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    points = np.round((outline - [x0, y0]) * (1 << SHIFT)).astype(np.int32)
    cv2.fillPoly(canvas, [points], 255, lineType=cv2.LINE_AA, shift=SHIFT)
    return canvas.astype(np.float32) / 255.0


def render_layer(parts: Sequence[Tuple[np.ndarray, Fill]],
                 image_size: Tuple[int, int], owner: int) -> Optional[Layer]:
    """Paint ``parts`` (outline, fill), back to front, into one layer.

    Returns:
        Layer | None: the layer, or ``None`` when nothing lands in the image.
    """
    windows = [w for w in (_window(o, image_size) for o, _ in parts) if w]
    if not windows:
        return None
    x0 = min(w[0] for w in windows)
    y0 = min(w[1] for w in windows)
    x1 = max(w[2] for w in windows)
    y1 = max(w[3] for w in windows)
    color = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
    alpha = np.zeros((y1 - y0, x1 - x0), np.float32)
    for outline, fill in parts:
        window = _window(outline, image_size)
        if window is None:
            continue
        px0, py0, px1, py1 = window
        m = coverage(outline, window)
        paint = fill.paint(px0, py0, px1 - px0, py1 - py0)
        rows = slice(py0 - y0, py1 - y0)
        cols = slice(px0 - x0, px1 - x0)
        keep = 1.0 - m
        color[rows, cols] = (color[rows, cols] * keep[..., None]
                             + paint * m[..., None])
        alpha[rows, cols] = alpha[rows, cols] * keep + m
    return Layer(x0, y0, color, alpha, owner)


def composite(background: np.ndarray,
              layers: Sequence[Layer]) -> Tuple[np.ndarray, np.ndarray]:
    """Lay ``layers`` over ``background`` (float32 BGR), back to front.

    Returns:
        tuple: the image (float32 BGR) and the owner map (int16 ``(H, W)``):
        per pixel the owner of the front-most layer drawn there, else
        :data:`BACKGROUND`.
    """
    image = background.astype(np.float32, copy=True)
    owner = np.full(image.shape[:2], BACKGROUND, dtype=np.int16)
    for layer in layers:
        h, w = layer.alpha.shape
        rows = slice(layer.y0, layer.y0 + h)
        cols = slice(layer.x0, layer.x0 + w)
        image[rows, cols] = (image[rows, cols] * (1.0 - layer.alpha[..., None])
                             + layer.color)
        owner[rows, cols][layer.alpha >= DRAWN] = layer.owner
    return image, owner


def finish(image: np.ndarray, rng: np.random.Generator, noise_sigma: float,
           color_gain: Sequence[float]) -> np.ndarray:
    """Camera look: a global colour gain, a random brightness/contrast change,
    a slight blur now and then, sensor noise; returns uint8 BGR."""
    image = image * np.asarray(color_gain, np.float32)
    contrast = rng.uniform(0.8, 1.15)
    brightness = rng.uniform(-20, 20)
    image = (image - 128.0) * contrast + 128.0 + brightness
    if rng.random() < 0.3:
        sigma = float(rng.uniform(0.4, 0.9))
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)
    if noise_sigma > 0:
        noise = rng.normal(0.0, noise_sigma, image.shape)
        image = image + noise.astype(np.float32)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)
