"""A top-down estimator rebuilt from its config at a pruned checkpoint's
layer widths."""
import os.path as osp
from collections.abc import Mapping
from typing import Optional

from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS

from mmpose_ext.checkpoint import load_weights, safe_torch_load
from .errors import PrunedWidthsError
from .widths import shrink_to_widths

PRUNING_META = 'pruning'


def read_pruning_meta(filename: str) -> dict:
    """``meta.pruning`` of a checkpoint written by ``tools/prune.py``.

    Raises:
        FileNotFoundError: the file does not exist.
        PrunedWidthsError: it records no pruning.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'pruned checkpoint {filename!r} does not exist: write it with '
            'tools/prune.py CONFIG CHECKPOINT --out ' + filename)
    checkpoint = safe_torch_load(filename, map_location='cpu')
    meta = checkpoint.get('meta') if isinstance(checkpoint, Mapping) else None
    pruning = meta.get(PRUNING_META) if isinstance(meta, Mapping) else None
    if not isinstance(pruning, Mapping) or not isinstance(
            pruning.get('widths'), Mapping):
        raise PrunedWidthsError(
            f'{filename!r} records no layer widths (meta.pruning.widths): it '
            'was not written by tools/prune.py. Pass a checkpoint that '
            'tools/prune.py wrote, or use the unpruned config')
    return dict(pruning)


@MODELS.register_module()
class PrunedTopdownPoseEstimator(TopdownPoseEstimator):
    """A ``TopdownPoseEstimator`` shrunk to the layer widths recorded in a
    pruned checkpoint, whose weights it also starts from.

    The config's backbone, neck and head are built as usual, then every
    convolution, batch norm and linear layer is resized to the widths in
    ``meta.pruning.widths`` of ``pruned_checkpoint`` (so the pruned module is
    never unpickled). ``init_weights`` (which MMEngine's runner calls before
    training) loads the checkpoint strictly through the project's safe
    loader instead of initialising; a model built for inference gets its
    weights from the checkpoint it is given.

    Args:
        pruned_checkpoint (str): a checkpoint written by ``tools/prune.py``.
        init_checkpoint (str, optional): start from this checkpoint of the
            same pruned network instead (one trained on from
            ``pruned_checkpoint``, plain or distillation); its widths are
            still ``pruned_checkpoint``'s.
        **kwargs: the ``TopdownPoseEstimator`` arguments of the unpruned
            config; ``init_cfg`` is ignored (the weights are the pruned
            checkpoint's, or ``init_checkpoint``'s).

    Raises:
        FileNotFoundError: ``pruned_checkpoint`` does not exist.
        PrunedWidthsError: it records no widths, or widths that do not fit
            the config's model.
        CheckpointMismatchError: (``init_weights``) ``init_checkpoint`` is
            not of this pruned network.
    """

    def __init__(self,
                 pruned_checkpoint: str,
                 init_checkpoint: Optional[str] = None,
                 **kwargs) -> None:
        kwargs.pop('init_cfg', None)
        super().__init__(**kwargs)
        self.pruned_checkpoint = pruned_checkpoint
        self.init_checkpoint = init_checkpoint or pruned_checkpoint
        self.pruning = read_pruning_meta(pruned_checkpoint)
        shrink_to_widths(self, self.pruning['widths'],
                         source=repr(pruned_checkpoint))

    def init_weights(self) -> None:
        load_weights(self, self.init_checkpoint)
        self._is_init = True
