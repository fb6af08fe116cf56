"""Output files that never exist half-written under their final name."""
import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import Any, Iterator

import cv2
import numpy as np


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[str]:
    """Yield a temporary path beside ``path``; move it into place on success.

    The temporary file keeps ``path``'s extension, so writers that choose the
    format by extension (``cv2.imwrite``, ``cv2.VideoWriter``) work on it. On
    an exception the temporary file is removed and ``path`` is untouched.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = osp.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=osp.splitext(name)[1],
                               dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 is for secrets, not results
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


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
