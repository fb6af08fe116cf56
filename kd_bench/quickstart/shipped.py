"""The quick start's pre-trained models: two teachers and the students'
shared initialisation, trained once by ``tools/quickstart.py
--train-teachers`` and shipped in ``teachers/quickstart/``; and the
CrowdPose-style teacher of the three-teacher quick start, which ships the
same way once ``--train-teachers --teachers coco mpii crowdpose`` made it.

Each is listed under ``quickstart`` in ``teachers/manifest.json`` with its
full sha256 and how it was made; the quick start refuses a file that does not
match. Checkpoints are published slim: the weights and a short ``meta``, no
optimizer state or message hub.
"""
import contextlib
import fcntl
import json
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional

from mmpose_ext.checkpoint import safe_torch_load
from mmpose_ext.fileio import atomic_torch_save, atomic_write, sha256_file
from mmpose_ext.paths import REPO_ROOT
from mmpose_ext.teacher_zoo import MANIFEST

from .report import validation_curve
from .stages import (PRETRAINED, PRETRAINED_DIR, QUICKSTART_CONFIGS,
                     TRAINED_ON_DEMAND)

MANIFEST_KEY = 'quickstart'
PUBLISH_LOCK = '.publish.lock'
RETRAIN = 'python tools/quickstart.py --train-teachers'
# Every model that can be published, by stage, in manifest order.
SHIPPABLE = {**PRETRAINED, **TRAINED_ON_DEMAND}
# The command that makes each again.
MADE_WITH = {stage: RETRAIN for stage in PRETRAINED}
MADE_WITH.update({
    stage: f'{RETRAIN} --teachers coco mpii {name} --only {stage}'
    for stage, name in TRAINED_ON_DEMAND.items()})


class ShippedModelError(RuntimeError):
    """A shipped quick-start model is missing, unlisted or altered."""


def model_path(pretrained_dir: str, name: str) -> str:
    """The file of pre-trained model ``name`` (``coco``, ``student_init``:
    the values of :data:`SHIPPABLE`) in ``pretrained_dir``."""
    return osp.join(pretrained_dir, f'{name}.pth')


def manifest_path(pretrained_dir: str) -> str:
    """``teachers/manifest.json`` for the shipped folder, else a
    ``manifest.json`` inside ``pretrained_dir``."""
    if osp.normpath(pretrained_dir) == osp.normpath(PRETRAINED_DIR):
        return MANIFEST
    return osp.join(pretrained_dir, 'manifest.json')


def _read(path: str) -> dict:
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def entries(pretrained_dir: str) -> Dict[str, dict]:
    """Manifest entries by file name (``coco.pth``...)."""
    listed = _read(manifest_path(pretrained_dir)).get(MANIFEST_KEY, [])
    return {osp.basename(e['file']): e for e in listed}


def verify(pretrained_dir: str) -> None:
    """Check every shipped model (and every published teacher trained on
    demand) against the manifest.

    Raises:
        ShippedModelError: a file is missing, unlisted, or its sha256
            differs; the message says how to restore or retrain it.
    """
    listed = entries(pretrained_dir)
    # the shipped models, and the teachers made on demand once published
    for stage in list(PRETRAINED) + [
            stage for stage, name in TRAINED_ON_DEMAND.items()
            if f'{name}.pth' in listed]:
        verify_model(pretrained_dir, stage, listed)


def verify_model(pretrained_dir: str, stage: str,
                 listed: Optional[Dict[str, dict]] = None) -> None:
    """Check the published model of ``stage`` (a key of :data:`SHIPPABLE`)
    against the manifest (``listed``: its :func:`entries`, read if not
    given).

    Raises:
        ShippedModelError: as :func:`verify`.
    """
    listed = entries(pretrained_dir) if listed is None else listed
    manifest = manifest_path(pretrained_dir)
    file = f'{SHIPPABLE[stage]}.pth'
    path = osp.join(pretrained_dir, file)
    fix = (f'restore it (`git checkout -- {osp.relpath(path, REPO_ROOT)}`'
           f') or train it again with `{MADE_WITH[stage]}`')
    if file not in listed:
        raise ShippedModelError(
            f'{manifest} lists no quick-start model {file!r}; {fix}')
    if not osp.isfile(path):
        raise ShippedModelError(f'{path} is missing; {fix}')
    digest = sha256_file(path)
    if digest != listed[file]['sha256']:
        raise ShippedModelError(
            f'{path}: sha256 {digest[:16]}... does not match {manifest} '
            f'({listed[file]["sha256"][:16]}...); {fix}')


def training_facts(path: str) -> dict:
    """``train_seconds`` (and the ``cpu`` they were measured on), ``iters``
    and ``val_curve`` of a shipped model, from the manifest."""
    entry = entries(osp.dirname(path)).get(osp.basename(path), {})
    return {k: entry[k] for k in ('train_seconds', 'cpu', 'iters',
                                  'val_curve') if k in entry}


# The validation metrics a pre-trained model's curve keeps.
CURVE_KEYS = ('coco/AP', 'PCK', 'crowdpose/AP', 'full/coco/PCKh_unlabelled',
              'full/mpii/PCKh_unlabelled', 'mpii/PCK')


def _val_curve(record: dict) -> list:
    points: Dict[int, dict] = {}
    for key in CURVE_KEYS:
        for step, value in validation_curve(record, key):
            points.setdefault(step, {})[key] = round(value, 3)
    return [[step, points[step]] for step in sorted(points)]


@contextlib.contextmanager
def _publishing(pretrained_dir: str) -> Iterator[None]:
    """One publisher at a time in ``pretrained_dir`` (an ``flock``, which
    the kernel drops however the holder ends): processes trained in
    parallel (``--only``) each read and rewrite the manifest in turn."""
    os.makedirs(pretrained_dir, exist_ok=True)
    fd = os.open(osp.join(pretrained_dir, PUBLISH_LOCK),
                 os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def publish(records: Dict[str, dict], pretrained_dir: str) -> List[str]:
    """Write slim copies of the trained models ``records`` (by stage, keys of
    :data:`SHIPPABLE`) into ``pretrained_dir`` and list them in its
    manifest, beside the models listed already; returns the paths."""
    with _publishing(pretrained_dir):
        return _publish(records, pretrained_dir)


def _publish(records: Dict[str, dict], pretrained_dir: str) -> List[str]:
    manifest = manifest_path(pretrained_dir)
    listed = entries(pretrained_dir)
    paths = []
    for stage, record in records.items():
        name = SHIPPABLE[stage]
        full = safe_torch_load(record['checkpoint'], map_location='cpu')
        path = model_path(pretrained_dir, name)
        atomic_torch_save(
            dict(state_dict=full['state_dict'],
                 meta=dict(quickstart_stage=stage, iters=record['iters'],
                           seed=record['seed'])), path)
        listed[f'{name}.pth'] = dict(
            name=name,
            stage=stage,
            config=f'configs/quickstart/{QUICKSTART_CONFIGS[stage]}',
            file=osp.relpath(path, REPO_ROOT) if manifest == MANIFEST
            else osp.basename(path),
            sha256=sha256_file(path),
            iters=record['iters'],
            train_seconds=round(record['train_seconds']),
            cpu=record.get('cpu'),
            metrics={k: round(v, 4) for k, v in
                     record.get('metrics', {}).items()},
            val_curve=_val_curve(record),
            made_with=MADE_WITH[stage])
        paths.append(path)
    content = _read(manifest)
    content[MANIFEST_KEY] = [listed[f'{n}.pth'] for n in SHIPPABLE.values()
                             if f'{n}.pth' in listed]
    atomic_write(manifest, (json.dumps(content, indent=2) + '\n').encode())
    return paths
