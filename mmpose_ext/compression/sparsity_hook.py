"""Keep a magnitude-pruned student's zeros at zero while it fine-tunes."""
from typing import List, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from .pruning import prunable_weights


@HOOKS.register_module()
class KeepSparsityHook(Hook):
    """Re-zero, after every training step, the convolution and linear
    weights of the (student) model that were zero when training started.

    Without it, fine-tuning a magnitude-pruned model lets the optimizer
    (momentum, weight decay) fill the pruned weights in again. The masks are
    taken from the weights after ``load_from``/``--resume`` and kept in the
    hook, so checkpoints stay plain state dicts. Runs before ``EMAHook``
    (priority ``HIGH``), so the averaged weights keep the zeros too.
    """

    priority = 'HIGH'

    def __init__(self) -> None:
        self.masks: List[Tuple[torch.nn.Parameter, torch.Tensor]] = []

    @staticmethod
    def _student(runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        return getattr(model, 'student', model)

    def before_train(self, runner) -> None:
        self.masks = [(layer.weight, layer.weight != 0)
                      for layer in prunable_weights(self._student(runner))]
        zeros = sum(int((~m).sum()) for _, m in self.masks)
        total = sum(m.numel() for _, m in self.masks)
        runner.logger.info(f'KeepSparsityHook: keeping {zeros} of {total} '
                           f'weights ({zeros / max(1, total):.1%}) at zero')

    @torch.no_grad()
    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        for weight, mask in self.masks:
            weight.mul_(mask)
