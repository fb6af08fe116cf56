"""Numbers in a person annotation that would poison or silently skew training.

A NaN or infinite box, centre, scale or keypoint runs through the crop and
the codec into every loss: the first batch holding it makes all losses and
then all weights NaN. A labelled joint (visibility > 0) at a negative
coordinate is an annotation error the pipeline does not notice. One
:class:`InstanceFindings` is filled per annotation file, by
:class:`UnionPoseDataset` from the instances it loads (and raises or warns)
and by ``tools/check_data.py`` from every annotation of the raw file (and
lists them), so both word the same findings alike.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

# How many instances a message names before it only counts them.
MAX_NAMED = 3


def _floats(value) -> Optional[np.ndarray]:
    try:
        return np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None


def unusable_fields(fields: Sequence[Tuple[str, object]],
                    positive: Sequence[str] = ()) -> List[str]:
    """What is wrong with the numbers of one instance.

    Args:
        fields: ``(key, value)`` pairs as the annotation file names them,
            e.g. ``[('bbox', [x, y, w, h]), ('keypoints', [...])]``;
            ``None`` values are skipped.
        positive: keys whose values must also be above 0 (MPII's
            ``scale``: a zero scale divides by zero in the crop).

    Returns:
        list[str]: e.g. ``['`bbox` is not finite ([nan, 2.0, 30.0, 40.0])']``.
    """
    problems = []
    for key, value in fields:
        if value is None:
            continue
        numbers = _floats(value)
        if numbers is None:
            problems.append(f'`{key}` is not a list of numbers ({value!r})')
        elif not np.isfinite(numbers).all():
            problems.append(f'`{key}` is not finite ({_short(numbers)})')
        elif key in positive and (numbers <= 0).any():
            problems.append(f'`{key}` is not positive ({_short(numbers)})')
    return problems


def negative_labelled_joints(keypoints, visible) -> List[int]:
    """Indices of the joints labelled (``visible > 0``) at a negative x or y.

    Args:
        keypoints: ``(K, 2)`` coordinates (or anything reshaping to it).
        visible: ``(K, )`` visibilities.
    """
    xy, vis = _floats(keypoints), _floats(visible)
    if xy is None or vis is None or xy.size != 2 * vis.size:
        return []
    xy = xy.reshape(-1, 2)
    with np.errstate(invalid='ignore'):
        return np.flatnonzero((vis > 0) & (xy < 0).any(axis=1)).tolist()


def _short(numbers: np.ndarray, limit: int = 6) -> str:
    shown = ', '.join(f'{v:g}' for v in numbers[:limit])
    return f'[{shown}{", ..." if numbers.size > limit else ""}]'


class InstanceFindings:
    """Unusable numbers and negative labelled joints of one annotation file.

    Args:
        ann_file (str): the file the instances come from, named in every
            message.
        unit (str): what an instance is called in it, e.g.
            ``'annotation id'`` (COCO) or ``'entry'`` (MPII, by index).
    """

    def __init__(self, ann_file: str, unit: str):
        self.ann_file = ann_file
        self.unit = unit
        self.total = 0
        self.unusable: List[Tuple[str, List[str]]] = []
        self.negative: List[Tuple[str, List[int]]] = []

    def add(self, instance: str, fields: Sequence[Tuple[str, object]],
            keypoints=None, visible=None,
            positive: Sequence[str] = ()) -> None:
        """Check one instance.

        Args:
            instance (str): how a reader finds it, e.g. ``'5 (image
                000000000139.jpg)'``; prefixed with ``unit``.
            fields, positive: see :func:`unusable_fields`.
            keypoints, visible: checked by :func:`negative_labelled_joints`
                if both are given and finite.
        """
        self.total += 1
        problems = unusable_fields(fields, positive)
        if problems:
            self.unusable.append((instance, problems))
        elif keypoints is not None and visible is not None:
            joints = negative_labelled_joints(keypoints, visible)
            if joints:
                self.negative.append((instance, joints))

    def unusable_message(self) -> Optional[str]:
        """One line on the instances with NaN/infinite/invalid numbers."""
        if not self.unusable:
            return None
        named = '; '.join(f'{self.unit} {instance}: {", ".join(problems)}'
                          for instance, problems in
                          self.unusable[:MAX_NAMED])
        more = '; ...' if len(self.unusable) > MAX_NAMED else ''
        return (f'{self.ann_file}: {len(self.unusable)} of {self.total} '
                f'instances hold NaN, infinite or invalid numbers: '
                f'{named}{more}; fix or remove them (one NaN box or keypoint '
                f'makes every loss NaN)')

    def negative_message(self) -> Optional[str]:
        """One line on the instances with labelled joints at negative
        coordinates."""
        if not self.negative:
            return None
        named = '; '.join(
            f'{self.unit} {instance}: joint(s) {", ".join(map(str, joints))}'
            for instance, joints in self.negative[:MAX_NAMED])
        more = '; ...' if len(self.negative) > MAX_NAMED else ''
        return (f'{self.ann_file}: {len(self.negative)} of {self.total} '
                f'instances have labelled joints (visibility > 0) at '
                f'negative coordinates, outside the image: {named}{more}')
