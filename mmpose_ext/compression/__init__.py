"""Compress the student for the CPU: magnitude and channel pruning
(:mod:`.pruning`), a model rebuilt at pruned widths
(:class:`.PrunedTopdownPoseEstimator`), and int8 ONNX quantisation
(:mod:`.int8`)."""
from .errors import CalibrationDataError, CompressionError, PrunedWidthsError
from .int8 import Int8Report, calibration_inputs, export_int8_student
from .pruned_estimator import PrunedTopdownPoseEstimator, read_pruning_meta
from .pruning import (METHODS, PruneReport, channel_prune, magnitude_prune,
                      prune_checkpoint, weight_sparsity)
from .sparsity_hook import KeepSparsityHook
from .widths import layer_widths, shrink_to_widths

__all__ = [
    'CalibrationDataError', 'CompressionError', 'PrunedWidthsError',
    'PrunedTopdownPoseEstimator', 'read_pruning_meta', 'METHODS',
    'PruneReport', 'channel_prune', 'magnitude_prune', 'prune_checkpoint',
    'weight_sparsity', 'KeepSparsityHook', 'layer_widths', 'shrink_to_widths',
    'Int8Report', 'calibration_inputs', 'export_int8_student'
]
