"""The process-wide set-up the project's entry points make, once, before
they build a runner or load a checkpoint.

Importing :mod:`mmpose_ext` (which configs do through ``custom_imports``)
only registers modules in MMPose's registries. What changes the behaviour of
other libraries for the whole process is done here instead, and only when an
entry point asks for it: ``tools/*.py``, ``demo/inferencer_demo.py`` and
:func:`~mmpose_ext.apis.run_train` / :func:`~mmpose_ext.apis.run_test`.
"""
from mmpose_ext import checkpoint


def setup_env() -> None:
    """Make MMEngine checkpoints save and load safely in this process.

    Routes MMEngine's local-file checkpoint loader (the one
    ``load_checkpoint``, ``load_from`` and ``init_cfg=Pretrained`` use)
    through :func:`mmpose_ext.checkpoint.safe_torch_load`, allows the classes
    MMEngine/MMPose checkpoints hold in ``torch.load(weights_only=True)``,
    and saves message hubs without ``getattr`` so that the checkpoints
    written afterwards load under that allow-list
    (:func:`mmpose_ext.checkpoint.install`). Calling it again changes
    nothing.
    """
    checkpoint.install()
