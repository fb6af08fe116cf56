"""The distiller's loss terms, registered in MMPose's ``MODELS`` registry.

As in MMPose's DWPose distiller (``KDLoss``, ``FeaLoss``), the distiller
builds them from config (``kd_loss=dict(type=...)``,
``feature_loss=dict(type=...)``, per distiller or per teacher), so another
KD loss can be tried by registering it and naming it in a config.

A KD loss is called as ``loss(student, teacher, mask, beta, temperature)``
with the student's SimCC logits and the teacher's distributions (already at
``temperature``) over the same bins; a feature loss as
``loss(student, teacher, weight)`` with features of the same shape.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn


def simcc_kd_loss(student: Tuple[Tensor, Tensor],
                  teacher: Tuple[Tensor, Tensor], mask: Tensor, beta: float,
                  temperature: float) -> Tensor:
    """KL divergence from teacher to student SimCC distributions.

    In the units of RTMPose's own ``KLDiscretLoss`` (pointwise KL averaged
    over the bins of an axis, summed over axes and samples, divided by the
    number of joints ``K``), so that a KD weight of 1 weighs like the ground
    truth term::

        T^2 / K * sum_{b, k} mask[b, k] * (mean_i KL_x[b, k, i]
                                           + mean_j KL_y[b, k, j])

    with ``KL_a = q_a * (log q_a - log_softmax(beta * s_a / T))``.

    Args:
        student (tuple[Tensor, Tensor]): ``(B, K, Nx)``, ``(B, K, Ny)``
            student logits.
        teacher (tuple[Tensor, Tensor]): teacher distributions ``q`` over the
            same bins (already at temperature ``T``).
        mask (Tensor): ``(B, K)`` 1 where the joint is distilled.
        beta (float): logit scale of the SimCC softmax (RTMPose's
            ``KLDiscretLoss.beta``).
        temperature (float): distillation temperature ``T``.

    Returns:
        Tensor: scalar loss (0 when the mask is empty).
    """
    per_joint = 0.
    for logits, target in zip(student, teacher):
        log_p = F.log_softmax(logits * (beta / temperature), dim=-1)
        kl = target * (torch.log(target.clamp_min(1e-12)) - log_p)
        per_joint = per_joint + kl.mean(-1)
    num_joints = mask.shape[1]
    return temperature**2 * (per_joint * mask.to(per_joint.dtype)).sum() \
        / num_joints


@MODELS.register_module()
class SimCCKDLoss(nn.Module):
    """The distiller's default KD loss: :func:`simcc_kd_loss`.

    Returns:
        Tensor: scalar loss.
    """

    def forward(self, student: Tuple[Tensor, Tensor],
                teacher: Tuple[Tensor, Tensor], mask: Tensor, beta: float,
                temperature: float) -> Tensor:
        return simcc_kd_loss(student, teacher, mask, beta, temperature)


@MODELS.register_module()
class MaskedFeatureMSELoss(nn.Module):
    """The distiller's default feature loss: mean squared error over the
    cells where ``weight`` is 1, as DWPose's ``FeaLoss`` over the whole map.

    Args (``forward``):
        student (Tensor): ``(B, C, H, W)`` projected student features.
        teacher (Tensor): ``(B, C, H, W)`` teacher features.
        weight (Tensor): ``(B, 1, H, W)`` 1 where a cell counts.

    Returns:
        Tensor: scalar loss (0 when no cell counts).
    """

    def forward(self, student: Tensor, teacher: Tensor,
                weight: Tensor) -> Tensor:
        err = (student - teacher.to(student.dtype))**2 * weight
        return err.sum() / (weight.sum() * student.shape[1]).clamp_min(1.)
