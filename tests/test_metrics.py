"""PerSourceMetric: 21-joint predictions scored by each dataset's own metric,
checked against pycocotools and a hand computation of MPII's PCKh."""
import json

import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from scipy.io import loadmat

from mmpose_ext import skeletons
from tiny_configs import tiny_student_cfg

# Where the union joints a source does not label are put: if the metric read
# them, no score could be perfect.
FAR_AWAY = -1000.
# (entry, MPII joint) marked invisible in the MPII val file, so that PCKh's
# visibility mask matters.
HIDDEN_MPII_JOINTS = [(0, 10), (2, 3), (3, 10)]


@pytest.fixture(scope='module', autouse=True)
def mmpose_scope():
    init_default_scope('mmpose')


class Val:
    """The student config's val set and evaluator on test-written files."""

    def __init__(self, root, work_dir):
        self.root = root
        self.coco_ann_file = str(
            root / 'coco/annotations/person_keypoints_val2017.json')
        self.cfg = tiny_student_cfg(str(root), str(work_dir))
        self.dataset = DATASETS.build(self.cfg.val_dataloader.dataset)
        self.samples = [self.dataset[i]['data_samples']
                        for i in range(len(self.dataset))]
        self.coco = {a['id']: np.array(a['keypoints']).reshape(17, 3)[:, :2]
                     for a in self._json(self.coco_ann_file)['annotations']}
        mpii = self._json(root / 'mpii/annotations/mpii_val.json')
        self.mpii = np.array([e['joints'] for e in mpii])
        self.mpii_visible = np.array([e['joints_vis'] for e in mpii]) > 0

    @staticmethod
    def _json(path):
        with open(path) as f:
            return json.load(f)

    def source_keypoints(self, sample):
        """Ground truth of ``sample`` in its dataset's own joints."""
        if sample.metainfo['dataset_name'] == 'coco':
            return self.coco[sample.metainfo['id']]
        return self.mpii[sample.metainfo['id']]

    def evaluate(self, predict):
        """Score ``predict(sample) -> (source keypoints, scores)``, handed to
        the evaluator in union form as the model outputs them."""
        evaluator = Evaluator(self.cfg.val_evaluator)
        evaluator.dataset_meta = self.dataset.metainfo
        for sample in self.samples:
            source = sample.metainfo['dataset_name']
            keypoints, scores = predict(sample)
            sample = sample.clone()
            sample.pred_instances = InstanceData(
                keypoints=skeletons.convert_keypoints(
                    keypoints[None], source, 'union', fill=FAR_AWAY),
                keypoint_scores=skeletons.convert_keypoints(
                    scores[None], source, 'union', axis=-1, fill=1.))
            evaluator.process([sample])
        return evaluator.evaluate(len(self.samples))


@pytest.fixture
def val(coco_mpii_root, tmp_path):
    path = coco_mpii_root / 'mpii/annotations/mpii_val.json'
    entries = json.loads(path.read_text())
    for entry, joint in HIDDEN_MPII_JOINTS:
        entries[entry]['joints_vis'][joint] = 0
    path.write_text(json.dumps(entries))
    return Val(coco_mpii_root, tmp_path / 'work')


def ground_truth(val):
    def predict(sample):
        keypoints = val.source_keypoints(sample)
        return keypoints, np.ones(len(keypoints))
    return predict


def test_val_set_holds_both_sources(val):
    sources = [s.metainfo['dataset_name'] for s in val.samples]
    assert sorted(sources) == ['coco'] * 8 + ['mpii'] * 4


def test_ground_truth_as_predictions_scores_coco_ap_1(val):
    assert val.evaluate(ground_truth(val))['coco/AP'] == pytest.approx(1.0)


def test_ground_truth_as_predictions_scores_mpii_pckh_100(val):
    results = val.evaluate(ground_truth(val))
    assert results['mpii/PCK'] == pytest.approx(100.)
    assert results['mpii/PCK@0.1'] == pytest.approx(100.)


def perturbed_coco(val):
    """COCO joints moved 0.5 to 8 px (more for later instances), each person
    with its own confidence; MPII predictions exact."""
    rng = np.random.default_rng(0)
    offsets, scores = {}, {}
    ids = sorted(val.coco)
    for radius, ann_id in zip(np.linspace(0.5, 8., len(ids)), ids):
        angle = rng.uniform(0, 2 * np.pi, 17)
        offsets[ann_id] = radius * np.stack([np.cos(angle), np.sin(angle)], 1)
        scores[ann_id] = rng.uniform(0.3, 1., 17)

    def predict(sample):
        keypoints = val.source_keypoints(sample)
        if sample.metainfo['dataset_name'] != 'coco':
            return keypoints, np.ones(len(keypoints))
        ann_id = sample.metainfo['id']
        return keypoints + offsets[ann_id], scores[ann_id]
    return predict, offsets, scores


def pycocotools_ap(ann_file, val, offsets, scores, tmp_path):
    """AP of the same predictions, written as a COCO results file and
    scored by pycocotools itself."""
    gt = COCO(ann_file)
    results = []
    for ann_id, offset in offsets.items():
        xy = val.coco[ann_id] + offset
        results.append(dict(
            image_id=gt.anns[ann_id]['image_id'], category_id=1,
            keypoints=np.concatenate([xy, scores[ann_id][:, None]],
                                     1).ravel().tolist(),
            # RTMPose's top-down rescoring: box score (1 for ground-truth
            # boxes) times the mean of the keypoint scores above 0.2
            score=float(scores[ann_id][scores[ann_id] > 0.2].mean())))
    results_file = tmp_path / 'results.keypoints.json'
    results_file.write_text(json.dumps(results))
    coco_eval = COCOeval(gt, gt.loadRes(str(results_file)), 'keypoints')
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    return coco_eval.stats[0]


def test_perturbed_coco_predictions_score_the_ap_pycocotools_gives(
        val, tmp_path):
    predict, offsets, scores = perturbed_coco(val)
    expected = pycocotools_ap(val.coco_ann_file, val, offsets, scores,
                              tmp_path)
    assert 0.2 < expected < 0.9  # the perturbation is neither nil nor total
    assert val.evaluate(predict)['coco/AP'] == pytest.approx(expected,
                                                            abs=1e-9)


def head_sizes(root):
    """MPII's PCKh normaliser: 0.6 times the head box diagonal."""
    boxes = loadmat(str(root / 'mpii/annotations/mpii_gt_val.mat'))
    boxes = boxes['headboxes_src'].transpose(2, 0, 1)  # (N, corner, xy)
    return 0.6 * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)


def hand_pckh(pred, gt, visible, head_size, thr):
    """PCKh in percent as mmpose's MpiiPCKAccuracy defines it: predictions
    are 0-based and MPII's ground truth 1-based, so 1 is added to them; a
    joint is correct when strictly closer than ``thr * head_size``; joints
    are averaged weighted by how often each is visible, leaving out pelvis
    and thorax."""
    dist = np.linalg.norm(pred + 1 - gt, axis=-1) / head_size[:, None]
    correct = (dist < thr) & visible
    count = visible.sum(axis=0)
    keep = np.ones(len(count), dtype=bool)
    keep[skeletons.joint_indices('mpii', ['pelvis', 'thorax'])] = False
    per_joint = correct.sum(axis=0) / np.maximum(count, 1)
    return 100. * (per_joint * count)[keep].sum() / count[keep].sum()


def test_perturbed_mpii_predictions_score_the_hand_computed_pckh(val):
    head_size = head_sizes(val.root)
    rng = np.random.default_rng(1)
    n = len(val.mpii)
    radius = rng.uniform(0, 0.8, (n, 16)) * head_size[:, None]
    angle = rng.uniform(0, 2 * np.pi, (n, 16))
    # around the 0-based position a model predicts, so that the metric's
    # +1 decides some joints
    pred = val.mpii - 1 + radius[..., None] * np.stack(
        [np.cos(angle), np.sin(angle)], -1)

    def predict(sample):
        if sample.metainfo['dataset_name'] == 'mpii':
            return pred[sample.metainfo['id']], np.ones(16)
        keypoints = val.source_keypoints(sample)
        return keypoints, np.ones(len(keypoints))

    results = val.evaluate(predict)
    expected = hand_pckh(pred, val.mpii, val.mpii_visible, head_size, 0.5)
    expected_01 = hand_pckh(pred, val.mpii, val.mpii_visible, head_size, 0.1)
    assert 0 < expected_01 < expected < 100
    assert results['mpii/PCK'] == pytest.approx(expected, rel=1e-6)
    assert results['mpii/PCK@0.1'] == pytest.approx(expected_01, rel=1e-6)


def test_full_truth_pckh_scores_each_unlabelled_joint(tmp_path):
    from mmpose_ext.evaluation import FullTruthPCKh
    from mmpose_ext.synthetic import generate_benchmark
    generate_benchmark(tmp_path, seed=0, num_train=1, num_val=3,
                       image_size=(112, 96))
    ann_file = tmp_path / 'coco' / 'annotations' / 'full_truth_val.json'
    metric = FullTruthPCKh(dict(coco=dict(ann_file=str(ann_file))))
    with open(ann_file) as f:
        anns = json.load(f)['annotations']
    head_top = skeletons.UNION_KEYPOINTS.index('head_top')
    samples = []
    for ann in anns:
        kpts = np.array(ann['keypoints'], float).reshape(21, 3)[:, :2]
        kpts[head_top] += 10 * ann['head_size']  # only head top is wrong
        samples.append(dict(dataset_name='coco', id=ann['id'],
                            pred_instances=dict(keypoints=kpts[None])))
    metric.process({}, samples)
    scores = metric.compute_metrics(metric.results)
    assert scores['coco/PCKh_labelled'] == 100.
    assert scores['coco/PCKh_head_top'] == 0.
    for joint in ('upper_neck', 'thorax', 'pelvis'):
        assert scores[f'coco/PCKh_{joint}'] == 100.
    assert 0 < scores['coco/PCKh_unlabelled'] < 100


def test_full_truth_pckh_scores_a_teacher_on_the_joints_it_has(tmp_path):
    from mmpose_ext.evaluation import FullTruthPCKh
    from mmpose_ext.synthetic import generate_benchmark
    generate_benchmark(tmp_path, seed=0, num_train=1, num_val=3,
                       image_size=(112, 96))
    ann_file = tmp_path / 'mpii' / 'annotations' / 'full_truth_val.json'
    metric = FullTruthPCKh(
        dict(mpii=dict(ann_file=str(ann_file), sample_id='mpii_index')),
        skeleton='coco')
    with open(ann_file) as f:
        anns = json.load(f)['annotations']
    coco = skeletons.joint_indices('union', skeletons.COCO_KEYPOINTS)
    nose = skeletons.COCO_KEYPOINTS.index('nose')
    samples = []
    for ann in anns:
        kpts = np.array(ann['keypoints'], float).reshape(21, 3)[coco, :2]
        kpts[nose] += 10 * ann['head_size']  # only the nose is wrong
        samples.append(dict(dataset_name='mpii', id=ann['mpii_index'],
                            pred_instances=dict(keypoints=kpts[None])))
    metric.process({}, samples)
    scores = metric.compute_metrics(metric.results)
    # the joints MPII labels and COCO has (shoulders to ankles) are right;
    # head top, neck, thorax and pelvis are not scored at all
    assert scores['mpii/PCKh_labelled'] == 100.
    assert scores['mpii/PCKh_nose'] == 0.
    for joint in ('left_eye', 'right_eye', 'left_ear', 'right_ear'):
        assert scores[f'mpii/PCKh_{joint}'] == 100.
    assert 0 < scores['mpii/PCKh_unlabelled'] < 100
