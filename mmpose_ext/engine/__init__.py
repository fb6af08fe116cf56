from .cpu_amp import CPUAmpOptimWrapper
from .kd_schedule import KDWeightScheduleHook, kd_weight_factor

__all__ = ['CPUAmpOptimWrapper', 'KDWeightScheduleHook', 'kd_weight_factor']
