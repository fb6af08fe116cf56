from .distiller import MultiTeacherDistiller
from .losses import MaskedFeatureMSELoss, SimCCKDLoss, simcc_kd_loss
from .onnx_estimator import OnnxRTMCCHead, OnnxTopdownPoseEstimator
from .swin import ExportableSwinTransformer
from .teachers import TeacherConfigError, TeacherSpec, build_teacher

__all__ = [
    'MultiTeacherDistiller', 'simcc_kd_loss', 'SimCCKDLoss',
    'MaskedFeatureMSELoss', 'TeacherConfigError', 'TeacherSpec',
    'build_teacher', 'ExportableSwinTransformer', 'OnnxRTMCCHead',
    'OnnxTopdownPoseEstimator'
]
