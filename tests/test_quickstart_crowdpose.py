"""The quick start with a third, CrowdPose-style teacher (`tools/quickstart.py
--teachers coco mpii crowdpose`): its metric declared once and scoring the
truth 1.0, bad --teachers stopped with one line, and a miniature
three-teacher run that reports the CrowdPose style's rows and columns."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS

from kd_bench.quickstart import Quickstart, QuickstartSettings, shipped
from kd_bench.quickstart.pipeline import QuickstartError, quickstart_config
from kd_bench.quickstart.stages import (PRETRAINED_DIR, QUICKSTART_CONFIGS,
                                        TEACHER_STYLES)
from mmpose_ext import skeletons
from mmpose_ext.paths import CONFIG_ROOT
from mmpose_ext.synthetic import generate_benchmark
from tool_modules import load_tool

THREE = ('coco', 'mpii', 'crowdpose')
TINY_LOADERS = dict(
    train_dataloader=dict(batch_size=8, num_workers=0,
                          persistent_workers=False),
    val_dataloader=dict(num_workers=0, persistent_workers=False),
    test_dataloader=dict(num_workers=0, persistent_workers=False))
# Where the union joints a style does not label are put, so that its metric
# cannot be perfect by reading them.
FAR_AWAY = -1000.


def _shipped_without_crowdpose(folder):
    """A pre-trained folder holding the shipped COCO- and MPII-style teachers
    and initialisation (links, read only) and its manifest listing them, but
    not the shipped CrowdPose-style teacher: the run trains its own."""
    folder.mkdir()
    listed = []
    with open(osp.join(osp.dirname(PRETRAINED_DIR), 'manifest.json')) as f:
        shipped_entries = json.load(f)['quickstart']
    for entry in shipped_entries:
        file = osp.basename(entry['file'])
        if file != 'crowdpose.pth':
            (folder / file).symlink_to(osp.join(PRETRAINED_DIR, file))
            listed.append(dict(entry, file=file))
    (folder / 'manifest.json').write_text(
        json.dumps(dict(quickstart=listed)))
    return folder


def _settings(tmp_path, **kwargs):
    """A tiny three-teacher run taking the COCO- and MPII-style teachers and
    the initialisation from ``tmp_path / 'pretrained'``."""
    return QuickstartSettings(**{**dict(
        data_root=str(tmp_path / 'data'), work_root=str(tmp_path / 'work'),
        out_dir=str(tmp_path / 'out'), num_train=2, num_val=1, max_iters=2,
        pretrain_iters=2, pretrained_dir=str(tmp_path / 'pretrained'),
        cfg_options=TINY_LOADERS, teachers=THREE), **kwargs})


@pytest.fixture(scope='module')
def miniature(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('quickstart_crowdpose')
    _shipped_without_crowdpose(tmp_path / 'pretrained')
    lines = []
    runs = Quickstart(_settings(tmp_path), say=lines.append).run()
    return tmp_path, runs, lines


# --- the metric --------------------------------------------------------------

def test_crowdpose_metric_is_mmposes_crowdpose_evaluation():
    data = Config.fromfile(osp.join(CONFIG_ROOT, '_base_',
                                    'coco_mpii_data.py'))
    quick = Config.fromfile(osp.join(CONFIG_ROOT, 'quickstart', '_base_',
                                     'synthetic.py'))
    teacher = Config.fromfile(osp.join(
        CONFIG_ROOT, 'quickstart', QUICKSTART_CONFIGS['teacher_crowdpose']))

    def without_file(metric):
        return {k: v for k, v in metric.items()
                if k not in ('ann_file', 'prefix')}

    assert without_file(quick.qs_crowdpose_metric) == \
        without_file(data.crowdpose_metric) == \
        without_file(teacher.val_evaluator)
    assert quick.qs_crowdpose_metric.ann_file.endswith(
        'crowdpose/annotations/mmpose_crowdpose_val.json')
    assert teacher.val_evaluator.prefix == 'crowdpose'


def test_ground_truth_scores_crowdpose_ap_1_through_the_quickstart_evaluator(
        tmp_path):
    init_default_scope('mmpose')
    root = tmp_path / 'data'
    generate_benchmark(root, num_train=1, num_val=3, image_size=(160, 128),
                       styles=THREE)
    settings = QuickstartSettings(data_root=str(root), teachers=THREE)
    cfg = quickstart_config('baseline', settings, 0, str(tmp_path / 'work'))
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    full = {}
    for style in THREE:
        with open(root / style / 'annotations' / 'full_truth_val.json') as f:
            anns = json.load(f)['annotations']
        key = 'mpii_index' if style == 'mpii' else 'id'
        full[style] = {a[key]: np.array(a['keypoints']).reshape(21, 3)
                       for a in anns}
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    sources = set()
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        source = sample.metainfo['dataset_name']
        sources.add(source)
        truth = full[source][sample.metainfo['id']][:, :2]
        # the style's own joints only: the others are far away
        keypoints = np.where(skeletons.union_mask(source)[:, None], truth,
                             FAR_AWAY)
        sample.pred_instances = InstanceData(
            keypoints=keypoints[None], keypoint_scores=np.ones((1, 21)))
        evaluator.process([sample])
    results = evaluator.evaluate(len(dataset))
    assert sources == set(THREE)
    for name in ('AP', 'AP .5', 'AR', 'AP(E)', 'AP(M)', 'AP(H)'):
        value = results[f'crowdpose/{name}']
        # a split without images scores -1
        assert value == pytest.approx(1.0) or (
            name.startswith('AP(') and value == -1), (name, value)
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['mpii/PCK'] == pytest.approx(100.)
    assert results['full/crowdpose/PCKh_labelled'] == pytest.approx(100.)
    assert results['full/crowdpose/PCKh_unlabelled'] == 0.


# --- bad input ---------------------------------------------------------------

def test_unknown_teacher_style_stops_with_one_line_naming_the_known_ones(
        capsys):
    with pytest.raises(SystemExit) as stop:
        load_tool('quickstart').main(['--teachers', 'coco', 'mpii', 'lsp'])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert err.startswith('quickstart.py: error: --teachers lsp: no such '
                          'style')
    assert all(style in err for style in TEACHER_STYLES)


def test_teachers_without_mpii_are_refused(tmp_path):
    with pytest.raises(QuickstartError, match='must include coco and mpii'):
        Quickstart(_settings(tmp_path, teachers=('coco', 'crowdpose')))


# --- a miniature three-teacher run ------------------------------------------

def test_three_teacher_report_has_the_crowdpose_rows_and_columns(miniature):
    tmp_path, _, _ = miniature
    table = (tmp_path / 'out' / 'results.md').read_text()
    for words in ('CrowdPose-style AP (14 joints)',
                  'cross PCKh: face points, thorax, pelvis on CrowdPose-style'
                  ' images', '| CrowdPose-style teacher',
                  'and the three teachers'):
        assert words in table, words
    header = next(line for line in table.splitlines()
                  if line.startswith('| model'))
    assert header.count(' | ') == 8  # 3 own, 3 cross, iterations, time
    # the CrowdPose-style teacher was trained by this run, not taken
    assert 'the CrowdPose-style teacher was not there: this run trained it' \
        in table
    rows = {line.split(' | ')[0]: line for line in table.splitlines()}
    assert rows['| CrowdPose-style teacher (RTMPose-s widths, 14 joints)'
                ].endswith(' |') and '(shipped)' not in rows[
                    '| CrowdPose-style teacher (RTMPose-s widths, 14 joints)']
    assert '(shipped)' in rows[
        '| COCO-style teacher (RTMPose-s widths, 17 joints)']
    for name in ('results.json', 'curves.png', 'joints.png',
                 'predictions.png'):
        assert (tmp_path / 'out' / name).stat().st_size > 0, name


def test_every_student_is_scored_on_the_crowdpose_style(miniature):
    _, runs, _ = miniature
    for name in ('baseline', 'distilled', 'oracle'):
        metrics = runs[0][name]['metrics']
        assert {'coco/AP', 'mpii/PCK', 'crowdpose/AP', 'crowdpose/AP(H)',
                'full/crowdpose/PCKh_unlabelled',
                'full/crowdpose/PCKh_nose', 'full/crowdpose/PCKh_pelvis',
                'full/coco/PCKh_unlabelled'} <= set(metrics), name


def test_crowdpose_teacher_is_trained_and_scored_where_it_can_teach(
        miniature):
    tmp_path, runs, lines = miniature
    record = runs[0]['teacher_crowdpose']
    assert record['iters'] == 2
    assert record['checkpoint'].startswith(str(tmp_path / 'work'))
    assert any('training CrowdPose-style teacher' in line for line in lines)
    metrics = record['metrics']
    assert 'crowdpose/AP' in metrics
    # it knows head top and upper neck, which the COCO style lacks; it has
    # nothing the MPII style lacks
    assert 'full/coco/PCKh_head_top' in metrics
    assert not any(k.startswith('full/mpii/') for k in metrics)
    # the other teachers are scored on the CrowdPose-style images
    assert 'full/crowdpose/PCKh_nose' in runs[0]['teacher_coco']['metrics']
    assert 'full/crowdpose/PCKh_thorax' in \
        runs[0]['teacher_mpii']['metrics']


def test_distilled_student_learns_from_the_trained_crowdpose_teacher(
        miniature):
    tmp_path, runs, _ = miniature
    cfg = Config.fromfile(runs[0]['distilled']['config'])
    teachers = {t['name']: t['checkpoint'] for t in cfg.model.teachers}
    assert teachers['crowdpose'] == runs[0]['teacher_crowdpose']['checkpoint']
    assert teachers['coco'] == str(tmp_path / 'pretrained' / 'coco.pth')
    # three-teacher runs never share folders with two-teacher ones
    assert runs[0]['distilled']['checkpoint'].startswith(
        str(tmp_path / 'work' / 'coco-mpii-crowdpose' / 'seed0'))


def test_second_run_takes_a_crowdpose_teacher_from_the_pretrained_folder(
        miniature, tmp_path):
    source, runs, _ = miniature
    folder = _shipped_without_crowdpose(tmp_path / 'pretrained')
    (folder / 'crowdpose.pth').symlink_to(
        runs[0]['teacher_crowdpose']['checkpoint'])
    lines = []
    quick = Quickstart(
        _settings(source, pretrained_dir=str(folder),
                  work_root=str(tmp_path / 'work')), say=lines.append)
    record = quick.on_demand_teacher('teacher_crowdpose')
    assert record['checkpoint'] == str(folder / 'crowdpose.pth')
    assert quick.teacher_checkpoints == {
        'crowdpose': str(folder / 'crowdpose.pth')}
    assert not any('training' in line for line in lines)


def test_train_teachers_publishes_the_crowdpose_teacher_beside_the_others(
        miniature, tmp_path):
    """`--train-teachers --teachers coco mpii crowdpose --only
    teacher_crowdpose` reuses the finished teacher, publishes it slim with its
    sha256 and the command that made it, keeps the models listed already,
    and the next run takes it from there, verified."""
    source, runs, _ = miniature
    folder = _shipped_without_crowdpose(tmp_path / 'pretrained')
    lines = []
    Quickstart(_settings(source, pretrained_dir=str(folder),
                         train_teachers=True, only=['teacher_crowdpose']),
               say=lines.append).pretrained()
    assert any('reusing finished run' in line for line in lines)
    manifest = json.loads((folder / 'manifest.json').read_text())
    names = [e['name'] for e in manifest['quickstart']]
    assert names == ['coco', 'mpii', 'student_init', 'crowdpose']
    entry = manifest['quickstart'][-1]
    assert entry['made_with'].endswith(
        '--train-teachers --teachers coco mpii crowdpose '
        '--only teacher_crowdpose')
    assert 'crowdpose/AP' in entry['val_curve'][-1][1]
    assert entry['iters'] == 2 and entry['config'].endswith(
        QUICKSTART_CONFIGS['teacher_crowdpose'])
    slim = torch.load(folder / 'crowdpose.pth', weights_only=True)
    assert set(slim) == {'state_dict', 'meta'}
    shipped.verify(str(folder))

    again = []
    quick = Quickstart(_settings(source, pretrained_dir=str(folder),
                                 work_root=str(tmp_path / 'work')),
                       say=again.append)
    record = quick.on_demand_teacher('teacher_crowdpose')
    assert record['checkpoint'] == str(folder / 'crowdpose.pth')
    assert record['iters'] == 2  # from the manifest
    (folder / 'crowdpose.pth').write_bytes(b'not the teacher')
    with pytest.raises(shipped.ShippedModelError,
                       match=r'crowdpose\.pth.*sha256.*--only '
                       r'teacher_crowdpose'):
        shipped.verify(str(folder))
    with pytest.raises(QuickstartError,
                       match=r'crowdpose\.pth.*sha256.*--only '
                       r'teacher_crowdpose'):
        quick.on_demand_teacher('teacher_crowdpose')


def test_only_a_teacher_of_a_style_not_in_the_run_is_refused(tmp_path):
    settings = _settings(tmp_path, teachers=('coco', 'mpii'),
                         train_teachers=True, only=['teacher_crowdpose'])
    with pytest.raises(QuickstartError,
                       match=r'--only teacher_crowdpose.*choose from '
                       r'teacher_coco, teacher_mpii, student_init.*'
                       r'--teachers naming its style'):
        Quickstart(settings, say=lambda line: None).pretrained()
