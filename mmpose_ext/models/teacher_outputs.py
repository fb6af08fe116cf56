"""Where the distiller's teacher outputs come from: the teachers themselves
(:class:`LiveTeacherOutputs`) or an offline cache with the teachers for the
samples it lacks (:class:`~mmpose_ext.teacher_cache.CachedTeacherOutputs`).

Both are called the same way, on one teacher and a batch of packed samples'
metainfo, and return a :class:`TeacherBatch`; the distiller picks one when it
is built and never asks which it has.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.model import ImgDataPreprocessor
from torch import Tensor, nn

from mmpose_ext.models.teachers import (TeacherSpec, teacher_autocast,
                                        teacher_autocast_dtype)


class TeacherOutputs:
    """Teacher-frame outputs of a batch that the KD targets are made from.

    Attributes:
        prob_x, prob_y (Tensor): ``(B, K, bins)`` ``softmax(scale * logits)``.
        peak_x, peak_y (Tensor): ``(B, K)`` bin of the largest logit.
        max_x, max_y (Tensor): ``(B, K)`` largest logit.
    """

    def __init__(self, prob_x: Tensor, prob_y: Tensor, peak_x: Tensor,
                 peak_y: Tensor, max_x: Tensor, max_y: Tensor) -> None:
        self.prob_x, self.prob_y = prob_x, prob_y
        self.peak_x, self.peak_y = peak_x, peak_y
        self.max_x, self.max_y = max_x, max_y

    @classmethod
    def from_logits(cls, x: Tensor, y: Tensor,
                    scale: float) -> 'TeacherOutputs':
        max_x, peak_x = x.max(-1)
        max_y, peak_y = y.max(-1)
        return cls(torch.softmax(x * scale, -1), torch.softmax(y * scale, -1),
                   peak_x, peak_y, max_x, max_y)

    @classmethod
    def merge(cls, parts: Sequence[Tuple[Tensor, 'TeacherOutputs']],
              size: int) -> 'TeacherOutputs':
        """One batch of ``size`` from parts covering the given rows."""
        fields = ('prob_x', 'prob_y', 'peak_x', 'peak_y', 'max_x', 'max_y')
        merged = []
        for name in fields:
            first = getattr(parts[0][1], name)
            out = first.new_zeros((size, ) + tuple(first.shape[1:]))
            for rows, part in parts:
                out[rows] = getattr(part, name)
            merged.append(out)
        return cls(*merged)


class TeacherBatch(NamedTuple):
    """One teacher's outputs on a batch, from an output source.

    Attributes:
        outputs (TeacherOutputs): in the teacher's crop frame.
        features (Tensor | None): the teacher's last features, when the
            teacher ran on every sample.
        cache_hits (int): samples served from a cache.
    """

    outputs: TeacherOutputs
    features: Optional[Tensor]
    cache_hits: int


class LiveTeacherOutputs:
    """Teacher outputs computed by running the teachers.

    Each teacher runs one batch, under ``torch.no_grad()``, on its own crops
    (``teacher_inputs`` of the samples' metainfo), with its own image
    normalisation; backbone and neck in the autocast precision
    ``teacher_dtype`` picks for the device, the head in the weights'
    precision.

    Args:
        beta (float): logit scale of the KD softmax.
        teacher_dtype (str): as the distiller's ``teacher_dtype``.
        channels_last (bool): feed the teachers channels-last inputs.
    """

    def __init__(self, beta: float, teacher_dtype: str,
                 channels_last: bool) -> None:
        self.beta = beta
        self.teacher_dtype = teacher_dtype
        self.channels_last = channels_last

    @staticmethod
    def teacher_images(spec: TeacherSpec, metas: List[dict]) -> List[Tensor]:
        """The samples' crops for teacher ``spec`` as ``CHW`` tensors."""
        return [
            torch.from_numpy(np.ascontiguousarray(
                m['teacher_inputs'][spec.name].transpose(2, 0, 1)))
            for m in metas
        ]

    @torch.no_grad()
    def logits(self, spec: TeacherSpec, teacher: nn.Module,
               metas: List[dict]) -> Tuple[Tensor, Tensor, Tensor]:
        """Teacher ``spec``'s SimCC logits ``x``, ``y`` and last features on
        the samples of ``metas``, all float32."""
        # The teacher's own normalisation (mean, std, BGR->RGB): MMEngine's
        # image preprocessing, without PoseDataPreprocessor's sample handling.
        inputs = ImgDataPreprocessor.forward(
            teacher.data_preprocessor,
            dict(inputs=self.teacher_images(spec, metas)), False)['inputs']
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        dtype = teacher_autocast_dtype(self.teacher_dtype, inputs.device)
        with teacher_autocast(inputs.device, dtype):
            feats = teacher.extract_feat(inputs)
        # The head in the weights' precision: SimCC logits carry offsets of
        # 5-10, which bfloat16 rounds in steps of 1/32-1/16, ten times that
        # after beta; that moved KD losses by 1-4%. The head is 2% of an
        # RTMPose-m teacher's FLOPs.
        head_dtype = next(teacher.head.parameters()).dtype
        with teacher_autocast(inputs.device, None):
            simcc_x, simcc_y = teacher.head(
                tuple(f.to(head_dtype) for f in feats))
        return simcc_x.float(), simcc_y.float(), feats[-1].float()

    @torch.no_grad()
    def __call__(self, spec: TeacherSpec, teacher: nn.Module,
                 metas: List[dict], crop_centers: np.ndarray,
                 crop_scales: np.ndarray,
                 device: torch.device) -> TeacherBatch:
        """Teacher ``spec``'s outputs on the samples of ``metas``
        (``crop_centers``, ``crop_scales``: ``(B, 2)`` of their teacher
        crops, unused here)."""
        x, y, features = self.logits(spec, teacher, metas)
        return TeacherBatch(
            TeacherOutputs.from_logits(x, y, self.beta / spec.temperature),
            features, 0)
