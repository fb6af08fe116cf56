"""COCO+MPII multi-teacher SimCC distillation, as an MMPose extension.

Importing this package registers its datasets, transforms, models, metrics and
hooks in MMPose's registries (configs reach it through ``custom_imports``) and
makes MMEngine checkpoints load safely under torch's ``weights_only`` default.
"""
from mmpose_ext import checkpoint as _checkpoint
from mmpose_ext import datasets, engine, evaluation, models, skeletons  # noqa
from mmpose_ext import compression  # noqa

_checkpoint.install()

__version__ = '0.1.0'
