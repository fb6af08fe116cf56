"""Inference building blocks and the demo, on images the tests make."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import DISTILL_CONFIG, REPO, STUDENT_CONFIG

from mmpose_ext import skeletons
from mmpose_ext.inference import (BoxesFileError, CheckpointMismatchError,
                                  DeviceError, InferenceError,
                                  ModelFileNotFoundError, PoseResult,
                                  UnsupportedInputError, bbox_xyxy2cs,
                                  decode_simcc, flip_back_simcc,
                                  top_down_affine)
from mmpose_ext.inference.demo import (DetectOptions, DrawOptions,
                                       prediction_names, run_demo)
from mmpose_ext.inference.detector import resolve_model
from mmpose_ext.inference.device import check_device
from mmpose_ext.inference.model import init_pose_model
from mmpose_ext.inference.preprocess import warp_matrix
from mmpose_ext.inference.sample_images import astronaut, stick_figures
from mmpose_ext.inference.sources import boxes_for, load_boxes_file

INPUT_SIZE = (192, 256)


def _load_cli(path):
    spec = importlib.util.spec_from_file_location('cli', osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f)
    return str(path)


# --- numpy pre- and post-processing ---------------------------------------

def test_bbox_xyxy2cs_gives_centre_and_padded_size():
    centers, scales = bbox_xyxy2cs(np.array([[10, 20, 50, 100]]), 1.25)
    np.testing.assert_allclose(centers, [[30, 60]])
    np.testing.assert_allclose(scales, [[50, 100]])


def test_warp_matrix_is_bit_for_bit_mmpose_get_warp_matrix():
    from mmpose.structures.bbox import get_warp_matrix
    rng = np.random.default_rng(0)
    for _ in range(2000):
        center = rng.uniform(-500., 3000., 2) * 10 ** rng.uniform(-3., 1.)
        scale = rng.uniform(0.1, 2000., 2)
        for size in [(48, 64), (192, 256), (288, 384), (63, 65)]:
            np.testing.assert_array_equal(
                warp_matrix(center, scale, size),
                get_warp_matrix(center, scale, 0., size))


def test_top_down_affine_crops_equal_mmpose_pipeline_crops():
    from mmpose.datasets.transforms import GetBBoxCenterScale, TopdownAffine
    image = astronaut()
    boxes = np.array([[30.5, 40., 300., 500.], [200., 10., 480., 200.]])
    ours = top_down_affine(image, boxes, INPUT_SIZE)
    for i, box in enumerate(boxes):
        results = GetBBoxCenterScale()(dict(img=image, bbox=box[None]))
        results = TopdownAffine(input_size=INPUT_SIZE)(results)
        np.testing.assert_array_equal(ours.crops[i], results['img'])
        np.testing.assert_allclose(ours.scales[i], results['bbox_scale'][0])


def test_decode_simcc_matches_mmpose_codec_and_topdown_mapping():
    from mmpose.codecs import SimCCLabel
    rng = np.random.default_rng(0)
    simcc_x = rng.normal(size=(3, 21, 384)).astype(np.float32)
    simcc_y = rng.normal(size=(3, 21, 512)).astype(np.float32)
    simcc_x[0, 0] -= 10  # a joint with no positive response
    centers = rng.uniform(100, 300, (3, 2))
    scales = rng.uniform(50, 200, (3, 2))
    keypoints, scores = decode_simcc(simcc_x, simcc_y, 2.0, centers, scales,
                                     INPUT_SIZE)
    codec = SimCCLabel(input_size=INPUT_SIZE, sigma=(4.9, 5.66),
                       simcc_split_ratio=2.0)
    ref_kpts, ref_scores = codec.decode(simcc_x, simcc_y)
    ref_kpts = ref_kpts / np.array(INPUT_SIZE) * scales[:, None] \
        + centers[:, None] - 0.5 * scales[:, None]
    np.testing.assert_allclose(keypoints, ref_kpts, rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(scores, ref_scores)


def test_flip_back_simcc_matches_mmpose_flip_vectors():
    from mmpose.models.utils.tta import flip_vectors
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 21, 384)).astype(np.float32)
    y = rng.normal(size=(2, 21, 512)).astype(np.float32)
    indices = skeletons.flip_indices('union')
    ref_x, ref_y = flip_vectors(torch.from_numpy(x), torch.from_numpy(y),
                                indices)
    ours_x, ours_y = flip_back_simcc(x, y, indices)
    np.testing.assert_array_equal(ours_x, ref_x.numpy())
    np.testing.assert_array_equal(ours_y, ref_y.numpy())


def test_pose_result_to_coco_union_gets_zero_scores_for_unknown_joints():
    result = PoseResult(np.ones((1, 17, 2)), np.ones((1, 17)),
                        np.zeros((1, 4)), np.ones(1), 'coco')
    union = result.to_skeleton('union')
    assert union.keypoints.shape == (1, 21, 2)
    assert union.scores[0, skeletons.joint_indices(
        'union', ['pelvis', 'head_top'])].tolist() == [0, 0]


# --- model loading ---------------------------------------------------------

def test_distillation_checkpoint_loads_the_same_weights_as_plain(
        student_checkpoints):
    plain = init_pose_model(STUDENT_CONFIG, student_checkpoints['plain'])
    distilled = init_pose_model(DISTILL_CONFIG,
                                student_checkpoints['distill'])
    for key, value in plain.state_dict().items():
        assert torch.equal(value, distilled.state_dict()[key]), key


def test_mismatched_checkpoint_error_names_missing_unexpected_and_shapes(
        student_checkpoints, tmp_path):
    state = torch.load(student_checkpoints['plain'])['state_dict']
    state.pop('backbone.stem.0.conv.weight')
    state['neck.extra.weight'] = torch.zeros(1)
    state['head.final_layer.weight'] = torch.zeros(17, 384, 7, 7)
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(CheckpointMismatchError) as err:
        init_pose_model(STUDENT_CONFIG, bad)
    message = str(err.value)
    for expected in ('1 missing keys (backbone.stem.0.conv.weight)',
                     '1 unexpected keys (neck.extra.weight)',
                     'head.final_layer.weight: checkpoint (17, 384, 7, 7)'):
        assert expected in message


# --- person boxes ------------------------------------------------------------

def test_boxes_file_list_applies_to_any_image(tmp_path):
    path = _write_json(tmp_path / 'b.json', [[0, 0, 10, 20], [1, 1, 5, 5, .5]])
    boxes = boxes_for(load_boxes_file(path), 'whatever.jpg')
    np.testing.assert_allclose(boxes[:, 4], [1., .5])


def test_boxes_file_with_inverted_box_is_refused_naming_the_entry(tmp_path):
    path = _write_json(tmp_path / 'b.json', {'a.jpg': [[10, 0, 5, 20]]})
    with pytest.raises(BoxesFileError, match="entry 'a.jpg'.*x2 <= x1"):
        load_boxes_file(path)


@pytest.mark.parametrize('name, scope, options', [
    ('rtmdet-t', 'mmdet', ('--det-model', '--det-weights')),
    ('rtmpose-m_8xb256-420e_coco-256x192', 'mmpose',
     ('--pose2d', '--pose2d-weights'))])
def test_model_given_by_name_says_which_file_to_fetch_and_where(
        name, scope, options, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    with pytest.raises(ModelFileNotFoundError) as err:
        resolve_model(name, None, scope, *options)
    message = str(err.value)
    assert message.startswith(f'{options[0]} {name!r}')
    assert 'https://download.openmmlab.com/' in message
    assert str(tmp_path / 'checkpoints') in message


def test_unknown_model_name_asks_for_a_config_file():
    with pytest.raises(ModelFileNotFoundError, match='neither a config file '
                       'nor a model name known to the installed mmpose'):
        resolve_model('rtmpose-m', None, 'mmpose', '--pose2d',
                      '--pose2d-weights')


# --- the demo ----------------------------------------------------------------

@pytest.mark.parametrize('skeleton', ['union', 'coco', 'mpii'])
def test_demo_on_astronaut_saves_drawing_and_chosen_joint_set(
        skeleton, student_checkpoints, tmp_path):
    image = tmp_path / 'astronaut.png'
    cv2.imwrite(str(image), astronaut())
    run_demo(str(image), DISTILL_CONFIG, student_checkpoints['distill'],
             vis_out_dir=str(tmp_path / 'vis'),
             pred_out_dir=str(tmp_path / 'pred'), skeleton=skeleton,
             draw=DrawOptions(kpt_thr=0.3, radius=4, thickness=2))
    assert cv2.imread(str(tmp_path / 'vis' / 'astronaut.png')).shape == \
        (512, 512, 3)
    with open(tmp_path / 'pred' / 'astronaut.json') as f:
        pred = json.load(f)
    names = list(skeletons.keypoint_names(skeleton))
    assert pred['keypoint_names'] == names
    assert len(pred['instances']) == 1
    assert len(pred['instances'][0]['keypoints']) == len(names)
    assert len(pred['instances'][0]['keypoint_scores']) == len(names)


def test_demo_with_boxes_file_finds_one_person_per_stick_figure(
        student_checkpoints, tmp_path):
    image, boxes = stick_figures(num_people=4)
    cv2.imwrite(str(tmp_path / 'people.jpg'), image)
    box_file = _write_json(tmp_path / 'boxes.json',
                           {'people.jpg': boxes.tolist()})
    summary = run_demo(str(tmp_path / 'people.jpg'), STUDENT_CONFIG,
                       student_checkpoints['plain'],
                       vis_out_dir=str(tmp_path / 'vis'),
                       pred_out_dir=str(tmp_path / 'pred'), bboxes=box_file)
    assert summary.processed[0][1] == 4
    with open(tmp_path / 'pred' / 'people.json') as f:
        pred = json.load(f)
    np.testing.assert_allclose([i['bbox'] for i in pred['instances']], boxes,
                               atol=0.01)
    assert all(len(i['keypoints']) == 21 for i in pred['instances'])
    assert osp.isfile(tmp_path / 'vis' / 'people.jpg')


def test_demo_on_folder_skips_unreadable_image_with_warning(
        student_checkpoints, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / 'good.jpg'), stick_figures(1)[0])
    (folder / 'broken.jpg').write_bytes(b'not a jpeg')
    with pytest.warns(UserWarning, match='broken.jpg'):
        summary = run_demo(str(folder), STUDENT_CONFIG,
                           student_checkpoints['plain'],
                           pred_out_dir=str(tmp_path / 'pred'))
    assert summary.skipped == [str(folder / 'broken.jpg')]
    assert osp.isfile(tmp_path / 'pred' / 'good.json')
    assert not osp.exists(tmp_path / 'pred' / 'broken.json')


def test_demo_on_video_writes_drawn_video_and_a_record_per_frame(
        student_checkpoints, tmp_path):
    video = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (160, 120))
    for i in range(2):
        writer.write(stick_figures(1, size=(160, 120), seed=i)[0])
    writer.release()
    run_demo(video, STUDENT_CONFIG, student_checkpoints['plain'],
             vis_out_dir=str(tmp_path / 'vis'),
             pred_out_dir=str(tmp_path / 'pred'), skeleton='coco')
    capture = cv2.VideoCapture(str(tmp_path / 'vis' / 'clip.mp4'))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 2
    with open(tmp_path / 'pred' / 'clip.json') as f:
        pred = json.load(f)
    assert [f['frame'] for f in pred['frames']] == [0, 1]
    assert pred['frames'][0]['num_keypoints'] == 17


def test_demo_with_detector_estimates_a_pose_per_detected_person(
        student_checkpoints, tmp_path, monkeypatch):
    from mmdet.apis import init_detector

    from mmpose_ext.inference.detector import PersonDetector
    det_config = osp.join(
        osp.dirname(importlib.util.find_spec('mmdet').origin), '.mim',
        'configs', 'rtmdet', 'rtmdet_tiny_8xb32-300e_coco.py')
    det_weights = str(tmp_path / 'rtmdet_random.pth')
    torch.save(dict(state_dict=init_detector(det_config, None,
                                             device='cpu').state_dict()),
               det_weights)
    detected = []
    detect = PersonDetector.__call__
    monkeypatch.setattr(PersonDetector, '__call__', lambda self, image: (
        detected.append(detect(self, image)) or detected[-1]))
    cv2.imwrite(str(tmp_path / 'people.jpg'), stick_figures(num_people=3)[0])
    run_demo(str(tmp_path / 'people.jpg'), STUDENT_CONFIG,
             student_checkpoints['plain'], pred_out_dir=str(tmp_path),
             det_model=det_config, det_weights=det_weights,
             detect=DetectOptions(bbox_thr=0.))
    with open(tmp_path / 'people.json') as f:
        pred = json.load(f)
    assert len(detected) == 1  # random weights: any number of people
    np.testing.assert_allclose(
        np.reshape([i['bbox'] for i in pred['instances']], (-1, 4)),
        detected[0][:, :4], atol=0.01)


def test_demo_cli_reports_unsupported_file_type_in_one_line(
        student_checkpoints, tmp_path, capsys):
    notes = tmp_path / 'notes.txt'
    notes.write_text('hello')
    cli = _load_cli('demo/inferencer_demo.py')
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(notes), '--pose2d', STUDENT_CONFIG, '--pose2d-weights',
                  student_checkpoints['plain']])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("inferencer_demo.py: error: unsupported input "
                          "file type '.txt'")
    assert '\n' not in err


def test_demo_cli_reports_checkpoint_of_another_model_by_key(
        tmp_path, capsys):
    teacher_like = init_pose_model(
        STUDENT_CONFIG).state_dict()
    teacher_like['head.final_layer.weight'] = torch.zeros(17, 384, 7, 7)
    teacher_like['head.final_layer.bias'] = torch.zeros(17)
    ckpt = str(tmp_path / 'teacher_like.pth')
    torch.save(dict(state_dict=teacher_like), ckpt)
    image = tmp_path / 'a.png'
    cv2.imwrite(str(image), stick_figures(1)[0])
    cli = _load_cli('demo/inferencer_demo.py')
    with pytest.raises(SystemExit):
        cli.main([str(image), '--pose2d', STUDENT_CONFIG, '--pose2d-weights',
                  ckpt])
    err = capsys.readouterr().err
    assert '2 shape-mismatched keys (head.final_layer.weight' in err
    assert 'Traceback' not in err


# --- --device ----------------------------------------------------------------

def _demo_error(capsys, argv):
    """The one line the demo exits 2 with."""
    cli = _load_cli('demo/inferencer_demo.py')
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('inferencer_demo.py: error: '), err
    return err[len('inferencer_demo.py: error: '):]


def _cuda_devices(monkeypatch, count):
    """This machine, as the device check sees it: ``count`` CUDA devices
    and no other accelerator (an MPS Mac would list ``mps:0`` too)."""
    from mmpose_ext.inference import device
    monkeypatch.setattr(device, 'ACCELERATORS', ('cuda', ))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: count > 0)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: count)


@pytest.fixture
def no_gpu(monkeypatch):
    _cuda_devices(monkeypatch, 0)


@pytest.fixture
def one_gpu(monkeypatch):
    _cuda_devices(monkeypatch, 1)


def test_demo_cli_refuses_cuda_without_a_gpu_in_one_line(
        no_gpu, student_checkpoints, tmp_path, capsys):
    image = tmp_path / 'a.png'
    cv2.imwrite(str(image), stick_figures(1)[0])
    err = _demo_error(capsys, [
        str(image), '--pose2d', STUDENT_CONFIG, '--pose2d-weights',
        student_checkpoints['plain'], '--device', 'cuda',
        '--vis-out-dir', str(tmp_path / 'vis')])
    assert err == ('--device cuda: no CUDA device here '
                   '(torch.cuda.is_available() is False); use --device cpu')
    assert not osp.exists(tmp_path / 'vis')


def test_demo_cli_refuses_a_misspelt_device_naming_those_here(
        no_gpu, capsys):
    err = _demo_error(capsys, ['img.jpg', '--pose2d', 'cfg.py',
                               '--device', 'foo'])
    assert err == ("--device 'foo' is not a torch device (e.g. cpu, cuda, "
                   'cuda:1); available here: cpu')


def test_demo_cli_refuses_a_gpu_device_for_onnx_weights(
        one_gpu, tmp_path, capsys):
    onnx_file = tmp_path / 'student.onnx'
    onnx_file.write_bytes(b'')  # refused before it is read
    err = _demo_error(capsys, ['img.jpg', '--pose2d', STUDENT_CONFIG,
                               '--pose2d-weights', str(onnx_file),
                               '--device', 'cuda:0'])
    assert err.startswith('--device cuda:0: an .onnx pose model runs on the '
                          "CPU (ONNX Runtime's CPUExecutionProvider)")


def test_device_beyond_the_gpus_here_is_refused_naming_them(one_gpu):
    with pytest.raises(DeviceError, match=r'--device cuda:1: this machine '
                       r'has 1 CUDA device; available here: cpu, cuda:0$'):
        check_device('cuda:1')


def test_gpu_device_present_here_is_accepted(one_gpu):
    assert check_device('cuda') == 'cuda'
    assert check_device('cuda:0') == 'cuda:0'


# --- output names ------------------------------------------------------------

def test_prediction_names_keep_the_stem_unless_stems_clash():
    names = prediction_names(['in/a.jpg', 'in/x.jpg', 'in/x.png',
                              'in/X.bmp', 'in/x.jpg.png'])
    assert names == {'in/a.jpg': 'a.json', 'in/x.jpg': 'x.jpg.json',
                     'in/x.png': 'x.png.json', 'in/X.bmp': 'X.bmp.json',
                     'in/x.jpg.png': 'x.jpg.png.json'}


def test_demo_on_folder_keeps_predictions_of_images_sharing_a_stem(
        student_checkpoints, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / 'x.jpg'), stick_figures(1, seed=0)[0])
    cv2.imwrite(str(folder / 'x.png'), stick_figures(2, seed=1)[0])
    summary = run_demo(str(folder), STUDENT_CONFIG,
                       student_checkpoints['plain'],
                       vis_out_dir=str(tmp_path / 'vis'),
                       pred_out_dir=str(tmp_path / 'pred'),
                       bboxes=_write_json(tmp_path / 'boxes.json', {
                           'x.jpg': stick_figures(1, seed=0)[1].tolist(),
                           'x.png': stick_figures(2, seed=1)[1].tolist()}))
    for name, people in [('x.jpg', 1), ('x.png', 2)]:
        with open(tmp_path / 'pred' / f'{name}.json') as f:
            pred = json.load(f)
        assert (pred['image'], len(pred['instances'])) == (name, people)
        assert osp.isfile(tmp_path / 'vis' / name)
    assert not osp.exists(tmp_path / 'pred' / 'x.json')
    assert summary.notes == [
        'images sharing a name apart from the extension keep it in their '
        'prediction files: x.jpg.json, x.png.json']


def test_demo_on_folder_notes_the_subfolders_it_does_not_search(
        student_checkpoints, tmp_path, capsys):
    folder = tmp_path / 'images'
    (folder / 'more').mkdir(parents=True)
    cv2.imwrite(str(folder / 'a.jpg'), stick_figures(1)[0])
    cv2.imwrite(str(folder / 'more' / 'b.jpg'), stick_figures(1)[0])
    cli = _load_cli('demo/inferencer_demo.py')
    cli.main([str(folder), '--pose2d', STUDENT_CONFIG, '--pose2d-weights',
              student_checkpoints['plain'], '--pred-out-dir',
              str(tmp_path / 'pred')])
    notes = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith('note: ')]
    assert notes == [f'note: 1 subfolder of {str(folder)!r} not searched '
                     '(only the images directly in it are read): more']
    assert not osp.exists(tmp_path / 'pred' / 'b.json')


def test_demo_on_folder_of_subfolders_only_names_them_in_the_error(tmp_path):
    for name in ('coco', 'mpii'):
        (tmp_path / name).mkdir()
    with pytest.raises(UnsupportedInputError,
                       match=r'its subfolders \(coco, mpii\) are not '
                       'searched: pass one of them'):
        run_demo(str(tmp_path), STUDENT_CONFIG, 'unused.pth')


def test_demo_refuses_drawing_over_its_input_images(tmp_path):
    image = tmp_path / 'a.jpg'
    cv2.imwrite(str(image), stick_figures(1)[0])
    before = image.read_bytes()
    with pytest.raises(InferenceError, match='would overwrite the inputs '
                       f'{image} with their drawings'):
        run_demo(str(tmp_path), STUDENT_CONFIG, 'unused.pth',
                 vis_out_dir=str(tmp_path))
    assert image.read_bytes() == before


# --- detector and drawing options (MMPose's demo names) ----------------------

def _fake_detector(monkeypatch, bboxes, labels, scores):
    """PersonDetector over a stand-in for mmdet's model that returns these
    detections (mmdet's own result structures)."""
    import mmdet.apis
    import mmpose.utils
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    from mmpose_ext.inference.detector import PersonDetector
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor(bboxes, dtype=torch.float32),
        labels=torch.tensor(labels), scores=torch.tensor(scores))
    monkeypatch.setattr(mmdet.apis, 'init_detector',
                        lambda *args, **kwargs: type('Model', (), {
                            'cfg': None})())
    monkeypatch.setattr(mmpose.utils, 'adapt_mmdet_pipeline', lambda c: c)
    monkeypatch.setattr(mmdet.apis, 'inference_detector',
                        lambda model, image: sample)
    return lambda **options: PersonDetector('det.py', 'det.pth', **options)


def test_person_detector_keeps_person_classes_above_bbox_thr_after_nms(
        monkeypatch):
    make = _fake_detector(
        monkeypatch,
        bboxes=[[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60],
                [100, 100, 110, 110]],
        labels=[0, 0, 2, 0], scores=[0.9, 0.8, 0.85, 0.2])
    image = np.zeros((120, 120, 3), np.uint8)

    def kept(**options):
        return make(**options)(image)[:, :4].tolist()

    # The second box overlaps the first (IoU 0.68), the third is class 2,
    # the fourth scores 0.2. Kept boxes come by score, as NMS orders them.
    assert kept() == [[0, 0, 10, 10]]
    assert kept(nms_thr=0.9) == [[0, 0, 10, 10], [1, 1, 11, 11]]
    assert kept(person_labels=(0, 2)) == [[0, 0, 10, 10], [50, 50, 60, 60]]
    assert kept(score_thr=0.1) == [[0, 0, 10, 10], [100, 100, 110, 110]]


def test_demo_cli_takes_mmpose_detector_and_drawing_options(monkeypatch):
    from mmpose_ext.inference import demo
    from mmpose_ext.inference.demo import DemoSummary
    calls = []
    monkeypatch.setattr(demo, 'run_demo', lambda *args, **kwargs: (
        calls.append(kwargs) or DemoSummary()))
    cli = _load_cli('demo/inferencer_demo.py')
    cli.main(['img.jpg', '--pose2d', 'cfg.py', '--det-model', 'det.py',
              '--bbox-thr', '0.5', '--nms-thr', '0.6', '--det-cat-ids', '0',
              '2', '--draw-bbox'])
    assert calls[0]['detect'] == DetectOptions(0.5, 0.6, (0, 2))
    assert calls[0]['draw'] == DrawOptions(0.3, 4, 2, draw_bbox=True)
    cli.main(['img.jpg', '--pose2d', 'cfg.py'])
    assert calls[1]['detect'] == DetectOptions()
    assert not calls[1]['draw'].draw_bbox  # as MMPose: boxes on request


def test_person_boxes_are_drawn_only_on_request():
    from mmpose_ext.inference.visualize import BBOX_COLOR, draw_poses
    result = PoseResult(np.full((1, 21, 2), 50.), np.zeros((1, 21)),
                        np.array([[10., 10., 90., 90.]]), np.ones(1),
                        'union')
    image = np.zeros((100, 100, 3), np.uint8)
    with_box = draw_poses(image, result, draw_bbox=True)
    assert tuple(with_box[10, 50]) == BBOX_COLOR
    assert not draw_poses(image, result, draw_bbox=False).any()
