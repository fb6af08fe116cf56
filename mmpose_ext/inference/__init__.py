"""Inference of the union-skeleton student: a demo, ONNX export and a
batched ONNX Runtime estimator (the latency benchmark that measures them is
:mod:`kd_bench.inference_benchmark`, outside the library).

Pre- and post-processing (:mod:`.preprocess`, :mod:`.simcc`) are plain numpy
and the ONNX Runtime path (:class:`.OrtPoseEstimator`) runs no torch code; the
PyTorch path (:class:`.TorchPoseEstimator`) is MMPose's own
``inference_topdown`` and serves as its reference.
"""
from .errors import (BoxesFileError, CheckpointMismatchError, DeviceError,
                     InferenceError, ModelFileNotFoundError, OnnxExportError,
                     OnnxModelMismatchError, UnsupportedInputError)
from .ort_pose import OrtPoseEstimator
from .preprocess import CropBatch, bbox_xyxy2cs, top_down_affine
from .result import PoseResult
from .simcc import decode_simcc, flip_back_simcc, simcc_maximum
from .spec import PoseModelSpec

__all__ = [
    'InferenceError', 'UnsupportedInputError', 'DeviceError', 'BoxesFileError',
    'CheckpointMismatchError', 'OnnxModelMismatchError', 'OnnxExportError',
    'ModelFileNotFoundError', 'OrtPoseEstimator', 'CropBatch', 'bbox_xyxy2cs',
    'top_down_affine', 'PoseResult', 'decode_simcc', 'flip_back_simcc',
    'simcc_maximum', 'PoseModelSpec'
]
