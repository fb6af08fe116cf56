"""The inference demo behind ``demo/inferencer_demo.py``: poses of the people
in an image, a folder of images or a video, drawn and saved as JSON.

People come from an MMDetection detector, from a boxes JSON file, or else the
whole image is one person. The pose model is a config with a PyTorch
checkpoint (plain or distillation; run by MMPose) or with an ONNX file
exported by ``tools/export_onnx.py`` (run by :class:`.OrtPoseEstimator`).
"""
import contextlib
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmpose_ext import skeletons
from mmpose_ext.fileio import same_file

from .detector import PersonDetector, resolve_model
from .device import check_device
from .errors import InferenceError, ModelFileNotFoundError
from .files import atomic_output, write_image, write_json
from .result import PoseResult
from .sources import (VIDEO_EXTENSIONS, boxes_for, folder_images, input_kind,
                      load_boxes_file, name_list, read_image, subfolders,
                      video_frames)
from .visualize import draw_poses

# Image -> boxes ``(N, 4|5)``, or ``None`` for the whole image.
PersonSource = Callable[[np.ndarray, str], Optional[np.ndarray]]


@dataclass
class DrawOptions:
    """How poses are drawn: score threshold, joint radius, line width, and
    whether person boxes are drawn (off, as in MMPose's demo)."""

    kpt_thr: float = 0.3
    radius: int = 4
    thickness: int = 2
    draw_bbox: bool = False


@dataclass
class DetectOptions:
    """Which detections are people, as MMPose's demo options ``--bbox-thr``,
    ``--nms-thr`` and ``--det-cat-ids``.

    Attributes:
        bbox_thr (float): lowest kept detection score.
        nms_thr (float): IoU above which overlapping person boxes merge.
        cat_ids (tuple[int]): the detector's classes that are people (0:
            person of COCO-trained detectors).
    """

    bbox_thr: float = 0.3
    nms_thr: float = 0.3
    cat_ids: Tuple[int, ...] = (0, )


@dataclass
class DemoSummary:
    """What :func:`run_demo` did.

    Attributes:
        processed (list[tuple[str, int]]): each input image or video frame
            count, with the number of people found (summed over frames).
        skipped (list[str]): inputs skipped as unreadable.
        written (list[str]): files written.
        notes (list[str]): one line each on what the run did that the user
            may not expect (subfolders not searched, prediction files named
            apart).
    """

    processed: List[Tuple[str, int]] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    written: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def is_onnx_file(weights: Optional[str]) -> bool:
    """Whether pose weights are an ``.onnx`` graph (else a checkpoint)."""
    return bool(weights) and weights.lower().endswith('.onnx')


def prediction_names(paths: Sequence[str]) -> Dict[str, str]:
    """The prediction file name of each image: ``<stem>.json``, as MMPose's
    inferencer names it, except for images whose stems clash (``x.jpg`` and
    ``x.png``), which keep their extension (``x.jpg.json``, ``x.png.json``)
    so that neither overwrites the other.

    Stems are compared ignoring case, as macOS and Windows file systems
    would merge ``X.json`` and ``x.json``.
    """
    stems = {p: osp.splitext(osp.basename(p))[0] for p in paths}
    # A kept extension can meet another file's stem (``x.jpg`` and
    # ``x.jpg.png``); file names are unique, so this settles in a few rounds.
    while True:
        counts = Counter(s.lower() for s in stems.values())
        clashing = [p for p, s in stems.items()
                    if counts[s.lower()] > 1 and s != osp.basename(p)]
        if not clashing:
            return {p: s + '.json' for p, s in stems.items()}
        for path in clashing:
            stems[path] = osp.basename(path)


def vis_path(path: str, vis_out_dir: str) -> str:
    """Where the drawing of an input goes: an image keeps its name, a
    video becomes ``<stem>.mp4``."""
    stem, ext = osp.splitext(osp.basename(path))
    if ext.lower() in VIDEO_EXTENSIONS:
        return osp.join(vis_out_dir, stem + '.mp4')
    return osp.join(vis_out_dir, stem + ext)


def refuse_overwriting_inputs(paths: Sequence[str],
                              vis_out_dir: Optional[str]) -> None:
    """Refuse a ``--vis-out-dir`` where drawings would replace their inputs.

    Raises:
        InferenceError: naming the inputs that would be overwritten.
    """
    if not vis_out_dir:
        return
    overwritten = [p for p in paths if same_file(vis_path(p, vis_out_dir), p)]
    if overwritten:
        raise InferenceError(
            f'--vis-out-dir {vis_out_dir!r} would overwrite the inputs '
            f'{name_list(overwritten)} with their drawings; choose another '
            'folder')


def build_pose_estimator(pose2d: str, weights: Optional[str],
                         device: str = 'cpu'):
    """A :class:`.TorchPoseEstimator`, or an :class:`.OrtPoseEstimator` when
    ``weights`` is an ``.onnx`` file; ``pose2d`` is a config or model name.
    """
    config, weights = resolve_model(pose2d, weights, 'mmpose', '--pose2d',
                                    '--pose2d-weights')
    if weights is None:
        raise ModelFileNotFoundError(
            f'--pose2d {pose2d!r} is a config file: pass its weights with '
            '--pose2d-weights CHECKPOINT (.pth, or .onnx from '
            'tools/export_onnx.py)')
    if is_onnx_file(weights):
        check_device(device, onnx_model=True)
        from .ort_pose import OrtPoseEstimator
        estimator = OrtPoseEstimator(weights, config=config)
    else:
        from .torch_pose import TorchPoseEstimator
        estimator = TorchPoseEstimator(config, weights, device)
    if estimator.spec.skeleton is None:
        raise InferenceError(
            f'the model of {config!r} predicts {estimator.spec.num_keypoints}'
            ' joints, which match no skeleton in mmpose_ext/skeletons.py')
    return estimator


def build_person_source(det_model: Optional[str] = None,
                        det_weights: Optional[str] = None,
                        bboxes: Optional[str] = None,
                        device: str = 'cpu',
                        detect: Optional[DetectOptions] = None
                        ) -> PersonSource:
    """Boxes from a detector, from a boxes JSON file, or the whole image."""
    if det_model and bboxes:
        raise InferenceError('give either --det-model or --bboxes, not both')
    if det_weights and not det_model:
        raise InferenceError('--det-weights needs --det-model (its config)')
    if det_model:
        config, weights = resolve_model(det_model, det_weights, 'mmdet',
                                        '--det-model', '--det-weights')
        if weights is None:
            raise ModelFileNotFoundError(
                f'--det-model {det_model!r} is a config file: pass its '
                'weights with --det-weights CHECKPOINT')
        detect = detect or DetectOptions()
        detector = PersonDetector(config, weights, device, detect.bbox_thr,
                                  detect.nms_thr, detect.cat_ids)
        return lambda image, name: detector(image)
    if bboxes:
        table = load_boxes_file(bboxes)
        return lambda image, name: boxes_for(table, name)
    return lambda image, name: None


def _frame_poses(image: np.ndarray, name: str, estimator,
                 people: PersonSource, skeleton: str) -> PoseResult:
    return estimator(image, people(image, name)).to_skeleton(skeleton)


def _image_record(name: str, result: PoseResult, shape) -> dict:
    return dict(image=name, height=int(shape[0]), width=int(shape[1]),
                **result.to_dict())


def _folder_notes(folder: str, pred_names: Dict[str, str]) -> List[str]:
    """Say which subfolders were not searched and which prediction files
    (of ``pred_names``, empty if none are written) keep their image's
    extension."""
    notes = []
    folders = [osp.basename(p) for p in subfolders(folder)]
    if folders:
        notes.append(
            f'{len(folders)} subfolder{"s" if len(folders) > 1 else ""} of '
            f'{folder!r} not searched (only the images directly in it are '
            f'read): {name_list(folders)}')
    renamed = [n for p, n in pred_names.items()
               if n != osp.splitext(osp.basename(p))[0] + '.json']
    if renamed:
        notes.append(
            'images sharing a name apart from the extension keep it in '
            f'their prediction files: {name_list(renamed)}')
    return notes


def _run_video(path: str, estimator, people: PersonSource, skeleton: str,
               draw: DrawOptions, vis_out_dir: Optional[str],
               pred_out_dir: Optional[str], summary: DemoSummary) -> None:
    frames, fps = video_frames(path)
    stem = osp.splitext(osp.basename(path))[0]
    drawing = vis_path(path, vis_out_dir) if vis_out_dir else None
    records, people_count = [], 0
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_output(drawing)) if drawing \
            else None
        writer = None
        try:
            for index, frame in enumerate(frames):
                result = _frame_poses(frame, osp.basename(path), estimator,
                                      people, skeleton)
                people_count += len(result)
                records.append(dict(frame=index, **result.to_dict()))
                if tmp is None:
                    continue
                if writer is None:
                    h, w = frame.shape[:2]
                    writer = cv2.VideoWriter(
                        tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
                writer.write(draw_poses(frame, result, **vars(draw)))
        finally:
            if writer is not None:
                writer.release()
        if not records:
            raise InferenceError(f'video {path!r} has no readable frames')
    if drawing:
        summary.written.append(drawing)
    if pred_out_dir:
        summary.written.append(write_json(
            osp.join(pred_out_dir, stem + '.json'),
            dict(video=osp.basename(path), fps=fps, skeleton=skeleton,
                 keypoint_names=list(skeletons.keypoint_names(skeleton)),
                 frames=records)))
    summary.processed.append((path, people_count))


def run_demo(inputs: str,
             pose2d: str,
             pose2d_weights: Optional[str] = None,
             vis_out_dir: Optional[str] = None,
             pred_out_dir: Optional[str] = None,
             skeleton: str = 'union',
             draw: Optional[DrawOptions] = None,
             det_model: Optional[str] = None,
             det_weights: Optional[str] = None,
             bboxes: Optional[str] = None,
             device: str = 'cpu',
             detect: Optional[DetectOptions] = None) -> DemoSummary:
    """Estimate, draw and save the poses of every person in ``inputs``.

    Args:
        inputs (str): an image, a folder of images or a video.
        pose2d (str): pose config (student or distillation) or model name.
        pose2d_weights (str, optional): ``.pth`` (plain or distillation) or
            ``.onnx`` weights.
        vis_out_dir (str, optional): folder for the drawings (a video gives
            ``<name>.mp4``); not the folder of the inputs.
        pred_out_dir (str, optional): folder for one JSON per image (per
            video: one JSON with a record per frame), named as
            :func:`prediction_names` says.
        skeleton (str): joint set drawn and saved: ``'union'`` (21),
            ``'coco'`` (17) or ``'mpii'`` (16).
        draw (DrawOptions, optional): drawing options.
        det_model (str, optional): MMDetection config or model name.
        det_weights (str, optional): detector checkpoint.
        bboxes (str, optional): boxes JSON file.
        device (str): torch device; the CPU for ``.onnx`` weights.
        detect (DetectOptions, optional): which detections are people.

    Returns:
        DemoSummary: inputs processed and skipped, files written, notes.

    Raises:
        DeviceError: ``device`` is not here, or not the CPU for ONNX.
        InferenceError: bad inputs or options, or drawings that would
            overwrite their inputs.
    """
    check_device(device, onnx_model=is_onnx_file(pose2d_weights))
    skeletons.keypoint_names(skeleton)  # unknown names fail here
    draw = draw or DrawOptions()
    kind = input_kind(inputs)
    paths = folder_images(inputs) if kind == 'folder' else [inputs]
    refuse_overwriting_inputs(paths, vis_out_dir)
    pred_names = prediction_names(paths)
    summary = DemoSummary()
    if kind == 'folder':
        summary.notes += _folder_notes(inputs,
                                       pred_names if pred_out_dir else {})
    people = build_person_source(det_model, det_weights, bboxes, device,
                                 detect)
    estimator = build_pose_estimator(pose2d, pose2d_weights, device)
    if kind == 'video':
        _run_video(inputs, estimator, people, skeleton, draw, vis_out_dir,
                   pred_out_dir, summary)
        return summary
    for path in paths:
        image = read_image(path)
        if image is None:
            summary.skipped.append(path)
            continue
        name = osp.basename(path)
        result = _frame_poses(image, name, estimator, people, skeleton)
        if vis_out_dir:
            summary.written.append(write_image(
                vis_path(path, vis_out_dir),
                draw_poses(image, result, **vars(draw))))
        if pred_out_dir:
            summary.written.append(write_json(
                osp.join(pred_out_dir, pred_names[path]),
                _image_record(name, result, image.shape)))
        summary.processed.append((path, len(result)))
    if not summary.processed:
        raise InferenceError(f'no readable image in {inputs!r}')
    return summary
