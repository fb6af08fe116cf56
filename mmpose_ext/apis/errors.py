"""Turn input errors into one clear line for command-line users."""
import contextlib
import sys

from mmpose_ext.apis.work_dir_lock import WorkDirLockedError
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
               SyntheticDataError, WorkDirLockedError, FileNotFoundError,
               NotADirectoryError)


@contextlib.contextmanager
def exit_on_user_error(prog: str):
    """Print ``prog: error: <message>`` and exit 2 on a user error."""
    try:
        yield
    except USER_ERRORS as err:
        print(f'{prog}: error: {err}', file=sys.stderr)
        sys.exit(2)
