"""The quick start's report: a results table, training curves and pictures."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmpose_ext.fileio import atomic_output, atomic_write

# (column title, metric key)
COLUMNS = (
    ('COCO-style AP (17 joints)', 'coco/AP'),
    ('MPII-style PCKh@0.5 (16 joints)', 'mpii/PCK'),
    ('cross PCKh: head top/neck/thorax/pelvis on COCO-style images',
     'full/coco/PCKh_unlabelled'),
    ('cross PCKh: face points on MPII-style images',
     'full/mpii/PCKh_unlabelled'),
)
ORDER = ('teacher_coco', 'teacher_mpii', 'baseline', 'distilled')


def _metric(record: Dict, key: str) -> Optional[float]:
    metrics = record['metrics']
    if key == 'mpii/PCK' and record['name'] == 'teacher_mpii':
        # MpiiPCKAccuracy alone (not under PerSourceMetric) has no prefix
        return metrics.get('PCK')
    return metrics.get(key)


def _fmt(values: List[float], scale: float) -> str:
    if not values:
        return 'n/a'
    values = np.asarray(values) * scale
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{values.mean():.1f} ± {values.std(ddof=1):.1f}'


def results_table(runs: Sequence[Dict[str, Dict]]) -> str:
    """Markdown table, mean ± sample std over seeds where several."""
    from mmpose_ext.quickstart.pipeline import MODEL_TITLES
    header = '| model | ' + ' | '.join(c for c, _ in COLUMNS) + \
        ' | train time (s) |'
    lines = [header, '|' + '---|' * (len(COLUMNS) + 2)]
    for name in ORDER:
        cells = []
        for _, key in COLUMNS:
            values = [_metric(run[name], key) for run in runs]
            values = [v for v in values if v is not None]
            scale = 100. if key == 'coco/AP' else 1.
            cells.append(_fmt(values, scale))
        seconds = [run[name]['train_seconds'] for run in runs]
        lines.append(f'| {MODEL_TITLES[name]} | ' + ' | '.join(cells) +
                     f' | {np.mean(seconds):.0f} |')
    return '\n'.join(lines)


def verdict(runs: Sequence[Dict[str, Dict]]) -> str:
    """Plain words: did distillation beat the baseline, by how much."""
    out = []
    for title, key in COLUMNS:
        base = np.array([_metric(r['baseline'], key) for r in runs], float)
        dist = np.array([_metric(r['distilled'], key) for r in runs], float)
        diff = dist - base
        if key == 'coco/AP':
            diff = diff * 100
        spread = f' ± {diff.std(ddof=1):.1f}' if len(diff) > 1 else ''
        word = 'beat' if diff.mean() > 0 else 'did not beat'
        out.append(f'- {title}: distillation {word} the baseline '
                   f'(distilled - baseline = {diff.mean():+.1f}{spread}); '
                   f'better in {(diff > 0).sum()} of {len(diff)} seed(s).')
    return '\n'.join(out)


def _scalars(log_dir: str) -> List[dict]:
    path = osp.join(log_dir, 'vis_data', 'scalars.json')
    if not osp.isfile(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def plot_curves(runs: Sequence[Dict[str, Dict]], path: str) -> str:
    """Training loss against iteration for every model of the first seed.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mmpose_ext.quickstart.pipeline import MODEL_TITLES
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in ORDER:
        rows = [r for r in _scalars(runs[0][name]['log_dir']) if 'loss' in r
                and 'step' in r]
        if not rows:
            continue
        steps = [r['step'] for r in rows]
        axes[0].plot(steps, [r['loss'] for r in rows],
                     label=MODEL_TITLES[name])
        if name == 'distilled':
            for key in sorted(k for k in rows[0] if k.startswith('loss_')):
                axes[1].plot(steps, [r[key] for r in rows], label=key)
    axes[0].set(title='total training loss', xlabel='iteration',
                yscale='log')
    axes[1].set(title='distilled student: loss terms', xlabel='iteration',
                yscale='log')
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return path


def draw_predictions(runs: Sequence[Dict[str, Dict]], data_root: str,
                     path: str, per_style: int = 2) -> str:
    """Validation images: baseline student | distilled student | full truth,
    all 21 union joints, on ground-truth boxes."""
    import cv2

    from mmpose_ext.inference.result import PoseResult
    from mmpose_ext.inference.torch_pose import TorchPoseEstimator
    from mmpose_ext.inference.visualize import draw_poses
    estimators = {
        name: TorchPoseEstimator(runs[0][name]['config'],
                                 runs[0][name]['checkpoint'])
        for name in ('baseline', 'distilled')
    }
    rows = []
    for style, image_dir in (('coco', 'coco/images/val'),
                             ('mpii', 'mpii/images')):
        with open(osp.join(data_root, style, 'annotations',
                           'full_truth_val.json')) as f:
            truth = json.load(f)
        for image in truth['images'][:per_style]:
            anns = [a for a in truth['annotations']
                    if a['image_id'] == image['id']]
            img = cv2.imread(osp.join(data_root, image_dir,
                                      image['file_name']))
            boxes = np.array([[a['bbox'][0], a['bbox'][1],
                               a['bbox'][0] + a['bbox'][2],
                               a['bbox'][1] + a['bbox'][3]] for a in anns])
            kpts = np.array([a['keypoints'] for a in anns]).reshape(
                len(anns), -1, 3)
            true = PoseResult(kpts[..., :2].astype(np.float32),
                              (kpts[..., 2] > 0).astype(np.float32),
                              boxes.astype(np.float32),
                              np.ones(len(anns), np.float32), 'union')
            panels = [draw_poses(img, estimators[n](img, boxes), 0.0, 2, 1)
                      for n in ('baseline', 'distilled')]
            panels.append(draw_poses(img, true, 0.5, 2, 1))
            rows.append(np.concatenate(panels, axis=1))
    grid = np.concatenate(rows, axis=0)
    for col, label in enumerate(('baseline', 'distilled', 'full truth')):
        cv2.putText(grid, label, (col * grid.shape[1] // 3 + 5, 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                    cv2.LINE_AA)
    ok, data = cv2.imencode('.png', grid)
    atomic_write(path, data.tobytes())
    return path


def write_report(runs: Sequence[Dict[str, Dict]], settings) -> List[str]:
    """Write ``results.md``, ``results.json``, ``curves.png`` and
    ``predictions.png`` into ``settings.out_dir``; returns the paths."""
    out = settings.out_dir
    os.makedirs(out, exist_ok=True)
    seeds = [run['baseline']['seed'] for run in runs]
    text = '\n'.join([
        '# Quick start: multi-teacher distillation on the synthetic '
        'full-truth benchmark',
        '',
        f'Seeds {seeds}; {settings.num_train} train and {settings.num_val} '
        f'validation images per style (difficulty {settings.difficulty}). '
        'COCO-style AP on the 17 COCO joints (x100), MPII-style PCKh@0.5 on '
        'the 16 MPII joints, and cross-dataset PCKh@0.5 on the joints an '
        "image's own dataset does not label, scored against the full "
        'truth. Teachers know only their own joints (n/a elsewhere). '
        'Values are mean ± sample std over seeds where there are several.',
        '',
        results_table(runs),
        '',
        verdict(runs),
        '',
        '![training curves](curves.png)',
        '',
        '![predictions](predictions.png)',
        '',
    ])
    paths = [osp.join(out, 'results.md'), osp.join(out, 'results.json')]
    atomic_write(paths[0], text.encode())
    atomic_write(paths[1], json.dumps(runs, indent=1).encode())
    paths.append(plot_curves(runs, osp.join(out, 'curves.png')))
    paths.append(draw_predictions(runs, settings.data_root,
                                  osp.join(out, 'predictions.png')))
    return paths
