"""The weight of the distillation terms over training, set from config."""
import math

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

SCHEDULES = ('constant', 'linear', 'cosine', 'step')


def kd_weight_factor(schedule: str, progress: float, start: float = 1.0,
                     end: float = 0.0, milestone: float = 0.5) -> float:
    """Factor on every KD term at ``progress`` in ``[0, 1]`` of training.

    ``constant`` keeps ``start``; ``linear`` and ``cosine`` go from ``start``
    to ``end``; ``step`` is ``start`` before ``milestone`` and ``end`` after.
    """
    progress = min(max(progress, 0.0), 1.0)
    if schedule == 'constant':
        return start
    if schedule == 'linear':
        return start + (end - start) * progress
    if schedule == 'cosine':
        return end + (start - end) * 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == 'step':
        return start if progress < milestone else end
    raise ValueError(f'unknown KD weight schedule {schedule!r}; expected one '
                     f'of {SCHEDULES}')


@HOOKS.register_module()
class KDWeightScheduleHook(Hook):
    """Set the distiller's ``kd_scale`` before every training iteration.

    The factor follows the fraction of training iterations done, so epoch-
    and iteration-based loops behave alike. It is logged as ``kd_scale``.

    Args:
        schedule (str): ``'constant'``, ``'linear'``, ``'cosine'`` or
            ``'step'``. Defaults to ``'linear'`` (DWPose's decay to 0).
        start (float): factor at the start. Defaults to 1.
        end (float): factor at the end. Defaults to 0.
        milestone (float): switch point of ``'step'``, as a fraction.
    """

    priority = 'NORMAL'

    def __init__(self, schedule: str = 'linear', start: float = 1.0,
                 end: float = 0.0, milestone: float = 0.5):
        kd_weight_factor(schedule, 0.0)  # reject unknown names at build
        self.schedule = schedule
        self.start, self.end, self.milestone = start, end, milestone

    def before_train_iter(self, runner, batch_idx: int, data_batch=None):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        progress = runner.iter / max(runner.max_iters, 1)
        factor = kd_weight_factor(self.schedule, progress, self.start,
                                  self.end, self.milestone)
        model.kd_scale = factor
        runner.message_hub.update_scalar('train/kd_scale', factor)
