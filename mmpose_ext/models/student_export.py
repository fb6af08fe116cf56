"""Turn a distillation checkpoint into a plain checkpoint of the student."""
from mmpose_ext.checkpoint import safe_torch_load
from mmpose_ext.fileio import atomic_torch_save

STUDENT_PREFIX = 'student.'


def student_state_dict(checkpoint: dict) -> dict:
    """The student's weights from a distiller checkpoint (or a plain one).

    Keys under ``student.`` lose the prefix; projector weights, which exist
    only for feature distillation, are dropped. A checkpoint without
    ``student.`` keys is taken to be a plain student already.
    """
    state = checkpoint.get('state_dict', checkpoint)
    if not any(k.startswith(STUDENT_PREFIX) for k in state):
        return dict(state)
    return {k[len(STUDENT_PREFIX):]: v for k, v in state.items()
            if k.startswith(STUDENT_PREFIX)}


def extract_student(src: str, dst: str) -> str:
    """Write the student of distillation checkpoint ``src`` to ``dst`` as an
    ordinary MMPose checkpoint (``state_dict`` and ``meta``), atomically.

    With ``EMAHook``, MMEngine already saves the averaged weights under
    ``state_dict``, so those are what the student gets.
    """
    checkpoint = safe_torch_load(src, map_location='cpu')
    out = dict(state_dict=student_state_dict(checkpoint),
               meta=checkpoint.get('meta', {}))
    atomic_torch_save(out, dst)
    return dst
