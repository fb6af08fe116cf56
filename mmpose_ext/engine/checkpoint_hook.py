"""Checkpoint saves that a kill, a crash or a full disk cannot take away."""
import contextlib
import os.path as osp
from typing import Iterator, List

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS

from mmpose_ext.fileio import (AtomicLocalBackend, atomic_write,
                               leftover_temporaries)

# Message hub key: the steps whose checkpoints the last save made outdated.
_OUTDATED = 'outdated_ckpt_ids'


class _HeldRemovals:
    """A file backend whose ``remove`` and ``rmtree`` only note the path."""

    def __init__(self, backend):
        self._backend = backend
        self.paths: List[str] = []

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def remove(self, path: str) -> None:
        self.paths.append(path)

    rmtree = remove


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` that never leaves the work dir without a
    complete checkpoint to resume from.

    MMEngine 0.10.7 writes a checkpoint in place, so a kill or a full disk
    during the save leaves a truncated ``iter_N.pth``, and with
    ``max_keep_ckpts`` or ``save_best`` it removes the previous checkpoint
    *before* writing the next one. This hook, with a local ``out_dir``:

    - writes each checkpoint to a temporary file beside it and renames it
      into place (the ``atomic_local`` file backend);
    - then replaces ``last_checkpoint`` (what ``--resume`` reads) the same
      way;
    - only then removes the checkpoints ``max_keep_ckpts`` drops and the
      previous best checkpoint;
    - before training, deletes what a killed run left behind: temporary
      files of unfinished saves, and the checkpoints the resumed one had
      made outdated.

    Args: those of :class:`mmengine.hooks.CheckpointHook`. With
    ``backend_args`` or ``file_client_args`` set, or a remote ``out_dir``,
    files are written by that backend as MMEngine does; the removals still
    wait for the save.
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and type(get_file_backend(out_dir)) is LocalBackend):
            self.backend_args = dict(backend='atomic_local')
        super().before_train(runner)
        if is_main_process():
            self._remove_leftover_temporaries(runner)
            for step in runner.message_hub.get_info(_OUTDATED, []):
                self._remove(self._path(step))

    def _remove_leftover_temporaries(self, runner) -> None:
        if not isinstance(self.file_backend, AtomicLocalBackend):
            return
        extension = osp.splitext(self.filename_tmpl)[1]
        leftovers = (
            leftover_temporaries(self.out_dir, f'*{extension}') +
            leftover_temporaries(runner.work_dir, 'last_checkpoint'))
        for path in leftovers:
            runner.logger.warning(
                f'removing {path}, an unfinished checkpoint save of a run '
                'that was killed')
            self.file_backend.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # CheckpointHook's save, reordered: the checkpoint, then
        # last_checkpoint, then the removal of outdated checkpoints.
        outdated = self._keep_checkpoint(runner, step)
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                     self.last_ckpt.encode(), sync_dir=True)
        for old_step in outdated:
            self._remove(self._path(old_step))

    def _keep_checkpoint(self, runner, step: int) -> List[int]:
        """Count ``step`` among the ``max_keep_ckpts`` checkpoints kept;
        returns the steps whose checkpoints are no longer kept. Both go into
        the checkpoint's message hub, so that a run resumed from it removes
        what a kill stopped this one from removing."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids
                                        and self.keep_ckpt_ids[-1] == step):
            # _save_best_checkpoint saves the current step a second time
            return []
        outdated = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        runner.message_hub.update_info(_OUTDATED, outdated)
        return outdated

    def _path(self, step: int) -> str:
        return self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(step))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        # CheckpointHook removes the previous best checkpoint before it
        # writes the new one.
        with self._removals_held_back() as held:
            super()._save_best_checkpoint(runner, metrics)
        for path in held.paths:
            self._remove(path)

    @contextlib.contextmanager
    def _removals_held_back(self) -> Iterator[_HeldRemovals]:
        backend = self.file_backend
        self.file_backend = held = _HeldRemovals(backend)
        try:
            yield held
        finally:
            self.file_backend = backend

    def _remove(self, path: str) -> None:
        if not is_main_process():
            return
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            # checkpoints saved by DeepSpeed are folders
            self.file_backend.rmtree(path)
