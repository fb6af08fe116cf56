"""Score one union-skeleton model on every source dataset with its own metric."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS
from terminaltables import AsciiTable

from mmpose_ext import skeletons


def _to_source(instances: dict, source: str) -> dict:
    """Copy ``instances`` with every per-joint field re-ordered from the union
    skeleton into ``source``'s joints."""
    converted = dict(instances)
    n_union = skeletons.num_keypoints('union')
    for key in ('keypoints', 'keypoint_scores', 'keypoints_visible',
                'keypoint_weights'):
        value = instances.get(key)
        if value is not None and value.ndim >= 2 and value.shape[1] == n_union:
            converted[key] = skeletons.convert_keypoints(
                value, 'union', source, axis=1)
    return converted


@METRICS.register_module()
class PerSourceMetric(BaseMetric):
    """Route each sample to the metric of the dataset it came from.

    A union-skeleton model predicts 21 joints for every person. Samples are
    routed by their ``dataset_name`` (``'coco'``, ``'mpii'``, ...); the union
    predictions and ground truth are cut back to that dataset's own joints
    (mapping from :mod:`mmpose_ext.skeletons`) and handed to the dataset's own
    upstream metric, e.g. ``CocoMetric`` (pycocotools/xtcocotools AP) for COCO,
    ``MpiiPCKAccuracy`` (PCKh) for MPII and, for CrowdPose, ``CocoMetric``
    as MMPose's CrowdPose configs set it (AP easy/medium/hard). All results are returned together
    under ``<dataset_name>/<metric>`` and logged as one table.

    Args:
        sources (dict[str, dict]): metric config per dataset name. (Not
            called ``metrics``: MMEngine would take the dict for an
            evaluator config.)
        collect_device (str): passed to every metric. Defaults to ``'cpu'``.
        prefix (str, optional): unused; each metric is prefixed by its
            dataset name.
    """

    # Never in a result's key (each source's metric prefixes its own); set
    # only so that MMEngine does not warn on every run that it is missing.
    default_prefix = 'per_source'

    def __init__(self,
                 sources: Dict[str, dict],
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = sorted(set(sources) - set(skeletons.METAINFO_FILES))
        if unknown:
            raise KeyError(
                f'PerSourceMetric: no skeleton for dataset(s) {unknown}; '
                f'known: {sorted(skeletons.METAINFO_FILES)}')
        self.metrics: Dict[str, BaseMetric] = OrderedDict()
        for source, cfg in sources.items():
            cfg = dict(cfg)
            cfg.setdefault('prefix', source)
            cfg.setdefault('collect_device', collect_device)
            metric = METRICS.build(cfg)
            metric.dataset_meta = parse_pose_metainfo(
                dict(from_file=skeletons.METAINFO_FILES[source]))
            self.metrics[source] = metric

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        # The runner hands over the union metainfo; each source metric keeps
        # its own dataset's metainfo (sigmas, joint names).
        self._dataset_meta = dataset_meta

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        routed: Dict[str, list] = {source: [] for source in self.metrics}
        for sample in data_samples:
            source = sample.get('dataset_name')
            if source not in self.metrics:
                raise KeyError(
                    f'PerSourceMetric got a sample from dataset {source!r} '
                    f'but has metrics only for {list(self.metrics)}')
            sample = dict(sample)
            for key in ('pred_instances', 'gt_instances'):
                if key in sample:
                    sample[key] = _to_source(sample[key], source)
            routed[source].append(sample)
        for source, samples in routed.items():
            if samples:
                self.metrics[source].process(data_batch, samples)

    def compute_metrics(self, results: list) -> dict:
        raise NotImplementedError('PerSourceMetric evaluates through its '
                                  'sub-metrics; call evaluate()')

    def evaluate(self, size: int) -> dict:
        results = OrderedDict()
        for source, metric in self.metrics.items():
            if not metric.results:
                MMLogger.get_current_instance().warning(
                    f'PerSourceMetric: no {source} samples were evaluated')
                continue
            results.update(metric.evaluate(size))
        MMLogger.get_current_instance().info(
            '\n' + format_results_table(results))
        return results


def format_results_table(results: Dict[str, float]) -> str:
    """One table of ``<dataset>/<metric>`` results, a row per dataset."""
    rows = [['dataset', 'metric', 'value']]
    for key, value in results.items():
        source, _, name = key.partition('/')
        rows.append([source, name, f'{value:.4f}' if isinstance(
            value, float) else str(value)])
    return AsciiTable(rows).table
