"""PCKh of union-skeleton predictions against full-truth annotations."""
import json
from collections import defaultdict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpose.registry import METRICS

from mmpose_ext import skeletons


@METRICS.register_module()
class FullTruthPCKh(BaseMetric):
    """PCKh of all 21 union joints against annotations that label every joint.

    A real dataset labels only its own joints, so a union model's face points
    on MPII images, or head top on COCO images, cannot be scored there. A
    full-truth file (the synthetic benchmark writes one per validation set)
    labels all 21 union joints of every person, with the PCKh head size. Each
    sample, routed by ``dataset_name``, is matched to its full-truth person
    and scored on two groups of joints:

    - ``<dataset>/PCKh_unlabelled``: the joints that dataset does not label
      (e.g. face points on MPII-style images): cross-dataset accuracy;
    - ``<dataset>/PCKh_labelled``: the joints it does label;
    - ``<dataset>/PCKh_<joint>``: each joint of the first group alone.

    A joint counts where the full truth marks it (visibility > 0) and is
    correct when its distance is at most ``thr * head_size``.

    Predictions of a single-dataset model (``skeleton='coco'``, say: a
    teacher) are scored on the union joints that skeleton has, so that a
    teacher's face points on MPII-style images land in the same
    ``mpii/PCKh_unlabelled`` group as a union student's.

    Args:
        full_truth (dict[str, dict]): per dataset name, ``ann_file`` (COCO
            format, 21 union keypoints and ``head_size`` per annotation) and
            ``sample_id``: the annotation key that equals the sample's
            ``id`` (``'id'`` for COCO, ``'mpii_index'`` for MPII).
        thr (float): PCKh threshold. Defaults to 0.5.
        skeleton (str): skeleton of the predictions. Defaults to
            ``'union'``.
        prefix (str, optional): metric name prefix. Defaults to ``'full'``.
    """

    default_prefix = 'full'

    def __init__(self,
                 full_truth: Dict[str, dict],
                 thr: float = 0.5,
                 skeleton: str = 'union',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thr = thr
        self.pred_indices = skeletons.to_union_indices(skeleton)
        self.known = skeletons.union_mask(skeleton)
        self.truth: Dict[str, dict] = {}
        for source, spec in full_truth.items():
            skeletons.union_mask(source)  # unknown names fail here
            with open(spec['ann_file']) as f:
                anns = json.load(f)['annotations']
            key = spec.get('sample_id', 'id')
            self.truth[source] = {int(a[key]): a for a in anns}

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            source = sample.get('dataset_name')
            truth = self.truth.get(source, {}).get(int(sample['id']))
            if truth is None:
                continue
            kpts = np.asarray(truth['keypoints'], np.float64).reshape(-1, 3)
            pred = np.full((len(self.known), 2), np.inf)
            pred[self.pred_indices] = np.asarray(
                sample['pred_instances']['keypoints'])[0]
            self.results.append(dict(
                source=source, dist=np.linalg.norm(pred - kpts[:, :2], axis=1),
                valid=(kpts[:, 2] > 0) & self.known,
                head_size=float(truth['head_size'])))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        by_source = defaultdict(list)
        for result in results:
            by_source[result['source']].append(result)
        metrics = {}
        for source, rows in sorted(by_source.items()):
            dist = np.stack([r['dist'] for r in rows])
            valid = np.stack([r['valid'] for r in rows])
            head = np.array([r['head_size'] for r in rows])[:, None]
            correct = (dist <= self.thr * head) & valid
            labelled = skeletons.union_mask(source)[None]
            for name, group in (('labelled', labelled),
                                ('unlabelled', ~labelled)):
                mask = valid & group
                metrics[f'{source}/PCKh_{name}'] = float(
                    100. * correct[mask].sum() / max(mask.sum(), 1))
            for j in np.flatnonzero(~labelled[0] & self.known):
                joint = skeletons.UNION_KEYPOINTS[j]
                metrics[f'{source}/PCKh_{joint}'] = float(
                    100. * correct[:, j].sum() / max(valid[:, j].sum(), 1))
        return metrics
