"""Edits of MMPose pipeline configs, shared by configs, tools and tests.

Configs import these (``from mmpose_ext.datasets.pipelines import ...``) to
derive one pipeline from another instead of repeating it: a distillation
pipeline from the student's, a smaller-input pipeline from an upstream one.
"""
import copy
from typing import List, Sequence, Tuple

# What a distillation pipeline adds to the student's: TeacherCrops right
# before the student's TopdownAffine, and PackDistillInputs in place of
# PackPoseInputs to carry the teachers' crops along.
_STUDENT_PACK, _DISTILL_PACK = 'PackPoseInputs', 'PackDistillInputs'


def with_teacher_crops(pipeline: Sequence[dict],
                       teachers: Sequence[dict]) -> List[dict]:
    """The student's ``pipeline`` that also cuts each teacher's crop."""
    out = []
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            out.append(dict(type='TeacherCrops', teachers=teachers))
        if step['type'] == _STUDENT_PACK:
            step = dict(step, type=_DISTILL_PACK)
        out.append(step)
    return out


def without_teacher_crops(pipeline: Sequence[dict]) -> List[dict]:
    """The student's own pipeline inside a distillation ``pipeline``: the
    inverse of :func:`with_teacher_crops`."""
    return [
        dict(step, type=_STUDENT_PACK) if step['type'] == _DISTILL_PACK
        else step for step in pipeline if step['type'] != 'TeacherCrops'
    ]


def resize_pipeline(pipeline: Sequence[dict], input_size: Tuple[int, int],
                    codec: dict, **updates: dict) -> List[dict]:
    """Copies of ``pipeline``'s steps for another input size.

    Args:
        pipeline (Sequence[dict]): pipeline steps.
        input_size (tuple): ``(w, h)`` for ``TopdownAffine``.
        codec (dict): encoder for ``GenerateTarget``.
        **updates (dict): further step fields by step type, e.g.
            ``TeacherCrops=dict(teachers=...)``.
    """
    updates = dict(updates,
                   TopdownAffine=dict(input_size=input_size),
                   GenerateTarget=dict(encoder=codec))
    return [
        dict(copy.deepcopy(step), **updates.get(step['type'], {}))
        for step in pipeline
    ]
