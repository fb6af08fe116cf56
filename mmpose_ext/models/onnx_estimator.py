"""Score an exported ONNX graph (float32 or int8) with MMPose's test loop.

``tools/test.py CONFIG MODEL.onnx`` evaluates the graph instead of a
checkpoint (:func:`mmpose_ext.apis.test_cfg`): the data pipeline, flip test,
SimCC decoding and metrics are MMPose's, exactly as for the checkpoint the
graph was exported from; only the network between the crops and the SimCC
logits is the graph, run by ONNX Runtime. That is how an int8 graph's
accuracy is measured against its float32 original.
"""
from copy import deepcopy
from typing import Optional, Tuple

import torch
from mmengine.config import Config
from mmpose.models.heads import RTMCCHead
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class OnnxRTMCCHead(RTMCCHead):
    """``RTMCCHead`` whose ``forward`` is an ONNX graph of the whole network.

    It takes the pre-processed crops as its only feature map and returns the
    graph's SimCC logits; ``predict`` (flip test, decoding) is upstream's.
    Built by :class:`OnnxTopdownPoseEstimator`.

    Args:
        estimator (OrtPoseEstimator): the graph, checked against the config.
        **kwargs: the ``RTMCCHead`` arguments of the config.
    """

    def __init__(self, estimator, **kwargs) -> None:
        super().__init__(**kwargs)
        self.estimator = estimator

    def forward(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        crops = feats[-1]
        simcc_x, simcc_y = self.estimator.run_network(
            crops.detach().float().cpu().contiguous().numpy())
        return (torch.from_numpy(simcc_x).to(crops.device),
                torch.from_numpy(simcc_y).to(crops.device))


@MODELS.register_module()
class OnnxTopdownPoseEstimator(TopdownPoseEstimator):
    """A top-down SimCC estimator whose network is an ONNX graph.

    The graph must fit the config (joint count, crop size, SimCC bins and,
    for graphs from ``tools/export_onnx.py``, the architecture). Graphs that
    normalise inside (ours) get BGR pixel values 0-255: the config's
    ``data_preprocessor`` is replaced by one that only stacks the crops.
    Test only: it cannot be trained.

    Args:
        onnx_file (str): the graph (e.g. from ``tools/export_onnx.py``, with
            or without ``--int8``).
        **kwargs: the ``TopdownPoseEstimator`` arguments of the student
            config the graph was exported from.

    Raises:
        FileNotFoundError: ``onnx_file`` does not exist.
        OnnxModelMismatchError: the graph does not fit the config.
    """

    def __init__(self, onnx_file: str, **kwargs) -> None:
        kwargs.pop('init_cfg', None)
        estimator = _checked_graph(onnx_file, kwargs)
        if estimator.spec.normalize_in_graph:
            kwargs['data_preprocessor'] = dict(type='PoseDataPreprocessor')
        kwargs['head'] = dict(kwargs['head'], type='OnnxRTMCCHead',
                              estimator=estimator)
        super().__init__(**kwargs)
        self.onnx_file = onnx_file

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """The crops themselves: the graph in the head is the network."""
        return (inputs, )

    def loss(self, inputs, data_samples) -> dict:
        raise RuntimeError(
            f'{self.onnx_file!r} is an ONNX graph: it can be tested, not '
            'trained; train the checkpoint it was exported from')


def _checked_graph(onnx_file: str, model: dict,
                   config_file: Optional[str] = None):
    """An ``OrtPoseEstimator`` of ``onnx_file``, checked against the
    estimator arguments ``model`` (of ``config_file``, for messages)."""
    from mmpose_ext.inference.ort_pose import OrtPoseEstimator
    model = dict(deepcopy(model), type='TopdownPoseEstimator')
    return OrtPoseEstimator(
        onnx_file, config=Config(dict(model=model), filename=config_file),
        flip_test=False)


def onnx_model_config(model: dict, onnx_file: str,
                      config_file: Optional[str] = None) -> dict:
    """``model`` (a student config's) turned into an
    :class:`OnnxTopdownPoseEstimator` of ``onnx_file``. A pruned student's
    ``pruned_checkpoint`` is dropped: the graph has the pruned widths.

    Raises:
        FileNotFoundError: ``onnx_file`` does not exist.
        OnnxModelMismatchError: the graph does not fit ``model``; checked
            here, so the message is not wrapped by MMEngine's registry.
    """
    model = dict(deepcopy(model), type='OnnxTopdownPoseEstimator',
                 onnx_file=onnx_file)
    model.pop('pruned_checkpoint', None)
    _checked_graph(onnx_file, {k: v for k, v in model.items()
                               if k not in ('type', 'onnx_file')},
                   config_file)
    return model
