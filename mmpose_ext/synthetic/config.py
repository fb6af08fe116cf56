"""How hard the synthetic images are: the scene knobs of each style and the
difficulty presets that set them.

Two styles are rendered by default, after the two datasets the student
learns from: ``'coco'`` (many smaller people, urban-looking textures) and
``'mpii'`` (fewer, larger people in more varied poses, other textures and
a warmer colour cast), so that a model trained on one meets a real domain gap
on the other. A third, ``'crowdpose'`` (crowded scenes: more people, most of
them placed over others, a cooler colour cast), is rendered on request.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Dict, Tuple, Union

from .textures import BUNDLED_TEXTURES

# Every style the generator knows, in a fixed order (each style's index
# seeds its images, so new styles are appended).
STYLES: Tuple[str, ...] = ('coco', 'mpii', 'crowdpose')
# The styles a benchmark holds unless more are asked for.
DEFAULT_STYLES: Tuple[str, ...] = ('coco', 'mpii')
DIFFICULTY_LEVELS: Dict[str, float] = {
    'easy': 0.2, 'medium': 0.5, 'hard': 0.85}

COCO_BACKGROUNDS: Tuple[str, ...] = (
    'brick', 'gravel', 'rocket', 'coffee', 'chelsea', 'page', 'text', 'clock')
MPII_BACKGROUNDS: Tuple[str, ...] = (
    'grass', 'coins', 'moon', 'hubble_deep_field', 'immunohistochemistry',
    'retina', 'cell', 'brick')
CROWDPOSE_BACKGROUNDS: Tuple[str, ...] = (
    'gravel', 'page', 'clock', 'coins', 'moon', 'rocket', 'text', 'grass')
CLOTHING_TEXTURES: Tuple[str, ...] = ('brick', 'grass', 'gravel', 'text',
                                      'page', 'coins')


@dataclass(frozen=True)
class SceneConfig:
    """Knobs of one style's scenes.

    Args:
        people_per_image: inclusive range of the number of people.
        person_scale: range of body height as a fraction of image height.
        occluders_per_image: inclusive range of objects drawn over people.
        clutter_shapes: inclusive range of textured shapes and limb-like
            distractors in the background.
        truncation_prob: chance that a person is placed across the border.
        overlap_prob: chance that a person is placed over an earlier one.
        pose_range: 0 = everyone in the rest pose, 1 = full joint limits.
        max_rotation: largest in-plane body rotation, degrees.
        noise_sigma: standard deviation of the pixel noise (0..255 scale).
        backgrounds: background texture names (see
            :data:`~mmpose_ext.synthetic.textures.BUNDLED_TEXTURES`).
        clothing_textures: texture names clothing may be cut from.
        color_gain: BGR gain of the final image (the style's colour cast).
    """
    people_per_image: Tuple[int, int]
    person_scale: Tuple[float, float]
    occluders_per_image: Tuple[int, int]
    clutter_shapes: Tuple[int, int]
    truncation_prob: float
    overlap_prob: float
    pose_range: float
    max_rotation: float
    noise_sigma: float
    backgrounds: Tuple[str, ...]
    clothing_textures: Tuple[str, ...] = CLOTHING_TEXTURES
    color_gain: Tuple[float, float, float] = (1.0, 1.0, 1.0)

    def __post_init__(self) -> None:
        for name in ('people_per_image', 'occluders_per_image',
                     'clutter_shapes'):
            low, high = getattr(self, name)
            if not (_is_int(low) and _is_int(high) and 0 <= low <= high):
                raise ValueError(f'SceneConfig.{name} must be two integers '
                                 f'0 <= low <= high, got {(low, high)}')
        if self.people_per_image[0] < 1:
            raise ValueError('SceneConfig.people_per_image must start at 1 or '
                             f'more, got {self.people_per_image}')
        low, high = self.person_scale
        if not 0 < low <= high <= 2:
            raise ValueError('SceneConfig.person_scale must satisfy '
                             f'0 < low <= high <= 2, got {self.person_scale}')
        for name in ('truncation_prob', 'overlap_prob', 'pose_range'):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f'SceneConfig.{name} must be in [0, 1], '
                                 f'got {value}')
        if not 0 <= self.max_rotation <= 180:
            raise ValueError('SceneConfig.max_rotation must be in [0, 180] '
                             f'degrees, got {self.max_rotation}')
        if self.noise_sigma < 0:
            raise ValueError(f'SceneConfig.noise_sigma must be >= 0, '
                             f'got {self.noise_sigma}')
        for name in ('backgrounds', 'clothing_textures'):
            names = getattr(self, name)
            unknown = [n for n in names if n not in BUNDLED_TEXTURES]
            if not names or unknown:
                raise ValueError(
                    f'SceneConfig.{name} must name bundled textures from '
                    f'{list(BUNDLED_TEXTURES)}, got {list(names)}')

    def to_dict(self) -> dict:
        """Plain JSON types (lists for tuples), as stored in the manifest."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> 'SceneConfig':
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v
                      for k, v in values.items() if k in names})


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _round(value: float) -> int:
    return int(math.floor(value + 0.5))


def resolve_difficulty(difficulty: Union[str, float]) -> float:
    """A difficulty name (:data:`DIFFICULTY_LEVELS`) or number in [0, 1] as a
    number.

    Raises:
        ValueError: unknown name or number outside [0, 1].
    """
    if isinstance(difficulty, str):
        if difficulty not in DIFFICULTY_LEVELS:
            raise ValueError(
                f'unknown difficulty {difficulty!r}: use one of '
                f'{list(DIFFICULTY_LEVELS)} or a number in [0, 1]')
        return DIFFICULTY_LEVELS[difficulty]
    if (not isinstance(difficulty, numbers.Real)
            or isinstance(difficulty, bool)
            or not 0.0 <= float(difficulty) <= 1.0):
        raise ValueError(
            f'difficulty must be one of {list(DIFFICULTY_LEVELS)} or a '
            f'number in [0, 1], got {difficulty!r}')
    return float(difficulty)


def scene_config(style: str,
                 difficulty: Union[str, float] = 'medium') -> SceneConfig:
    """The scene knobs of ``style`` at ``difficulty``.

    Every knob grows with difficulty: more people, overlap, truncation,
    occluders and clutter, smaller people, wider poses and rotations, more
    noise. The ``'mpii'`` style keeps fewer, larger people in wider poses;
    the ``'crowdpose'`` style has more people than the ``'coco'`` style, and
    most of them are placed over an earlier one (CrowdPose's crowded scenes).

    Args:
        style: one of :data:`STYLES`.
        difficulty: name from :data:`DIFFICULTY_LEVELS` or number in [0, 1].

    Returns:
        SceneConfig: the knobs.
    """
    d = resolve_difficulty(difficulty)
    if style == 'coco':
        return SceneConfig(
            people_per_image=(1, 2 + _round(4 * d)),
            person_scale=(round(0.7 - 0.4 * d, 3), round(0.95 - 0.1 * d, 3)),
            occluders_per_image=(_round(2 * d), 1 + _round(4 * d)),
            clutter_shapes=(2 + _round(6 * d), 4 + _round(12 * d)),
            truncation_prob=round(0.1 + 0.4 * d, 3),
            overlap_prob=round(0.15 + 0.5 * d, 3),
            pose_range=round(0.35 + 0.65 * d, 3),
            max_rotation=round(5 + 40 * d, 1),
            noise_sigma=round(1 + 5 * d, 2),
            backgrounds=COCO_BACKGROUNDS)
    if style == 'mpii':
        # up to two people even at difficulty 0, as MPII has neighbours (40k
        # people in 25k images): a teacher that never saw one cannot find its
        # person in the other styles' crops
        return SceneConfig(
            people_per_image=(1, 2 + _round(2 * d)),
            person_scale=(round(0.75 - 0.25 * d, 3), 1.0),
            occluders_per_image=(_round(1.5 * d), 1 + _round(3 * d)),
            clutter_shapes=(1 + _round(4 * d), 3 + _round(8 * d)),
            truncation_prob=round(0.05 + 0.3 * d, 3),
            overlap_prob=round(0.1 + 0.4 * d, 3),
            pose_range=round(0.45 + 0.55 * d, 3),
            max_rotation=round(10 + 50 * d, 1),
            noise_sigma=round(2 + 4 * d, 2),
            backgrounds=MPII_BACKGROUNDS,
            color_gain=(0.88, 1.0, 1.1))
    if style == 'crowdpose':
        return SceneConfig(
            people_per_image=(2 + _round(2 * d), 4 + _round(6 * d)),
            person_scale=(round(0.65 - 0.3 * d, 3), round(0.9 - 0.1 * d, 3)),
            occluders_per_image=(0, 1 + _round(2 * d)),
            clutter_shapes=(1 + _round(4 * d), 3 + _round(8 * d)),
            truncation_prob=round(0.1 + 0.3 * d, 3),
            overlap_prob=round(0.7 + 0.25 * d, 3),
            pose_range=round(0.35 + 0.65 * d, 3),
            max_rotation=round(5 + 30 * d, 1),
            noise_sigma=round(1 + 5 * d, 2),
            backgrounds=CROWDPOSE_BACKGROUNDS,
            color_gain=(1.08, 1.0, 0.92))
    raise ValueError(f'unknown style {style!r}: use one of {list(STYLES)}')
