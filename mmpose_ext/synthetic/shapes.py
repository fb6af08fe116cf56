"""Outlines of the 2D primitives everything in a synthetic image is drawn from.

Every shape, from a forearm to an occluding box, is a closed polygon in pixel
coordinates (x right, y down, pixel centres on integers), so the renderer needs
a single anti-aliased polygon fill and the truth needs a single notion of
"inside".
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector becomes ``(0, -1)``,
    i.e. "up", so degenerate segments still have a direction)."""
    norm = float(np.hypot(vector[0], vector[1]))
    if norm < 1e-12:
        return np.array([0.0, -1.0])
    return np.asarray(vector, dtype=np.float64) / norm


def direction(angle_deg: float) -> np.ndarray:
    """Unit vector at ``angle_deg`` from straight down, turning towards +x.

    0 points down (+y), 90 points right (+x), 180 points up.
    """
    a = np.deg2rad(angle_deg)
    return np.array([np.sin(a), np.cos(a)])


def left_of(up: np.ndarray) -> np.ndarray:
    """The direction 90 degrees to the image-right of ``up`` when ``up`` points
    up, which is a camera-facing person's left."""
    return np.array([-up[1], up[0]])


def rotation_matrix(angle_deg: float) -> np.ndarray:
    """2x2 matrix turning points by ``angle_deg`` clockwise on screen."""
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s], [s, c]])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of ``points`` (N, 2), counter-clockwise (as y-up axes
    see it), starting at the vertex of least x (then y), without repeating
    the first point: ``cv2.convexHull``'s vertices, taken from ``points`` in
    float64 (OpenCV computes in float32)."""
    pts = np.unique(np.asarray(points, dtype=np.float64), axis=0)
    if len(pts) < 3:
        return pts
    hull = cv2.convexHull(pts.astype(np.float32), clockwise=False,
                          returnPoints=False)[:, 0]
    # np.unique sorted the points: the first is the hull's starting vertex.
    return pts[np.roll(hull, -int(np.flatnonzero(hull == 0)[0]))]


def circle_outline(centre: np.ndarray, radius: float,
                   num_points: int = 16) -> np.ndarray:
    """A regular polygon with ``num_points`` vertices on the circle."""
    t = np.linspace(0.0, 2 * np.pi, num_points, endpoint=False)
    return np.asarray(centre, dtype=np.float64) + radius * np.stack(
        [np.cos(t), np.sin(t)], axis=1)


def ellipse_outline(centre: np.ndarray, axis: np.ndarray, semi_major: float,
                    semi_minor: float, num_points: int = 32) -> np.ndarray:
    """Ellipse with semi-axis ``semi_major`` along the unit vector ``axis`` and
    ``semi_minor`` across it. ``num_points`` is a multiple of 4, so the four
    extreme points are vertices and lie exactly on the outline."""
    t = np.linspace(0.0, 2 * np.pi, num_points, endpoint=False)
    across = left_of(axis)
    return (np.asarray(centre, dtype=np.float64)
            + np.outer(semi_major * np.cos(t), axis)
            + np.outer(semi_minor * np.sin(t), across))


def capsule_outline(start: np.ndarray, end: np.ndarray, start_radius: float,
                    end_radius: float, num_points: int = 16) -> np.ndarray:
    """A limb: the convex hull of a circle at each end (radii may differ, so
    the limb tapers)."""
    return convex_hull(np.concatenate([
        circle_outline(start, start_radius, num_points),
        circle_outline(end, end_radius, num_points)]))


def box_outline(centre: np.ndarray, half_width: float, half_height: float,
                angle_deg: float) -> np.ndarray:
    """A rectangle turned by ``angle_deg`` about its centre."""
    corners = np.array([[-half_width, -half_height],
                        [half_width, -half_height],
                        [half_width, half_height],
                        [-half_width, half_height]])
    return np.asarray(centre) + corners @ rotation_matrix(angle_deg).T


def bounds(outlines: Sequence[np.ndarray]) -> np.ndarray:
    """``[x1, y1, x2, y2]`` around all vertices of ``outlines``."""
    pts = np.concatenate(list(outlines))
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)])


SHAPE_KINDS = ('ellipse', 'box', 'polygon', 'bar', 'capsule')


def random_shape(rng: np.random.Generator, centre: np.ndarray, size: float,
                 kinds: Sequence[str] = SHAPE_KINDS) -> np.ndarray:
    """Outline of a random object about ``size`` pixels across: an ellipse,
    a box, a convex polygon, a long bar or a limb-like capsule."""
    kind = kinds[int(rng.integers(len(kinds)))]
    angle = float(rng.uniform(0.0, 180.0))
    centre = np.asarray(centre, dtype=np.float64)
    half = size / 2
    if kind == 'ellipse':
        return ellipse_outline(centre, direction(angle), half,
                               half * rng.uniform(0.3, 1.0))
    if kind == 'box':
        return box_outline(centre, half, half * rng.uniform(0.3, 1.0), angle)
    if kind == 'polygon':
        corners = int(rng.integers(5, 10))
        t = np.sort(rng.uniform(0.0, 2 * np.pi, corners))
        r = half * rng.uniform(0.4, 1.0, corners)
        return convex_hull(
            centre + np.stack([r * np.cos(t), r * np.sin(t)], axis=1))
    if kind == 'bar':
        return box_outline(centre, size * rng.uniform(0.6, 1.2),
                           size * rng.uniform(0.05, 0.12), angle)
    if kind == 'capsule':
        axis = direction(angle) * half
        r = size * rng.uniform(0.08, 0.2)
        return capsule_outline(centre - axis, centre + axis, r,
                               r * rng.uniform(0.6, 1.0))
    raise ValueError(f'unknown shape kind {kind!r}: use one of {SHAPE_KINDS}')
