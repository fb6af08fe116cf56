"""A miniature of the whole quick start: data, pre-trained models, three
students, report; and the checks on the shipped pre-trained models."""
import glob
import json
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmpose.models import build_pose_estimator

from kd_bench.machine import cpu_description
from kd_bench.quickstart import Quickstart, QuickstartSettings, shipped
from kd_bench.quickstart import pipeline
from kd_bench.quickstart.pipeline import QuickstartError, quickstart_config
from kd_bench.quickstart.provenance import differences
from kd_bench.quickstart.report import timing_sentence
from kd_bench.quickstart.stages import (MODEL_TITLES, PRETRAINED,
                                       PRETRAINED_DIR, QUICKSTART_CONFIGS)
from mmpose_ext.apis.work_dir_lock import work_dir_lock
from mmpose_ext.checkpoint import safe_torch_load
from mmpose_ext.fileio import sha256_file
from mmpose_ext.paths import REPO_ROOT
from mmpose_ext.synthetic import generate_benchmark
from tool_modules import exit_message, load_tool

TINY_LOADERS = dict(
    train_dataloader=dict(batch_size=8, num_workers=0,
                          persistent_workers=False),
    val_dataloader=dict(num_workers=0, persistent_workers=False),
    test_dataloader=dict(num_workers=0, persistent_workers=False))


def _settings(tmp_path, **kwargs):
    return QuickstartSettings(**{**dict(
        data_root=str(tmp_path / 'data'), work_root=str(tmp_path / 'work'),
        out_dir=str(tmp_path / 'out'), num_train=6, num_val=3, max_iters=2,
        pretrain_iters=2, pretrained_dir=str(tmp_path / 'pretrained'),
        cfg_options=TINY_LOADERS), **kwargs})


@pytest.fixture(scope='module')
def miniature(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('quickstart')
    lines = []
    runs = Quickstart(_settings(tmp_path, train_teachers=True),
                      say=lines.append).run()
    return tmp_path, runs, lines


def test_miniature_quickstart_writes_the_report(miniature):
    tmp_path, runs, _ = miniature
    out = tmp_path / 'out'
    for name in ('results.md', 'results.json', 'curves.png', 'joints.png',
                 'predictions.png'):
        assert (out / name).stat().st_size > 0, name
    table = (out / 'results.md').read_text()
    for words in ('student, distilled', 'oracle', 'cross PCKh',
                  'gap closed', 'not saturated',
                  'label-only student against the MPII-style teacher',
                  # qs_sample_ratio, read from the student's config
                  'COCO-style 1, MPII-style 3)'):
        assert words in table
    # every model trained here, teachers included: this machine's CPU
    assert f'its validations included, on {cpu_description()}.' in table
    assert 'was not recorded' not in table
    records = json.loads((out / 'results.json').read_text())[0]
    for record in records.values():
        for key in ('checkpoint', 'config', 'log_dir'):
            assert not osp.isabs(record.get(key, '')), (key, record)


def test_train_times_name_their_cpu_or_say_it_is_unknown():
    """The shipped teachers of the committed manifest were published before
    the CPU was recorded: the report names them instead of passing their
    times off as this machine's."""
    runs = [dict(teacher_coco=dict(train_seconds=1528.0, shipped=True),
                 baseline=dict(train_seconds=223.0, cpu='CPU A'),
                 distilled=dict(train_seconds=290.0, cpu='CPU A'),
                 oracle=dict(metrics={}))]
    text = timing_sentence(runs)
    assert 'included, on CPU A. The CPU was not recorded for: ' \
        f'{MODEL_TITLES["teacher_coco"]}.' == text.split('validations ')[1]
    runs.append(dict(baseline=dict(train_seconds=230.0, cpu='CPU B')))
    assert 'on CPU A; CPU B.' in timing_sentence(runs)
    assert timing_sentence([dict(oracle=dict(metrics={}))]) == ''


def test_a_stage_config_trains_the_stage_again_from_its_start(miniature):
    """quickstart_config.py beside a student is its training config: it
    must not load the finished stage's checkpoint (the tested one), or a
    training run from it would continue the stage instead of repeating it."""
    _, runs, _ = miniature
    for name in ('baseline', 'distilled', 'oracle'):
        record = runs[0][name]
        cfg = Config.fromfile(record['config'])
        assert cfg.load_from is None, name
        assert cfg.work_dir == osp.dirname(record['checkpoint']), name
        student = cfg.model.get('student', cfg.model)
        assert student.init_cfg.checkpoint.endswith('student_init.pth'), name


def _runner_dump(record: dict) -> str:
    """The config MMEngine's runner dumped beside the stage's checkpoint."""
    dumped, = [path for path in glob.glob(
        osp.join(osp.dirname(record['checkpoint']), '*.py'))
        if osp.basename(path) != osp.basename(record['config'])]
    return dumped


@pytest.mark.parametrize('which', ['quickstart_config', 'runner_dump'])
def test_a_stage_config_runs_through_tools_test_py(miniature, tmp_path,
                                                   which):
    """Both configs a stage leaves beside its checkpoint test it again in a
    process that has not imported the quick start: quickstart_config.py,
    written for that, and the runner's own dump, which an MMPose user
    reaches for first and which holds the quick start's progress hook
    (mmpose_ext, which the config imports, registers it)."""
    _, runs, _ = miniature
    record = runs[0]['baseline']
    config = (record['config'] if which == 'quickstart_config' else
              _runner_dump(record))
    if which == 'runner_dump':
        assert 'ProgressHook' in open(config).read()
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'test.py'),
         config, record['checkpoint'],
         '--work-dir', str(tmp_path / 'test')],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    scores = [json.loads(line) for log in glob.glob(
        str(tmp_path / 'test' / '*' / '*.json')) for line in open(log)]
    assert any('coco/AP' in score for score in scores), scores


def test_every_student_is_scored_on_every_metric_and_joint(miniature):
    _, runs, _ = miniature
    for name in ('baseline', 'distilled', 'oracle'):
        metrics = runs[0][name]['metrics']
        assert {'coco/AP', 'mpii/PCK', 'full/coco/PCKh_unlabelled',
                'full/mpii/PCKh_unlabelled', 'full/coco/PCKh_head_top',
                'full/mpii/PCKh_nose'} <= set(metrics), name
    assert 'coco/AP' in runs[0]['teacher_coco']['metrics']
    assert 'PCK' in runs[0]['teacher_mpii']['metrics']


def test_teacher_cross_scores_crop_as_the_distiller_does(miniature):
    """The COCO-style teacher's cross score on MPII-style images uses the
    boxes scaled by its box_scale, as its distillation crops do."""
    tmp_path, _, _ = miniature
    distilled = quickstart_config('distilled', _settings(tmp_path), 0,
                                  str(tmp_path / 'unused'))
    factor = distilled.model.teachers[0]['box_scale']['mpii']
    assert factor == pytest.approx(1 / 1.5)
    dumped, = glob.glob(str(tmp_path / 'work' / 'teachers_eval' /
                            'teacher_coco' / 'cross' / 'mpii' /
                            'teacher-coco*.py'))
    pipeline = Config.fromfile(dumped).test_dataloader.dataset.pipeline
    step, = [s for s in pipeline if s['type'] == 'GetBBoxCenterScale']
    assert step['padding'] == pytest.approx(1.25 * factor)


def test_trained_pretrained_models_are_published_with_their_sha256(
        miniature):
    tmp_path, _, _ = miniature
    folder = tmp_path / 'pretrained'
    listed = json.loads((folder / 'manifest.json').read_text())['quickstart']
    assert sorted(e['name'] for e in listed) == sorted(PRETRAINED.values())
    shipped.verify(str(folder))
    for entry in listed:
        assert entry['iters'] == 2 and entry['val_curve']


def test_second_run_takes_the_published_models_and_reuses_students(
        miniature):
    tmp_path, runs, _ = miniature
    again = []
    Quickstart(_settings(tmp_path), say=again.append).run()
    assert sum('(seed 0): reusing finished run' in line
               for line in again) == 3
    assert sum('evaluation of teacher_' in line and 'reusing' in line
               for line in again) == 2
    assert not any('training' in line for line in again)
    record = json.loads((tmp_path / 'out' / 'results.json').read_text())[0]
    # This work root is outside the repository: the record written for
    # committing keeps the checkpoint's file name, not the machine's path
    # (kd_bench.portable; inside the repository it is repository-relative).
    assert record['distilled']['checkpoint'] == osp.basename(
        runs[0]['distilled']['checkpoint'])


def test_altered_shipped_model_is_refused_naming_file_and_fix(
        miniature, tmp_path):
    source, _, _ = miniature
    folder = tmp_path / 'pretrained'
    folder.mkdir()
    for file in (source / 'pretrained').iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    (folder / 'mpii.pth').write_bytes(b'not the teacher')
    settings = _settings(tmp_path)
    with pytest.raises(QuickstartError, match=r'mpii\.pth.*sha256.*'
                       r'--train-teachers'):
        Quickstart(settings, say=lambda line: None).pretrained()


def test_data_root_of_another_benchmark_is_refused_naming_the_option(
        tmp_path, capsys):
    # e.g. one that tools/make_synthetic.py wrote with its own defaults
    generate_benchmark(tmp_path / 'data', num_train=2, num_val=1)
    err = exit_message(capsys, load_tool('quickstart').main, [
        '--data-root', str(tmp_path / 'data'), '--work-root',
        str(tmp_path / 'work'), '--out-dir', str(tmp_path / 'out')])
    assert re.search(r'num_train is 2 there but 600 here.*Delete that '
                     r'folder.*--data-root', err), err
    assert not (tmp_path / 'out').exists()


def test_shipped_quickstart_models_match_the_manifest():
    shipped.verify(PRETRAINED_DIR)


def test_only_one_model_publishes_it_beside_the_listed_ones(
        miniature, tmp_path):
    """`--train-teachers --only teacher_mpii` reuses the finished run and
    publishes that model alone; the other entries stay as they were."""
    source, _, _ = miniature
    folder = tmp_path / 'pretrained'
    folder.mkdir()
    for file in (source / 'pretrained').iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    before = json.loads((folder / 'manifest.json').read_text())
    listed = {e['name']: e for e in before['quickstart']}
    listed['coco']['metrics'] = {'marker': 1.0}  # must survive as it is
    (folder / 'manifest.json').write_text(json.dumps(dict(
        before, quickstart=list(listed.values()))))
    (folder / 'mpii.pth').unlink()
    lines = []
    settings = _settings(source, train_teachers=True, only=['teacher_mpii'])
    settings.pretrained_dir = str(folder)
    Quickstart(settings, say=lines.append).pretrained()
    assert any('reusing finished run' in line for line in lines)
    assert any(line.endswith('published ' + str(folder / 'mpii.pth'))
               for line in lines)
    after = {e['name']: e for e in json.loads(
        (folder / 'manifest.json').read_text())['quickstart']}
    assert list(after) == ['coco', 'mpii', 'student_init']
    assert after['coco']['metrics'] == {'marker': 1.0}
    shipped.verify(str(folder))


def test_mpii_style_teacher_starts_from_the_published_coco_style_one(
        miniature):
    """As the real MPII teacher starts from a backbone pre-trained on AIC
    and COCO: the MPII-style teacher's backbone starts from the COCO-style
    teacher that `--train-teachers` published just before it."""
    tmp_path, _, _ = miniature
    coco = tmp_path / 'pretrained' / 'coco.pth'
    cfg = quickstart_config('teacher_mpii', _settings(tmp_path), 0,
                            str(tmp_path / 'unused'))
    model = build_pose_estimator(cfg.model)
    model.init_weights()
    published = safe_torch_load(coco, map_location='cpu')['state_dict']
    for key, value in model.backbone.state_dict().items():
        if not key.endswith('num_batches_tracked'):
            assert torch.equal(value, published[f'backbone.{key}']), key
    done = json.loads((tmp_path / 'work' / 'pretrained' / 'teacher_mpii' /
                       pipeline.DONE).read_text())
    assert done['made_from']['checkpoints'] == {
        'backbone.init_cfg': sha256_file(coco)}


def test_mpii_style_teacher_without_its_starting_point_says_what_to_train(
        miniature, tmp_path):
    root = _copy_of(miniature, tmp_path)
    (root / 'pretrained' / 'coco.pth').unlink()
    settings = _settings(root, train_teachers=True, only=['teacher_mpii'])
    with pytest.raises(QuickstartError, match=r'teacher_mpii starts from '
                       r'\S*coco\.pth \(backbone\.init_cfg\), which does '
                       r'not exist.*--only teacher_coco teacher_mpii'):
        Quickstart(settings, say=lambda line: None).pretrained()


def test_student_without_its_initialisation_says_what_to_train(
        miniature, tmp_path):
    root = _copy_of(miniature, tmp_path)
    (root / 'pretrained' / 'student_init.pth').unlink()
    with pytest.raises(QuickstartError, match=r'baseline starts from '
                       r'\S*student_init\.pth \(init_cfg\), which does not '
                       r'exist.*--only student_init$'):
        Quickstart(_settings(root, max_iters=3),
                   say=lambda line: None).train('baseline', 0)


def test_pretrained_models_train_after_those_they_start_from(tmp_path):
    settings = _settings(tmp_path, train_teachers=True, only=[
        'student_init', 'teacher_mpii', 'teacher_coco'])
    assert Quickstart(settings).pretrained_to_train() == [
        'teacher_coco', 'teacher_mpii', 'student_init']


# --- reuse only of stages made from the same settings ------------------------

def _copy_of(miniature, tmp_path):
    """The miniature's data, runs and pre-trained models in ``tmp_path``,
    for a test that changes them."""
    source, _, _ = miniature
    for folder in ('data', 'work', 'pretrained'):
        shutil.copytree(source / folder, tmp_path / folder)
    return tmp_path


def test_fresh_forgets_only_the_stages_of_this_run(miniature, tmp_path):
    root = _copy_of(miniature, tmp_path)
    work = root / 'work'
    (work / 'coco-mpii-crowdpose' / 'seed0').mkdir(parents=True)
    (work / 'seed1' / 'baseline').mkdir(parents=True)
    Quickstart(_settings(root), say=lambda line: None).forget()
    for forgotten in ('seed0/baseline', 'seed0/distilled', 'seed0/oracle',
                      'teachers_eval/teacher_coco',
                      'teachers_eval/teacher_mpii'):
        assert not (work / forgotten).exists(), forgotten
    for kept in ('coco-mpii-crowdpose/seed0', 'seed1/baseline',
                 'pretrained/teacher_coco', 'pretrained/teacher_mpii',
                 'pretrained/student_init'):
        assert (work / kept).is_dir(), kept


def test_fresh_with_only_forgets_just_that_pretrained_model(
        miniature, tmp_path):
    root = _copy_of(miniature, tmp_path)
    work = root / 'work'
    Quickstart(_settings(root, train_teachers=True, only=['teacher_mpii']),
               say=lambda line: None).forget()
    assert not (work / 'pretrained' / 'teacher_mpii').exists()
    for kept in ('pretrained/teacher_coco', 'pretrained/student_init',
                 'teachers_eval/teacher_mpii', 'seed0/distilled'):
        assert (work / kept).is_dir(), kept


def test_changed_max_iters_retrains_the_student(miniature, tmp_path):
    root = _copy_of(miniature, tmp_path)
    lines = []
    record = Quickstart(_settings(root, max_iters=3),
                        say=lines.append).train('baseline', 0)
    assert record['iters'] == 3
    assert any('baseline (seed 0)' in line and 'iters 2, now 3' in line
               and 'training again' in line for line in lines), lines
    # the earlier run's checkpoints go first: training refuses to overwrite
    assert any('removing the 1 checkpoint(s)' in line for line in lines)
    done = json.loads(
        (root / 'work' / 'seed0' / 'baseline' / 'quickstart_done.json')
        .read_text())
    assert done['iters'] == 3 and done['made_from']['iters'] == 3


def test_a_stage_another_training_holds_is_left_alone(miniature, tmp_path):
    """A second quick start on the same work root stops at a stage the first
    is training, with one line, and deletes none of its checkpoints."""
    root = _copy_of(miniature, tmp_path)
    work_dir = root / 'work' / 'seed0' / 'baseline'
    before = sorted(p.name for p in work_dir.iterdir())
    assert 'last_checkpoint' in before
    with work_dir_lock(str(work_dir)):
        with pytest.raises(QuickstartError) as error:
            Quickstart(_settings(root, max_iters=3),
                       say=lambda line: None).train('baseline', 0)
    assert sorted(p.name for p in work_dir.iterdir()) == before
    message = str(error.value)
    assert message.startswith(f'baseline (seed 0): its work dir {work_dir} '
                              'is in use by another training (PID ')
    assert message.endswith('give this run another --work-root')


def _run_seed_0_again(root):
    """Run the teachers' evaluations and seed 0 in ``root`` again: what the
    quick start said, and its lines about stages it makes again (two of
    them)."""
    lines = []
    quickstart = Quickstart(_settings(root), say=lines.append)
    quickstart.pretrained()
    quickstart.run_seed(0)
    again = [line for line in lines if 'cannot be reused' in line]
    assert len(again) == 2, lines
    return lines, again


def test_changed_teacher_checkpoint_is_not_reused(miniature, tmp_path):
    """A teacher published again (another file): its evaluation and the
    distilled student are made again, the label-only student is reused."""
    root = _copy_of(miniature, tmp_path)
    folder = root / 'pretrained'
    teacher = safe_torch_load(folder / 'mpii.pth', map_location='cpu')
    for value in teacher['state_dict'].values():
        if value.is_floating_point():
            value.add_(0.01)
            break
    torch.save(teacher, folder / 'mpii.pth')
    manifest = json.loads((folder / 'manifest.json').read_text())
    for entry in manifest['quickstart']:
        if entry['name'] == 'mpii':
            entry['sha256'] = sha256_file(folder / 'mpii.pth')
    (folder / 'manifest.json').write_text(json.dumps(manifest))
    lines, again = _run_seed_0_again(root)
    assert 'evaluation of teacher_mpii' in again[0]
    assert 'distilled (seed 0)' in again[1]
    assert 'checkpoints.teachers.mpii' in again[1]
    assert any('baseline (seed 0): reusing' in line for line in lines)


def test_edited_config_is_not_reused(miniature, tmp_path, monkeypatch):
    """A config file edited between runs (here the COCO-style teacher's
    temperature in the distilled student's config): the distilled student
    and that teacher's evaluation are made again, the others reused."""
    root = _copy_of(miniature, tmp_path)
    read_config = pipeline.read_config

    def edited(path):
        cfg = read_config(path)
        if osp.basename(path) == QUICKSTART_CONFIGS['distilled']:
            cfg.model.teachers[0]['temperature'] = 1.25
        return cfg

    monkeypatch.setattr(pipeline, 'read_config', edited)
    lines, again = _run_seed_0_again(root)
    assert 'evaluation of teacher_coco' in again[0]
    assert 'distilled (seed 0)' in again[1]
    assert 'resolved_config' in again[1]
    for reused in ('evaluation of teacher_mpii', 'baseline (seed 0)',
                   'oracle (seed 0)'):
        assert any(reused in line and 'reusing' in line
                   for line in lines), reused


def test_changed_pretrain_iters_retrains_before_publishing(
        miniature, tmp_path):
    """The finished 2-iteration teacher is not published as a 3-iteration
    one."""
    root = _copy_of(miniature, tmp_path)
    lines = []
    settings = _settings(root, train_teachers=True, only=['teacher_mpii'],
                         pretrain_iters=3)
    Quickstart(settings, say=lines.append).pretrained()
    assert any('teacher_mpii (seed 0)' in line and 'iters 2, now 3' in line
               for line in lines), lines
    published = safe_torch_load(root / 'pretrained' / 'mpii.pth',
                                map_location='cpu')
    assert published['meta']['iters'] == 3
    shipped.verify(str(root / 'pretrained'))


def test_done_file_without_record_is_made_again():
    """Done files written before the settings were recorded (seed and
    iterations only) cannot tell what config made them: never reused."""
    made_from = dict(config='c.py', iters=1000, seed=0,
                     resolved_config='2' * 64,
                     benchmark=dict(num_train=600, sha256='0' * 64),
                     cfg_options={}, checkpoints={'init_cfg': '1' * 64})
    old_student = dict(name='baseline', seed=0, iters=1000, metrics={})
    assert differences(old_student, made_from) == [
        'its settings were not recorded']
    assert differences(dict(made_from=made_from), made_from) == []


def test_done_file_of_other_data_is_not_reused():
    made_from = dict(iters=4, seed=0,
                     benchmark=dict(num_train=600, sha256='0' * 64))
    done = dict(made_from=dict(made_from, benchmark=dict(
        num_train=6, sha256='1' * 64)))
    assert differences(done, made_from) == [
        'benchmark.num_train 6, now 600',
        'benchmark.sha256 111111111111, now 000000000000']


def test_fresh_option_keeps_other_runs_in_the_work_root(tmp_path,
                                                        monkeypatch):
    monkeypatch.setattr(Quickstart, 'run', lambda self: [])
    work = tmp_path / 'work'
    for folder in ('seed0/distilled', 'teachers_eval/teacher_mpii',
                   'seed1/distilled', 'pretrained/student_init', 'other'):
        (work / folder).mkdir(parents=True)
    load_tool('quickstart').main([
        '--fresh', '--work-root', str(work), '--data-root',
        str(tmp_path / 'data'), '--out-dir', str(tmp_path / 'out')])
    assert not any((work / 'seed0').iterdir())
    assert not (work / 'teachers_eval' / 'teacher_mpii').exists()
    for kept in ('seed1/distilled', 'pretrained/student_init', 'other'):
        assert (work / kept).is_dir(), kept
