"""Objects drawn over people: random shapes placed on a person's joints, so
that they really hide some of them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from .body import Body
from .config import SceneConfig
from .shapes import random_shape
from .textures import Fill, random_pattern_fill, random_texture_fill

# Share of occluders aimed at a person; the rest land anywhere.
AIMED_SHARE = 0.85


@dataclass
class Occluder:
    """An object and its depth.

    Attributes:
        outline: polygon in pixels.
        fill: how it is coloured.
        depth: number of people (in back-to-front order) behind it.
    """
    outline: np.ndarray
    fill: Fill
    depth: int


def place_occluders(rng: np.random.Generator, config: SceneConfig,
                    bodies: Sequence[Body],
                    image_size: Tuple[int, int]) -> List[Occluder]:
    """Occluders for a scene whose people are ``bodies`` (back to front).

    An aimed occluder is centred near a random joint of a random person and
    stands in front of that person (and possibly behind people nearer the
    camera); the others are anywhere, at any depth.

    Returns:
        list[Occluder]: the occluders.
    """
    width, height = image_size
    low, high = config.occluders_per_image
    occluders = []
    for _ in range(int(rng.integers(low, high + 1))):
        if bodies and rng.random() < AIMED_SHARE:
            target = int(rng.integers(len(bodies)))
            body = bodies[target]
            joint = body.joints[int(rng.integers(len(body.joints)))]
            centre = joint + rng.normal(0.0, 0.08 * body.height, 2)
            size = rng.uniform(0.12, 0.4) * body.height
            depth = int(rng.integers(target + 1, len(bodies) + 1))
        else:
            centre = rng.uniform([0, 0], [width, height])
            size = rng.uniform(0.1, 0.35) * min(width, height)
            depth = int(rng.integers(0, len(bodies) + 1))
        outline = random_shape(rng, centre, size)
        if rng.random() < 0.5:
            fill: Fill = random_texture_fill(rng, config.backgrounds)
        else:
            fill = random_pattern_fill(rng, config.clothing_textures, size)
        occluders.append(Occluder(outline, fill, depth))
    return occluders
