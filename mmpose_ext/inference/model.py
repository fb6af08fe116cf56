"""Build the PyTorch pose model of a config and load its weights strictly.

The config may be a student config (``TopdownPoseEstimator``) or a
distillation config (``MultiTeacherDistiller``, whose ``student=`` is used);
the checkpoint may be a plain student checkpoint or a distillation checkpoint
(``student.*`` keys), loaded strictly by
:func:`mmpose_ext.checkpoint.load_weights`. Teachers are never built and
pretrained backbone URLs are never fetched.
"""
import copy
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config
from torch import nn

from mmpose_ext.checkpoint import load_weights
from mmpose_ext.config_keys import load_config
from mmpose_ext.datasets.pipelines import teacher_crops_from_model

DISTILLER_TYPES = ('MultiTeacherDistiller', )


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
        # the train pipeline's TeacherCrops read the teachers' crop sizes
        teacher_crops_from_model(cfg)
        cfg.model = cfg.model.student
    if 'init_cfg' in cfg.model.get('backbone', {}):
        cfg.model.backbone.init_cfg = None
    return cfg


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
        ckpt = load_weights(model, checkpoint, config=config_name)
        meta = ckpt.get('meta') or {}
        if meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    return model.to(device).eval()
