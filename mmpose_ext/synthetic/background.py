"""Cluttered backgrounds: a texture crop under uneven light, scattered with
textured shapes and limb-like distractors."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .appearance import SKIN_TONES
from .config import SceneConfig
from .render import BACKGROUND, composite, render_layer
from .shapes import random_shape
from .textures import (SolidFill, random_pattern_fill, random_texture_fill)


def render_background(rng: np.random.Generator, config: SceneConfig,
                      image_size: Tuple[int, int]) -> np.ndarray:
    """A background image, float32 BGR ``(H, W, 3)``.

    Args:
        rng: the random generator.
        config: the style's knobs (``backgrounds``, ``clutter_shapes``).
        image_size: ``(width, height)``.

    Returns:
        np.ndarray: the background.
    """
    width, height = image_size
    base = random_texture_fill(rng, config.backgrounds, tint_prob=0.35,
                               zoom=(0.5, 2.0)).paint(0, 0, width, height)
    # Light falling off across the image in a random direction.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (xs * np.cos(angle) + ys * np.sin(angle)) / max(width, height)
    light = rng.uniform(0.75, 1.0) + rng.uniform(0.0, 0.35) * (
        ramp - ramp.min())
    base = base * light[..., None]

    low, high = config.clutter_shapes
    shapes = []
    for _ in range(int(rng.integers(low, high + 1))):
        centre = rng.uniform([0, 0], [width, height])
        size = rng.uniform(0.05, 0.4) * min(width, height)
        kind = rng.random()
        if kind < 0.25:   # limb-like distractor in a skin tone
            outline = random_shape(rng, centre, size, kinds=('capsule',))
            fill = SolidFill(SKIN_TONES[int(rng.integers(len(SKIN_TONES)))])
        elif kind < 0.6:
            outline = random_shape(rng, centre, size)
            fill = random_texture_fill(rng, config.backgrounds, tint_prob=0.5)
        else:
            outline = random_shape(rng, centre, size)
            fill = random_pattern_fill(rng, config.clothing_textures, size)
        shapes.append(render_layer([(outline, fill)], image_size, BACKGROUND))
    image, _ = composite(base, [s for s in shapes if s is not None])
    return image
