"""Fetch and verify the teacher checkpoints listed in teachers/manifest.json.

Each entry names a checkpoint by URL, file name and ``hash_prefix``: the
leading hex digits of the file's sha256, which OpenMMLab writes into its file
names (``...-d8dd5ca4_20230127.pth``). Downloads go through
``torch.hub.download_url_to_file``, which checks that prefix and moves the
file into place only when it is complete.
"""
import json
import os
import os.path as osp
import socket
import urllib.error
from typing import Dict, List, Optional, Sequence

from torch.hub import download_url_to_file

from mmpose_ext.fileio import sha256_file
from mmpose_ext.paths import REPO_ROOT

MANIFEST = osp.join(REPO_ROOT, 'teachers', 'manifest.json')
MANIFEST_KEYS = ('name', 'file', 'url', 'hash_prefix')


class TeacherFetchError(RuntimeError):
    """A teacher checkpoint could not be fetched or failed verification."""


def load_manifest(path: str = MANIFEST) -> List[dict]:
    with open(path) as f:
        entries = json.load(f)['teachers']
    for entry in entries:
        missing = set(MANIFEST_KEYS) - set(entry)
        if missing:
            raise ValueError(f'{path}: teacher entry {entry.get("name")!r} '
                             f'lacks {sorted(missing)}')
    return entries


def _download(url: str, dest: str, hash_prefix: str, timeout: float) -> None:
    """torch.hub's download, with a socket timeout (it has none of its own).
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        download_url_to_file(url, dest, hash_prefix=hash_prefix,
                             progress=False)
    finally:
        socket.setdefaulttimeout(previous)


def fetch_teachers(names: Optional[Sequence[str]] = None,
                   dest_dir: str = osp.join(REPO_ROOT, 'teachers'),
                   manifest: str = MANIFEST,
                   timeout: float = 60.) -> Dict[str, str]:
    """Download (when absent) and verify teacher checkpoints.

    Returns:
        dict: teacher name to verified checkpoint path.

    Raises:
        TeacherFetchError: downloads failed (the message lists every one,
            and where to put each file by hand) or a file's sha256 does not
            start with its ``hash_prefix``.
    """
    entries = load_manifest(manifest)
    known = [e['name'] for e in entries]
    unknown = sorted(set(names or []) - set(known))
    if unknown:
        raise TeacherFetchError(f'unknown teacher(s) {unknown}; {manifest} '
                                f'lists {known}')
    os.makedirs(dest_dir, exist_ok=True)
    paths, unreachable = {}, []
    for entry in entries:
        if names and entry['name'] not in names:
            continue
        path = osp.join(dest_dir, entry['file'])
        prefix = entry['hash_prefix'].lower()
        if not osp.isfile(path):
            try:
                _download(entry['url'], path, prefix, timeout)
            except (urllib.error.URLError, OSError) as err:
                # the others are tried too, so that one message lists all
                unreachable.append(
                    f'{entry["name"]!r} from {entry["url"]} '
                    f'({getattr(err, "reason", err)}), to put at {path}')
                continue
            except RuntimeError as err:  # torch.hub: "invalid hash value"
                raise TeacherFetchError(
                    f'{entry["url"]}: {err}; the download is corrupt or not '
                    f'the official checkpoint (manifest hash_prefix '
                    f'{prefix}). Nothing was written to {path}.') from None
        digest = sha256_file(path)  # also a file put there by hand
        if not digest.startswith(prefix):
            raise TeacherFetchError(
                f'{path}: sha256 {digest} does not start with the '
                f'manifest\'s hash_prefix {prefix}; the file is corrupt or '
                'not the official checkpoint. Delete it and fetch again.')
        paths[entry['name']] = path
    if unreachable:
        raise TeacherFetchError(
            f'could not download {len(unreachable)} teacher(s): '
            + '; '.join(unreachable) + '. Without internet, download them '
            'elsewhere and put each at its path')
    return paths
