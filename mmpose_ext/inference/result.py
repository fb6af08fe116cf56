"""The poses found in one image, whatever backend produced them."""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmpose_ext import skeletons


@dataclass
class PoseResult:
    """Keypoints of all people in one image.

    Args:
        keypoints (np.ndarray): ``(N, K, 2)`` image pixels.
        scores (np.ndarray): ``(N, K)`` keypoint confidences.
        bboxes (np.ndarray): ``(N, 4)`` person boxes ``x1, y1, x2, y2``.
        bbox_scores (np.ndarray): ``(N,)`` box confidences.
        skeleton (str, optional): joint set of ``K`` (see
            :mod:`mmpose_ext.skeletons`).
    """

    keypoints: np.ndarray
    scores: np.ndarray
    bboxes: np.ndarray
    bbox_scores: np.ndarray
    skeleton: Optional[str] = None

    def __len__(self) -> int:
        return len(self.keypoints)

    @classmethod
    def empty(cls, num_keypoints: int,
              skeleton: Optional[str] = None) -> 'PoseResult':
        """No people."""
        return cls(np.zeros((0, num_keypoints, 2), np.float32),
                   np.zeros((0, num_keypoints), np.float32),
                   np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                   skeleton)

    def to_skeleton(self, target: str) -> 'PoseResult':
        """The same people in another joint set; joints the source skeleton
        does not know get score 0 at ``(0, 0)``."""
        if self.skeleton is None:
            raise ValueError(
                f'cannot convert {self.keypoints.shape[1]} joints of an '
                f'unknown skeleton to {target!r}')
        if target == self.skeleton:
            return self
        return PoseResult(
            skeletons.convert_keypoints(self.keypoints, self.skeleton, target,
                                        axis=-2),
            skeletons.convert_keypoints(self.scores, self.skeleton, target,
                                        axis=-1),
            self.bboxes, self.bbox_scores, target)

    def to_dict(self) -> dict:
        """JSON-ready dict: joint names and one entry per person."""
        names = (list(skeletons.keypoint_names(self.skeleton))
                 if self.skeleton else None)
        return dict(
            skeleton=self.skeleton,
            keypoint_names=names,
            num_keypoints=int(self.keypoints.shape[1]),
            instances=[
                dict(bbox=[round(float(v), 2) for v in box],
                     bbox_score=round(float(box_score), 4),
                     keypoints=np.round(kpts.astype(float), 2).tolist(),
                     keypoint_scores=np.round(score.astype(float),
                                              4).tolist())
                for kpts, score, box, box_score in zip(
                    self.keypoints, self.scores, self.bboxes,
                    self.bbox_scores)
            ])


class BoxPoseEstimator:
    """Top-down estimation from person boxes; subclasses say how one batch
    of boxes becomes keypoints (``predict_boxes``) and set ``spec``."""

    spec = None  # PoseModelSpec of the model

    def predict_boxes(self, image: np.ndarray,
                      boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints ``(N, K, 2)`` and scores ``(N, K)`` of ``(N, 4)`` boxes.
        """
        raise NotImplementedError

    def __call__(self,
                 image: np.ndarray,
                 bboxes: Optional[Union[np.ndarray, Sequence]] = None
                 ) -> PoseResult:
        """Poses of the people in ``bboxes`` (``x1, y1, x2, y2[, score]``);
        ``None`` takes the whole image as one person."""
        from .preprocess import as_boxes
        if bboxes is None:
            h, w = image.shape[:2]
            bboxes = [[0, 0, w, h]]
        boxes = as_boxes(bboxes)
        if len(boxes) == 0:
            return PoseResult.empty(self.spec.num_keypoints,
                                    self.spec.skeleton)
        keypoints, scores = self.predict_boxes(image, boxes[:, :4])
        box_scores = boxes[:, 4] if boxes.shape[1] == 5 else np.ones(
            len(boxes))
        return PoseResult(keypoints.astype(np.float32),
                          scores.astype(np.float32),
                          boxes[:, :4].astype(np.float32),
                          box_scores.astype(np.float32), self.spec.skeleton)
