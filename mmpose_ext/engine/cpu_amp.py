"""Mixed precision training on the CPU (bfloat16 autocast)."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU ``bfloat16`` autocast.

    MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU. On the CPU,
    torch autocasts to ``bfloat16``, which has float32's exponent range, so no
    loss scaling is needed and the optimizer steps as usual. ``--amp`` picks
    this wrapper when no CUDA device is present.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16):
            yield
