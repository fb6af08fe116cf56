"""Turn input errors into one clear line for command-line users."""
import contextlib
import sys
from typing import Type

from mmpose_ext.apis.work_dir_lock import (WorkDirHasCheckpointsError,
                                           WorkDirLockedError)
from mmpose_ext.checkpoint import CheckpointError
from mmpose_ext.compression.errors import CompressionError
from mmpose_ext.config_keys import ConfigOptionError
from mmpose_ext.datasets import DataConfigError
from mmpose_ext.engine import NonFiniteLossError, TensorboardConfigError
from mmpose_ext.inference.errors import InferenceError
from mmpose_ext.models import TeacherConfigError
from mmpose_ext.synthetic import SyntheticDataError
from mmpose_ext.teacher_cache import TeacherCacheError

# Errors raised where bad input enters, with a message that already says what
# is wrong and how to fix it: the traceback adds nothing for the user.
USER_ERRORS = (DataConfigError, TeacherConfigError, TeacherCacheError,
               CheckpointError, InferenceError, NonFiniteLossError,
               TensorboardConfigError, CompressionError, ConfigOptionError,
               SyntheticDataError, WorkDirLockedError,
               WorkDirHasCheckpointsError, FileNotFoundError,
               NotADirectoryError, FileExistsError, IsADirectoryError)

# What a path error from the operating system means for a command's output
# paths (creating a folder where a file is, writing a file where a folder is).
_PATH_ERROR_HINTS = {
    FileExistsError: 'a file is where a folder is needed: give another path '
    'or move the file',
    IsADirectoryError: 'a folder is where a file is written: give a file '
    'path',
    NotADirectoryError: 'a part of the path is a file, not a folder: give '
    'another path',
}


def describe_user_error(err: Exception) -> str:
    """The one line a user sees for ``err``, one of :data:`USER_ERRORS`.

    Our own errors already say what is wrong; an operating-system path error
    (``[Errno 17] File exists: 'out'``) gets the path first and what it means
    for an output path.
    """
    hint = _PATH_ERROR_HINTS.get(type(err))
    if hint is None or err.strerror is None or err.filename is None:
        return str(err)
    return f'{err.filename}: {err.strerror.lower()} ({hint})'


@contextlib.contextmanager
def exit_on_user_error(prog: str, *more: Type[Exception]):
    """Print ``prog: error: <message>`` and exit 2 on a user error: one of
    :data:`USER_ERRORS`, or of ``more`` (a tool's own)."""
    try:
        yield
    except USER_ERRORS + more as err:
        print(f'{prog}: error: {describe_user_error(err)}', file=sys.stderr)
        sys.exit(2)
