"""int8 export of the shipped quick-start student: ONNX Runtime static
quantisation calibrated on crops of test-made data, checked in keypoint
pixels, run by the batched ORT estimator and the demo; and bad input."""
import json
import os.path as osp
import shutil
from collections import Counter

import cv2
import numpy as np
import onnx
import pytest
import torch
from mmpose.registry import MODELS
from torch import nn

from conftest import write_coco_mpii
from kd_bench.inference_benchmark import (ModelArg, benchmark_models,
                                          render_markdown)
from kd_bench.quickstart.pipeline import retarget
from mmpose_ext import apis
from mmpose_ext.apis import load_config
from mmpose_ext.checkpoint import read_checkpoint
from mmpose_ext.compression import CalibrationDataError, calibration_inputs
from mmpose_ext.compression.int8 import (PIXEL_TOLERANCE, CalibrationReader,
                                         export_int8_student, float_path)
from mmpose_ext.fileio import sha256_file
from mmpose_ext.inference import OnnxModelMismatchError, OrtPoseEstimator
from mmpose_ext.inference.demo import run_demo
from mmpose_ext.inference.model import init_pose_model
from mmpose_ext.inference.sample_images import astronaut
from mmpose_ext.paths import REPO_ROOT
from tool_modules import exit_message, last_train_checkpoint, load_tool

# A trained model (random weights give flat logits whose argmax says nothing
# about quantisation error): the quick start's label-only RTMPose-t, 64x48.
QS_CONFIG = osp.join(REPO_ROOT, 'configs', 'quickstart',
                     'rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py')
QS_CHECKPOINT = osp.join(REPO_ROOT, 'teachers', 'quickstart',
                         'student_init.pth')
NUM_CROPS = 8
# The int8 students (configs/quantize/): ReLU in place of the backbone's
# SiLU, and the distillation configs they inherit from.
RELU_QS_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'quantize',
    'distill_rtmpose-t-relu_quickstart_synthetic-coco-mpii-64x48.py')
RELU_CONFIGS = {
    RELU_QS_CONFIG: osp.join(
        REPO_ROOT, 'configs', 'quickstart',
        'distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py'),
    osp.join(REPO_ROOT, 'configs', 'quantize',
             'rtmpose-t-relu_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py'):
    osp.join(REPO_ROOT, 'configs', 'distill',
             'rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py')}
# ReLU everywhere, from the initialisation on
RELU_ALL_INIT_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'quantize',
    'rtmpose-t-relu-all-init_quickstart_synthetic-coco-mpii-64x48.py')
RELU_ALL_QS_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'quantize',
    'distill_rtmpose-t-relu-all_quickstart_synthetic-coco-mpii-64x48.py')


def _with_test_data(data_root, path, config=QS_CONFIG):
    """The quick-start ``config`` with its train, val and test splits (and
    their COCO AP and MPII PCKh) on test-made data."""
    cfg = load_config(config)
    coco, mpii = cfg.train_dataloader.dataset.datasets
    coco.update(data_root=f'{data_root}/coco/', data_prefix=dict(
        img='train2017/'), ann_file='annotations/person_keypoints_train2017'
        '.json')
    mpii.update(data_root=f'{data_root}/mpii/')
    coco, mpii = cfg.val_dataloader.dataset.datasets
    coco.update(data_root=f'{data_root}/coco/', data_prefix=dict(
        img='val2017/'), ann_file='annotations/person_keypoints_val2017.json')
    mpii.update(data_root=f'{data_root}/mpii/',
                headbox_file=f'{data_root}/mpii/annotations/mpii_gt_val.mat')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = cfg.test_evaluator = dict(
        type='PerSourceMetric', sources=dict(
            coco=dict(type='CocoMetric', ann_file=f'{data_root}/coco/'
                      'annotations/person_keypoints_val2017.json'),
            mpii=dict(type='MpiiPCKAccuracy', norm_item='head')))
    cfg.dump(path)
    return path


@pytest.fixture(scope='module')
def int8_export(tmp_path_factory):
    root = tmp_path_factory.mktemp('int8')
    data = write_coco_mpii(root / 'data')
    config = _with_test_data(data, str(root / 'quickstart.py'))
    # 8 crops of the split it is scored on: a few augmented training crops
    # of these few people set ranges too far from them
    report = export_int8_student(config, QS_CHECKPOINT,
                                 str(root / 'student_int8.onnx'),
                                 images=[astronaut()], split='val',
                                 num_crops=NUM_CROPS)
    return config, report


def _op_counts(onnx_file):
    return Counter(node.op_type for node in onnx.load(onnx_file).graph.node)


def _student(config):
    cfg = load_config(config)
    return MODELS.build(cfg.model.get('student', cfg.model))


@pytest.mark.parametrize('relu_config', sorted(RELU_CONFIGS))
def test_relu_configs_swap_the_backbone_silus_and_keep_the_weights(
        relu_config):
    relu, silu = _student(relu_config), _student(RELU_CONFIGS[relu_config])
    assert not any(isinstance(m, nn.SiLU) for m in relu.backbone.modules())
    # the head's attention unit keeps its one
    assert [type(m) for m in relu.head.modules() if isinstance(
        m, (nn.SiLU, nn.ReLU))] == [nn.SiLU]
    assert Counter(type(m) for m in relu.modules())[nn.ReLU] == Counter(
        type(m) for m in silu.modules())[nn.SiLU] - 1 > 0
    # the same weights: the distilled SiLU student's checkpoint loads
    assert {k: v.shape for k, v in relu.state_dict().items()} == \
        {k: v.shape for k, v in silu.state_dict().items()}


def test_relu_all_configs_leave_no_silu_and_chain_init_to_student():
    """The ReLU-from-the-start pair: an initialisation without a SiLU, and a
    distilled student of the same network that starts from its last
    checkpoint where tools/train.py writes it."""
    init, distill = (load_config(RELU_ALL_INIT_CONFIG),
                     load_config(RELU_ALL_QS_CONFIG))
    for model in (MODELS.build(init.model),
                  MODELS.build(distill.model.student)):
        kinds = Counter(type(m) for m in model.modules())
        assert kinds[nn.SiLU] == 0 and kinds[nn.ReLU] > 0
    assert distill.model.student.init_cfg.checkpoint == \
        last_train_checkpoint(RELU_ALL_INIT_CONFIG)


def test_relu_student_int8_graph_folds_every_activation(int8_export,
                                                        tmp_path):
    # Each SiLU of the int8 graph is a Sigmoid and a Mul of its own; each
    # ReLU is folded into the int8 convolution before it. Left in the ReLU
    # student: the head's SiLU; the one Relu in both is the head's
    # squared-ReLU attention.
    _, report = int8_export
    silu_ops = _op_counts(report.onnx_file)
    data = write_coco_mpii(tmp_path / 'data')
    config = _with_test_data(data, str(tmp_path / 'relu.py'), RELU_QS_CONFIG)
    # the SiLU student's weights, not fine-tuned: structure only
    relu_report = export_int8_student(
        config, QS_CHECKPOINT, str(tmp_path / 'relu_int8.onnx'),
        num_crops=NUM_CROPS, pixel_tolerance=float('inf'))
    relu_ops = _op_counts(relu_report.onnx_file)
    assert silu_ops['Sigmoid'] >= 18 and relu_ops['Sigmoid'] == 1
    assert relu_ops['Relu'] == silu_ops['Relu'] == 1
    assert relu_ops['Conv'] == silu_ops['Conv']
    assert relu_ops['QuantizeLinear'] < silu_ops['QuantizeLinear']


def test_calibration_crops_come_from_the_config_pipeline(int8_export):
    config, report = int8_export
    inputs = calibration_inputs(config, 'val', NUM_CROPS)
    assert inputs.shape == (NUM_CROPS, 3, 64, 48)  # h, w of the 64x48 crops
    assert inputs.dtype == np.float32 and inputs.max() > 1  # pixels 0-255
    assert report.num_calibration == NUM_CROPS


def test_training_pipeline_calibration_is_the_same_every_time(int8_export):
    # the default split: augmented at random, but under a fixed seed, and
    # the caller's generators are left as they were
    config, _ = int8_export
    np.random.seed(123)
    expected_next = np.random.rand()
    np.random.seed(123)
    first = calibration_inputs(config, num_crops=NUM_CROPS)
    assert np.random.rand() == expected_next
    second = calibration_inputs(config, 'train', NUM_CROPS)
    assert first.shape == (NUM_CROPS, 3, 64, 48)
    np.testing.assert_array_equal(first, second)
    # the training pipeline's augmentation, not the val split's crops
    assert not np.array_equal(first, calibration_inputs(config, 'val',
                                                        NUM_CROPS))


def test_calibration_reader_feeds_each_crop_once_per_pass():
    inputs = np.zeros((3, 3, 4, 4), np.float32)
    reader = CalibrationReader('input', inputs)
    for _ in range(2):
        fed = []
        while (item := reader.get_next()) is not None:
            fed.append(item['input'].shape)
        assert fed == [(1, 3, 4, 4)] * 3
        reader.rewind()


def test_int8_graph_is_quantised_and_keeps_the_model_spec(int8_export):
    _, report = int8_export
    graph = onnx.load(report.onnx_file)
    ops = {node.op_type for node in graph.graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= ops
    meta = {p.key: p.value for p in graph.metadata_props}
    assert meta['precision'] == 'int8'
    floats = {p.key: p.value for p in onnx.load(
        report.float_file).metadata_props}
    assert {k: v for k, v in meta.items() if k.startswith('mmpose_ext')} \
        == {k: v for k, v in floats.items() if k.startswith('mmpose_ext')}
    assert osp.getsize(report.onnx_file) < 0.5 * osp.getsize(
        report.float_file)


def test_int8_keypoints_are_within_2_pixels_of_float32(int8_export):
    # Mean over the joints of the astronaut and calibration crops, in pixels
    # of the 64x48 crop; the float32 graph itself matches PyTorch to 1e-4.
    _, report = int8_export
    assert PIXEL_TOLERANCE == 2.0
    assert report.mean_pixel_error <= PIXEL_TOLERANCE
    assert report.float_report.max_abs_diff_real < 1e-4


def test_batched_ort_estimator_runs_the_int8_graph(int8_export):
    config, report = int8_export
    image = astronaut()
    h, w = image.shape[:2]
    boxes = np.array([[0, 0, w, h], [0, 0, w / 2, h], [w / 2, 0, w, h]])
    ours = OrtPoseEstimator(report.onnx_file, config=config)(image, boxes)
    ref = OrtPoseEstimator(report.float_file, config=config)(image, boxes)
    assert ours.keypoints.shape == ref.keypoints.shape == (3, 21, 2)
    distance = np.linalg.norm(ours.keypoints - ref.keypoints, axis=-1)
    assert np.median(distance) < 0.05 * h


def test_demo_runs_the_int8_graph(int8_export, tmp_path):
    config, report = int8_export
    image = str(tmp_path / 'astronaut.jpg')
    cv2.imwrite(image, astronaut())
    run_demo(image, config, report.onnx_file, pred_out_dir=str(tmp_path))
    with open(tmp_path / 'astronaut.json') as f:
        people = json.load(f)['instances']
    assert len(people) == 1 and len(people[0]['keypoints']) == 21


def test_export_cli_int8_prints_the_pixel_parity(int8_export, tmp_path,
                                                 capsys):
    config, _ = int8_export
    out = str(tmp_path / 'cli_int8.onnx')
    load_tool('export_onnx').main([config, QS_CHECKPOINT, out, '--int8',
                                   '--calib-crops', '4'])
    printed = capsys.readouterr().out
    assert 'calibrated on 4 train crops' in printed
    assert 'px mean' in printed and 'required mean <= 2' in printed
    assert osp.isfile(out) and osp.isfile(out[:-len('.onnx')] + '.fp32.onnx')


def test_export_cli_int8_applies_the_float32_tolerance(int8_export,
                                                      tmp_path, capsys):
    # --tolerance reaches the float32 export an int8 one starts from
    config, _ = int8_export
    out = str(tmp_path / 'strict_int8.onnx')
    with pytest.raises(SystemExit) as exit_info:
        load_tool('export_onnx').main([config, QS_CHECKPOINT, out, '--int8',
                                       '--calib-crops', '4',
                                       '--tolerance', '1e-12'])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert 'disagrees with PyTorch' in err and '1e-12' in err
    assert f'{float_path(out)!r} was not written (nor {out!r}' in err
    assert not osp.exists(out) and not osp.exists(float_path(out))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]


def _other_model(path):
    """The quick-start student with every weight nudged: another model of
    the same config."""
    state = read_checkpoint(QS_CHECKPOINT)['state_dict']
    torch.manual_seed(1)
    torch.save(dict(state_dict={
        k: v * (1 + 0.05 * torch.randn_like(v)) if v.is_floating_point()
        else v for k, v in state.items()}), path)
    return str(path)


def _graph_source(onnx_file):
    return {p.key: p.value for p in onnx.load(onnx_file).metadata_props
            }['source_checkpoint']


def test_failed_int8_export_leaves_the_kept_pair_as_it_was(
        int8_export, tmp_path, capsys):
    # a failing export of another model used to replace OUT.fp32.onnx all
    # the same, so OUT and its float32 copy came from different models
    config, report = int8_export
    out = str(tmp_path / 's_int8.onnx')
    shutil.copy(report.onnx_file, out)
    shutil.copy(report.float_file, float_path(out))
    kept = sha256_file(out), sha256_file(float_path(out))
    other = _other_model(tmp_path / 'other.pth')
    args = [config, other, out, '--int8', '--calib-split', 'val',
            '--calib-crops', str(NUM_CROPS)]
    with pytest.raises(SystemExit) as exit_info:
        load_tool('export_onnx').main(args + ['--pixel-tolerance', '1e-6'])
    assert exit_info.value.code == 2
    assert (sha256_file(out), sha256_file(float_path(out))) == kept
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f'{out!r} was not written (nor {float_path(out)!r}' in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]
    # and a passing export replaces both
    load_tool('export_onnx').main(args + ['--pixel-tolerance', '1e6'])
    assert _graph_source(out) == _graph_source(float_path(out)) == \
        'other.pth'


def test_int8_export_without_calibration_data_is_refused(tmp_path, capsys):
    # the quick-start config as shipped: its synthetic data is not made here
    cfg = load_config(QS_CONFIG)
    for dataset in (cfg.train_dataloader.dataset.datasets
                    + cfg.val_dataloader.dataset.datasets):
        dataset.data_root = str(tmp_path / 'no_data') + '/'
        dataset.pop('headbox_file', None)
    config = str(tmp_path / 'no_data.py')
    cfg.dump(config)
    out = str(tmp_path / 'never.onnx')
    with pytest.raises(SystemExit) as exit_info:
        load_tool('export_onnx').main([config, QS_CHECKPOINT, out, '--int8'])
    assert exit_info.value.code == 2
    # one line, after whatever warnings the libraries printed
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('export_onnx.py: error: no int8 calibration data')
    assert not osp.exists(out)


def test_int8_export_of_an_empty_split_is_refused(tmp_path):
    data = write_coco_mpii(tmp_path / 'data')
    config = _with_test_data(data, str(tmp_path / 'empty.py'))
    ann = data / 'coco' / 'annotations' / 'person_keypoints_val2017.json'
    coco = json.loads(ann.read_text())
    ann.write_text(json.dumps(dict(coco, annotations=[])))
    (data / 'mpii' / 'annotations' / 'mpii_val.json').write_text('[]')
    with pytest.raises(CalibrationDataError, match='no int8 calibration'):
        calibration_inputs(config, 'val', 4)


def _scores(config, model_file, work_dir):
    """``tools/test.py CONFIG MODEL``'s metrics (apis.test_cfg is not
    imported by name: pytest would collect it)."""
    return apis.run_test(apis.test_cfg(config, model_file,
                                       work_dir=str(work_dir)))


def _on_synthetic_data(config, data_root, path):
    """Quick-start ``config`` reading the synthetic benchmark at
    ``data_root``, dumped to ``path``."""
    cfg = load_config(config)
    retarget(cfg, cfg.qs_root, str(data_root)).dump(path)
    return path


@pytest.fixture(scope='module')
def synthetic_config(tmp_path_factory):
    """The quick-start config on a small synthetic benchmark made here (the
    style the student was trained on, so it scores above zero), with its
    evaluator: COCO AP, MPII PCKh and full-truth (cross) PCKh."""
    from mmpose_ext.synthetic import generate_benchmark
    root = tmp_path_factory.mktemp('int8_synthetic')
    generate_benchmark(root / 'data', seed=1, num_train=1, num_val=6)
    return _on_synthetic_data(QS_CONFIG, root / 'data',
                              str(root / 'quickstart.py'))


def test_train_tool_fine_tunes_the_relu_student_from_a_distilled_one(
        synthetic_config, tmp_path):
    # configs/quantize/ through tools/train.py: the SiLU student's
    # distillation checkpoint loads as load_from, and the saved student has
    # no SiLU in its backbone
    config = _on_synthetic_data(
        RELU_QS_CONFIG, osp.join(osp.dirname(synthetic_config), 'data'),
        str(tmp_path / 'relu.py'))
    distilled = str(tmp_path / 'silu_distilled.pth')
    torch.save(dict(state_dict={
        f'student.{k}': v
        for k, v in read_checkpoint(QS_CHECKPOINT)['state_dict'].items()}),
        distilled)
    work_dir = tmp_path / 'work'
    load_tool('train').main([
        config, '--work-dir', str(work_dir), '--cfg-options',
        f'load_from={distilled}', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2'])
    model = init_pose_model(config, str(work_dir / 'iter_2.pth'))
    kinds = Counter(type(m) for m in model.backbone.modules())
    assert kinds[nn.SiLU] == 0 and kinds[nn.ReLU] > 0


@pytest.fixture(scope='module')
def scores(int8_export, synthetic_config, tmp_path_factory):
    """The checkpoint's, its float32 graph's and its int8 graph's metrics
    on the synthetic val split."""
    _, report = int8_export
    config = synthetic_config
    root = tmp_path_factory.mktemp('int8_scores')
    return {name: _scores(config, model_file, root / name)
            for name, model_file in (('checkpoint', QS_CHECKPOINT),
                                     ('float32', report.float_file),
                                     ('int8', report.onnx_file))}


def test_test_tool_scores_a_float32_graph_as_its_checkpoint(scores):
    # the same pipeline, flip test, decoding and metrics; only the network
    # runs in ONNX Runtime (SimCC within 1e-4 of PyTorch)
    # not zeros against zeros
    assert scores['checkpoint']['coco/AP'] > 0.1
    assert scores['checkpoint']['mpii/PCK'] > 10
    assert scores['float32'] == pytest.approx(scores['checkpoint'],
                                              abs=1e-3)


def test_test_tool_scores_the_int8_graph(scores):
    int8, float32 = scores['int8'], scores['float32']
    assert set(int8) == set(float32)
    assert 0 <= int8['coco/AP'] <= 1 and 0 <= int8['mpii/PCK'] <= 100
    # a few joints of a few people: int8 costs little, but is not float32
    assert int8['mpii/PCK'] == pytest.approx(float32['mpii/PCK'], abs=15)


def test_test_tool_refuses_a_graph_of_another_model(int8_export, tmp_path,
                                                    capsys):
    config, report = int8_export
    cfg = load_config(config)
    cfg.model.head.out_channels = 17  # a COCO-17 model
    other = str(tmp_path / 'coco17.py')
    cfg.dump(other)
    with pytest.raises(OnnxModelMismatchError,
                       match=f'model but config .{other}. builds'):
        _scores(other, report.onnx_file, tmp_path / 'work')
    with pytest.raises(SystemExit) as exit_info:
        load_tool('test').main([other, report.onnx_file, '--work-dir',
                                str(tmp_path / 'cli')])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('test.py: error: ') and '17' in err


def test_benchmark_takes_the_int8_graph_as_a_row(int8_export, scores,
                                                 synthetic_config, tmp_path):
    config, report = int8_export
    results = benchmark_models(
        [ModelArg(config, QS_CHECKPOINT, 'float32'),
         ModelArg(config, report.onnx_file, 'int8')],
        astronaut(), np.array([[0., 0., 256., 512.]]), str(tmp_path),
        warmup=0, repeats=1, dataset_config=synthetic_config)
    fp32, int8 = results
    assert int8['checkpoint_mb'] is None and int8['onnx_file'] == \
        report.onnx_file
    assert int8['flops'] == fp32['flops'] and int8['params'] == fp32['params']
    assert int8['onnx_zip_mb'] < fp32['onnx_zip_mb']
    assert {t['backend'] for t in int8['latency']} == {'onnxruntime',
                                                       'rtmlib'}
    assert int8['pytorch_max_keypoint_diff'] is None
    assert int8['accuracy'] == scores['int8']
    markdown = render_markdown(dict(
        machine=dict(date='d', platform='p', cpu='c',
                     torch='t', torch_threads=2, onnxruntime='o',
                     ort_threads='default', load_average_1min=0.0),
        setup=dict(image='astronaut', image_size=[512, 512], num_people=1,
                   warmup=0, repeats=1, calls=1, settle=0.05,
                   reference='float32', goal=0.6),
        models=results))
    summary = markdown.split('## Summary')[1].split('## Goals')[0]
    row = next(line for line in summary.splitlines()
               if line.startswith('| int8 |'))
    assert f'| {int8["accuracy"]["coco/AP"] * 100:.1f} |' in row
    assert '(goal <= 0.6x)' in markdown


@pytest.mark.parametrize('option', [['--calib-crops', '16'],
                                    ['--calib-split', 'val'],
                                    ['--pixel-tolerance', '3']])
def test_an_int8_option_without_int8_is_refused(tmp_path, option, capsys):
    """Not ignored: a float32 graph is not what one asking to calibrate
    wants."""
    out = str(tmp_path / 'never.onnx')
    err = exit_message(capsys, load_tool('export_onnx').main,
                       [QS_CONFIG, QS_CHECKPOINT, out, *option])
    assert err == (f'export_onnx.py: error: {option[0]} applies to int8 '
                   'graphs: add --int8, or drop it')
    assert not osp.exists(out)
