"""Fetch and verify the teacher checkpoints listed in teachers/manifest.json."""
import json
import os
import os.path as osp
import shutil
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Sequence

from mmpose_ext.fileio import atomic_output, sha256_file
from mmpose_ext.paths import REPO_ROOT

MANIFEST = osp.join(REPO_ROOT, 'teachers', 'manifest.json')


class TeacherFetchError(RuntimeError):
    """A teacher checkpoint could not be fetched or failed verification."""


def load_manifest(path: str = MANIFEST) -> List[dict]:
    with open(path) as f:
        entries = json.load(f)['teachers']
    for entry in entries:
        missing = {'name', 'file', 'url', 'sha256'} - set(entry)
        if missing:
            raise ValueError(f'{path}: teacher entry {entry.get("name")!r} '
                             f'lacks {sorted(missing)}')
    return entries


def _download(url: str, dest: str, timeout: float) -> None:
    """Download into place only when complete, so a kill never leaves a
    truncated checkpoint under the final name."""
    with atomic_output(dest) as tmp, open(tmp, 'wb') as out, \
            urllib.request.urlopen(url, timeout=timeout) as response:
        shutil.copyfileobj(response, out)


def fetch_teachers(names: Optional[Sequence[str]] = None,
                   dest_dir: str = osp.join(REPO_ROOT, 'teachers'),
                   manifest: str = MANIFEST,
                   timeout: float = 60.) -> Dict[str, str]:
    """Download (when absent) and verify teacher checkpoints.

    Returns:
        dict: teacher name to verified checkpoint path.

    Raises:
        TeacherFetchError: a download failed (the message says where to put
            the file by hand) or a file's sha256 does not match.
    """
    entries = load_manifest(manifest)
    known = [e['name'] for e in entries]
    unknown = sorted(set(names or []) - set(known))
    if unknown:
        raise TeacherFetchError(f'unknown teacher(s) {unknown}; {manifest} '
                                f'lists {known}')
    os.makedirs(dest_dir, exist_ok=True)
    paths = {}
    for entry in entries:
        if names and entry['name'] not in names:
            continue
        path = osp.join(dest_dir, entry['file'])
        if not osp.isfile(path):
            try:
                _download(entry['url'], path, timeout)
            except (urllib.error.URLError, OSError) as err:
                raise TeacherFetchError(
                    f'could not download teacher {entry["name"]!r} from '
                    f'{entry["url"]} ({getattr(err, "reason", err)}). '
                    f'Without internet, download it elsewhere and put it '
                    f'at {path}') from None
        digest = sha256_file(path)
        # the manifest may hold the full digest or its leading digits
        if not digest.startswith(entry['sha256'].lower()):
            raise TeacherFetchError(
                f'{path}: sha256 {digest} does not match the '
                f'manifest ({entry["sha256"]}); the file is corrupt or not '
                f'the official checkpoint. Delete it and fetch again.')
        paths[entry['name']] = path
    return paths
