from .checkpoint_hook import AtomicCheckpointHook
from .cpu_amp import CPUAmpOptimWrapper
from .cpu_ddp import CPUDistributedDataParallel
from .kd_schedule import KDWeightScheduleHook, kd_weight_factor
from .logger_hook import AtomicLoggerHook
from .non_finite_loss import NonFiniteLossError, NonFiniteLossHook
from .progress_hook import ProgressHook
from .tensorboard import (TensorboardConfigError, TensorboardHook,
                          use_tensorboard)

__all__ = [
    'AtomicCheckpointHook', 'AtomicLoggerHook', 'CPUAmpOptimWrapper',
    'CPUDistributedDataParallel', 'KDWeightScheduleHook', 'kd_weight_factor',
    'NonFiniteLossHook', 'NonFiniteLossError', 'ProgressHook',
    'TensorboardConfigError', 'TensorboardHook', 'use_tensorboard'
]
