"""File writing that never leaves a half-written file under its final name,
and byte-stable JSON."""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Union

from mmpose_ext.fileio import atomic_write, sha256_file  # noqa: F401

PathLike = Union[str, 'os.PathLike[str]']


def json_bytes(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, no NaN, trailing newline,
    so equal content gives equal bytes."""
    text = json.dumps(obj, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=True, allow_nan=False)
    return (text + '\n').encode('ascii')


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
