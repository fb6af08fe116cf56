"""Where the demo's images and person boxes come from: an image, a folder of
images or a video, and boxes from a JSON file (or the whole image)."""
import json
import os
import os.path as osp
import warnings
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

from .errors import BoxesFileError, UnsupportedInputError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.m4v', '.webm')
# Boxes of a JSON list apply to every image.
ANY_IMAGE = '*'


def input_kind(path: str) -> str:
    """``'image'``, ``'video'`` or ``'folder'``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        UnsupportedInputError: a file of another type.
    """
    if osp.isdir(path):
        return 'folder'
    if not osp.exists(path):
        raise FileNotFoundError(f'input {path!r} does not exist')
    ext = osp.splitext(path)[1].lower()
    if ext in IMAGE_EXTENSIONS:
        return 'image'
    if ext in VIDEO_EXTENSIONS:
        return 'video'
    raise UnsupportedInputError(
        f'unsupported input file type {ext or "(no extension)"!r} for '
        f'{path!r}: expected an image ({", ".join(IMAGE_EXTENSIONS)}), a '
        f'video ({", ".join(VIDEO_EXTENSIONS)}) or a folder of images')


def name_list(names: List[str], limit: int = 3) -> str:
    """``a, b, c`` or, past ``limit`` names, ``a, b, c and 4 more``."""
    shown = ', '.join(names[:limit])
    return shown + (f' and {len(names) - limit} more'
                    if len(names) > limit else '')


def subfolders(folder: str) -> List[str]:
    """Folders directly in ``folder``, sorted: :func:`folder_images` does
    not look into them."""
    return [osp.join(folder, name) for name in sorted(os.listdir(folder))
            if osp.isdir(osp.join(folder, name))]


def folder_images(folder: str) -> List[str]:
    """Image files in ``folder`` (not recursive), sorted; other files are
    skipped with a warning.

    Raises:
        UnsupportedInputError: the folder holds no image (the message names
            its subfolders, if any, which are not searched).
    """
    images = []
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.isdir(path):
            continue
        if osp.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
            images.append(path)
        else:
            warnings.warn(f'skipping {path!r}: not an image file')
    if not images:
        folders = [osp.basename(p) for p in subfolders(folder)]
        raise UnsupportedInputError(
            f'folder {folder!r} holds no image files '
            f'({", ".join(IMAGE_EXTENSIONS)})' +
            (f'; its subfolders ({name_list(folders)}) are not searched: '
             'pass one of them' if folders else ''))
    return images


def read_image(path: str) -> Optional[np.ndarray]:
    """The BGR image, or ``None`` with a warning if it cannot be read."""
    image = cv2.imread(path, cv2.IMREAD_COLOR) if osp.isfile(path) else None
    if image is None:
        warnings.warn(f'skipping {path!r}: missing or not a readable image')
    return image


def video_frames(path: str) -> Tuple[Iterator[np.ndarray], float]:
    """Frames of a video (BGR) and its frame rate.

    Raises:
        UnsupportedInputError: OpenCV cannot open the video.
    """
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise UnsupportedInputError(f'cannot open video {path!r}')
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.

    def frames() -> Iterator[np.ndarray]:
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    return
                yield frame
        finally:
            capture.release()

    return frames(), fps


def _parse_boxes(value, path: str, key: str) -> np.ndarray:
    where = f'{path!r}' + (f' entry {key!r}' if key != ANY_IMAGE else '')
    if not isinstance(value, list) or not all(
            isinstance(b, list) and len(b) in (4, 5) and all(
                isinstance(v, (int, float)) for v in b) for b in value):
        raise BoxesFileError(
            f'{where}: expected a list of boxes [x1, y1, x2, y2] or '
            f'[x1, y1, x2, y2, score], got {json.dumps(value)[:80]}')
    boxes = np.array([b if len(b) == 5 else b + [1.] for b in value],
                     dtype=np.float64).reshape(-1, 5)
    bad = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    if bad.any():
        raise BoxesFileError(
            f'{where}: box {boxes[bad][0, :4].tolist()} has x2 <= x1 or '
            'y2 <= y1; boxes are x1, y1, x2, y2 in pixels')
    return boxes


def load_boxes_file(path: str) -> Dict[str, np.ndarray]:
    """Person boxes by image file name, from ``{name: [[x1, y1, x2, y2,
    (score)], ...]}`` or, for a single image, a plain list of boxes (stored
    under :data:`ANY_IMAGE`).

    Raises:
        FileNotFoundError: no such file.
        BoxesFileError: not JSON, or not boxes.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'boxes file {path!r} does not exist')
    try:
        with open(path) as f:
            content = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BoxesFileError(f'boxes file {path!r} is not JSON: {err}') \
            from None
    if isinstance(content, list):
        return {ANY_IMAGE: _parse_boxes(content, path, ANY_IMAGE)}
    if not isinstance(content, dict):
        raise BoxesFileError(
            f'boxes file {path!r}: expected {{image file name: boxes}} or a '
            f'list of boxes, got a {type(content).__name__}')
    return {osp.basename(k): _parse_boxes(v, path, k)
            for k, v in content.items()}


def boxes_for(boxes: Dict[str, np.ndarray],
              image_name: str) -> Optional[np.ndarray]:
    """The boxes listed for ``image_name`` (by base name), or ``None``
    (with a warning) if the file lists none for it."""
    name = osp.basename(image_name)
    if name in boxes:
        return boxes[name]
    if ANY_IMAGE in boxes:
        return boxes[ANY_IMAGE]
    warnings.warn(f'the boxes file lists no boxes for {name!r}: taking the '
                  'whole image as one person')
    return None
