"""Turn a distillation checkpoint into a plain checkpoint of the student."""
import os.path as osp

from mmpose_ext.checkpoint import (STUDENT_PREFIX, CheckpointError,
                                   has_student_weights, read_checkpoint,
                                   student_state_dict)
from mmpose_ext.fileio import atomic_torch_save, same_file

__all__ = ['STUDENT_PREFIX', 'student_state_dict', 'extract_student']


def extract_student(src: str, dst: str) -> str:
    """Write the student of distillation checkpoint ``src`` to ``dst`` as an
    ordinary MMPose checkpoint (``state_dict`` and ``meta``), atomically.

    With ``EMAHook``, MMEngine already saves the averaged weights under
    ``state_dict``, so those are what the student gets.

    Raises:
        CheckpointError: ``src`` holds no ``student.`` weights (it is a
            student's checkpoint already), or ``dst`` is ``src``.
    """
    if osp.exists(src) and same_file(src, dst):
        raise CheckpointError(
            f'{dst!r} is the distillation checkpoint being read: writing the '
            'student over it would lose the teachers\' part and the training '
            'state (no --resume from it); give another output file')
    checkpoint = read_checkpoint(src, map_location='cpu')
    if not has_student_weights(checkpoint):
        raise CheckpointError(
            f'{src!r} holds no distiller weights (no {STUDENT_PREFIX}* keys):'
            ' it is a plain checkpoint already; use it as it is')
    out = dict(state_dict=student_state_dict(checkpoint),
               meta=checkpoint.get('meta', {}))
    atomic_torch_save(out, dst)
    return dst
