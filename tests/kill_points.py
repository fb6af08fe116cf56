"""Places where a training started by a test stops and waits to be killed.

A config imports this module (``custom_imports``) and selects a point:
``PausingAtomicBackend`` as the checkpoint hook's file backend stops half-way
through writing one checkpoint, or before removing one;
``PauseAfterIterHook`` stops after an iteration. Either way the process
writes ``signal_file`` and sleeps, and the test kills it with SIGKILL.
"""
import os
import time

from mmengine.fileio import register_backend
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from mmpose_ext.fileio import AtomicLocalBackend, atomic_output


def pause(signal_file: str) -> None:
    with open(signal_file, 'w') as f:
        f.write(str(os.getpid()))
    time.sleep(600)
    os._exit(3)  # not killed: the test gave up waiting


@register_backend('pausing_atomic_local')
class PausingAtomicBackend(AtomicLocalBackend):
    """``atomic_local`` that pauses on ``file``: in the middle of its ``put``
    (``at='put'``, half the bytes written) or before its ``remove``."""

    def __init__(self, at: str, file: str, signal_file: str):
        super().__init__()
        self.at, self.file, self.signal_file = at, file, signal_file

    def _pauses(self, at: str, filepath) -> bool:
        return at == self.at and os.path.basename(filepath) == self.file

    def put(self, obj: bytes, filepath) -> None:
        if self._pauses('put', filepath):
            with atomic_output(filepath, sync_dir=True) as tmp:
                with open(tmp, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
                    f.flush()
                    pause(self.signal_file)
        super().put(obj, filepath)

    def remove(self, filepath) -> None:
        if self._pauses('remove', filepath):
            pause(self.signal_file)
        super().remove(filepath)


@HOOKS.register_module()
class PauseAfterIterHook(Hook):
    """Pause after training iteration ``iteration`` (1-based)."""

    def __init__(self, iteration: int, signal_file: str):
        self.iteration, self.signal_file = iteration, signal_file

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            pause(self.signal_file)
