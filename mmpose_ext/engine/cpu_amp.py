"""Mixed precision training on the CPU (bfloat16 autocast)."""
import logging
from contextlib import contextmanager

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS
from torch import nn


class NonFiniteGradientsError(RuntimeError):
    """Too many optimizer steps in a row had gradients that are not
    finite."""


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU ``bfloat16`` autocast.

    MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU. On the CPU,
    torch autocasts to ``bfloat16``, which has float32's exponent range, so no
    loss scaling is needed and the optimizer steps as usual. ``--amp`` picks
    this wrapper when no CUDA device is present.

    A step whose gradients are not all finite is skipped with a warning, as
    fp16 loss scaling skips an overflowed step, so that no NaN reaches the
    weights. Seen here (torch 2.14, oneDNN 3.12, a 2-core AMD EPYC with
    AVX512-BF16 and no AMX): when a convolution's kernel is larger than its
    feature map, the bfloat16 weight gradient of the kernel taps that never
    meet the map (whose true value is 0) sometimes holds NaN or inf. A
    ``Conv2d(384, 21, 7, padding=3)`` (RTMPose-t's SimCC head) on a 2x2 map
    gave that in 45 of 1000 steps, on 3x3, 4x4 and 8x8 maps in none. Real
    configs give the head an 8x6 map; a 64x64 input at stride 32 gives 2x2.
    Gradients that stay non-finite stop training after
    ``max_skipped_in_a_row`` steps in a row.

    Args:
        max_skipped_in_a_row (int): consecutive skipped steps that stop
            training. Defaults to 10.
        **kwargs: ``OptimWrapper``'s arguments.
    """

    def __init__(self, *args, max_skipped_in_a_row: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        if max_skipped_in_a_row < 1:
            raise ValueError('CPUAmpOptimWrapper: max_skipped_in_a_row must '
                             f'be at least 1, got {max_skipped_in_a_row}')
        self.max_skipped_in_a_row = max_skipped_in_a_row
        self.skipped_steps = 0
        self._skipped_in_a_row = 0

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16):
            yield

    def step(self, **kwargs) -> None:
        grads = [p.grad for group in self.optimizer.param_groups
                 for p in group['params'] if p.grad is not None]
        if not grads or torch.isfinite(
                torch.nn.utils.get_total_norm(grads)):
            self._skipped_in_a_row = 0
            super().step(**kwargs)
            return
        self.skipped_steps += 1
        self._skipped_in_a_row += 1
        if self._skipped_in_a_row >= self.max_skipped_in_a_row:
            raise NonFiniteGradientsError(
                f'bfloat16 training (--amp): the gradients were not finite '
                f'in {self._skipped_in_a_row} optimizer steps in a row. With '
                'finite losses, a convolution kernel larger than its feature '
                'map can cause it on CPUs without AMX (e.g. RTMPose\'s 7x7 '
                'SimCC head on a 2x2 map: an input under 96 px at stride '
                '32); otherwise the model diverges. Train without --amp, '
                'with a larger input, or at a lower learning rate')
        print_log(
            'bfloat16 training (--amp): skipped an optimizer step whose '
            f'gradients are not finite ({self.skipped_steps} skipped so '
            'far); the weights are unchanged', logger='current',
            level=logging.WARNING)
