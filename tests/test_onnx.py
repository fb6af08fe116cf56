"""ONNX export, the batched ONNX Runtime estimator, and the benchmark."""
import json
import os.path as osp

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch
from conftest import STUDENT_CONFIG

from kd_bench.inference_benchmark import benchmark_models, render_markdown
from mmpose_ext.inference import OnnxModelMismatchError, OrtPoseEstimator
from mmpose_ext.inference.demo import run_demo
from mmpose_ext.inference.sample_images import astronaut, stick_figures
from mmpose_ext.inference.spec import PoseModelSpec
from mmpose_ext.inference.torch_pose import TorchPoseEstimator
from tiny_configs import SMALL_STUDENT_CFG
from tool_modules import load_tool

ASTRONAUT_BOXES = np.array([[0., 0., 512., 512.], [150., 20., 420., 512.]])


def _fake_simcc_onnx(path, num_keypoints, input_hw):
    """A tiny graph with SimCC-shaped outputs, standing in for another
    model's export."""
    h, w = input_hw

    class Fake(torch.nn.Module):

        def forward(self, x):
            v = x.mean(dim=(1, 2, 3)).reshape(-1, 1, 1)
            return (v.expand(-1, num_keypoints, w * 2) * 1.,
                    v.expand(-1, num_keypoints, h * 2) * 1.)

    torch.onnx.export(
        Fake(), (torch.zeros(2, 3, h, w), ), path, dynamo=False,
        input_names=['input'], output_names=['simcc_x', 'simcc_y'],
        dynamic_axes={n: {0: 'batch'} for n in ('input', 'simcc_x',
                                                  'simcc_y')})
    return path


@pytest.fixture(scope='module')
def torch_estimator(student_checkpoints):
    return TorchPoseEstimator(STUDENT_CONFIG, student_checkpoints['plain'])


def test_export_has_dynamic_batch_and_named_input_and_outputs(student_onnx):
    session = ort.InferenceSession(student_onnx.onnx_file,
                                   providers=['CPUExecutionProvider'])
    assert [i.name for i in session.get_inputs()] == ['input']
    assert [o.name for o in session.get_outputs()] == ['simcc_x', 'simcc_y']
    for batch in (1, 3):
        x, y = session.run(None, {'input': np.zeros((batch, 3, 256, 192),
                                                    np.float32)})
        assert x.shape == (batch, 21, 384) and y.shape == (batch, 21, 512)


def test_export_parity_with_pytorch_is_below_1e4_on_random_and_real_crops(
        student_onnx):
    assert student_onnx.max_abs_diff_random < 1e-4
    assert student_onnx.max_abs_diff_real < 1e-4


def test_export_stores_the_model_spec_in_the_graph(student_onnx):
    session = ort.InferenceSession(student_onnx.onnx_file,
                                   providers=['CPUExecutionProvider'])
    spec = PoseModelSpec.from_metadata(
        session.get_modelmeta().custom_metadata_map)
    assert spec == student_onnx.spec
    assert spec.normalize_in_graph and spec.skeleton == 'union'


@pytest.mark.parametrize('flip_test', [True, False])
def test_ort_keypoints_equal_inference_topdown_on_the_same_boxes(
        flip_test, student_onnx, torch_estimator):
    torch_estimator.model.test_cfg['flip_test'] = flip_test
    ours = OrtPoseEstimator(student_onnx.onnx_file, config=STUDENT_CONFIG,
                            flip_test=flip_test)
    sticks, stick_boxes = stick_figures(num_people=4)
    for image, boxes in ((astronaut(), ASTRONAUT_BOXES),
                         (sticks, stick_boxes)):
        expected = torch_estimator(image, boxes)
        result = ours(image, boxes)
        np.testing.assert_allclose(result.keypoints, expected.keypoints,
                                   atol=1e-3)
        np.testing.assert_allclose(result.scores, expected.scores, atol=1e-3)


class _CountingSession:
    """An ONNX Runtime session that records the input shape of each run."""

    def __init__(self, session):
        self.session, self.shapes = session, []

    def run(self, output_names, feeds):
        self.shapes.append(feeds['input'].shape)
        return self.session.run(output_names, feeds)


def test_ort_runs_all_crops_of_an_image_in_one_session_call(student_onnx):
    estimator = OrtPoseEstimator(student_onnx.onnx_file, flip_test=True)
    estimator.session = counting = _CountingSession(estimator.session)
    image, boxes = stick_figures(num_people=6)
    assert len(estimator(image, boxes)) == 6
    assert counting.shapes == [(12, 3, 256, 192)]  # 6 crops, 6 mirrored


def test_onnx_of_another_joint_count_is_refused(tmp_path):
    path = _fake_simcc_onnx(str(tmp_path / 'coco17.onnx'), 17, (256, 192))
    with pytest.raises(OnnxModelMismatchError,
                       match=r'simcc_x \[.*17, 384\] \(expected.*21, 384'):
        OrtPoseEstimator(path, config=STUDENT_CONFIG)


def test_onnx_of_another_input_size_is_refused(tmp_path):
    path = _fake_simcc_onnx(str(tmp_path / 'small.onnx'), 21, (128, 96))
    with pytest.raises(OnnxModelMismatchError,
                       match=r'input \[.*3, 128, 96\] \(expected.*256, 192'):
        OrtPoseEstimator(path, config=STUDENT_CONFIG)


def test_onnx_of_another_architecture_with_the_same_shapes_is_refused(
        student_onnx):
    # RTMPose-t export, RTMPose-s config: both 21 joints from 192x256 crops.
    with pytest.raises(OnnxModelMismatchError) as error:
        OrtPoseEstimator(student_onnx.onnx_file, config=SMALL_STUDENT_CFG)
    message = str(error.value)
    assert ("is a CSPNeXt(arch='P5', deepen_factor=0.167, widen_factor="
            '0.375) + RTMCCHead(in_channels=384') in message
    assert ("builds CSPNeXt(arch='P5', deepen_factor=0.33, widen_factor="
            '0.5) + RTMCCHead(in_channels=512') in message
    assert ('export the ONNX file from that config with tools/export_onnx.py, '
            'or pass the config it was exported from '
            '(distill_config_tiny.py).') in message


def test_onnx_of_the_same_architecture_is_accepted_with_another_config_file(
        student_onnx):
    # Exported from the distillation config, used with the student config.
    estimator = OrtPoseEstimator(student_onnx.onnx_file, config=STUDENT_CONFIG)
    assert estimator.spec.architecture == student_onnx.spec.architecture


def test_demo_with_onnx_weights_saves_the_keypoints_of_pytorch_weights(
        student_onnx, student_checkpoints, tmp_path):
    image = str(tmp_path / 'people.jpg')
    cv2.imwrite(image, stick_figures(num_people=3, seed=2)[0])
    saved = {}
    for weights in (student_onnx.onnx_file, student_checkpoints['plain']):
        out = tmp_path / osp.splitext(osp.basename(weights))[1][1:]
        run_demo(image, STUDENT_CONFIG, weights, pred_out_dir=str(out))
        with open(out / 'people.json') as f:
            saved[out.name] = json.load(f)['instances'][0]
    np.testing.assert_allclose(saved['onnx']['keypoints'],
                               saved['pth']['keypoints'], atol=0.02)


def test_export_cli_prints_both_parity_differences(student_onnx, monkeypatch,
                                                  capsys):
    from mmpose_ext.inference import onnx_export
    cli = load_tool('export_onnx')
    monkeypatch.setattr(onnx_export, 'export_student',
                        lambda *args, **kwargs: student_onnx)
    cli.main([STUDENT_CONFIG, 'student.pth', 'student.onnx'])
    printed = capsys.readouterr().out
    assert (f'random crops {student_onnx.max_abs_diff_random:.3g}, astronaut '
            f'crops {student_onnx.max_abs_diff_real:.3g}') in printed


@pytest.fixture(scope='module')
def tiny_benchmark(student_checkpoints, tmp_path_factory):
    image, boxes = stick_figures(num_people=2)
    return benchmark_models([(STUDENT_CONFIG, student_checkpoints['distill'])],
                            image, boxes,
                            str(tmp_path_factory.mktemp('bench')), warmup=0,
                            repeats=1)[0]


def test_benchmark_times_every_backend_at_batch_1_and_all_people(
        tiny_benchmark):
    timed = {(t['backend'], t['batch']) for t in tiny_benchmark['latency']}
    assert timed == {(b, n) for b in ('pytorch', 'onnxruntime', 'rtmlib')
                     for n in (1, 2)}
    assert all(t['t_total'] > 0 for t in tiny_benchmark['latency'])
    assert tiny_benchmark['params'] > 1e6 and tiny_benchmark['flops'] > 1e8


def test_benchmark_rtmlib_on_our_onnx_gives_our_keypoints(tiny_benchmark):
    assert tiny_benchmark['rtmlib_max_keypoint_diff'] < 1e-3
    assert tiny_benchmark['rtmlib_joints_over_1px'] == 0
    assert tiny_benchmark['joints_compared'] == 2 * 21


def test_benchmark_checks_our_keypoints_against_pytorch(tiny_benchmark):
    assert tiny_benchmark['pytorch_max_keypoint_diff'] < 1e-3


def test_benchmark_markdown_lists_latency_and_goal_ratios(tiny_benchmark):
    report = dict(
        machine=dict(date='d', platform='p', cpu='c',
                     torch='t',
                     torch_threads=2, onnxruntime='o', ort_threads='default',
                     load_average_1min=1.0),
        setup=dict(image='generated', image_size=[960, 540], num_people=2,
                   warmup=0, repeats=1, calls=1, settle=0.05),
        models=[tiny_benchmark])
    text = render_markdown(report)
    assert '| rtmpose-t_8xb256-420e_coco-mpii-256x192 | rtmlib | 2 |' in text
    assert '1.000x (reference)' in text
