"""TensorBoard logging: MMEngine's ``TensorboardVisBackend`` next to the
local one, and :class:`TensorboardHook` for what the text log does not
show, histograms of the trained parameters and their gradients and the
distillation's scalars as they are at each iteration.

``tools/train.py --tensorboard`` or the config switch ``tensorboard`` turns
both on (:func:`use_tensorboard`)::

    tensorboard = True                          # scalars only
    tensorboard = dict(histogram_interval=100)  # and histograms
"""
import importlib.util
from typing import Dict, Iterator, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmpose.registry import HOOKS
from torch import nn

BACKEND = 'TensorboardVisBackend'
# MMEngine's LoggerHook interval: the text log and TensorBoard agree.
SCALAR_INTERVAL = 50
HISTOGRAMS_OFF = ', or None for no histograms'


class TensorboardConfigError(ValueError):
    """A TensorBoard setting that cannot work, named with its fix."""


def check_interval(name: str, value, off: str = '') -> Optional[int]:
    """``value`` if it is a positive number of iterations (or None, which
    ``off`` explains); otherwise a :class:`TensorboardConfigError` naming
    ``name``."""
    if value is None and off:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TensorboardConfigError(
            f'{name} = {value!r}: an interval counts training iterations '
            f'and must be a positive integer (e.g. 100){off}')
    return value


@HOOKS.register_module()
class TensorboardHook(Hook):
    """Write to TensorBoard what shows whether a distillation is healthy.

    Every ``scalar_interval`` iterations, under ``train/``: every value the
    training step returned (``loss_kpt``, ``loss_kd_<teacher>``,
    ``loss_fea_<teacher>``, ``cache_hit_<teacher>``, ``acc_pose``...), the
    distiller's KD weight ``kd_scale`` and the learning rate, as they are at
    that iteration. (MMEngine's ``LoggerHook`` writes the text log's values,
    averaged over its interval, under their bare names.)

    Every ``histogram_interval`` iterations: a histogram of every trained
    parameter (``params/<name>``, after the update) and of its gradient
    (``grads/<name>``). Gradients are read by a step pre-hook on the
    optimizer: after backward and gradient clipping, before the optimizer
    wrapper's ``zero_grad`` clears them, which happens before any runner
    hook could see them. An iteration that does not step (gradient
    accumulation, an AMP step skipped on inf) has no gradient histograms.
    A :class:`~mmpose_ext.models.MultiTeacherDistiller`'s teachers are no
    registered sub-modules, so only the student (and the feature
    projectors, when there are any) appear.

    Needs MMEngine's ``TensorboardVisBackend`` among
    ``visualizer.vis_backends``; :func:`use_tensorboard` adds both.

    Args:
        histogram_interval (int, optional): iterations between histograms.
            Defaults to None: no histograms (they cost time and disk).
        scalar_interval (int): iterations between scalars. Defaults to 50,
            MMEngine's ``LoggerHook`` interval.
    """

    priority = 'NORMAL'  # before ParamSchedulerHook (LOW) changes the lr

    def __init__(self, histogram_interval: Optional[int] = None,
                 scalar_interval: int = SCALAR_INTERVAL):
        self.histogram_interval = check_interval(
            'TensorboardHook histogram_interval', histogram_interval,
            HISTOGRAMS_OFF)
        self.scalar_interval = check_interval(
            'TensorboardHook scalar_interval', scalar_interval)
        self._writer = None
        self._model: Optional[nn.Module] = None
        self._handles = []
        self._gradient_step: Optional[int] = None

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        backend = runner.visualizer.get_backend(BACKEND)
        if backend is None:
            raise TensorboardConfigError(
                f'TensorboardHook writes through MMEngine\'s {BACKEND}, which '
                'visualizer.vis_backends lacks: add dict(type='
                f'\'{BACKEND}\') there, or train with --tensorboard')
        self._writer = backend.experiment
        self._model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        names = {id(p): n for n, p in self._trainable()}
        self._handles = [
            wrapper.optimizer.register_step_pre_hook(
                self._gradient_writer(names))
            for wrapper in _optim_wrappers(runner.optim_wrapper)
        ]

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        self._gradient_step = runner.iter + 1 if self._writer is not None \
            and self._histograms_due(runner) else None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        self._gradient_step = None
        if self._writer is None:
            return
        step = runner.iter + 1
        if self.every_n_train_iters(runner, self.scalar_interval):
            self._write_scalars(runner, outputs or {}, step)
        if self._histograms_due(runner):
            for name, param in self._trainable():
                self._writer.add_histogram(f'params/{name}',
                                           param.detach().float(), step)

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._writer is not None:
            # MMEngine's runner never closes the visualizer.
            self._writer.flush()

    def _histograms_due(self, runner) -> bool:
        return self.histogram_interval is not None and \
            self.every_n_train_iters(runner, self.histogram_interval)

    def _trainable(self) -> Iterator[Tuple[str, nn.Parameter]]:
        return ((name, param) for name, param in self._model.named_parameters()
                if param.requires_grad)

    def _gradient_writer(self, names: Dict[int, str]):
        """A step pre-hook writing the gradients this optimizer is about to
        apply, on iterations :meth:`before_train_iter` armed."""

        def write(optimizer, args, kwargs):
            if self._gradient_step is None:
                return
            for group in optimizer.param_groups:
                for param in group['params']:
                    if param.grad is not None and id(param) in names:
                        self._writer.add_histogram(
                            f'grads/{names[id(param)]}',
                            param.grad.detach().float(), self._gradient_step)

        return write

    def _write_scalars(self, runner, outputs: dict, step: int) -> None:
        scalars = {key: torch.as_tensor(value).detach().item()
                   for key, value in outputs.items()}
        kd_scale = getattr(self._model, 'kd_scale', None)
        if kd_scale is not None:
            scalars['kd_scale'] = float(kd_scale)
        for name, lrs in runner.optim_wrapper.get_lr().items():
            if name == 'lr' or name.endswith('.lr'):  # not base_lr
                scalars[name] = lrs[0]  # the first group, as in the text log
        for key, value in scalars.items():
            self._writer.add_scalar(f'train/{key}', value, step)


def _optim_wrappers(optim_wrapper):
    if isinstance(optim_wrapper, OptimWrapperDict):
        return list(optim_wrapper.optim_wrappers.values())
    return [optim_wrapper]


def tensorboard_options(value, where: str = 'tensorboard') -> Optional[dict]:
    """The :class:`TensorboardHook` arguments the config switch ``value``
    asks for: None when it is off (absent, None or False), ``{}`` for True,
    the dict otherwise. Raises :class:`TensorboardConfigError` naming
    ``where`` for anything else."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise TensorboardConfigError(
            f'{where} = {value!r}: set it to True, False or a dict of '
            'TensorboardHook arguments, e.g. dict(histogram_interval=100)')
    known = ('histogram_interval', 'scalar_interval')
    for key in value:
        if key not in known:
            raise TensorboardConfigError(
                f'{where}.{key}: unknown setting; the switch takes '
                f'{", ".join(known)}')
    check_interval(f'{where}.histogram_interval',
                   value.get('histogram_interval'), HISTOGRAMS_OFF)
    check_interval(f'{where}.scalar_interval',
                   value.get('scalar_interval', SCALAR_INTERVAL))
    return dict(value)


def _is_type(entry: dict, name: str) -> bool:
    return str(entry.get('type', '')).split('.')[-1] == name


def use_tensorboard(cfg: Config) -> None:
    """When the config switch ``tensorboard`` is on, add MMEngine's
    ``TensorboardVisBackend`` next to the config's others and a
    :class:`TensorboardHook` with the switch's arguments to
    ``custom_hooks``, each once (a config dumped by such a run stays as it
    is). Bad settings and a missing ``tensorboard`` package stop here,
    before the runner is built."""
    where = f'{cfg.filename}: tensorboard' if cfg.filename else 'tensorboard'
    options = tensorboard_options(cfg.get('tensorboard'), where)
    if options is None:
        return
    if importlib.util.find_spec('tensorboard') is None:
        raise TensorboardConfigError(
            f'{where}: TensorBoard logging needs the tensorboard package: '
            'pip install tensorboard==2.21.0 (tools/install.sh installs it)')
    visualizer = cfg.get('visualizer') or dict(
        type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
    backends = list(visualizer.get('vis_backends') or [])
    if not any(_is_type(b, BACKEND) for b in backends):
        backends.append(dict(type=BACKEND))
    visualizer['vis_backends'] = backends
    cfg.visualizer = visualizer

    hooks = list(cfg.get('custom_hooks') or [])
    ours = [h for h in hooks if _is_type(h, 'TensorboardHook')]
    if ours:
        ours[0].update(options)
    else:
        hooks.append(dict(type='TensorboardHook', **options))
    cfg.custom_hooks = hooks
