"""File writing that never leaves a half-written file under its final name,
and byte-stable JSON."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Union

PathLike = Union[str, 'os.PathLike[str]']


def atomic_write(path: PathLike, data: bytes, sync_dir: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder
    and ``os.replace``, so a crash or a full disk leaves either the old file,
    no file, or a stray ``.<name>.*.tmp`` - never a truncated ``path``.

    Args:
        path: the destination; its folder is created if needed.
        data: the bytes.
        sync_dir: also flush the folder entry (for the file that marks the
            whole output complete).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if sync_dir:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def json_bytes(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, no NaN, trailing newline,
    so equal content gives equal bytes."""
    return (json.dumps(obj, sort_keys=True, separators=(',', ':'),
                       ensure_ascii=True, allow_nan=False) + '\n').encode('ascii')


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()
