"""One short console line every tenth of training, for quiet runs (the
quick start's stages log at ``WARNING``)."""
import functools
import sys
from typing import Callable, Optional

from mmengine.hooks import Hook
from mmpose.registry import HOOKS

# the process's own stdout: the line is shown while a stage's prints are sent
# to its console.log
console = functools.partial(print, file=sys.__stdout__, flush=True)


@HOOKS.register_module()
class ProgressHook(Hook):
    """Print the iteration and mean loss every tenth of training.

    Registered here, not by the quick start that adds it, so that the configs
    the runner dumps beside a stage build again in any process
    (``tools/test.py work_dirs/.../CONFIG.py CKPT``).

    Args:
        title (str): what the line names, e.g. the stage.
        say (callable, optional): where the line goes (default: stdout).
    """

    def __init__(self, title: str = '',
                 say: Optional[Callable[[str], None]] = None) -> None:
        self.title = title
        self.say = say or console

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        step = max(runner.max_iters // 10, 1)
        if (runner.iter + 1) % step and runner.iter + 1 != runner.max_iters:
            return
        loss = runner.message_hub.get_scalar('train/loss')
        self.say(f'    {self.title}: iteration {runner.iter + 1}/'
                 f'{runner.max_iters}, loss {loss.mean(step):.4f}')
