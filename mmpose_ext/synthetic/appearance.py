"""What a person looks like: skin, hair and clothing fills per body region."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

import numpy as np

from .textures import (Color, Fill, SolidFill, random_color,
                       random_pattern_fill)

# Skin tones from dark to light (BGR); a person's tone lies between two
# neighbours.
SKIN_TONES: Tuple[Color, ...] = (
    (40, 60, 95), (60, 90, 140), (80, 125, 180), (105, 155, 210),
    (140, 185, 235), (175, 205, 245))
HAIR_COLORS: Tuple[Color, ...] = (
    (20, 20, 25), (30, 45, 70), (40, 75, 120), (90, 160, 205),
    (170, 170, 175), (40, 60, 150))
EYE_COLOR: Color = (30, 25, 25)

REGIONS: Tuple[str, ...] = (
    'head', 'hair', 'ear', 'eye', 'nose', 'neck', 'torso', 'upper_arm',
    'forearm', 'hand', 'thigh', 'shin', 'foot')


def _shade(color: Color, factor: float) -> Color:
    b, g, r = (float(min(255.0, c * factor)) for c in color)
    return b, g, r


def _mix(first: Color, second: Color, weight: float) -> Color:
    b, g, r = ((1 - weight) * x + weight * y for x, y in zip(first, second))
    return b, g, r


@dataclass(frozen=True)
class Appearance:
    """The fill of every body region (see :data:`REGIONS`)."""
    fills: Dict[str, Fill]

    def fill(self, region: str) -> Fill:
        return self.fills[region]


def sample_appearance(rng: np.random.Generator,
                      clothing_textures: Sequence[str],
                      height: float) -> Appearance:
    """A random person's look: skin tone, hair colour, a top and a bottom
    (flat, striped, checked or textured), sleeve and leg lengths, shoes.

    Args:
        rng: the random generator.
        clothing_textures: texture names clothing may be cut from.
        height: body height in pixels, which sets the pattern scale.

    Returns:
        Appearance: the fill of every region.
    """
    k = int(rng.integers(len(SKIN_TONES) - 1))
    skin = _mix(SKIN_TONES[k], SKIN_TONES[k + 1], rng.random())
    hair = _shade(HAIR_COLORS[int(rng.integers(len(HAIR_COLORS)))],
                  rng.uniform(0.8, 1.2))
    top = random_pattern_fill(rng, clothing_textures, height)
    bottom = random_pattern_fill(rng, clothing_textures, height)
    shoes = SolidFill(
        random_color(rng, saturation=(0.0, 0.5), value=(0.05, 0.6)))
    sleeves = ('none', 'short', 'long')[
        int(rng.choice(3, p=[0.15, 0.45, 0.4]))]
    long_legs = rng.random() < 0.7
    skin_fill = SolidFill(skin)
    return Appearance(fills={
        'head': skin_fill, 'neck': skin_fill, 'hand': skin_fill,
        'ear': SolidFill(_shade(skin, 0.9)),
        'nose': SolidFill(_shade(skin, 0.8)),
        'eye': SolidFill(EYE_COLOR), 'hair': SolidFill(hair),
        'torso': top,
        'upper_arm': skin_fill if sleeves == 'none' else top,
        'forearm': top if sleeves == 'long' else skin_fill,
        'thigh': bottom, 'shin': bottom if long_legs else skin_fill,
        'foot': shoes,
    })
