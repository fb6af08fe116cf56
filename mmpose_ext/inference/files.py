"""Output files that never exist half-written under their final name."""
import json
from typing import Any

import cv2
import numpy as np

from mmpose_ext.fileio import atomic_output


def write_json(path: str, obj: Any) -> str:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    with atomic_output(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(obj, f)
    return path


def write_image(path: str, image: np.ndarray) -> str:
    """Write a BGR image to ``path`` (format from its extension) atomically."""
    with atomic_output(path) as tmp:
        if not cv2.imwrite(tmp, image):
            raise OSError(f'could not write image {path!r}')
    return path
