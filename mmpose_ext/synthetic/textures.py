"""Fills: how a region is coloured, from flat colours to photographic textures.

The photographic textures are images that scikit-image ships inside its wheel
(``skimage/data/*.png|jpg``), so they load offline; :data:`BUNDLED_TEXTURES`
lists the ones the generator may use (none shows a person). Every fill is
anchored in image coordinates, so the parts of one garment share one pattern.
"""
from __future__ import annotations

import colorsys
import functools
from dataclasses import dataclass
from typing import Sequence, Tuple

import cv2
import numpy as np

Color = Tuple[float, float, float]   # BGR, 0..255

# skimage.data loaders whose image is bundled with scikit-image (no pooch,
# no network). 'astronaut' and 'camera' are bundled too but show people.
BUNDLED_TEXTURES: Tuple[str, ...] = (
    'brick', 'cell', 'chelsea', 'clock', 'coffee', 'coins', 'grass',
    'gravel', 'hubble_deep_field', 'immunohistochemistry', 'moon', 'page',
    'retina', 'rocket', 'text')


@functools.lru_cache(maxsize=None)
def load_texture(name: str) -> np.ndarray:
    """A bundled scikit-image picture as float32 BGR ``(H, W, 3)`` in 0..255.

    Raises:
        ValueError: ``name`` is not in :data:`BUNDLED_TEXTURES` or does not
            load offline from the installed scikit-image.
    """
    if name not in BUNDLED_TEXTURES:
        raise ValueError(f'unknown texture {name!r}: choose from '
                         f'{list(BUNDLED_TEXTURES)} (images bundled with '
                         'scikit-image, see mmpose_ext/synthetic/textures.py)')
    try:
        import skimage.data
        image = np.asarray(getattr(skimage.data, name)())
    except Exception as err:  # a missing file makes skimage try a download
        raise ValueError(
            f'texture {name!r} does not load offline from the installed '
            f'scikit-image ({type(err).__name__}: {err}); reinstall '
            'scikit-image from its wheel, which bundles it') from err
    scale = 255.0 if np.issubdtype(image.dtype, np.floating) else 1.0
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = image[..., :3].astype(np.float32) * scale
    image = np.ascontiguousarray(image[..., ::-1])   # RGB -> BGR
    image.setflags(write=False)
    return image


def check_textures(names: Sequence[str]) -> None:
    """Load every texture in ``names`` once, so a missing one fails before
    anything is written."""
    for name in names:
        load_texture(name)


def hsv_color(hue: float, saturation: float, value: float) -> Color:
    """BGR colour (0..255) from hue, saturation and value in 0..1."""
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return (255.0 * b, 255.0 * g, 255.0 * r)


def random_color(rng: np.random.Generator,
                 saturation: Tuple[float, float] = (0.2, 0.9),
                 value: Tuple[float, float] = (0.2, 0.95)) -> Color:
    """A random colour within the given saturation and value ranges."""
    return hsv_color(rng.random(), rng.uniform(*saturation),
                     rng.uniform(*value))


def _grid(x0: int, y0: int, width: int, height: int,
          angle: float) -> Tuple[np.ndarray, np.ndarray]:
    """Image coordinates of a window, turned by ``angle`` degrees."""
    ys, xs = np.mgrid[y0:y0 + height, x0:x0 + width].astype(np.float32)
    a = np.deg2rad(angle)
    return (xs * np.cos(a) + ys * np.sin(a), -xs * np.sin(a) + ys * np.cos(a))


@dataclass(frozen=True)
class SolidFill:
    """One flat colour."""
    color: Color

    def paint(self, x0: int, y0: int, width: int, height: int) -> np.ndarray:
        """Colours of the window at ``(x0, y0)``, float32 BGR ``(h, w, 3)``."""
        return np.broadcast_to(np.asarray(self.color, np.float32),
                               (height, width, 3))


@dataclass(frozen=True)
class StripeFill:
    """Soft-edged stripes of two colours, ``period`` pixels apart, turned by
    ``angle`` degrees; with ``checks`` the stripes cross into a check."""
    colors: Tuple[Color, Color]
    period: float
    angle: float
    checks: bool = False

    def paint(self, x0: int, y0: int, width: int, height: int) -> np.ndarray:
        u, v = _grid(x0, y0, width, height, self.angle)
        wave = np.sin(2 * np.pi * u / self.period)
        if self.checks:
            wave = wave * np.sin(2 * np.pi * v / self.period)
        mix = (0.5 + 0.5 * np.tanh(3.0 * wave))[..., None]
        first, second = (np.asarray(c, np.float32) for c in self.colors)
        return first * mix + second * (1.0 - mix)


@dataclass(frozen=True)
class TextureFill:
    """A bundled picture, zoomed, turned and shifted; with ``tint`` its
    brightness modulates that colour instead of showing its own colours.

    Args:
        name: texture name from :data:`BUNDLED_TEXTURES`.
        zoom: screen pixels per texture pixel.
        angle: turn in degrees.
        offset: texture position of the image origin, in texture pixels.
        tint: colour to modulate, or ``None`` for the texture's colours.
        gain: brightness factor.
    """
    name: str
    zoom: float
    angle: float
    offset: Tuple[float, float]
    tint: Color | None = None
    gain: float = 1.0

    def paint(self, x0: int, y0: int, width: int, height: int) -> np.ndarray:
        texture = load_texture(self.name)
        a = np.deg2rad(self.angle)
        turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        linear = turn / self.zoom
        shift = (linear @ np.array([x0, y0], np.float64)
                 + np.asarray(self.offset))
        matrix = np.hstack([linear, shift[:, None]]).astype(np.float64)
        patch = cv2.warpAffine(texture, matrix, (width, height),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT_101)
        if self.tint is not None:
            brightness = patch.mean(axis=2, keepdims=True) / 255.0
            tint = np.asarray(self.tint, np.float32)
            patch = tint * (0.45 + 0.9 * brightness)
        return np.clip(patch * self.gain, 0.0, 255.0)


Fill = SolidFill | StripeFill | TextureFill


def random_texture_fill(rng: np.random.Generator, names: Sequence[str],
                        tint_prob: float = 0.5,
                        zoom: Tuple[float, float] = (0.4, 1.6)) -> TextureFill:
    """A random view of one of ``names``, tinted with probability
    ``tint_prob``."""
    name = names[int(rng.integers(len(names)))]
    h, w = load_texture(name).shape[:2]
    tint = random_color(rng) if rng.random() < tint_prob else None
    return TextureFill(
        name=name, zoom=float(np.exp(rng.uniform(*np.log(zoom)))),
        angle=float(rng.uniform(-30, 30)),
        offset=(float(rng.uniform(0, w)), float(rng.uniform(0, h))),
        tint=tint, gain=float(rng.uniform(0.75, 1.2)))


def random_pattern_fill(rng: np.random.Generator, names: Sequence[str],
                        scale: float) -> Fill:
    """A flat colour, stripes, checks or a tinted texture; ``scale`` (pixels)
    sets the stripe period."""
    kind = rng.random()
    if kind < 0.45:
        return SolidFill(random_color(rng))
    if kind < 0.8:
        return StripeFill(colors=(random_color(rng), random_color(rng)),
                          period=max(3.0, scale * rng.uniform(0.08, 0.3)),
                          angle=float(rng.uniform(0, 180)),
                          checks=bool(rng.random() < 0.35))
    return random_texture_fill(rng, names, tint_prob=1.0, zoom=(0.3, 1.0))
