"""Check that the data a config expects is on disk and well formed.

Training on a half-downloaded COCO or an MPII file in the wrong folder fails
late and obscurely. :func:`check_data` walks every dataset of a config's
train/val/test dataloaders (the sub-datasets of a ``UnionPoseDataset`` too)
and the evaluators' annotation files, and lists everything that is missing or
malformed: folders and files that do not exist, annotation files of the wrong
format or keypoint count, boxes, centres, scales or keypoints that are NaN or
infinite, and images the annotations name but the image folder lacks or holds
empty (with ``decode=True``: that do not decode). Labelled joints at negative
coordinates are listed as warnings. ``tools/check_data.py`` is its command
line.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmpose.datasets import MpiiDataset
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS, METRICS
from scipy.io import loadmat
from scipy.io.matlab import MatReadError

from mmpose_ext import skeletons
from mmpose_ext.config_keys import (DATA_ROOT_KEYS, load_config,
                                    move_data_paths)
from mmpose_ext.datasets import data_files
from mmpose_ext.datasets.instance_checks import MAX_NAMED, InstanceFindings
from mmpose_ext.datasets.union_dataset import (DataConfigError,
                                               UnionPoseDataset,
                                               _check_paths,
                                               _source_metainfo,
                                               _source_skeleton)
from mmpose_ext.evaluation import FullTruthPCKh

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
# Metric arguments whose annotation files hold the union skeleton, keyed by
# dataset name: the name says whose images they label, not which joints.
UNION_SKELETON_FILES = {FullTruthPCKh: 'full_truth'}
# How each image problem reads in a report: "3 of 40 images named in F ...".
IMAGE_PROBLEMS = {
    data_files.MISSING: 'are missing from',
    data_files.EMPTY: 'are empty (0 bytes) in',
    data_files.UNDECODABLE: 'do not decode as images in',
}


@dataclass
class DataReport:
    """What :func:`check_data` found.

    Args:
        problems (list[str]): one line per missing or malformed item, each
            starting with the config key it comes from.
        checked (list[str]): the config keys of the datasets and evaluator
            annotation files that were checked.
        warnings (list[str]): suspicious items that do not stop training
            (labelled joints at negative coordinates), keyed like problems.
        decoded (bool): whether every image was decoded, not only found
            non-empty.
    """
    problems: List[str] = field(default_factory=list)
    checked: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    decoded: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            lines = [f'OK: {len(self.checked)} dataset(s) and annotation '
                     f'file(s) checked:'] + [f'  {key}' for key in
                                             self.checked]
        else:
            lines = [f'{len(self.problems)} problem(s) with the data:'] + [
                f'  - {line}' for line in self.problems]
        if self.warnings:
            lines += [f'{len(self.warnings)} warning(s):'] + [
                f'  - {line}' for line in self.warnings]
        if not self.decoded:
            lines.append('Images were checked to exist and be non-empty, not '
                         'decoded; --decode opens every one.')
        return '\n'.join(lines)


def repoint_data_root(cfg: Config, data_root: str) -> Config:
    """Move every data path of the config to ``data_root``, in place
    (:func:`~mmpose_ext.config_keys.move_data_paths`): the folder holding
    coco/, mpii/ (and crowdpose/), whether real data or the synthetic
    benchmark ``tools/quickstart.py --data-root`` or
    ``tools/make_synthetic.py`` wrote.

    Raises:
        DataConfigError: the config has none of :data:`DATA_ROOT_KEYS`.
    """
    if not move_data_paths(cfg, data_root):
        raise DataConfigError(
            f'--data-root: {cfg.filename} has no data root to re-point '
            f'(none of {", ".join(f"`{k}`" for k in DATA_ROOT_KEYS)}); '
            'configs that inherit configs/_base_/coco_mpii_data.py or '
            'configs/quickstart/_base_/synthetic.py have one')
    return cfg


def iter_datasets(cfg: Config, loaders: Sequence[str] = DATALOADERS
                  ) -> Iterator[Tuple[str, dict, bool]]:
    """``(config key, dataset config, in a UnionPoseDataset)`` of every
    dataset that reads files, in the order of ``loaders``."""
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if loader_cfg and loader_cfg.get('dataset'):
            yield from _leaf_datasets(loader_cfg['dataset'],
                                      f'{loader}.dataset', False)


def _leaf_datasets(cfg: dict, key: str,
                   in_union: bool) -> Iterator[Tuple[str, dict, bool]]:
    if cfg.get('datasets') is not None:  # Combined/Union/ConcatDataset
        cls = DATASETS.get(cfg['type']) if cfg.get('type') else None
        union = cls is not None and issubclass(cls, UnionPoseDataset)
        for i, sub in enumerate(cfg['datasets']):
            yield from _leaf_datasets(sub, f'{key}.datasets[{i}]', union)
    elif cfg.get('dataset') is not None:  # RepeatDataset and the like
        yield from _leaf_datasets(cfg['dataset'], f'{key}.dataset', in_union)
    else:
        yield key, cfg, in_union


def check_loader_paths(cfg: Config, loaders: Sequence[str]) -> None:
    """Fail before a runner is built if a file or folder the datasets of the
    config's dataloaders ``loaders`` name is absent: with the same message
    as building the dataset gives, but before the runner prints its
    environment and config (hundreds of lines above the error) and makes
    its log folder.

    Raises:
        DataConfigError: naming the first dataset with a missing path.
    """
    for _, dataset_cfg, _ in iter_datasets(cfg, loaders):
        if 'ann_file' in dataset_cfg or 'data_root' in dataset_cfg:
            _check_paths(dataset_cfg)


def check_data(cfg: Config, decode: bool = False) -> DataReport:
    """Check the data every dataset and evaluator of ``cfg`` reads.

    A dataset config that appears several times (``test_dataloader`` is
    usually ``val_dataloader``) is checked once, under its first key.

    Args:
        cfg (Config): a training/testing config.
        decode (bool): decode every image, not only check that it exists
            and is not empty (slow: minutes for COCO).
    """
    report = DataReport(decoded=decode)
    seen_datasets, seen_ann_files, checked_ann_files = set(), set(), set()
    for key, dataset_cfg, in_union in iter_datasets(cfg):
        identity = json.dumps(dataset_cfg, sort_keys=True, default=str)
        if identity in seen_datasets:
            continue
        seen_datasets.add(identity)
        where = f'{key} ({dataset_cfg.get("type")})'
        report.checked.append(where)
        found = check_dataset(dataset_cfg, in_union, decode)
        report.problems += [f'{where}: {line}' for line in found.problems]
        report.warnings += [f'{where}: {line}' for line in found.warnings]
        ann_file = data_files.ann_file(dataset_cfg)
        if ann_file and osp.isfile(ann_file):
            checked_ann_files.add(ann_file)
    for key, ann_file, skeleton in _evaluator_ann_files(cfg):
        if ann_file in seen_ann_files:
            continue
        seen_ann_files.add(ann_file)
        report.checked.append(key)
        if osp.normpath(ann_file) in checked_ann_files:
            continue  # its contents were listed under the dataset's key
        found = _check_evaluator_ann_file(ann_file, skeleton)
        report.problems += [f'{key}: {line}' for line in found.problems]
        report.warnings += [f'{key}: {line}' for line in found.warnings]
    return report


def check_dataset(cfg: dict, in_union: bool = False,
                  decode: bool = False) -> DataReport:
    """Problems with the files one dataset config names.

    Args:
        cfg (dict): an MMPose dataset config (``CocoDataset``, ...).
        in_union (bool): whether it is a ``UnionPoseDataset`` sub-dataset,
            whose skeleton must map into the union.
        decode (bool): decode every image the annotations name.

    Returns:
        DataReport: ``problems`` and ``warnings`` of this dataset, empty if
        there are none.
    """
    dataset_type = cfg.get('type')
    cls = DATASETS.get(dataset_type) if dataset_type else None
    if cls is None:
        return DataReport(problems=[
            f'unknown dataset type {dataset_type!r}: not in the MMPose '
            'DATASETS registry (is `custom_imports` missing a module?)'])
    report = DataReport(decoded=decode)
    try:
        num_keypoints = _expected_keypoints(cfg, in_union)
    except DataConfigError as err:
        report.problems.append(str(err))
        num_keypoints = None

    report.problems += data_files.path_problems(cfg)
    ann_file = data_files.ann_file(cfg)
    img_dir = data_files.image_folder(cfg)
    if not (ann_file and osp.isfile(ann_file)):
        return report
    if not osp.isdir(img_dir):
        img_dir = None
    if issubclass(cls, MpiiDataset):
        headbox_file = _normpath(cfg.get('headbox_file'))
        found = check_mpii_annotations(
            ann_file, num_keypoints, img_dir,
            headbox_file if headbox_file and osp.isfile(headbox_file)
            else None, decode=decode)
    elif issubclass(cls, BaseCocoStyleDataset):
        found = check_coco_annotations(ann_file, num_keypoints, img_dir,
                                       decode=decode)
    else:
        return report
    report.problems += found.problems
    report.warnings += found.warnings
    return report


def _normpath(path: Optional[str]) -> Optional[str]:
    return osp.normpath(path) if path else path


def _expected_keypoints(cfg: dict, in_union: bool) -> int:
    """Keypoints per instance: the skeleton's that ``UnionPoseDataset``
    maps (raising ``DataConfigError`` if none), else the dataset's own."""
    if in_union:
        return skeletons.num_keypoints(_source_skeleton(cfg))
    return parse_pose_metainfo(_source_metainfo(cfg))['num_keypoints']


def _load_json(path: str, problems: List[str]):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        problems.append(f'{path} is not readable JSON ({err})')
        return None


def _describe(data) -> str:
    if isinstance(data, dict):
        return f'a dict with keys {sorted(data)[:5]}'
    return f'a {type(data).__name__}'


def _triplets(values) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """``(xy, visibility)`` of COCO's flat ``[x, y, v, ...]`` list."""
    try:
        triplets = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    except (TypeError, ValueError):
        return None, None
    return triplets[:, :2], triplets[:, 2]


def _findings(report: DataReport, findings: InstanceFindings) -> None:
    unusable = findings.unusable_message()
    if unusable:
        report.problems.append(unusable)
    negative = findings.negative_message()
    if negative:
        report.warnings.append(negative)


def check_coco_annotations(ann_file: str, num_keypoints: Optional[int],
                           img_dir: Optional[str],
                           decode: bool = False) -> DataReport:
    """Problems with a COCO-style keypoint annotation file.

    Every annotation must hold ``3 * num_keypoints`` keypoint values and
    finite numbers, and every image an annotation refers to must be in
    ``img_dir``, non-empty (and with ``decode``, decodable). Pass ``None``
    to skip the keypoint count or the image check.
    """
    report = DataReport(decoded=decode)
    data = _load_json(ann_file, report.problems)
    if data is None:
        return report
    if not (isinstance(data, dict) and 'annotations' in data
            and 'images' in data):
        report.problems.append(
            f'{ann_file} is not a COCO keypoint file: expected a dict with '
            f'"images" and "annotations", got {_describe(data)}; is it the '
            'right file for this dataset type?')
        return report
    annotations = data['annotations']
    if num_keypoints is not None:
        wrong = [a for a in annotations
                 if len(a.get('keypoints') or []) != 3 * num_keypoints]
        if wrong:
            counts = sorted({len(a.get('keypoints') or []) for a in wrong})
            report.problems.append(
                f'{ann_file}: {len(wrong)} of {len(annotations)} annotations '
                f'have {"/".join(map(str, counts))} keypoint values instead '
                f'of {3 * num_keypoints} ({num_keypoints} keypoints x 3), '
                f'first annotation id {wrong[0].get("id")}; is it the right '
                'file for this dataset type?')
    names = {img.get('id'): img.get('file_name') for img in data['images']}
    findings = InstanceFindings(ann_file, 'annotation id')
    for a in annotations:
        xy, visible = _triplets(a.get('keypoints'))
        findings.add(f'{a.get("id")} (image {names.get(a.get("image_id"))})',
                     [('bbox', a.get('bbox')),
                      ('keypoints', a.get('keypoints'))], xy, visible)
    _findings(report, findings)
    if img_dir is not None:
        used = {a.get('image_id') for a in annotations}
        report.problems += _image_problems(
            ann_file, [names[i] for i in names if i in used], img_dir, decode)
    return report


def check_mpii_annotations(ann_file: str, num_keypoints: Optional[int],
                           img_dir: Optional[str],
                           headbox_file: Optional[str] = None,
                           decode: bool = False) -> DataReport:
    """Problems with an MPII-style (mmpose json) annotation file.

    Every entry must hold ``num_keypoints`` joints and visibilities, a
    finite centre, a finite positive scale and finite joints; every image
    it names must be in ``img_dir``, non-empty (and with ``decode``,
    decodable), and ``headbox_file`` (the gt .mat) must hold one head box per
    entry. Pass ``None`` to skip a check.
    """
    report = DataReport(decoded=decode)
    problems = report.problems
    data = _load_json(ann_file, problems)
    if data is None:
        return report
    if not (isinstance(data, list)
            and all(isinstance(e, dict) and 'joints' in e for e in data)):
        problems.append(
            f'{ann_file} is not an MPII annotation file: expected a list of '
            f'entries with "image", "joints" and "joints_vis", got '
            f'{_describe(data)}; is it the right file for this dataset type?')
        return report
    if num_keypoints is not None:
        wrong = [i for i, e in enumerate(data)
                 if _shape(e['joints']) != (num_keypoints, 2)
                 or len(e.get('joints_vis') or []) != num_keypoints]
        if wrong:
            e = data[wrong[0]]
            problems.append(
                f'{ann_file}: {len(wrong)} of {len(data)} entries do not '
                f'have {num_keypoints} joints and joints_vis, first entry '
                f'{wrong[0]} (image {e.get("image")}) has joints of shape '
                f'{_shape(e["joints"])}; is it the right file for this '
                'dataset type?')
    findings = InstanceFindings(ann_file, 'entry')
    for i, e in enumerate(data):
        findings.add(f'{i} (image {e.get("image")})',
                     [('center', e.get('center')), ('scale', e.get('scale')),
                      ('joints', e.get('joints')),
                      ('joints_vis', e.get('joints_vis'))],
                     e.get('joints'), e.get('joints_vis'),
                     positive=('scale', ))
    _findings(report, findings)
    if img_dir is not None:
        names = list(dict.fromkeys(e.get('image') for e in data))
        problems += _image_problems(ann_file, names, img_dir, decode)
    if headbox_file is not None:
        try:
            headboxes = loadmat(headbox_file).get('headboxes_src')
        except (OSError, ValueError, MatReadError) as err:
            problems.append(f'headbox_file {headbox_file} is not a readable '
                            f'.mat file ({err})')
            return report
        count = None if headboxes is None else np.shape(headboxes)[-1]
        if count != len(data):
            problems.append(
                f'headbox_file {headbox_file}: '
                + ('no `headboxes_src`' if count is None else
                   f'{count} head boxes') +
                f' for the {len(data)} entries of {ann_file}')
    return report


def _shape(joints) -> tuple:
    try:
        return np.shape(joints)
    except ValueError:  # ragged nesting
        return ('ragged', )


def _image_problems(ann_file: str, names: Sequence[str], img_dir: str,
                    decode: bool) -> List[str]:
    """One line per kind of problem (missing, empty, undecodable) with the
    images ``names`` in ``img_dir``."""
    paths = [osp.join(img_dir, n) for n in names]
    if decode:
        # OpenCV releases the GIL while it decodes.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            found = list(pool.map(
                lambda p: data_files.image_problem(p, decode=True), paths,
                chunksize=64))
    else:
        found = [data_files.image_problem(p) for p in paths]
    lines = []
    for kind, phrase in IMAGE_PROBLEMS.items():
        bad = [n for n, problem in zip(names, found) if problem == kind]
        if bad:
            named = ', '.join(bad[:MAX_NAMED])
            more = ', ...' if len(bad) > MAX_NAMED else ''
            lines.append(f'{len(bad)} of {len(names)} images named in '
                         f'{ann_file} {phrase} {img_dir}: {named}{more}')
    return lines


def _evaluator_ann_files(cfg: Config) -> Iterator[Tuple[str, str, str]]:
    """``(config key, ann_file, skeleton or None)`` of every metric that
    reads an annotation file, e.g. ``CocoMetric`` inside ``PerSourceMetric``
    (skeleton: the dataset name it is keyed by) or ``FullTruthPCKh``'s
    full-truth files (skeleton ``'union'``, whatever name keys them).
    """
    def walk(node, key, skeleton, fixed=False):
        if isinstance(node, dict):
            if node.get('ann_file'):
                yield key, node['ann_file'], skeleton
            union_files = _union_skeleton_argument(node)
            for name, value in node.items():
                if name == union_files:
                    yield from walk(value, f'{key}.{name}', 'union', True)
                    continue
                inner = name if (not fixed and name in skeletons.SKELETONS) \
                    else skeleton
                yield from walk(value, f'{key}.{name}', inner, fixed)
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                yield from walk(value, f'{key}[{i}]', skeleton, fixed)

    for evaluator in EVALUATORS:
        if cfg.get(evaluator):
            yield from walk(cfg[evaluator], evaluator, None)


def _union_skeleton_argument(metric: dict) -> Optional[str]:
    """The argument of ``metric`` that names union-skeleton annotation files
    (:data:`UNION_SKELETON_FILES`), or ``None``."""
    metric_type = metric.get('type')
    cls = metric_type if isinstance(metric_type, type) else (
        METRICS.get(metric_type) if isinstance(metric_type, str) else None)
    return next((argument for union_cls, argument
                 in UNION_SKELETON_FILES.items()
                 if cls is not None and issubclass(cls, union_cls)), None)


def _check_evaluator_ann_file(ann_file: str,
                              skeleton: Optional[str]) -> DataReport:
    ann_file = osp.normpath(ann_file)
    if not osp.isfile(ann_file):
        return DataReport(problems=[f'ann_file {ann_file!r} does not exist'])
    return check_coco_annotations(
        ann_file, skeletons.num_keypoints(skeleton) if skeleton else None,
        img_dir=None)


def check_config(config: str, data_root: Optional[str] = None,
                 decode: bool = False) -> DataReport:
    """Load ``config``, re-point it to ``data_root`` if given, and check it
    (decoding every image with ``decode``)."""
    cfg = load_config(config)
    if data_root is not None:
        repoint_data_root(cfg, data_root)
    return check_data(cfg, decode=decode)
