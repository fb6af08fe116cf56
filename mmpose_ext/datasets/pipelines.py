"""Edits of MMPose pipeline configs, shared by configs, tools and tests.

Configs import these (``from mmpose_ext.datasets.pipelines import ...``) to
derive one pipeline from another instead of repeating it: a distillation
pipeline from the student's, a smaller-input pipeline from an upstream one.

A distillation config states its teachers once, in ``model.teachers``; its
pipelines hold ``TeacherCrops`` steps without teachers, which
:func:`teacher_crops_from_model` fills from ``model.teachers`` once the
config is final (``--cfg-options`` merged): the project's entry points
(:func:`mmpose_ext.apis.load_config`, :func:`mmpose_ext.apis.build_runner`)
call it.
"""
import copy
from typing import Any, List, Sequence, Tuple

from mmpose_ext.models.teachers import check_box_scale, teacher_input_size

# What a distillation pipeline adds to the student's: TeacherCrops right
# before the student's TopdownAffine, and PackDistillInputs in place of
# PackPoseInputs to carry the teachers' crops along.
_STUDENT_PACK, _DISTILL_PACK = 'PackPoseInputs', 'PackDistillInputs'


def with_teacher_crops(pipeline: Sequence[dict]) -> List[dict]:
    """The student's ``pipeline`` that also cuts each teacher's crop (the
    teachers come from ``model.teachers``, :func:`teacher_crops_from_model`).
    """
    out = []
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            out.append(dict(type='TeacherCrops'))
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


def _teacher_crops_steps(node: Any) -> List[dict]:
    """Every ``TeacherCrops`` step anywhere in a config (datasets, wrapped
    datasets, ``PipelineSwitchHook``'s ``switch_pipeline``...)."""
    if isinstance(node, dict):
        found = [node] if node.get('type') == 'TeacherCrops' else []
        for value in node.values():
            found += _teacher_crops_steps(value)
        return found
    if isinstance(node, (list, tuple)):
        return [step for value in node for step in _teacher_crops_steps(value)]
    return []


def teacher_crops_from_model(cfg) -> None:
    """Give every ``TeacherCrops`` step of ``cfg`` (a ``Config`` or dict)
    without ``teachers`` the name, crop size and ``box_scale`` of each
    teacher in ``cfg.model.teachers``, in place.

    The crop size is the teacher config's ``head.input_size``, checked
    against a declared ``input_size``
    (:func:`mmpose_ext.models.teachers.teacher_input_size`). Steps that list
    their teachers are left as they are (the distiller refuses crops of
    another size than its teachers take).
    """
    steps = [step for step in _teacher_crops_steps(list(cfg.values()))
             if step.get('teachers') is None]
    if not steps:
        return
    teachers = (cfg.get('model') or {}).get('teachers')
    if not teachers:
        raise ValueError(
            'the config has TeacherCrops steps but no model.teachers to '
            'take their teachers from')
    crops = [
        dict(name=t['name'],
             input_size=teacher_input_size(t['name'], t['config'],
                                           t.get('input_size')),
             box_scale=check_box_scale(t['name'], t.get('box_scale')))
        for t in teachers
    ]
    for step in steps:
        step['teachers'] = copy.deepcopy(crops)
