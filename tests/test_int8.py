"""int8 export of the shipped quick-start student: ONNX Runtime static
quantisation calibrated on crops of test-made data, checked in keypoint
pixels, run by the batched ORT estimator and the demo; and bad input."""
import json
import os.path as osp

import cv2
import numpy as np
import onnx
import pytest

from conftest import write_coco_mpii
from mmpose_ext.apis import load_config
from mmpose_ext.compression import CalibrationDataError, calibration_inputs
from mmpose_ext.compression.int8 import (PIXEL_TOLERANCE, CalibrationReader,
                                         export_int8_student)
from mmpose_ext.inference import OrtPoseEstimator
from mmpose_ext.inference.demo import run_demo
from mmpose_ext.inference.sample_images import astronaut
from mmpose_ext.paths import REPO_ROOT
from tool_modules import load_tool

# A trained model (random weights give flat logits whose argmax says nothing
# about quantisation error): the quick start's label-only RTMPose-t, 64x48.
QS_CONFIG = osp.join(REPO_ROOT, 'configs', 'quickstart',
                     'rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py')
QS_CHECKPOINT = osp.join(REPO_ROOT, 'teachers', 'quickstart',
                         'student_init.pth')
NUM_CROPS = 8


def _with_val_data(data_root, path):
    """The quick-start config with its val split on test-made data."""
    cfg = load_config(QS_CONFIG)
    coco, mpii = cfg.val_dataloader.dataset.datasets
    coco.update(data_root=f'{data_root}/coco/', data_prefix=dict(
        img='val2017/'), ann_file='annotations/person_keypoints_val2017.json')
    mpii.update(data_root=f'{data_root}/mpii/',
                headbox_file=f'{data_root}/mpii/annotations/mpii_gt_val.mat')
    cfg.dump(path)
    return path


@pytest.fixture(scope='module')
def int8_export(tmp_path_factory):
    root = tmp_path_factory.mktemp('int8')
    data = write_coco_mpii(root / 'data')
    config = _with_val_data(data, str(root / 'quickstart.py'))
    report = export_int8_student(config, QS_CHECKPOINT,
                                 str(root / 'student_int8.onnx'),
                                 images=[astronaut()], num_crops=NUM_CROPS)
    return config, report


def test_calibration_crops_come_from_the_config_pipeline(int8_export):
    config, report = int8_export
    inputs = calibration_inputs(config, 'val', NUM_CROPS)
    assert inputs.shape == (NUM_CROPS, 3, 64, 48)  # h, w of the 64x48 crops
    assert inputs.dtype == np.float32 and inputs.max() > 1  # pixels 0-255
    assert report.num_calibration == NUM_CROPS


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
    assert 'calibrated on 4 val crops' in printed
    assert 'px mean' in printed and 'required mean <= 2' in printed
    assert osp.isfile(out) and osp.isfile(out[:-len('.onnx')] + '.fp32.onnx')


def test_int8_export_without_calibration_data_is_refused(tmp_path, capsys):
    # the quick-start config as shipped: its synthetic data is not made here
    cfg = load_config(QS_CONFIG)
    for dataset in cfg.val_dataloader.dataset.datasets:
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
    config = _with_val_data(data, str(tmp_path / 'empty.py'))
    ann = data / 'coco' / 'annotations' / 'person_keypoints_val2017.json'
    coco = json.loads(ann.read_text())
    ann.write_text(json.dumps(dict(coco, annotations=[])))
    (data / 'mpii' / 'annotations' / 'mpii_val.json').write_text('[]')
    with pytest.raises(CalibrationDataError, match='no int8 calibration'):
        calibration_inputs(config, 'val', 4)
