"""COCO-, MPII- and CrowdPose-style datasets merged on the union skeleton."""
import warnings
from copy import deepcopy
from typing import List, Optional, Sequence

import numpy as np
from mmpose.datasets import CombinedDataset, MpiiDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS

from mmpose_ext import skeletons
from mmpose_ext.datasets import data_files
from mmpose_ext.datasets.instance_checks import MAX_NAMED, InstanceFindings
from mmpose_ext.paths import UNION_METAINFO_FILE

UNION_METAINFO = dict(from_file=UNION_METAINFO_FILE)


class DataConfigError(ValueError):
    """A dataset config points at data that is absent or malformed."""


HINT = ('see "Real data" in README.md for the expected layout, or run '
        '`python tools/check_data.py CONFIG` to list what is missing')

# What a labelled joint at a negative coordinate does in training: the codec
# keeps it wherever it falls inside the crop and gives it weight 0 elsewhere.
NEGATIVE_JOINTS = ('they are trained on where they fall inside the crop and '
                   'get weight 0 where they do not; correct them, or set '
                   'their visibility to 0 if they are not labelled')


def _check_paths(cfg: dict, source: Optional[str] = None) -> None:
    """Fail before any loading if the files a dataset config names are
    absent, naming the dataset by ``source`` (default: its skeleton, else
    its type)."""
    problems = data_files.path_problems(cfg)
    if problems:
        if source is None:
            try:
                source = _source_skeleton(cfg)
            except DataConfigError:
                source = cfg.get('type')
        raise DataConfigError(f'{source} dataset: {problems[0]}; {HINT}')


def _check_sample_ratio(ratio, num_datasets: int) -> None:
    """Refuse a ``sample_ratio_factor`` that does not give one non-negative
    number per dataset (CombinedDataset would stop on a bare assertion)."""
    if ratio is None:
        return
    try:
        values = [float(r) for r in ratio]
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != num_datasets or min(
            values, default=0) < 0 or not sum(values) > 0:
        raise DataConfigError(
            f'UnionPoseDataset: sample_ratio_factor={ratio!r} must give one '
            f'non-negative number per dataset ({num_datasets} here, in the '
            f'order of `datasets`), not all zero, e.g. '
            f'{[1.0] * num_datasets}; or None to sample each dataset by its '
            f'share of the instances')


def _source_metainfo(cfg: dict) -> dict:
    """The metainfo a dataset config builds its dataset with: its own or its
    class's, MMPose's files found where MMPose installed them."""
    metainfo = cfg.get('metainfo')
    if metainfo is None:
        dataset_cls = DATASETS.get(cfg.get('type'))
        if dataset_cls is None:
            raise DataConfigError(
                f'unknown dataset type {cfg.get("type")!r}: not in the '
                'MMPose DATASETS registry')
        metainfo = dataset_cls.METAINFO
    return skeletons.installed_metainfo(deepcopy(dict(metainfo)))


def _source_skeleton(cfg: dict) -> str:
    """The skeleton a dataset config labels: ``skeleton=`` or its name."""
    name = cfg.get('skeleton')
    if name is None:
        name = parse_pose_metainfo(_source_metainfo(cfg))['dataset_name']
    elif name == 'union':
        # Already on the union skeleton (the synthetic benchmark's oracle
        # labels): declared explicitly, never guessed from metainfo.
        return name
    if name not in skeletons.SKELETONS or name == 'union':
        raise DataConfigError(
            f'dataset {cfg.get("type")!r} (skeleton {name!r}) has no '
            f'mapping into the union skeleton; set `skeleton=` to one of '
            f'{sorted(set(skeletons.SKELETONS) - {"union"})}')
    return name


def _instance_fields(info: dict, mpii: bool) -> list:
    """``(key, value)`` of the numbers of one loaded instance, under the
    names its annotation file uses. (Boxes of zero or negative size, MPII's
    non-positive scales among them, MMPose has already dropped.)"""
    if mpii:
        return [('center', info.get('bbox_center')),
                ('scale', info.get('bbox_scale')),
                ('joints', info['keypoints']),
                ('joints_vis', info['keypoints_visible'])]
    raw = info.get('raw_ann_info') or {}  # the numbers exactly as in the file
    return [('bbox', raw.get('bbox', info.get('bbox'))),
            ('keypoints', raw.get('keypoints', info['keypoints'])),
            ('keypoints_visible', None if raw else info['keypoints_visible'])]


def _check_instances(dataset, source: str, ann_file: str) -> List[str]:
    """Check every loaded instance in one pass; returns their image paths.

    Raises ``DataConfigError`` on a wrong keypoint count or on numbers that
    would make the losses NaN; warns about labelled joints at negative
    coordinates.
    """
    expected = skeletons.num_keypoints(source)
    mpii = isinstance(dataset, MpiiDataset)
    detections = getattr(dataset, 'bbox_file', None)
    findings = InstanceFindings(
        detections or ann_file,
        'detection' if detections else 'entry' if mpii else 'annotation id')
    paths = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        got = np.asarray(info['keypoints']).shape[-2]
        if got != expected:
            raise DataConfigError(
                f'{ann_file}: instance {info.get("id")} of image '
                f'{info.get("img_path")} has {got} keypoints, but the '
                f'{source!r} skeleton has {expected}; is `ann_file` the '
                f'right file for this dataset type?')
        findings.add(f'{info.get("id")} (image {info.get("img_path")})',
                     _instance_fields(info, mpii), info['keypoints'][0],
                     info['keypoints_visible'][0])
        paths.append(info['img_path'])
    unusable = findings.unusable_message()
    if unusable:
        raise DataConfigError(
            f'{source} dataset: {unusable}; `python tools/check_data.py '
            f'CONFIG` lists every such instance')
    negative = findings.negative_message()
    if negative:
        warnings.warn(f'{source} dataset: {negative}; {NEGATIVE_JOINTS}')
    return paths


def _drop_unusable_images(dataset, source: str, paths: List[str]) -> None:
    """Skip (training) or refuse (validation, testing) instances whose image
    is missing or empty."""
    problems = {p: data_files.image_problem(p) for p in set(paths)}
    keep = [i for i, p in enumerate(paths) if problems[p] is None]
    if len(keep) == len(paths):
        return
    bad = sorted(p for p, problem in problems.items() if problem)
    kinds = ' or '.join(sorted({problems[p] for p in bad}))
    named = ', '.join(f'{p} ({problems[p]})' for p in bad[:MAX_NAMED])
    more = ', ...' if len(bad) > MAX_NAMED else ''
    if not keep:
        raise DataConfigError(
            f'{source} dataset: none of its {len(bad)} images can be read '
            f'({kinds}), e.g. {named}{more}; check `data_root` and '
            f'`data_prefix.img`')
    if dataset.test_mode:
        # The metric scores every image of its annotation file; skipping
        # some would score the rest as missed detections (COCO AP) or leave
        # them out (PCKh), either way a number not comparable to others.
        raise DataConfigError(
            f'{source} dataset: {len(bad)} of {len(problems)} images of '
            f'this validation/test set are {kinds}: {named}{more}; restore '
            f'them (`python tools/check_data.py CONFIG` lists all), or '
            f'evaluate on an annotation file (dataset and metric `ann_file`) '
            f'that lists only the images you have')
    warnings.warn(
        f'{source} dataset: {len(bad)} image(s) are {kinds} and their '
        f'{len(paths) - len(keep)} instance(s) are skipped: {named}{more}')
    dataset.get_subset_(keep)


@DATASETS.register_module()
class UnionPoseDataset(CombinedDataset):
    """Several pose datasets read as one stream of union-skeleton instances.

    Each entry of ``datasets`` is an ordinary MMPose dataset config (e.g.
    ``CocoDataset``, ``MpiiDataset``, ``CrowdPoseDataset``). Its skeleton is
    taken from its ``dataset_name`` or from an explicit ``skeleton=`` key, and
    a :class:`ToUnionSkeleton` step is put first in its pipeline, so every
    instance leaves with the 21 union joints, weight 0 on the joints its
    dataset does not label. Before any training starts, paths are checked,
    keypoint counts verified, instances with NaN or infinite boxes, centres,
    scales or keypoints refused, labelled joints at negative coordinates
    reported, and instances whose image is missing or empty dropped with a
    warning (refused in validation and test sets, whose metric scores every
    image). An image that fails to decode mid-run stops it with an error
    naming the file.

    Args:
        datasets (list[dict]): configs of the source datasets.
        metainfo (dict): metainfo of the union skeleton.
        pipeline (list): transforms applied after the union conversion.
        **kwargs: passed to :class:`mmpose.datasets.CombinedDataset`.
    """

    def __init__(self,
                 datasets: Sequence[dict],
                 metainfo: dict = UNION_METAINFO,
                 pipeline: List[dict] = [],
                 **kwargs):
        if not datasets:
            raise DataConfigError('UnionPoseDataset needs at least one dataset')
        _check_sample_ratio(kwargs.get('sample_ratio_factor'), len(datasets))
        cfgs, self.sources = [], []
        for cfg in datasets:
            cfg = deepcopy(dict(cfg))
            source = _source_skeleton(cfg)
            cfg.pop('skeleton', None)
            cfg['metainfo'] = _source_metainfo(cfg)
            _check_paths(cfg, source)
            cfg['pipeline'] = [dict(type='ToUnionSkeleton', source=source)
                               ] + list(cfg.get('pipeline', []))
            cfgs.append(cfg)
            self.sources.append(source)
        try:
            super().__init__(
                metainfo=metainfo, datasets=cfgs, pipeline=pipeline, **kwargs)
        except (AssertionError, KeyError, IndexError, TypeError,
                ValueError) as err:
            # CombinedDataset appends each sub-dataset once it is built, so
            # the one that failed to read its annotation file is the next.
            failed = len(getattr(self, 'datasets', cfgs))
            if isinstance(err, DataConfigError) or failed >= len(cfgs):
                raise
            cfg, source = cfgs[failed], self.sources[failed]
            ann_file = data_files.ann_file(cfg)
            raise DataConfigError(
                f'{source} dataset: {cfg.get("type")} could not read '
                f'{ann_file!r} ({type(err).__name__}: {err}); is `ann_file` '
                f'the right file for this dataset type?'
            ) from err
        for dataset, cfg, source in zip(self.datasets, cfgs, self.sources):
            paths = _check_instances(dataset, source,
                                     data_files.ann_file(cfg))
            _drop_unusable_images(dataset, source, paths)
        lens = [len(d) for d in self.datasets]
        if self.resample:
            self._lens_ori = lens
            lens = [round(n * f) for n, f in
                    zip(lens, kwargs['sample_ratio_factor'])]
        self._lens = lens
        self._len = sum(lens)

    def prepare_data(self, idx: int):
        """As :class:`CombinedDataset`, but an image that fails to load
        (e.g. a text file named ``.jpg``) raises ``DataConfigError`` naming
        the file instead of the pipeline's own error."""
        data_info = self.get_data_info(idx)
        data_info['dataset'] = self
        image = data_info.get('img_path')
        try:
            return self.pipeline(data_info)
        except Exception as err:
            problem = image and data_files.image_problem(image, decode=True)
            if not problem:
                raise
            raise DataConfigError(
                f'{data_info.get("dataset_name", "UnionPoseDataset")} '
                f'dataset: image {image} (instance id {data_info.get("id")}) '
                f'is {problem}; replace the file or remove its annotations '
                f'(`python tools/check_data.py CONFIG --decode` lists every '
                f'unreadable image)') from err
