"""Errors raised where bad input enters the compression tools.

Each message names the file, value or layer and the fix, so the command-line
wrappers print it as one line (:func:`mmpose_ext.apis.exit_on_user_error`).
"""
from mmpose_ext.checkpoint import CheckpointError


class CompressionError(ValueError):
    """A pruning or quantisation request cannot be carried out as asked."""


class PrunedWidthsError(CheckpointError):
    """A pruned checkpoint's recorded layer widths do not fit the config."""


class CalibrationDataError(CompressionError):
    """int8 calibration has no real crops to calibrate on."""
