"""Distributed data parallel training on CPU processes (gloo)."""
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS
from torch import nn


# MMEngine's runner looks wrappers up in its own registry, without scope.
@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for processes without a GPU.

    MMEngine's runner hands DDP ``device_ids=[LOCAL_RANK]``, which torch
    refuses for a CPU model, and configs use ``SyncBN``, which only
    synchronises on GPUs. This wrapper ignores the device ids and turns
    ``SyncBN`` layers into plain ``BatchNorm`` (each process normalises over
    its own batch). ``tools/dist_train.sh`` and ``tools/dist_test.sh`` pick
    it when CUDA is absent (see :mod:`mmpose_ext.apis.runner`).

    Args:
        module (nn.Module): the model; wrapped in place.
        device_ids: ignored.
        **kwargs: passed to ``MMDistributedDataParallel``.
    """

    def __init__(self, module: nn.Module, device_ids=None, **kwargs):
        super().__init__(module=revert_sync_batchnorm(module),
                         device_ids=None, **kwargs)
