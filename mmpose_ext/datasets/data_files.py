"""The files one dataset config names, and whether they can be read.

One checker for :class:`UnionPoseDataset` (which raises the first problem
before it loads anything) and ``tools/check_data.py`` (which lists them all),
so that both accept and refuse the same configs.
"""
import os.path as osp
from typing import List, Optional

import cv2
import numpy as np


def resolve(data_root: Optional[str], path: Optional[str]) -> Optional[str]:
    """``path`` as MMEngine's ``BaseDataset`` reads it: under ``data_root``
    unless it is absolute (``''`` and ``None`` are returned as they are)."""
    if not path or osp.isabs(path) or not data_root:
        return path
    return osp.join(data_root, path)


def _normpath(path: Optional[str]) -> Optional[str]:
    return osp.normpath(path) if path else path


def data_root(cfg: dict) -> Optional[str]:
    """The config's ``data_root``, normalised (``None`` if unset)."""
    return _normpath(cfg.get('data_root'))


def ann_file(cfg: dict) -> Optional[str]:
    """The annotation file the dataset opens (``None``/``''`` if unset)."""
    return _normpath(resolve(cfg.get('data_root'), cfg.get('ann_file')))


def image_folder(cfg: dict) -> str:
    """The folder the dataset joins image file names to.

    MMEngine joins ``data_prefix.img`` to ``data_root``; an empty prefix (or
    none: MMPose's default is ``dict(img='')``) means the images sit directly
    in ``data_root``, or, without one, in the working directory.
    """
    prefix = (cfg.get('data_prefix') or {}).get('img') or ''
    folder = resolve(cfg.get('data_root'), prefix) or cfg.get('data_root')
    return osp.normpath(folder) if folder else '.'


def path_problems(cfg: dict) -> List[str]:
    """What is missing among the files and folders one dataset config names.

    Args:
        cfg (dict): an MMPose dataset config (``CocoDataset``, ...).

    Returns:
        list[str]: one line per problem, naming the config key and the path;
        only the ``data_root`` line if that folder is absent (everything else
        is read from it).
    """
    root = data_root(cfg)
    if root and not osp.isdir(root):
        return [f'data_root {root!r} is not a folder']
    problems = []
    annotations = ann_file(cfg)
    if not annotations:
        problems.append('`ann_file` is not set')
    elif not osp.isfile(annotations):
        problems.append(f'ann_file {annotations!r} does not exist')
    images = image_folder(cfg)
    if not osp.isdir(images):
        problems.append(f'image folder (data_prefix.img) {images!r} does not '
                        'exist')
    # MMPose opens these as given, not under data_root.
    for key in ('bbox_file', 'headbox_file'):
        if cfg.get(key) and not osp.isfile(cfg[key]):
            problems.append(f'{key} {_normpath(cfg[key])!r} does not exist')
    return problems


MISSING, EMPTY, UNDECODABLE = ('missing', 'empty (0 bytes)',
                               'not a decodable image')


def image_problem(path: str, decode: bool = False) -> Optional[str]:
    """Why the image at ``path`` cannot be trained on, or ``None``.

    Without ``decode`` only the file system is asked (``MISSING``,
    ``EMPTY``); with it the file is also decoded as MMPose's ``LoadImage``
    does (OpenCV), which catches e.g. a text file named ``.jpg``
    (``UNDECODABLE``).
    """
    try:
        size = osp.getsize(path)
    except OSError:
        return MISSING
    if not osp.isfile(path):
        return MISSING
    if size == 0:
        return EMPTY
    if decode and not _decodes(path):
        return UNDECODABLE
    return None


def _decodes(path: str) -> bool:
    try:
        data = np.fromfile(path, dtype=np.uint8)
        return cv2.imdecode(data, cv2.IMREAD_COLOR) is not None
    except (OSError, cv2.error):
        return False
