"""Carry SimCC distributions from one crop of a person into another.

A teacher and the student see the same person box cut at their own input
sizes and aspect ratios (see :class:`mmpose_ext.datasets.TeacherCrops`). Both
crops share the box centre and rotation, so a point's position in one crop is
an affine function of its position in the other, separately on each axis:
``x_student = a_x * x_teacher + b_x`` (and likewise for y). SimCC represents
each axis by a distribution over bins of ``1 / split_ratio`` pixels; the
functions here map bins through that relation and resample the distribution.
"""
from typing import Tuple

import torch
from torch import Tensor


def crop_axis_relation(src_center: Tensor, src_scale: Tensor,
                       src_size: Tuple[int, int], dst_center: Tensor,
                       dst_scale: Tensor,
                       dst_size: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
    """Per-axis affine map from ``src`` crop pixels to ``dst`` crop pixels.

    A crop of input size ``(w, h)`` cut from box ``(center, scale)`` (scale in
    image pixels) maps crop pixel ``p`` to image point
    ``center + (p - size / 2) * scale / size``. Both crops must share centre
    and rotation (a shared rotation cancels); a centre offset is honoured only
    for unrotated crops.

    Args:
        src_center, src_scale (Tensor): ``(B, 2)`` box of the source crop.
        src_size (tuple): ``(w, h)`` input size of the source crop.
        dst_center, dst_scale (Tensor): ``(B, 2)`` box of the target crop.
        dst_size (tuple): ``(w, h)`` input size of the target crop.

    Returns:
        tuple[Tensor, Tensor]: ``a, b`` of shape ``(B, 2)`` with
        ``p_dst = a * p_src + b`` per axis (x, y).
    """
    src_size_t = src_center.new_tensor(src_size)
    dst_size_t = dst_center.new_tensor(dst_size)
    src_px = src_scale / src_size_t  # image pixels per source crop pixel
    dst_px = dst_scale / dst_size_t
    a = src_px / dst_px
    b = dst_size_t / 2 + (src_center - dst_center) / dst_px \
        - a * src_size_t / 2
    return a, b


def resample_simcc(probs: Tensor, a: Tensor, b: Tensor, src_ratio: float,
                   dst_bins: int, dst_ratio: float) -> Tensor:
    """Resample 1-D SimCC distributions into another crop's bins.

    Each target bin ``j`` (pixel ``j / dst_ratio``) reads the source density
    at the source position ``(j / dst_ratio - b) / a`` by linear
    interpolation; positions outside the source crop read 0. The result is
    renormalised over the target bins.

    Args:
        probs (Tensor): ``(B, K, N_src)`` distributions over source bins.
        a, b (Tensor): ``(B,)`` source-to-target pixel relation on this axis.
        src_ratio (float): source SimCC split ratio (bins per pixel).
        dst_bins (int): number of target bins.
        dst_ratio (float): target SimCC split ratio.

    Returns:
        Tensor: ``(B, K, dst_bins)`` distributions (rows of zeros where no
        source mass falls into the target crop).
    """
    n_src = probs.shape[-1]
    dst_px = torch.arange(dst_bins, device=probs.device,
                          dtype=probs.dtype) / dst_ratio
    src_pos = (dst_px[None] - b[:, None]) / a[:, None] * src_ratio  # (B, N)
    lo = torch.floor(src_pos)
    frac = (src_pos - lo)[:, None, :]
    lo = lo.long()

    def read(idx: Tensor) -> Tensor:
        inside = ((idx >= 0) & (idx < n_src)).to(probs.dtype)[:, None, :]
        idx = idx.clamp(0, n_src - 1)[:, None, :].expand(-1, probs.shape[1],
                                                        -1)
        return probs.gather(-1, idx) * inside

    out = (1 - frac) * read(lo) + frac * read(lo + 1)
    return out / out.sum(-1, keepdim=True).clamp_min(1e-12)


def map_bins(bins: Tensor, a: Tensor, b: Tensor, src_ratio: float,
             dst_ratio: float) -> Tensor:
    """Map ``(B, K)`` source bin positions to target bin positions."""
    return (bins / src_ratio * a[:, None] + b[:, None]) * dst_ratio
