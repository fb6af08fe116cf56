"""Build the PyTorch pose model of a config and load its weights strictly.

The config may be a student config (``TopdownPoseEstimator``) or a
distillation config (``MultiTeacherDistiller``, whose ``student=`` is used);
the checkpoint may be a plain student checkpoint or a distillation checkpoint
(``student.*`` keys, taken by
:func:`mmpose_ext.models.student_export.student_state_dict`). Teachers are
never built and pretrained backbone URLs are never fetched.
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.config import Config
from torch import nn

from mmpose_ext.apis import load_config
from mmpose_ext.checkpoint import UnsafeCheckpointError, safe_torch_load
from mmpose_ext.models.student_export import student_state_dict

from .errors import CheckpointMismatchError

DISTILLER_TYPES = ('MultiTeacherDistiller', )
# How many keys of each kind an error message lists.
_LISTED_KEYS = 4


def student_config(config: Union[str, Config]) -> Config:
    """The config with ``model`` replaced by the student of a distiller.

    Args:
        config (str | Config): a student or distillation config.

    Returns:
        Config: a copy whose ``model`` is a plain pose estimator without
        pretrained-weight downloads.
    """
    cfg = load_config(config) if isinstance(config, str) else \
        copy.deepcopy(config)
    if cfg.model.get('type') in DISTILLER_TYPES:
        cfg.model = cfg.model.student
    if 'init_cfg' in cfg.model.get('backbone', {}):
        cfg.model.backbone.init_cfg = None
    return cfg


def state_dict_differences(
        model: nn.Module, state: Dict[str, torch.Tensor]
) -> Tuple[List[str], List[str], List[str]]:
    """Keys the model needs but ``state`` lacks, keys it has that the model
    does not know, and keys whose shapes differ (``'key: ckpt vs model'``)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(v.shape)}' for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    return missing, unexpected, mismatched


def _listing(kind: str, keys: List[str]) -> str:
    shown = ', '.join(keys[:_LISTED_KEYS])
    more = f' and {len(keys) - _LISTED_KEYS} more' if len(keys) > \
        _LISTED_KEYS else ''
    return f'{len(keys)} {kind} ({shown}{more})'


def load_state_dict_strict(model: nn.Module, state: Dict[str, torch.Tensor],
                           checkpoint: str, config: str) -> None:
    """Load ``state`` into ``model``, or explain every key that does not fit.

    Raises:
        CheckpointMismatchError: with the missing, unexpected and
            shape-mismatched keys.
    """
    missing, unexpected, mismatched = state_dict_differences(model, state)
    if missing or unexpected or mismatched:
        parts = [_listing(kind, keys) for kind, keys in (
            ('missing keys', missing), ('unexpected keys', unexpected),
            ('shape-mismatched keys', mismatched)) if keys]
        raise CheckpointMismatchError(
            f'checkpoint {checkpoint!r} does not match the model of config '
            f'{config!r}: ' + '; '.join(parts) + '. Pass the config the '
            'checkpoint was trained with (a distillation checkpoint goes with '
            'its student or distillation config).')
    model.load_state_dict(state, strict=True)


def read_checkpoint(checkpoint: str) -> dict:
    """Read a checkpoint file safely, with a clear error for a bad file."""
    try:
        return safe_torch_load(checkpoint, map_location='cpu')
    except (FileNotFoundError, UnsafeCheckpointError):
        raise
    except Exception as err:  # torch reports corrupt files many ways
        raise CheckpointMismatchError(
            f'cannot read checkpoint {checkpoint!r} ({type(err).__name__}: '
            f'{str(err).splitlines()[0] if str(err) else ""}); is it a '
            'PyTorch checkpoint?') from None


def init_pose_model(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> nn.Module:
    """Build the (student) pose estimator of ``config`` with weights.

    Args:
        config (str | Config): student or distillation config.
        checkpoint (str, optional): plain or distillation checkpoint; ``None``
            leaves PyTorch's random initialisation.
        device (str): torch device.

    Returns:
        nn.Module: the estimator in eval mode, with ``cfg`` and
        ``dataset_meta`` set as :func:`mmpose.apis.init_model` does.

    Raises:
        FileNotFoundError: the config or checkpoint does not exist.
        CheckpointMismatchError: the checkpoint does not fit the model.
    """
    from mmpose.apis import init_model
    config_name = config if isinstance(config, str) else config.filename
    cfg = student_config(config)
    model = init_model(cfg, None, device='cpu')
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'checkpoint {checkpoint!r} does not exist')
        ckpt = read_checkpoint(checkpoint)
        load_state_dict_strict(model, student_state_dict(ckpt), checkpoint,
                               config_name)
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    return model.to(device).eval()
