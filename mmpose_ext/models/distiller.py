"""Multi-teacher SimCC logit distillation into one union-skeleton student."""
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpose.evaluation.functional import simcc_pck_accuracy
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from torch import Tensor, nn

from mmpose_ext import skeletons
import mmpose_ext.models.losses  # noqa: F401  (registers the default losses)
from mmpose_ext.models.simcc_geometry import (crop_axis_relation, map_bins,
                                              resample_simcc)
from mmpose_ext.models.teacher_outputs import LiveTeacherOutputs
from mmpose_ext.models.teachers import (TeacherConfigError, TeacherSpec,
                                        build_teacher, check_teacher_dtype,
                                        parse_teacher_specs)
from mmpose_ext.teacher_cache import (CachedTeacherOutputs, TeacherCache,
                                      cache_signatures)


class TeacherTargets(NamedTuple):
    """One teacher's KD targets for a batch, in the student's crop frame.

    Attributes:
        x, y (Tensor): ``(B, K, bins)`` target distributions.
        mask (Tensor): ``(B, K)`` joints distilled.
        features (Tensor | None): the teacher's last features (live runs).
        relation (tuple): per-axis scale, shift and student input size.
        cache_hits (int): samples served from the teacher cache.
    """

    x: Tensor
    y: Tensor
    mask: Tensor
    features: Optional[Tensor]
    relation: tuple
    cache_hits: int


@MODELS.register_module()
class MultiTeacherDistiller(BaseModel):
    """Distil several dataset-specific SimCC teachers into one student.

    The student (an RTMPose ``TopdownPoseEstimator``) predicts the union
    skeleton. It learns from the ground truth of each sample's own dataset
    (``loss_kpt``; joints the dataset does not label have weight 0) and from
    every teacher (``loss_kd_<name>``) on the union joints that teacher
    knows, on every sample, so an MPII teacher supplies head top and neck on
    COCO images and a COCO teacher supplies face points on MPII images.

    Each teacher sees its own crop of the person, cut at its own input size
    and aspect ratio by :class:`~mmpose_ext.datasets.TeacherCrops`; its SimCC
    distributions are carried into the student's crop frame through the
    geometric relation between the two crops
    (:mod:`~mmpose_ext.models.simcc_geometry`) before the KD term
    (``kd_loss``, by default the KL divergence
    :func:`~mmpose_ext.models.losses.simcc_kd_loss`). Optionally
    (``feature_weight > 0``) the student's last backbone features, projected
    to the teacher's channels by a 1x1 conv and sampled at the teacher's
    feature positions, are pulled to the teacher's (``loss_fea_<name>``,
    ``feature_loss``, by default MSE as in DWPose).

    Teachers are frozen, kept in eval mode, run under ``torch.no_grad()`` one
    batch per teacher (in bfloat16 and channels-last layout where that is
    faster, see ``teacher_dtype``), and are not registered sub-modules: they
    are absent from ``state_dict()`` and so from checkpoints, from
    ``parameters()`` and so from the optimizer and from DistributedDataParallel
    (which neither wraps nor synchronises them), and ``model.train()`` never
    reaches them. They follow every device and dtype move of the distiller
    (``to``, ``cuda``, ``double``...), their image preprocessing included.
    Every KD term is multiplied by ``kd_scale``, which
    :class:`~mmpose_ext.engine.KDWeightScheduleHook` sets from the training
    progress. The runner sums the returned ``loss*`` terms once.

    Teacher outputs come from one source picked at build time:
    :class:`~mmpose_ext.models.teacher_outputs.LiveTeacherOutputs` runs the
    teachers; with ``teacher_cache``,
    :class:`~mmpose_ext.teacher_cache.CachedTeacherOutputs` reads outputs
    made offline by ``tools/cache_teachers.py`` for every sample whose
    replayed view and teacher crop the cache holds, and runs the teachers
    for the others.

    Args:
        student (dict): config of the student ``TopdownPoseEstimator``; its
            head must predict the union's 21 joints.
        teachers (Sequence[dict]): teacher declarations, see
            :class:`~mmpose_ext.models.teachers.TeacherSpec`.
        beta (float): logit scale of the SimCC softmax used for the KD
            distributions; RTMPose trains with ``KLDiscretLoss(beta=10)``.
            Defaults to 10.
        teacher_dtype (str): precision of the teachers' forward passes:
            ``'float32'``, ``'bfloat16'``, ``'float16'`` (autocast), or
            ``'auto'``: bfloat16 where the device computes it natively (on
            this project's CPU that makes the teachers about 2x faster),
            float32 elsewhere. It applies to backbone and neck; the head,
            whose SimCC logits bfloat16 would round too coarsely, runs in
            the weights' precision. Outputs are cast to float32 before the
            losses. Defaults to ``'auto'``.
        teacher_channels_last (bool): run the teachers in channels-last
            memory layout, which oneDNN convolutions prefer on CPUs.
            Defaults to True.
        kd_loss (dict): config of the KD loss in MMPose's ``MODELS``
            registry (:mod:`~mmpose_ext.models.losses`), for teachers that
            name none of their own. Defaults to ``SimCCKDLoss``
            (:func:`~mmpose_ext.models.losses.simcc_kd_loss`).
        feature_loss (dict): config of the feature loss, likewise. Defaults
            to ``MaskedFeatureMSELoss``.
        teacher_cache (str, optional): folder of cached teacher outputs;
            needs a :class:`~mmpose_ext.datasets.ReplayDataset` train set
            and no feature distillation. Defaults to None (teachers run on
            every batch).
        data_preprocessor (dict, optional): defaults to the student's.
        init_cfg (dict, optional): initialisation config.

    Returns (``mode='loss'``):
        dict: ``loss_kpt``, ``acc_pose``, ``loss_kd_<name>`` per teacher,
        ``loss_fea_<name>`` per teacher with feature distillation, and with
        a cache ``cache_hit_<name>``: the fraction of samples it served.
    """

    def __init__(self,
                 student: dict,
                 teachers: Sequence[dict],
                 beta: float = 10.,
                 teacher_dtype: str = 'auto',
                 teacher_channels_last: bool = True,
                 kd_loss: dict = dict(type='SimCCKDLoss'),
                 feature_loss: dict = dict(type='MaskedFeatureMSELoss'),
                 teacher_cache: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **unknown):
        if unknown:  # e.g. test_cfg set on the distiller, not the student
            names = sorted(unknown)
            raise TeacherConfigError(
                f'model has keys the distiller does not take: {names}. The '
                'student\'s settings go under model.student (e.g. '
                f'model.student.{names[0]})')
        super().__init__(
            data_preprocessor=data_preprocessor
            or student.get('data_preprocessor'),
            init_cfg=init_cfg)
        self.student = MODELS.build(student)
        n_union = skeletons.num_keypoints('union')
        if self.student.head.out_channels != n_union:
            raise TeacherConfigError(
                f'the student head predicts {self.student.head.out_channels} '
                f'joints; a union-skeleton student needs {n_union} (set '
                f'model.student.head.out_channels={n_union})')
        self.beta = beta
        self.teacher_dtype = check_teacher_dtype(teacher_dtype)
        self.teacher_channels_last = teacher_channels_last
        self.kd_scale = 1.0
        self.teacher_specs = parse_teacher_specs(teachers)
        # A plain list keeps teachers out of state_dict(), train(), the
        # optimizer and DDP; _apply() below still moves them with the
        # student.
        self.teachers: List[nn.Module] = [
            build_teacher(spec) for spec in self.teacher_specs
        ]
        if teacher_channels_last:
            for teacher in self.teachers:
                teacher.to(memory_format=torch.channels_last)
        self.projectors = nn.ModuleDict({
            spec.name: nn.Conv2d(
                self._student_channels(), self._teacher_channels(teacher), 1)
            for spec, teacher in zip(self.teacher_specs, self.teachers)
            if spec.feature_weight > 0
        })
        # Loss modules hold no weights: nothing enters the state dict.
        self.kd_losses = nn.ModuleDict({
            spec.name: MODELS.build(spec.kd_loss or kd_loss)
            for spec in self.teacher_specs
        })
        self.feature_losses = nn.ModuleDict({
            spec.name: MODELS.build(spec.feature_loss or feature_loss)
            for spec in self.teacher_specs if spec.feature_weight > 0
        })
        # Where teacher outputs come from, chosen once: the teachers, or a
        # cache with the teachers for the samples it lacks.
        self.live_outputs = LiveTeacherOutputs(beta, self.teacher_dtype,
                                               teacher_channels_last)
        self.teacher_outputs = self.live_outputs
        if teacher_cache:
            uses_features = [s.name for s in self.teacher_specs
                             if s.feature_weight > 0]
            if uses_features:
                raise TeacherConfigError(
                    f'teachers {uses_features} distil features, which a '
                    'teacher cache does not hold: set their feature_weight '
                    'to 0 or model.teacher_cache=None')
            self.teacher_outputs = CachedTeacherOutputs(
                TeacherCache(teacher_cache, cache_signatures(
                    self.teacher_specs, self.teachers, beta)),
                self.live_outputs)
        self.reports_cache_hits = bool(teacher_cache)

    def _student_channels(self) -> int:
        return self.student.head.in_channels

    @staticmethod
    def _teacher_channels(teacher: nn.Module) -> int:
        return teacher.head.in_channels

    def _apply(self, fn, *args, **kwargs):
        # Every move (to, cuda, cpu, float, double, to_empty, and the
        # runner's model.to(device)) goes through here, also when a parent
        # module is moved. The teachers' image preprocessing casts inputs to
        # its own recorded device, which MMEngine updates only on registered
        # sub-modules, so it is set from where the teacher's weights went.
        super()._apply(fn, *args, **kwargs)
        for teacher in getattr(self, 'teachers', []):
            teacher._apply(fn, *args, **kwargs)
            teacher._set_device(next(teacher.parameters()).device)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        for teacher in self.teachers:
            teacher.eval()
        return self

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[dict, list, tuple]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode in ('predict', 'tensor'):
            return self.student(inputs, data_samples, mode=mode)
        raise RuntimeError(f'invalid mode {mode!r}: expected "loss", '
                           '"predict" or "tensor"')

    # losses -----------------------------------------------------------------
    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        feats = self.student.extract_feat(inputs)
        pred_x, pred_y = self.student.head(feats)
        losses = self._gt_loss(pred_x, pred_y, data_samples)
        for spec, teacher in zip(self.teacher_specs, self.teachers):
            student_x = pred_x[:, spec.union_indices]
            student_y = pred_y[:, spec.union_indices]
            targets = self._teacher_targets(spec, teacher, data_samples,
                                            student_x.shape[-1],
                                            student_y.shape[-1],
                                            inputs.device)
            mask = targets.mask
            if spec.joints == 'unlabelled':
                mask = mask & (self._gt_weights(data_samples)[
                    :, spec.union_indices] <= 0)
            kd = self.kd_losses[spec.name](
                (student_x, student_y), (targets.x, targets.y), mask,
                self.beta, spec.temperature)
            losses[f'loss_kd_{spec.name}'] = \
                spec.loss_weight * self.kd_scale * kd
            if spec.feature_weight > 0:
                fea = self._feature_loss(spec, feats[-1], targets.features,
                                         targets.relation)
                losses[f'loss_fea_{spec.name}'] = \
                    spec.feature_weight * self.kd_scale * fea
            if self.reports_cache_hits:
                losses[f'cache_hit_{spec.name}'] = torch.tensor(
                    targets.cache_hits / len(data_samples),
                    device=inputs.device)
        return losses

    @staticmethod
    def _gt_weights(data_samples: list) -> Tensor:
        """``(B, K)`` ground-truth keypoint weights of the samples."""
        return torch.cat([d.gt_instance_labels.keypoint_weights
                          for d in data_samples]).float()

    def _gt_loss(self, pred_x: Tensor, pred_y: Tensor,
                 data_samples: list) -> Dict[str, Tensor]:
        """The student head's own SimCC loss on the samples' ground truth."""
        head = self.student.head
        labels = [d.gt_instance_labels for d in data_samples]
        gt_x = torch.cat([lb.keypoint_x_labels for lb in labels])
        gt_y = torch.cat([lb.keypoint_y_labels for lb in labels])
        weights = self._gt_weights(data_samples)
        loss = head.loss_module((pred_x, pred_y), (gt_x, gt_y), weights)
        _, acc, _ = simcc_pck_accuracy(
            output=to_numpy((pred_x.float(), pred_y.float())),
            target=to_numpy((gt_x, gt_y)),
            simcc_split_ratio=head.simcc_split_ratio,
            mask=to_numpy(weights) > 0)
        return dict(loss_kpt=loss, acc_pose=torch.tensor(acc,
                                                        device=gt_x.device))

    def _teacher_targets(self, spec: TeacherSpec, teacher: nn.Module,
                         data_samples: list, student_nx: int, student_ny: int,
                         device: torch.device) -> TeacherTargets:
        """Teacher distributions carried into the student's crop frame."""
        metas = [d.metainfo for d in data_samples]
        if 'teacher_crops' not in metas[0]:
            raise KeyError(
                'the training samples carry no teacher crops: the train '
                'pipeline needs TeacherCrops before '
                'TopdownAffine and PackDistillInputs as its last step')
        crops = [m['teacher_crops'][spec.name] for m in metas]
        cut = {tuple(int(v) for v in c['input_size']) for c in crops}
        if cut != {spec.input_size}:
            raise TeacherConfigError(
                f'teacher {spec.name!r} takes {spec.input_size} crops but the '
                f'train pipeline cut {sorted(cut)}: its TeacherCrops lists '
                'other teachers than model.teachers; leave out its teachers= '
                'so that they are taken from model.teachers '
                '(mmpose_ext.datasets.pipelines.teacher_crops_from_model)')

        def stack(key, source):
            return np.stack([np.asarray(s[key], np.float32).reshape(2)
                             for s in source])

        def tensor(array):
            return torch.as_tensor(array, device=device)

        crop_centers = stack('center', crops)
        crop_scales = stack('scale', crops)
        with torch.no_grad():
            out, features, hits = self.teacher_outputs(
                spec, teacher, metas, crop_centers, crop_scales, device)
        student_size = tuple(metas[0]['input_size'])
        a, b = crop_axis_relation(
            tensor(crop_centers), tensor(crop_scales), spec.input_size,
            tensor(stack('input_center', metas)),
            tensor(stack('input_scale', metas)), student_size)
        t_ratio = out.prob_x.shape[-1] / spec.input_size[0]
        s_ratio = student_nx / student_size[0]

        with torch.no_grad():
            target_x = resample_simcc(out.prob_x, a[:, 0], b[:, 0], t_ratio,
                                      student_nx, s_ratio)
            target_y = resample_simcc(out.prob_y, a[:, 1], b[:, 1], t_ratio,
                                      student_ny, s_ratio)
            # Distil a joint only where the teacher's peak falls inside the
            # student's crop (else it has nothing to say in this frame) and,
            # optionally, where the teacher is confident.
            peak_x = map_bins(out.peak_x.float(), a[:, 0], b[:, 0], t_ratio,
                              s_ratio)
            peak_y = map_bins(out.peak_y.float(), a[:, 1], b[:, 1], t_ratio,
                              s_ratio)
            mask = (peak_x >= 0) & (peak_x <= student_nx - 1) & \
                (peak_y >= 0) & (peak_y <= student_ny - 1)
            if spec.conf_thr is not None:
                mask &= torch.minimum(out.max_x, out.max_y) >= spec.conf_thr
        return TeacherTargets(target_x, target_y, mask, features,
                              (a, b, student_size), hits)

    def _feature_loss(self, spec: TeacherSpec, student_feat: Tensor,
                      teacher_feat: Tensor, relation) -> Tensor:
        """MSE between the projected student features, sampled at the
        teacher's feature cells, and the teacher's features."""
        a, b, student_size = relation
        projected = self.projectors[spec.name](student_feat)
        _, _, th, tw = teacher_feat.shape
        cell_x = (torch.arange(tw, device=a.device) + 0.5) * (
            spec.input_size[0] / tw)
        cell_y = (torch.arange(th, device=a.device) + 0.5) * (
            spec.input_size[1] / th)
        # teacher pixel -> student pixel -> grid_sample coordinates
        sx = cell_x[None] * a[:, :1] + b[:, :1]
        sy = cell_y[None] * a[:, 1:] + b[:, 1:]
        gx = 2 * sx / student_size[0] - 1
        gy = 2 * sy / student_size[1] - 1
        grid = torch.stack(
            [gx[:, None, :].expand(-1, th, -1),
             gy[:, :, None].expand(-1, -1, tw)], dim=-1)
        sampled = F.grid_sample(
            projected, grid.to(projected.dtype), align_corners=False)
        inside = ((grid.abs() <= 1).all(-1)).to(sampled.dtype)[:, None]
        return self.feature_losses[spec.name](sampled, teacher_feat, inside)
