"""A test metrics file that every process of a distributed run can trust."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import dump
from mmengine.hooks import LoggerHook
from mmpose.registry import HOOKS

from mmpose_ext.fileio import atomic_output


@HOOKS.register_module()
class AtomicLoggerHook(LoggerHook):
    """MMEngine's ``LoggerHook`` whose test metrics file
    (``<log_dir>/<timestamp>.json``) is written once and whole.

    MMEngine 0.10.7 has every process of a distributed test dump the
    metrics to the same file at the same time (its other writes go through
    the visualizer, which only the main process runs); two ranks writing it
    together can leave one rank's text over the other's tail, a file no
    JSON reader accepts. Here the main process alone writes it, to a
    temporary file renamed into place.

    Args: those of :class:`mmengine.hooks.LoggerHook`.
    """

    def after_test_epoch(self, runner, metrics=None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        if not is_main_process():
            return
        path = osp.join(runner.log_dir, self.json_log_path)
        with atomic_output(path) as tmp:
            dump(self._process_tags(tag), tmp, file_format='json')
