"""COCO+MPII multi-teacher SimCC distillation, as an MMPose extension.

Importing this package only registers its datasets, transforms, models,
metrics and hooks in MMPose's registries (configs reach it through
``custom_imports``). Entry points that train, test or load checkpoints call
:func:`mmpose_ext.apis.setup_env` first, which makes MMEngine checkpoints
load safely under torch's ``weights_only`` default.
"""
from mmpose_ext import datasets, engine, evaluation, models, skeletons  # noqa
from mmpose_ext import compression  # noqa

__version__ = '0.1.0'
