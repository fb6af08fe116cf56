"""The command-line tools under ``tools/``, loaded as modules so that tests
can call their ``main(argv)`` in-process."""
import importlib.util
import os.path as osp
from types import ModuleType
from typing import Callable, List

import pytest

from mmpose_ext import apis

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a fresh module."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exit_message(capsys, main: Callable, argv: List[str]) -> str:
    """The one error line a tool's ``main(argv)`` exits 2 with (``<tool>.py:
    error: ...``), after whatever warnings the libraries printed."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f'{main.__module__}.py: error: '), err
    return err


def last_train_checkpoint(config: str) -> str:
    """Where ``tools/train.py CONFIG`` (no ``--work-dir``) writes its last
    checkpoint: the runner's default work dir, the final iteration."""
    cfg = apis.train_cfg(config)
    return osp.join(cfg.work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
