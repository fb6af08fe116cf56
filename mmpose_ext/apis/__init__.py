from mmpose_ext.config_keys import load_config

from .runner import run_test, run_train, test_cfg, train_cfg
from .setup_env import setup_env

__all__ = [
    'load_config', 'train_cfg', 'test_cfg', 'run_train', 'run_test',
    'setup_env'
]
from .errors import USER_ERRORS, exit_on_user_error  # noqa: E402

__all__ += ['USER_ERRORS', 'exit_on_user_error']
