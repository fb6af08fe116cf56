from .distiller import MultiTeacherDistiller, simcc_kd_loss
from .teachers import TeacherConfigError, TeacherSpec, build_teacher

__all__ = [
    'MultiTeacherDistiller', 'simcc_kd_loss', 'TeacherConfigError',
    'TeacherSpec', 'build_teacher'
]
