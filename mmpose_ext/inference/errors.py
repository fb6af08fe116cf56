"""Errors raised where bad input enters the inference tools.

Each carries a message that names the file, key or value and the fix, so the
command-line wrappers print it as one line (see
:func:`mmpose_ext.apis.exit_on_user_error`) instead of a library traceback.
Checkpoint errors are :mod:`mmpose_ext.checkpoint`'s, shared with training.
"""
from mmpose_ext.checkpoint import CheckpointMismatchError  # noqa: F401


class InferenceError(Exception):
    """Base class of the inference tools' user errors."""


class UnsupportedInputError(InferenceError, ValueError):
    """An input file is neither an image, a video nor a folder of images."""


class DeviceError(InferenceError, ValueError):
    """A ``--device`` this machine or this model cannot run on."""


class BoxesFileError(InferenceError, ValueError):
    """A person-boxes JSON file is malformed."""


class OnnxModelMismatchError(InferenceError, ValueError):
    """An ONNX file is not a model of the config it is used with."""


class OnnxExportError(InferenceError, RuntimeError):
    """Export failed, or the exported graph disagrees with PyTorch."""


class ModelFileNotFoundError(InferenceError, FileNotFoundError):
    """A model was given by name and its files are not on this machine."""
