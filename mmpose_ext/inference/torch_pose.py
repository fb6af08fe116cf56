"""Top-down pose estimation with the PyTorch model through MMPose's own
``inference_topdown``: the reference the ONNX Runtime path is checked
against, with the same call signature as :class:`.OrtPoseEstimator`."""
from typing import Optional, Tuple

import numpy as np

from .model import init_pose_model
from .result import BoxPoseEstimator
from .spec import PoseModelSpec


class TorchPoseEstimator(BoxPoseEstimator):
    """A (student) pose model of a config, run by MMPose.

    Args:
        config (str | Config): student or distillation config.
        checkpoint (str, optional): plain or distillation checkpoint.
        device (str): torch device.
        flip_test (bool, optional): override the config's ``test_cfg``.
    """

    def __init__(self,
                 config,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 flip_test: Optional[bool] = None) -> None:
        self.model = init_pose_model(config, checkpoint, device)
        if flip_test is not None:
            self.model.test_cfg['flip_test'] = flip_test
        self.spec = PoseModelSpec.from_config(self.model.cfg).with_options(
            flip_test=self.model.test_cfg.get('flip_test', False))

    def predict_boxes(self, image: np.ndarray,
                      boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        from mmpose.apis import inference_topdown
        samples = inference_topdown(self.model, image, boxes)
        keypoints = np.concatenate(
            [s.pred_instances.keypoints for s in samples])
        scores = np.concatenate(
            [s.pred_instances.keypoint_scores for s in samples])
        return keypoints, scores
