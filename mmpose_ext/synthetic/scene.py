"""One synthetic image: people posed, dressed and placed over a cluttered
background, occluders among them, and the truth of every person."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .appearance import Appearance, sample_appearance
from .background import render_background
from .body import Body, pose_body, sample_angles, sample_proportions
from .config import SceneConfig
from .occluders import place_occluders
from .render import OCCLUDER, composite, finish, render_layer
from .shapes import bounds
from .truth import PersonTruth, in_image, label_person

# A person must keep at least this many of its 21 joints inside the image;
# placements that cut off more are drawn again.
MIN_JOINTS_IN_IMAGE = 8
PLACEMENT_TRIES = 8


@dataclass
class Scene:
    """A rendered image and its truth.

    Attributes:
        image: uint8 BGR ``(H, W, 3)``.
        people: truth per person, back to front.
        bodies: the drawn people, in the same order.
        owner: ``(H, W)`` int16, per pixel the index of the person drawn
            there, :data:`~.render.OCCLUDER` or :data:`~.render.BACKGROUND`.
        silhouettes: per person, ``(H, W)`` bool of the pixels it covers
            whether or not something is in front.
    """
    image: np.ndarray
    people: List[PersonTruth]
    bodies: List[Body]
    owner: np.ndarray
    silhouettes: List[np.ndarray]


def render_scene(rng: np.random.Generator, config: SceneConfig,
                 image_size: Tuple[int, int]) -> Scene:
    """Render one image with the knobs of ``config``.

    Args:
        rng: the random generator; the scene is a pure function of its state.
        config: the style's knobs.
        image_size: ``(width, height)`` in pixels.

    Returns:
        Scene: the image and its truth.
    """
    width, height = image_size
    background = render_background(rng, config, image_size)

    low, high = config.people_per_image
    people = [_sample_person(rng, config, height)
              for _ in range(int(rng.integers(low, high + 1)))]
    # Taller people are nearer the camera, so usually in front.
    nearness = [body.height * rng.uniform(0.8, 1.25) for body, _ in people]
    people = [people[i] for i in np.argsort(nearness, kind='stable')]
    bodies: List[Body] = []
    for body, _ in people:
        bodies.append(_place(rng, body, bodies, config, image_size))
    looks = [look for _, look in people]

    occluders = place_occluders(rng, config, bodies, image_size)
    layers, person_layers = [], []
    for depth in range(len(bodies) + 1):
        layers += [render_layer([(o.outline, o.fill)], image_size, OCCLUDER)
                   for o in occluders if o.depth == depth]
        if depth < len(bodies):
            look, body = looks[depth], bodies[depth]
            layer = render_layer(
                [(p.outline, look.fill(p.region)) for p in body.parts],
                image_size, owner=depth)
            layers.append(layer)
            person_layers.append(layer)
    image, owner = composite(background, [x for x in layers if x is not None])
    image = finish(image, rng, config.noise_sigma, config.color_gain)

    silhouettes = [np.zeros((height, width), bool) if layer is None
                   else layer.drawn(image_size) for layer in person_layers]
    truth = [label_person(body, k, owner, silhouettes[k])
             for k, body in enumerate(bodies)]
    return Scene(image, truth, bodies, owner, silhouettes)


def _sample_person(rng: np.random.Generator, config: SceneConfig,
                   image_height: int) -> Tuple[Body, Appearance]:
    """A posed, dressed person with its pelvis at the origin."""
    height = rng.uniform(*config.person_scale) * image_height
    spread = config.max_rotation / 2
    rotation = float(np.clip(rng.normal(0.0, spread), -config.max_rotation,
                             config.max_rotation)) if spread > 0 else 0.0
    body = pose_body(sample_proportions(rng),
                     sample_angles(rng, config.pose_range), height, rotation)
    return body, sample_appearance(rng, config.clothing_textures, height)


def _place(rng: np.random.Generator, body: Body, placed: List[Body],
           config: SceneConfig, image_size: Tuple[int, int]) -> Body:
    """Move ``body`` into the image: over an earlier person
    (``overlap_prob``), across a border (``truncation_prob``) or wholly
    inside, keeping at least :data:`MIN_JOINTS_IN_IMAGE` joints in view."""
    width, height = image_size
    x1, y1, x2, y2 = bounds([p.outline for p in body.parts])
    size = np.array([x2 - x1, y2 - y1])
    box_centre = np.array([(x1 + x2) / 2, (y1 + y2) / 2])
    for _ in range(PLACEMENT_TRIES):
        if placed and rng.random() < config.overlap_prob:
            other = placed[int(rng.integers(len(placed)))]
            ox1, oy1, ox2, oy2 = bounds([p.outline for p in other.parts])
            shift = rng.uniform([-0.6, -0.25], [0.6, 0.25])
            centre = np.array([(ox1 + ox2) / 2, (oy1 + oy2) / 2]) + (
                shift * [ox2 - ox1, oy2 - oy1])
        elif rng.random() < config.truncation_prob:
            centre = _across_border(rng, size, image_size)
        else:
            centre = np.array([_inside(rng, size[0], width),
                               _inside(rng, size[1], height)])
        candidate = body.translated(centre - box_centre)
        if sum(in_image(xy, image_size) for xy in candidate.joints) \
                >= MIN_JOINTS_IN_IMAGE:
            return candidate
    return body.translated(np.array([width / 2, height / 2]) - box_centre)


def _inside(rng: np.random.Generator, extent: float, limit: int) -> float:
    """A centre coordinate keeping ``extent`` within ``[0, limit]`` if it
    fits, else centring it with a random slide."""
    if extent < limit:
        return float(rng.uniform(extent / 2, limit - extent / 2))
    slack = (extent - limit) / 2
    return float(limit / 2 + rng.uniform(-slack, slack))


def _across_border(rng: np.random.Generator, size: np.ndarray,
                   image_size: Tuple[int, int]) -> np.ndarray:
    """A centre that leaves 15-45% of the body box outside one border."""
    width, height = image_size
    outside = rng.uniform(0.15, 0.45)
    border = int(rng.integers(4))   # left, right, top, bottom
    centre = np.array([_inside(rng, size[0], width),
                       _inside(rng, size[1], height)])
    axis, limit = (0, width) if border < 2 else (1, height)
    edge = size[axis] / 2 - outside * size[axis]
    centre[axis] = edge if border % 2 == 0 else limit - edge
    return centre
