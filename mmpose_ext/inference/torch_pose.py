"""Top-down pose estimation with the PyTorch model through MMPose's own
``inference_topdown``: the reference the ONNX Runtime path is checked
against, with the same call signature as :class:`.OrtPoseEstimator`."""
from typing import Optional, Sequence, Union

import numpy as np

from .model import init_pose_model
from .preprocess import as_boxes
from .result import PoseResult
from .spec import PoseModelSpec


class TorchPoseEstimator:
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

    def __call__(self,
                 image: np.ndarray,
                 bboxes: Optional[Union[np.ndarray, Sequence]] = None
                 ) -> PoseResult:
        """Poses of the people in ``bboxes`` (``x1, y1, x2, y2[, score]``);
        ``None`` takes the whole image as one person."""
        from mmpose.apis import inference_topdown
        if bboxes is None:
            h, w = image.shape[:2]
            bboxes = [[0, 0, w, h]]
        boxes = as_boxes(bboxes)
        if len(boxes) == 0:
            return PoseResult.empty(self.spec.num_keypoints,
                                    self.spec.skeleton)
        samples = inference_topdown(self.model, image, boxes[:, :4])
        keypoints = np.concatenate(
            [s.pred_instances.keypoints for s in samples]).astype(np.float32)
        scores = np.concatenate(
            [s.pred_instances.keypoint_scores for s in samples])
        box_scores = boxes[:, 4] if boxes.shape[1] == 5 else np.ones(
            len(boxes))
        return PoseResult(keypoints, scores.astype(np.float32),
                          boxes[:, :4].astype(np.float32),
                          box_scores.astype(np.float32), self.spec.skeleton)
