"""The benchmark: render the styles, write them in the formats mmpose reads,
and a manifest that makes the folder reusable and checkable.

Folder layout (``out_dir``)::

    coco/images/train/000000000001.jpg ...     COCO style, 17 COCO joints
    coco/images/val/000001000001.jpg ...
    coco/annotations/person_keypoints_train.json
    coco/annotations/person_keypoints_val.json
    coco/annotations/full_truth_val.json        21 union joints + head_size
    coco/annotations/union_train.json           21 union joints (oracle only)
    mpii/images/000000001.jpg ...               MPII style, 16 MPII joints
    mpii/annotations/mpii_train.json
    mpii/annotations/mpii_val.json
    mpii/annotations/mpii_gt_val.mat            head boxes for PCKh
    mpii/annotations/full_truth_val.json        21 union joints + head_size
    mpii/annotations/union_train.json           MPII json, 21 union joints (oracle)
    crowdpose/images/000000000001.jpg ...       CrowdPose style (on request),
    crowdpose/annotations/mmpose_crowdpose_train.json      14 CrowdPose joints
    crowdpose/annotations/mmpose_crowdpose_val.json        and crowdIndex
    crowdpose/annotations/full_truth_val.json   21 union joints + head_size
    crowdpose/annotations/union_train.json      21 union joints (oracle only)
    manifest.json                               written last

The COCO and MPII styles are written by default; the CrowdPose style only
when ``styles`` names it, so the default folder is the same as before it
existed.

Every image is a pure function of ``(seed, style, split, index)`` and the
style's :class:`~.config.SceneConfig`, so validation images do not change
when ``num_train`` does, and equal parameters give byte-identical files.
"""
from __future__ import annotations

import json
import logging
import numbers
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from .coco_format import build_coco
from .config import (DEFAULT_STYLES, STYLES, SceneConfig, resolve_difficulty,
                     scene_config)
from .crowdpose_format import build_crowdpose
from .files import atomic_write, json_bytes, sha256_bytes, sha256_file
from .mpii_format import build_gt_mat, build_mpii_json
from .scene import Scene, render_scene
from .textures import check_textures
from .truth import ImageRecord

logger = logging.getLogger(__name__)

GENERATOR = 'mmpose_ext.synthetic'
# Bump when the same parameters would render different images or labels.
VERSION = '1.4.0'
SPLITS: Tuple[str, ...] = ('train', 'val')
MANIFEST = 'manifest.json'
JPEG_QUALITY = 92
# Image ids: train images are 1..N, validation images start after this, so
# the two never collide in the shared MPII image folder.
MAX_IMAGES_PER_SPLIT = 1_000_000
# Smallest body height (pixels) at which every joint and face point is drawn.
MIN_PERSON_HEIGHT = 40
MAX_IMAGE_SIDE = 4096
MAX_DIFFERENCES_SHOWN = 5

COCO_ANNOTATIONS = 'coco/annotations'
MPII_ANNOTATIONS = 'mpii/annotations'
CROWDPOSE_ANNOTATIONS = 'crowdpose/annotations'


class SyntheticDataError(ValueError):
    """The arguments of :func:`generate_benchmark`, or the folder it is to
    write, are unusable; the message says which and how to fix it."""


def image_id(split: str, index: int) -> int:
    """Id of image ``index`` (0-based) of ``split``."""
    return SPLITS.index(split) * MAX_IMAGES_PER_SPLIT + index + 1


def image_path(style: str, split: str, index: int) -> str:
    """Image file path relative to the output folder.

    COCO names are 12-digit ids as in COCO; MPII names are 9-digit ids, since
    mmpose's MpiiDataset reads the image id from the file name; CrowdPose
    keeps both splits in one folder, as CrowdPose does, with 12-digit ids.
    """
    num = image_id(split, index)
    if style == 'coco':
        return f'coco/images/{split}/{num:012d}.jpg'
    if style == 'crowdpose':
        return f'crowdpose/images/{num:012d}.jpg'
    return f'mpii/images/{num:09d}.jpg'


def scene_rng(seed: int, style: str, split: str,
              index: int) -> np.random.Generator:
    """The random generator of one image: independent per image, stable
    across runs and machines."""
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(STYLES.index(style), SPLITS.index(split), index)))


def render_image(seed: int, style: str, split: str, index: int,
                 image_size: Tuple[int, int], config: SceneConfig) -> Scene:
    """Render image ``index`` of ``split`` of ``style`` exactly as
    :func:`generate_benchmark` does (tests re-render images to check files
    against the renderer's masks)."""
    rng = scene_rng(seed, style, split, index)
    return render_scene(rng, config, image_size)


def generate_benchmark(out_dir: Union[str, os.PathLike],
                       seed: int = 0,
                       num_train: int = 64,
                       num_val: int = 16,
                       image_size: Sequence[int] = (320, 256),
                       difficulty: Union[str, float] = 'medium',
                       coco_scene: Optional[SceneConfig] = None,
                       mpii_scene: Optional[SceneConfig] = None,
                       styles: Sequence[str] = DEFAULT_STYLES,
                       crowdpose_scene: Optional[SceneConfig] = None
                       ) -> Dict[str, Any]:
    """Generate the synthetic full-truth benchmark, or reuse it.

    Args:
        out_dir: output folder (see the module docstring for the layout).
            If it already holds a complete benchmark with the same
            parameters, that one is returned at once.
        seed: non-negative integer seed.
        num_train: images per style in the train split (>= 1).
        num_val: images per style in the validation split (>= 1).
        image_size: ``(width, height)`` of every image in pixels.
        difficulty: ``'easy'``, ``'medium'``, ``'hard'`` or a number in
            [0, 1]; sets every style's :class:`~.config.SceneConfig`.
        coco_scene, mpii_scene: explicit knobs that replace the
            difficulty's for one style.
        styles: the styles to write, from :data:`~.config.STYLES`; by
            default COCO and MPII (add ``'crowdpose'`` for the CrowdPose
            style).
        crowdpose_scene: explicit knobs of the CrowdPose style.

    Returns:
        dict: the manifest (``params``, ``counts``, ``files`` with the
        sha256 of every annotation file, ``images``), paths relative to
        ``out_dir``.

    Raises:
        SyntheticDataError: invalid parameters (before anything is
            written), or an ``out_dir`` holding something else than this
            benchmark.
    """
    out_dir = Path(out_dir)
    params = _checked_params(seed, num_train, num_val, image_size, difficulty,
                             dict(coco=coco_scene, mpii=mpii_scene,
                                  crowdpose=crowdpose_scene), styles)
    reused = _existing_benchmark(out_dir, params)
    if reused is not None:
        logger.info('reusing the synthetic benchmark in %s', out_dir)
        return reused
    scenes = {s: SceneConfig.from_dict(c) for s, c in params['scenes'].items()}
    for config in scenes.values():
        check_textures(config.backgrounds + config.clothing_textures)

    size = tuple(params['image_size'])
    files: Dict[str, str] = {}
    images: Dict[str, dict] = {}
    counts: Dict[str, dict] = {}
    for style in scenes:
        records = {}
        for split in SPLITS:
            num = params[f'num_{split}']
            logger.info('rendering %d %s %s images', num, style, split)
            records[split], digest = _write_images(
                out_dir, style, split, num, size, scenes[style], seed)
            images[f'{style}/{split}'] = {'count': num, 'sha256': digest}
        counts[style] = {split: {'images': len(recs),
                                 'people': sum(len(r.people) for r in recs)}
                         for split, recs in records.items()}
        for rel, data in _annotation_files(style, records).items():
            atomic_write(out_dir / rel, data)
            files[rel] = sha256_bytes(data)

    manifest = {
        'generator': GENERATOR, 'params': params, 'counts': counts,
        'files': files, 'images': images,
        'libraries': {'numpy': np.__version__, 'opencv': cv2.__version__,
                      'scikit-image': _skimage_version()},
    }
    atomic_write(out_dir / MANIFEST, json_bytes(manifest), sync_dir=True)
    logger.info('wrote the synthetic benchmark to %s', out_dir)
    return manifest


def _write_images(out_dir: Path, style: str, split: str, num: int,
                  image_size: Tuple[int, int], config: SceneConfig,
                  seed: int) -> Tuple[List[ImageRecord], str]:
    """Render and write one split's images; returns their records and one
    sha256 over all image files."""
    records, digests = [], []
    for index in range(num):
        scene = render_image(seed, style, split, index, image_size, config)
        ok, encoded = cv2.imencode('.jpg', scene.image,
                                   [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f'OpenCV could not encode {style} {split} '
                               f'image {index} as JPEG')
        rel = image_path(style, split, index)
        data = encoded.tobytes()
        atomic_write(out_dir / rel, data)
        digests.append(f'{rel} {sha256_bytes(data)}')
        records.append(ImageRecord(image_id(split, index), Path(rel).name,
                                   image_size[0], image_size[1], scene.people))
    return records, sha256_bytes('\n'.join(digests).encode())


def _annotation_files(style: str, records: Dict[str, List[ImageRecord]]
                      ) -> Dict[str, bytes]:
    """Every annotation file of ``style``, path relative to the output
    folder -> bytes."""
    files: Dict[str, bytes] = {}
    if style == 'coco':
        for split in SPLITS:
            files[f'{COCO_ANNOTATIONS}/person_keypoints_{split}.json'] = \
                json_bytes(build_coco(records[split], 'coco'))
        files[f'{COCO_ANNOTATIONS}/full_truth_val.json'] = json_bytes(
            build_coco(records['val'], 'union', full_truth=True))
        files[f'{COCO_ANNOTATIONS}/union_train.json'] = json_bytes(
            build_coco(records['train'], 'union'))
        return files
    if style == 'crowdpose':
        for split in SPLITS:
            files[f'{CROWDPOSE_ANNOTATIONS}/mmpose_crowdpose_{split}.json'] = \
                json_bytes(build_crowdpose(records[split]))
        files[f'{CROWDPOSE_ANNOTATIONS}/full_truth_val.json'] = json_bytes(
            build_coco(records['val'], 'union', full_truth=True))
        files[f'{CROWDPOSE_ANNOTATIONS}/union_train.json'] = json_bytes(
            build_coco(records['train'], 'union'))
        return files
    for split in SPLITS:
        files[f'{MPII_ANNOTATIONS}/mpii_{split}.json'] = json_bytes(
            build_mpii_json(records[split]))
    files[f'{MPII_ANNOTATIONS}/mpii_gt_val.mat'] = build_gt_mat(records['val'])
    files[f'{MPII_ANNOTATIONS}/full_truth_val.json'] = json_bytes(build_coco(
        records['val'], 'union', full_truth=True, index_key='mpii_index'))
    # MPII format, so that the oracle's MPII-style crops are cut from the
    # same centres and scales as every other model's
    files[f'{MPII_ANNOTATIONS}/union_train.json'] = json_bytes(
        build_mpii_json(records['train'], 'union'))
    return files


def _skimage_version() -> str:
    import skimage
    return skimage.__version__


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _checked_params(seed: Any, num_train: Any, num_val: Any, image_size: Any,
                    difficulty: Any,
                    explicit_scenes: Dict[str, Optional[SceneConfig]],
                    styles: Any) -> Dict[str, Any]:
    """Validate the arguments of :func:`generate_benchmark` and return them
    as the JSON-ready ``params`` of the manifest."""
    if not _is_int(seed) or not 0 <= seed < 2**63:
        raise SyntheticDataError(
            f'seed must be an integer in [0, 2**63), got {seed!r}')
    for name, value in (('num_train', num_train), ('num_val', num_val)):
        if not _is_int(value) or not 1 <= value <= MAX_IMAGES_PER_SPLIT:
            raise SyntheticDataError(
                f'{name} must be an integer from 1 to {MAX_IMAGES_PER_SPLIT}, '
                f'got {value!r}: every split needs at least one image')
    if (not isinstance(image_size, (tuple, list)) or len(image_size) != 2
            or not all(_is_int(v) for v in image_size)):
        raise SyntheticDataError('image_size must be two integers (width, '
                                 f'height), got {image_size!r}')
    width, height = (int(v) for v in image_size)
    if not MIN_PERSON_HEIGHT <= min(width, height) or \
            max(width, height) > MAX_IMAGE_SIDE:
        raise SyntheticDataError(
            f'image_size {(width, height)} cannot hold a person: each side '
            f'must be from {MIN_PERSON_HEIGHT} to {MAX_IMAGE_SIDE} pixels')
    if (isinstance(styles, str) or not isinstance(styles, (tuple, list))
            or not styles or not set(styles) <= set(STYLES)):
        raise SyntheticDataError(f'styles must name one or more of '
                                 f'{list(STYLES)}, got {styles!r}')
    try:
        level = resolve_difficulty(difficulty)
    except ValueError as err:
        raise SyntheticDataError(str(err)) from None
    # in STYLES order, so that the manifest does not depend on the order asked
    scenes = {s: explicit_scenes.get(s) or scene_config(s, level)
              for s in STYLES if s in styles}
    for style, config in scenes.items():
        if not isinstance(config, SceneConfig):
            raise SyntheticDataError(f'{style}_scene must be a SceneConfig, '
                                     f'got {type(config).__name__}')
        smallest = config.person_scale[0] * height
        if smallest < MIN_PERSON_HEIGHT:
            raise SyntheticDataError(
                f'image_size {(width, height)} is too small for the {style} '
                f'style: its smallest person would be {smallest:.1f} px tall '
                f'(person_scale {config.person_scale[0]} x height {height}), '
                f'below the {MIN_PERSON_HEIGHT} px needed to draw every '
                'joint; '
                f'use a height of at least '
                f'{int(np.ceil(MIN_PERSON_HEIGHT / config.person_scale[0]))} '
                'or a larger person_scale')
    return {
        'version': VERSION, 'seed': int(seed), 'num_train': int(num_train),
        'num_val': int(num_val), 'image_size': [width, height],
        'difficulty': level, 'jpeg_quality': JPEG_QUALITY,
        'scenes': {s: c.to_dict() for s, c in scenes.items()},
    }


def _flatten(values: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(values, dict):
        flat: Dict[str, Any] = {}
        for key, value in values.items():
            flat.update(_flatten(value, f'{prefix}{key}.'))
        return flat
    return {prefix[:-1]: values}


def _refuse(out_dir: Path, reason: str) -> 'SyntheticDataError':
    return SyntheticDataError(
        f'{out_dir} {reason}. Delete that folder, or write the benchmark to '
        'another one')


def _existing_benchmark(out_dir: Path,
                        params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The manifest of a complete benchmark with ``params`` in ``out_dir``;
    ``None`` when ``out_dir`` is absent or empty.

    Raises:
        SyntheticDataError: ``out_dir`` holds anything else.
    """
    if not out_dir.exists():
        return None
    if not out_dir.is_dir():
        raise _refuse(out_dir, 'is a file, not a folder')
    manifest_path = out_dir / MANIFEST
    if not manifest_path.exists():
        entries = sorted(p.name for p in out_dir.iterdir())
        if not entries:
            return None
        raise _refuse(out_dir, f'is not empty (it holds {entries[:3]}) but '
                      f'has no {MANIFEST}, so it is another dataset or an '
                      'interrupted generation')
    try:
        manifest = json.loads(manifest_path.read_text())
        theirs = manifest['params']
    except (ValueError, KeyError, TypeError) as err:
        raise _refuse(out_dir,
                      f'has an unreadable {MANIFEST} ({err})') from err
    if manifest.get('generator') != GENERATOR:
        raise _refuse(out_dir, f'holds a {manifest.get("generator")!r} '
                      f'dataset, not a {GENERATOR} benchmark')
    ours, theirs = _flatten(params), _flatten(theirs)
    differences = [f'{key} is {theirs.get(key, "absent")!r} there but '
                   f'{ours.get(key, "absent")!r} here'
                   for key in sorted(set(ours) | set(theirs))
                   if ours.get(key) != theirs.get(key)]
    if differences:
        shown = differences[:MAX_DIFFERENCES_SHOWN]
        if len(differences) > len(shown):
            shown.append(f'and {len(differences) - len(shown)} more')
        raise _refuse(out_dir, 'holds a synthetic benchmark made with other '
                      'parameters: ' + '; '.join(shown))
    for rel, digest in manifest['files'].items():
        path = out_dir / rel
        if not path.is_file() or sha256_file(path) != digest:
            raise _refuse(out_dir, f'is damaged: {rel} is missing or changed '
                          f'since {MANIFEST} was written')
    expected: Dict[str, int] = {}   # the MPII splits share one folder
    for key, entry in manifest['images'].items():
        style, split = key.split('/')
        folder = Path(image_path(style, split, 0)).parent.as_posix()
        expected[folder] = expected.get(folder, 0) + entry['count']
    for folder, count in expected.items():
        found = len(list((out_dir / folder).glob('*.jpg')))
        if found != count:
            raise _refuse(out_dir, f'is damaged: {folder} holds {found} '
                          f'images, {MANIFEST} lists {count}')
    return manifest
