"""Cut each teacher's own crop of the person the student is trained on."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import PackPoseInputs, TopdownAffine
from mmpose.registry import TRANSFORMS

from mmpose_ext.models.teachers import check_box_scale

TEACHER_META_KEYS = ('teacher_inputs', 'teacher_crops')


@TRANSFORMS.register_module()
class TeacherCrops(BaseTransform):
    """Cut one crop per teacher from the person box, at the teacher's size.

    Place it right before the student's ``TopdownAffine``: it reads the same
    (augmented) ``bbox_center``, ``bbox_scale`` and ``bbox_rotation`` and
    cuts, for every teacher, the box widened to that teacher's aspect ratio at
    that teacher's input size, with MMPose's own ``TopdownAffine``. So each
    teacher sees the person as it was trained to, never the student's crop
    stretched, and the two crops share centre and rotation, which makes the
    geometric relation between them a per-axis scale and shift
    (:mod:`mmpose_ext.models.simcc_geometry`). A teacher with a
    ``box_scale`` entry for the sample's source dataset (``dataset_name``)
    gets the box scaled by that factor first: its crop frames the person as
    its own dataset's boxes do.

    Added keys:
        - teacher_inputs (dict[str, np.ndarray]): ``HxWx3`` crop per teacher.
        - teacher_crops (dict[str, dict]): ``center``, ``scale`` (image
          pixels) and ``input_size`` of each crop.

    Args:
        teachers (Sequence[dict]): ``dict(name=..., input_size=(w, h))`` per
            teacher, optionally ``box_scale=dict(<dataset_name>=factor)``
            (:class:`~mmpose_ext.models.teachers.TeacherSpec`); other keys
            are ignored. Distillation configs leave it out:
            :func:`~mmpose_ext.datasets.pipelines.teacher_crops_from_model`
            fills it from ``model.teachers``.
        use_udp (bool): passed to ``TopdownAffine``. Defaults to False.
    """

    def __init__(self, teachers: Optional[Sequence[dict]] = None,
                 use_udp: bool = False):
        if teachers is None:
            raise ValueError(
                'TeacherCrops has no teachers: they come from the config\'s '
                'model.teachers through mmpose_ext.datasets.pipelines.'
                'teacher_crops_from_model(cfg), which the project\'s tools '
                'call (tools/train.py, tools/test.py, mmpose_ext.apis.'
                'load_config); call it before building datasets yourself')
        self.affines: Dict[str, TopdownAffine] = {}
        self.box_scales: Dict[str, Dict[str, float]] = {}
        for teacher in teachers:
            name, size = teacher['name'], tuple(teacher['input_size'])
            if name in self.affines:
                raise ValueError(f'TeacherCrops: teacher {name!r} is listed '
                                 'twice; teacher names must be unique')
            self.affines[name] = TopdownAffine(
                input_size=size, use_udp=use_udp)
            self.box_scales[name] = check_box_scale(
                name, teacher.get('box_scale'))

    def transform(self, results: dict) -> dict:
        inputs, crops = {}, {}
        for name, affine in self.affines.items():
            factor = self.box_scales[name].get(
                results.get('dataset_name'), 1.0)
            view = dict(
                img=results['img'],
                bbox_center=results['bbox_center'],
                bbox_scale=results['bbox_scale'] * factor)
            if 'bbox_rotation' in results:
                view['bbox_rotation'] = results['bbox_rotation']
            view = affine(view)
            inputs[name] = view['img']
            crops[name] = dict(
                center=np.asarray(view['input_center'], np.float32),
                scale=np.asarray(view['input_scale'], np.float32),
                input_size=tuple(affine.input_size))
        results['teacher_inputs'] = inputs
        results['teacher_crops'] = crops
        return results

    def __repr__(self) -> str:
        sizes = {n: a.input_size for n, a in self.affines.items()}
        scales = {n: s for n, s in self.box_scales.items() if s}
        extra = f', box_scale={scales}' if scales else ''
        return f'{self.__class__.__name__}(teachers={sizes}{extra})'


@TRANSFORMS.register_module()
class PackDistillInputs(PackPoseInputs):
    """``PackPoseInputs`` that also carries the teachers' crops.

    Args:
        meta_keys (Sequence[str]): as in ``PackPoseInputs``; the teacher keys
            are added to them.
        **kwargs: passed to ``PackPoseInputs``.
    """

    def __init__(self, meta_keys: Tuple[str, ...] = None, **kwargs):
        if meta_keys is None:
            meta_keys = PackPoseInputs().meta_keys
        super().__init__(
            meta_keys=tuple(meta_keys) + TEACHER_META_KEYS, **kwargs)
