"""A hook that records, per rank, what a distributed distillation run did.

Configs import it (``custom_imports``) in the processes that
``tools/dist_train.sh`` starts; tests/test_distributed.py reads the records.
"""
import json
import os
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS
from torch.nn.parallel import DistributedDataParallel


def _fingerprint(module: torch.nn.Module) -> float:
    # Parameters only: DDP runs with broadcast_buffers=False, so BN
    # statistics differ between ranks by design.
    return float(sum(p.double().sum() for p in module.parameters()))


@HOOKS.register_module()
class DistProbeHook(Hook):
    """Writes ``<work_dir>/probe/rank<r>_from_epoch<e>.json``: the samples
    each iteration trained on, the losses, whether DDP wraps the model and
    registers teacher weights, and teacher and student fingerprints; in a
    test, ``<work_dir>/probe/rank<r>_test.json``: the runner's hooks."""

    def before_train(self, runner) -> None:
        wrapped = runner.model
        model = wrapped.module if is_model_wrapper(wrapped) else wrapped
        registered = {id(p) for p in wrapped.parameters()}
        self.record = dict(
            rank=get_rank(),
            start_epoch=runner.epoch,
            start_iter=runner.iter,
            ddp=isinstance(wrapped, DistributedDataParallel),
            teacher_params_in_ddp=sum(
                id(p) in registered for t in model.teachers
                for p in t.parameters()),
            teacher_fingerprint_before=[_fingerprint(t)
                                        for t in model.teachers],
            samples=[], losses=[], teacher_grads=0)

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.record['samples'].append([
            f"{d.metainfo['img_path']}#{d.metainfo['id']}"
            for d in data_batch['data_samples']])

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.record['losses'].append(float(outputs['loss']))
        self.record['teacher_grads'] += sum(
            p.grad is not None for t in model.teachers
            for p in t.parameters())

    def before_test(self, runner) -> None:
        _write(runner, f'rank{get_rank()}_test.json',
               dict(hooks=[type(h).__name__ for h in runner.hooks]))

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.record.update(
            epochs=runner.epoch,
            teacher_fingerprint_after=[_fingerprint(t)
                                       for t in model.teachers],
            student_fingerprint=_fingerprint(model.student))
        _write(runner, f"rank{self.record['rank']}_from_epoch"
               f"{self.record['start_epoch']}.json", self.record)


def _write(runner, name: str, record: dict) -> None:
    folder = osp.join(runner.work_dir, 'probe')
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, name), 'w') as f:
        json.dump(record, f)
