"""Writing files so that a crash, a kill or a full disk never leaves a
half-written file under its final name."""
import contextlib
import fnmatch
import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Iterator, List, Union

import torch
from mmengine.fileio import LocalBackend, register_backend

PathLike = Union[str, 'os.PathLike[str]']


def _temporary_affixes(name: str) -> dict:
    """How :func:`atomic_output` names the temporary file of ``name``."""
    return dict(prefix=f'.{name}.', suffix=os.path.splitext(name)[1])


@contextlib.contextmanager
def atomic_output(path: PathLike, sync_dir: bool = False) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces
    ``path`` (``os.replace``), on any error it is removed. The temporary file
    keeps ``path``'s extension, so writers that choose the format by it
    (``cv2.imwrite``, ``cv2.VideoWriter``) work on it.

    Args:
        path: the destination; its folder is created if needed.
        sync_dir: also flush the folder entry (for a file that marks a whole
            output complete).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent,
                               **_temporary_affixes(path.name))
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    if sync_dir:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write(path: PathLike, data: bytes, sync_dir: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, sync_dir) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file: the same real path (whether or
    not it exists yet), or two existing links to it."""
    return os.path.realpath(a) == os.path.realpath(b) or (
        os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b))


def sha256_file(path: PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def atomic_torch_save(obj, path: PathLike) -> None:
    """``torch.save`` to ``path`` atomically."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(path, buffer.getvalue())


def leftover_temporaries(folder: PathLike, pattern: str) -> List[str]:
    """The temporary files :func:`atomic_output` left in ``folder`` for
    destinations matching ``pattern`` (fnmatch, e.g. ``'*.pth'``): a killed
    process cannot remove them. Only delete them while nothing else writes
    to ``folder``."""
    if not os.path.isdir(folder):
        return []
    affixes = _temporary_affixes(pattern)
    temporary = f'{affixes["prefix"]}*{affixes["suffix"]}'
    return sorted(
        os.path.join(folder, name) for name in os.listdir(folder)
        if fnmatch.fnmatchcase(name, temporary))


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend, writing through :func:`atomic_write`.

    MMEngine saves checkpoints with ``backend.put(bytes, path)``. Select this
    backend with ``backend_args=dict(backend='atomic_local')`` (as
    :class:`~mmpose_ext.engine.AtomicCheckpointHook` does) and a kill, a crash
    or a full disk during a save leaves the destination as it was, never
    truncated; the rename is synced to disk before ``put`` returns.
    """

    def put(self, obj: bytes, filepath: PathLike) -> None:
        atomic_write(filepath, obj, sync_dir=True)

    def put_text(self, obj: str, filepath: PathLike,
                 encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj.encode(encoding), sync_dir=True)
