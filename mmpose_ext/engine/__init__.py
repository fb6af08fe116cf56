from .kd_schedule import KDWeightScheduleHook, kd_weight_factor

__all__ = ['KDWeightScheduleHook', 'kd_weight_factor']
