"""The quick start's report: results table, verdicts against the goals,
validation curves, per-joint cross PCKh and pictures."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmpose_ext import skeletons
from mmpose_ext.fileio import atomic_output, atomic_write

from ..portable import portable
from .stages import MODEL_TITLES, TEACHER_SKELETONS, teaches

# (column title, metric key), for every style; a report shows the styles of
# its run's teachers (the CrowdPose style only with --teachers ... crowdpose).
ALL_OWN_METRICS = (
    ('COCO-style AP (17 joints)', 'coco/AP'),
    ('MPII-style PCKh@0.5 (16 joints)', 'mpii/PCK'),
    ('CrowdPose-style AP (14 joints)', 'crowdpose/AP'),
)
ALL_CROSS_METRICS = (
    ('cross PCKh: head top/neck/thorax/pelvis on COCO-style images',
     'full/coco/PCKh_unlabelled'),
    ('cross PCKh: face points on MPII-style images',
     'full/mpii/PCKh_unlabelled'),
    ('cross PCKh: face points, thorax, pelvis on CrowdPose-style images',
     'full/crowdpose/PCKh_unlabelled'),
)
AP_KEYS = ('coco/AP', 'crowdpose/AP')  # reported x100
ORDER = ('teacher_coco', 'teacher_mpii', 'teacher_crowdpose', 'baseline',
         'distilled', 'oracle')
# Plot colours, fixed per model.
COLOUR_ORDER = ('teacher_coco', 'teacher_mpii', 'baseline', 'distilled',
                'oracle', 'teacher_crowdpose')
STUDENT_LABELS = {'baseline': 'labels only', 'distilled': 'distilled',
                  'oracle': 'oracle (full truth)'}
# The goals the quick start is judged by (issue "The quick start must prove
# the method"): each teacher's own metric, the label-only student's distance
# to it, cross PCKh gain, own-metric loss, gap closed, saturation.
TEACHER_GOALS = {'teacher_coco': 60.0, 'teacher_mpii': 85.0}
BASELINE_TO_TEACHER_LIMIT = 10.0
CROSS_GAIN_GOAL = 10.0
OWN_LOSS_LIMIT = 1.0
GAP_CLOSED_GOAL = 0.5
SATURATION_LIMIT = 80.0
STYLE_TITLES = {'coco': 'COCO-style', 'mpii': 'MPII-style',
                'crowdpose': 'CrowdPose-style'}
MODEL_TITLES_SHORT = {name: f'{STYLE_TITLES[style]} teacher'
                      for name, style in TEACHER_SKELETONS.items()}


def _colour(name: str) -> str:
    return f'C{COLOUR_ORDER.index(name)}'


def _style(key: str) -> str:
    """The style a metric key scores: ``coco/AP`` -> ``coco``,
    ``full/mpii/PCKh_unlabelled`` -> ``mpii``."""
    parts = key.split('/')
    return parts[1] if parts[0] == 'full' else parts[0]


def styles(runs: Sequence[Dict[str, Dict]]) -> List[str]:
    """The styles of the runs' teachers."""
    return [style for name, style in TEACHER_SKELETONS.items()
            if name in runs[0]]


def own_metrics(runs: Sequence[Dict[str, Dict]]) -> tuple:
    return tuple(c for c in ALL_OWN_METRICS if _style(c[1]) in styles(runs))


def cross_metrics(runs: Sequence[Dict[str, Dict]]) -> tuple:
    return tuple(c for c in ALL_CROSS_METRICS
                 if _style(c[1]) in styles(runs))


def cross_teachers(runs: Sequence[Dict[str, Dict]], key: str) -> List[str]:
    """The teachers that know some of the joints of cross column ``key``
    (scored on that style's images: see Quickstart.evaluate_cross)."""
    return [name for name, skeleton in TEACHER_SKELETONS.items()
            if name in runs[0] and teaches(skeleton, _style(key))]


def _metric(record: Dict, key: str) -> Optional[float]:
    metrics = record.get('metrics', {})
    if key == 'mpii/PCK' and record['name'] == 'teacher_mpii':
        # MpiiPCKAccuracy alone (not under PerSourceMetric) has no prefix
        key = 'PCK'
    value = metrics.get(key)
    if value is not None and key in AP_KEYS:
        value *= 100.
    return value


def _values(runs: Sequence[Dict[str, Dict]], name: str,
            key: str) -> np.ndarray:
    values = [_metric(run[name], key) for run in runs]
    return np.array([v for v in values if v is not None], float)


def _fmt(values: np.ndarray, signed: bool = False) -> str:
    if not len(values):
        return 'n/a'
    sign = '+' if signed else ''
    if len(values) == 1:
        return f'{values[0]:{sign}.1f}'
    return f'{values.mean():{sign}.1f} ± {values.std(ddof=1):.1f}'


def results_table(runs: Sequence[Dict[str, Dict]]) -> str:
    """Markdown table, mean ± sample std over seeds where several."""
    columns = own_metrics(runs) + cross_metrics(runs)
    header = ('| model | ' + ' | '.join(c for c, _ in columns) +
              ' | iterations | train time (s) |')
    lines = [header, '|' + '---|' * (len(columns) + 3)]
    for name in (n for n in ORDER if n in runs[0]):
        cells = [_fmt(_values(runs, name, key)) for _, key in columns]
        record = runs[0][name]
        seconds = [run[name].get('train_seconds') for run in runs]
        seconds = [s for s in seconds if s is not None]
        time_cell = f'{np.mean(seconds):.0f}' if seconds else 'n/a'
        if record.get('shipped'):
            time_cell += ' (shipped)'
        lines.append(f'| {MODEL_TITLES[name]} | ' + ' | '.join(cells) +
                     f' | {record.get("iters", "n/a")} | {time_cell} |')
    return '\n'.join(lines)


def _paired(runs, key: str, a: str = 'distilled',
            b: str = 'baseline') -> np.ndarray:
    return np.array([_metric(r[a], key) - _metric(r[b], key) for r in runs])


def verdict(runs: Sequence[Dict[str, Dict]]) -> str:
    """One line per goal: the paired difference (mean ± std over seeds),
    how many seeds agree, and whether the goal is met."""
    out = []
    n = len(runs)
    own_columns, cross_columns = own_metrics(runs), cross_metrics(runs)
    for name, skeleton in TEACHER_SKELETONS.items():
        if name not in runs[0]:
            continue
        title, key = next(c for c in own_columns if _style(c[1]) == skeleton)
        teacher = _values(runs, name, key)
        if not len(teacher):
            continue
        if name in TEACHER_GOALS:
            goal = TEACHER_GOALS[name]
            out.append(
                f'- {MODEL_TITLES_SHORT[name]}, {title}: {_fmt(teacher[:1])} '
                f'(goal at least {goal:.0f}): '
                f'**{"met" if teacher.min() >= goal else "not met"}**.')
        below = teacher[0] - _values(runs, 'baseline', key)
        met = below.max() <= BASELINE_TO_TEACHER_LIMIT
        out.append(
            f'- label-only student against the {MODEL_TITLES_SHORT[name]}, '
            f'{title}: {_fmt(below)} points below it (goal at most '
            f'{BASELINE_TO_TEACHER_LIMIT:.0f} in every seed): '
            f'**{"met" if met else "not met"}**.')
    for title, key in cross_columns:
        diff = _paired(runs, key)
        met = diff.min() >= CROSS_GAIN_GOAL
        oracle_lead = _paired(runs, key, 'oracle', 'baseline')
        ceiling = ''
        if oracle_lead.mean() < CROSS_GAIN_GOAL:
            ceiling = (f' (the oracle itself is {_fmt(oracle_lead, True)} '
                       'points above labels only here)')
        out.append(
            f'- {title}: distilled - labels only = {_fmt(diff, True)} '
            f'points (better in {(diff > 0).sum()} of {n} seed(s)); goal '
            f'+{CROSS_GAIN_GOAL:.0f} in every seed: '
            f'**{"met" if met else "not met"}**{ceiling}.')
    for title, key in own_columns:
        diff = _paired(runs, key)
        met = diff.min() >= -OWN_LOSS_LIMIT
        out.append(
            f'- {title}: distilled - labels only = {_fmt(diff, True)} '
            f'points (better in {(diff > 0).sum()} of {n} seed(s)); goal '
            f'no worse than -{OWN_LOSS_LIMIT:.0f} in every seed: '
            f'**{"met" if met else "not met"}**.')
    for title, key in cross_columns:
        lead = _paired(runs, key, 'oracle', 'baseline')
        if (lead <= 0).any():
            out.append(
                f'- gap closed, {title}: not defined, the oracle scored '
                f'{_fmt(lead, True)} points against labels only.')
            continue
        gap = gap_closed(runs, key)
        out.append(
            f'- gap closed, {title}: (distilled - labels only) / (oracle - '
            f'labels only) = {_fmt(gap * 100)} % (aim '
            f'{GAP_CLOSED_GOAL * 100:.0f} %): '
            f'**{"met" if gap.mean() >= GAP_CLOSED_GOAL else "not met"}**.')
    for title, key in cross_columns:
        unlabelled = ~skeletons.union_mask(_style(key))
        for name in cross_teachers(runs, key):
            teacher = _values(runs, name, key)
            if not len(teacher):
                continue
            known = unlabelled & skeletons.union_mask(TEACHER_SKELETONS[name])
            base = _values(runs, 'baseline', key)
            student = _fmt(base)
            which = 'these joints'
            if known.sum() < unlabelled.sum():   # it knows some of them
                which = 'the ones of these joints it knows (' + ', '.join(
                    skeletons.UNION_KEYPOINTS[j]
                    for j in np.flatnonzero(known)) + ')'
                student += ' on all of them'
            lead = teacher.mean() - base.mean()
            out.append(
                f'- what there is to teach, {title}: the '
                f'{MODEL_TITLES_SHORT[name]} scores {_fmt(teacher[:1])} on '
                f'{which} of these images, the label-only student '
                f'{student}: the teacher is {abs(lead):.1f} points '
                f'{"above" if lead > 0 else "below"} it.')
    for title, key in cross_columns:
        base = _values(runs, 'baseline', key)
        out.append(
            f'- not saturated, {title}: labels only {_fmt(base)} (must stay '
            f'below {SATURATION_LIMIT:.0f}): '
            f'**{"met" if base.max() < SATURATION_LIMIT else "not met"}**.')
    return '\n'.join(out)


def gap_closed(runs: Sequence[Dict[str, Dict]], key: str) -> np.ndarray:
    """Per seed, the share of the oracle's lead over the label-only student
    that distillation recovers."""
    return _paired(runs, key) / _paired(runs, key, 'oracle', 'baseline')


def _scalars(log_dir: Optional[str]) -> List[dict]:
    if not log_dir:
        return []
    path = osp.join(log_dir, 'vis_data', 'scalars.json')
    if not osp.isfile(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def validation_curve(record: Dict, key: str) -> List[tuple]:
    """``(iteration, value)`` of one validation metric during training: from
    the run's log, or from the manifest for shipped models. Runs validate
    every ``iters // 4`` iterations (``qs_schedule``)."""
    if 'val_curve' in record:
        return [(it, m[key]) for it, m in record['val_curve'] if key in m]
    scale = 100. if key in AP_KEYS else 1.
    interval = max(record.get('iters', 0) // 4, 1)
    rows = [r for r in _scalars(record.get('log_dir')) if key in r]
    return [((i + 1) * interval, r[key] * scale) for i, r in enumerate(rows)]


def _save(fig, path: str) -> str:
    import matplotlib.pyplot as plt
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=90)
    plt.close(fig)
    return path


def plot_curves(runs: Sequence[Dict[str, Dict]], path: str) -> str:
    """Validation metrics against iterations for every model of the first
    seed: each own metric and each cross PCKh."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    columns = own_metrics(runs) + cross_metrics(runs)
    fig, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns),
                                                      3.8))
    teacher_keys = {'teacher_coco': ('coco/AP', 'coco/AP'),
                    'teacher_mpii': ('mpii/PCK', 'PCK'),
                    'teacher_crowdpose': ('crowdpose/AP', 'crowdpose/AP')}
    for ax, (title, key) in zip(axes, columns):
        for name in (n for n in ORDER if n in runs[0]):
            record = runs[0][name]
            if name in teacher_keys:
                shown, logged = teacher_keys[name]
                if shown != key:
                    continue
                curve = validation_curve(record, logged)
            else:
                curve = validation_curve(record, key)
            if curve:
                steps, values = zip(*curve)
                ax.plot(steps, values, marker='o', label=MODEL_TITLES[name],
                        color=_colour(name))
        ax.set(title=title if len(title) < 40 else title.replace(': ', ':\n'),
               xlabel='iteration (teachers: pre-training)')
        ax.title.set_fontsize(8)
        ax.legend(fontsize=6)
    fig.tight_layout()
    return _save(fig, path)


def plot_joints(runs: Sequence[Dict[str, Dict]], path: str) -> str:
    """Cross PCKh per union joint (the joints an image's own dataset does
    not label) for the three students and the teacher that knows the joint,
    mean over seeds."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    groups = []
    for source in styles(runs):
        unlabelled = ~skeletons.union_mask(source)
        for j in np.flatnonzero(unlabelled):
            groups.append((source, skeletons.UNION_KEYPOINTS[j]))
    fig, ax = plt.subplots(figsize=(11.5, 3.8))
    width = 0.2
    x = np.arange(len(groups))

    def mean(name, source, joint):
        values = _values(runs, name, f'full/{source}/PCKh_{joint}')
        return values.mean() if len(values) else np.nan

    def joint_teacher(source, joint):
        """The first teacher that knows ``joint`` on ``source`` images."""
        j = skeletons.UNION_KEYPOINTS.index(joint)
        return next(name for name in cross_teachers(
            runs, f'full/{source}/PCKh_unlabelled')
            if skeletons.union_mask(TEACHER_SKELETONS[name])[j])

    # the teacher that knows each group's joints, then the three students
    teacher = [mean(joint_teacher(s, j), s, j) for s, j in groups]
    ax.bar(x - 1.5 * width, teacher, width, label='the teacher of those '
           'joints', color='0.6')
    for i, name in enumerate(('baseline', 'distilled', 'oracle')):
        ax.bar(x + (i - 0.5) * width, [mean(name, s, j) for s, j in groups],
               width, label=STUDENT_LABELS[name], color=_colour(name))
    ax.set_xticks(x, [f'{j}\n({s}-style)' for s, j in groups], fontsize=7)
    ax.set(ylabel='PCKh@0.5', ylim=(0, 100),
           title='cross PCKh per joint (joints the image\'s own dataset '
           'does not label)')
    # beside the bars: inside, it hid the first joints' bars
    ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return _save(fig, path)


def draw_predictions(runs: Sequence[Dict[str, Dict]], data_root: str,
                     path: str, per_style: int = 2) -> str:
    """Validation images: labels-only | distilled | oracle student | full
    truth, all 21 union joints, on ground-truth boxes."""
    import cv2

    from mmpose_ext.inference.result import PoseResult
    from mmpose_ext.inference.torch_pose import TorchPoseEstimator
    from mmpose_ext.inference.visualize import draw_poses
    from mmpose_ext.synthetic import image_path
    students = ('baseline', 'distilled', 'oracle')
    estimators = {
        name: TorchPoseEstimator(runs[0][name]['config'],
                                 runs[0][name]['checkpoint'])
        for name in students
    }
    rows = []
    for style in styles(runs):
        image_dir = osp.dirname(image_path(style, 'val', 0))
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
                      for n in students]
            panels.append(draw_poses(img, true, 0.5, 2, 1))
            rows.append(np.concatenate(panels, axis=1))
    grid = np.concatenate(rows, axis=0)
    labels = [STUDENT_LABELS[n] for n in students] + ['full truth']
    for col, label in enumerate(labels):
        cv2.putText(grid, label, (col * grid.shape[1] // len(labels) + 5, 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                    cv2.LINE_AA)
    ok, data = cv2.imencode('.png', grid)
    atomic_write(path, data.tobytes())
    return path


def timing_sentence(runs: Sequence[Dict[str, Dict]]) -> str:
    """Which CPU the table's train times were measured on (each record's
    ``cpu``); the models whose record does not say (shipped ones, or stages
    finished before it was kept) are named."""
    timed = [(name, record) for run in runs for name, record in run.items()
             if record.get('train_seconds') is not None]
    cpus = sorted({record['cpu'] for _, record in timed if record.get('cpu')})
    unrecorded = {name for name, record in timed if not record.get('cpu')}
    unknown = [MODEL_TITLES[name] for name in ORDER if name in unrecorded]
    parts = []
    if cpus:
        parts.append('Train time: seconds of training, its validations '
                     f'included, on {"; ".join(cpus)}.')
    if unknown:
        parts.append('The CPU was not recorded for: ' + ', '.join(unknown)
                     + '.')
    return ' '.join(parts)


def sampling_sentence(runs: Sequence[Dict[str, Dict]]) -> str:
    """How the students' training draws the styles (its train sets are
    listed in the order of :func:`styles`), read from the label-only
    student's resolved config; '' if it draws each instance alike (no
    ``sample_ratio_factor``) or the config is not on disk."""
    path = runs[0]['baseline'].get('config')
    if not path or not osp.isfile(path):
        return ''
    from mmengine.config import Config
    ratio = Config.fromfile(path).train_dataloader.dataset.get(
        'sample_ratio_factor')
    if not ratio:
        return ''
    factors = ', '.join(f'{STYLE_TITLES[style]} {factor:g}'
                        for style, factor in zip(styles(runs), ratio))
    return (' Training draws each instance in proportion to its style\'s '
            f'sampling factor (`sample_ratio_factor`: {factors}).')


def write_report(runs: Sequence[Dict[str, Dict]], settings) -> List[str]:
    """Write ``results.md``, ``results.json``, ``curves.png``,
    ``joints.png`` and ``predictions.png`` into ``settings.out_dir``;
    returns the paths."""
    out = settings.out_dir
    os.makedirs(out, exist_ok=True)
    seeds = [run['baseline']['seed'] for run in runs]
    iters = runs[0]['baseline'].get('iters')
    init_iters = runs[0]['student_init'].get('iters')
    crowdpose = 'teacher_crowdpose' in runs[0]
    crowdpose_trained = crowdpose and not runs[0]['teacher_crowdpose'].get(
        'shipped')
    text = '\n'.join([
        '# Quick start: multi-teacher distillation on the synthetic '
        'full-truth benchmark',
        '',
        f'Seeds {seeds}; {settings.num_train} train and {settings.num_val} '
        f'validation images per style (difficulty {settings.difficulty}). '
        'COCO-style AP on the 17 COCO joints (x100), MPII-style PCKh@0.5 on '
        'the 16 MPII joints, '
        + ('CrowdPose-style AP on the 14 CrowdPose joints (x100, crowded '
           'scenes), ' if crowdpose else '') +
        'and cross-dataset PCKh@0.5 on the joints an '
        "image's own dataset does not label, scored against the full "
        "truth. A teacher's cross cell is its PCKh on "
        + ("another style's " if crowdpose else "the other style's ") +
        'images, on the joints it knows there (without flip test, as the '
        'distiller runs it): what it has to teach. '
        'Values are mean ± sample std over seeds where there are several.',
        '',
        'The teachers and the students\' shared initialisation (the union '
        f'student trained on the labels alone for {init_iters} iterations) '
        'are shipped in `teachers/quickstart/`'
        + (' (the CrowdPose-style teacher was not there: this run trained '
           'it)' if crowdpose_trained else '') +
        '. Each student below starts '
        f'from that initialisation and is fine-tuned for {iters} '
        'iterations with the same seed: on the labels alone, on the labels '
        + ('and the three teachers' if crowdpose else 'and both teachers') +
        ', or on the full 21-joint truth (the oracle, an '
        'upper bound that trains nothing else).' + sampling_sentence(runs),
        '',
        results_table(runs),
        '',
        timing_sentence(runs),
        '',
        verdict(runs),
        '',
        '![validation curves](curves.png)',
        '',
        '![cross PCKh per joint](joints.png)',
        '',
        '![predictions](predictions.png)',
        '',
    ])
    paths = [osp.join(out, 'results.md'), osp.join(out, 'results.json')]
    atomic_write(paths[0], text.encode())
    atomic_write(paths[1], json.dumps(portable(runs), indent=1).encode())
    paths.append(plot_curves(runs, osp.join(out, 'curves.png')))
    paths.append(plot_joints(runs, osp.join(out, 'joints.png')))
    paths.append(draw_predictions(runs, settings.data_root,
                                  osp.join(out, 'predictions.png')))
    return paths
