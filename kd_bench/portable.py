"""Results are committed: the paths they name must mean something on
another machine. Paths inside the repository are written relative to it;
paths outside it (temporary folders, another checkout) keep only their file
name."""
import os.path as osp
from typing import Any

from mmpose_ext.paths import REPO_ROOT


def portable_path(path: str, root: str = REPO_ROOT) -> str:
    """``path`` relative to ``root`` if it lies inside; else its file name.
    Relative paths are returned as they are."""
    if not osp.isabs(path):
        return path
    relative = osp.relpath(osp.normpath(path), osp.normpath(root))
    if relative == '..' or relative.startswith('..' + osp.sep):
        return osp.basename(path)
    return relative


def portable(value: Any, root: str = REPO_ROOT) -> Any:
    """``value`` with every absolute path string in it (in nested dicts,
    lists and tuples) made portable by :func:`portable_path`."""
    if isinstance(value, str):
        return portable_path(value, root)
    if isinstance(value, dict):
        return {k: portable(v, root) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(portable(v, root) for v in value)
    return value
