"""Training and testing entry points behind ``tools/train.py`` and
``tools/test.py``: the same arguments as MMPose's own tools, as functions."""
import contextlib
import gc
import os
import os.path as osp
import warnings
from datetime import timedelta
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmpose_ext.apis.setup_env import setup_env
from mmpose_ext.apis.work_dir_lock import (LAST_CHECKPOINT,
                                           check_no_earlier_training,
                                           work_dir_lock)
from mmpose_ext.checkpoint import (check_resumable, has_student_weights,
                                   load_state, load_weights, read_checkpoint)
from mmpose_ext.config_keys import (merge_options, read_config,
                                     warn_unread_keys)
from mmpose_ext.data_check import check_loader_paths
from mmpose_ext.datasets.pipelines import teacher_crops_from_model
from mmpose_ext.engine.tensorboard import use_tensorboard

# The environment variable holding the process rank, by launcher; read
# before MMEngine sets up the process group.
_RANK_VARIABLES = dict(pytorch='RANK', slurm='SLURM_PROCID',
                       mpi='OMPI_COMM_WORLD_RANK')


class StrictLoadRunner(Runner):
    """MMEngine's ``Runner``, loading ``load_from`` and ``--resume``
    checkpoints strictly through :func:`mmpose_ext.checkpoint.load_weights`.

    MMEngine's runner loads them non-strictly: a checkpoint of another model
    only logs a warning, and a randomly initialised model is then trained on
    or evaluated. Here any missing, unexpected or reshaped key stops the run
    with the keys listed; a distillation checkpoint given with the student's
    config loads as that student; resuming from a checkpoint without
    training state says so instead of ``KeyError: 'iter'``.
    """

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: bool = True,
                        revise_keys: list = [(r'^module.', '')]):
        if not strict:  # asked for explicitly: MMEngine's behaviour
            return super().load_checkpoint(filename, map_location, strict,
                                           revise_keys)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        checkpoint = load_weights(model, filename, map_location=map_location,
                                  config=self.cfg.filename)
        # load_or_resume() reaches here through resume() when resuming.
        if self._resume:
            check_resumable(checkpoint, filename)
        # As in MMEngine, hooks see the checkpoint before the model takes its
        # weights: EMAHook swaps the averaged and the raw weights in it when
        # resuming. The keys stay those load_weights() has just checked.
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        load_state(model, checkpoint)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint


def _default_work_dir(config: str) -> str:
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def _enable_visualization(cfg: Config, show: bool, show_dir: Optional[str],
                          interval: int, wait_time: float) -> None:
    if not (show or show_dir):
        return
    if 'visualization' not in cfg.default_hooks:
        raise KeyError('the config has no default_hooks.visualization '
                       '(PoseVisualizationHook) to show or save results')
    vis = cfg.default_hooks.visualization
    vis.enable = True
    vis.show = show
    vis.out_dir = show_dir
    vis.interval = interval
    if show:
        vis.wait_time = wait_time


def _enable_amp(cfg: Config) -> None:
    """MMEngine's fp16 AMP on a GPU, bfloat16 autocast on the CPU."""
    current = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if current not in ('OptimWrapper', 'AmpOptimWrapper',
                       'CPUAmpOptimWrapper'):
        raise ValueError(f'--amp cannot wrap the custom optimizer wrapper '
                         f'{current!r}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'


def train_cfg(config: str,
              work_dir: Optional[str] = None,
              resume: Optional[str] = None,
              amp: bool = False,
              no_validate: bool = False,
              auto_scale_lr: bool = False,
              show: bool = False,
              show_dir: Optional[str] = None,
              interval: int = 1,
              wait_time: float = 1,
              cfg_options: Optional[dict] = None,
              launcher: str = 'none',
              tensorboard: bool = False) -> Config:
    """The training config with MMPose's ``tools/train.py`` options applied.

    ``resume='auto'`` resumes from the latest checkpoint in ``work_dir``
    (with a warning, from the beginning when there is none yet); a path
    resumes from that checkpoint. ``tensorboard`` turns the config
    switch ``tensorboard`` on (:mod:`mmpose_ext.engine.tensorboard`),
    keeping the config's settings; ``cfg_options`` can then set them
    (``tensorboard.histogram_interval=100``).
    """
    cfg = read_config(config)
    cfg.launcher = launcher
    if no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.work_dir = work_dir or cfg.get('work_dir') or _default_work_dir(config)
    if amp:
        _enable_amp(cfg)
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume: checkpoint {resume!r} does '
                                    'not exist')
        # Before the runner is built: a bad file stops in seconds.
        check_resumable(read_checkpoint(resume), resume)
        cfg.resume, cfg.load_from = True, resume
    if auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    _enable_visualization(cfg, show, show_dir, interval, wait_time)
    if tensorboard:  # on, with the config's settings if it has any
        settings = cfg.get('tensorboard')
        cfg.tensorboard = settings if isinstance(settings, dict) else {}
    if cfg_options:
        merge_options(cfg, cfg_options)
    warn_unread_keys(cfg)
    if resume == 'auto' and not osp.isfile(
            osp.join(cfg.work_dir, LAST_CHECKPOINT)):
        # MMEngine logs 'Auto resumed from the latest checkpoint None.'
        warnings.warn(f'--resume: {cfg.work_dir} holds no checkpoint to '
                      'resume from (no last_checkpoint file); training '
                      'starts from the beginning')
    return cfg


def test_cfg(config: str,
             checkpoint: str,
             work_dir: Optional[str] = None,
             out: Optional[str] = None,
             show: bool = False,
             show_dir: Optional[str] = None,
             interval: int = 1,
             wait_time: float = 1,
             cfg_options: Optional[dict] = None,
             launcher: str = 'none') -> Config:
    """The test config with MMPose's ``tools/test.py`` options applied.

    A ``checkpoint`` ending in ``.onnx`` is an exported graph (float32 or
    int8): the config's (student) model is run as that graph
    (:class:`~mmpose_ext.models.onnx_estimator.OnnxTopdownPoseEstimator`).
    A student's own checkpoint (``tools/extract_student.py``,
    ``tools/prune.py``) given with a distillation config is tested with the
    student alone, as the demo and the ONNX export take it; the options
    (``cfg_options``) still name the keys of the config as written.
    """
    from mmpose_ext.inference.model import DISTILLER_TYPES, student_config
    is_onnx = checkpoint.lower().endswith('.onnx')
    if is_onnx and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'ONNX graph {checkpoint!r} does not exist')
    # a file without weights stops here
    weights = None if is_onnx else read_checkpoint(checkpoint)
    cfg = read_config(config)
    cfg.launcher = launcher
    if is_onnx:
        from mmpose_ext.models.onnx_estimator import onnx_model_config
        cfg = student_config(cfg)
        cfg.model = onnx_model_config(cfg.model, checkpoint, config)
        cfg.load_from = None
    else:
        cfg.load_from = checkpoint
    cfg.work_dir = work_dir or cfg.get('work_dir') or _default_work_dir(config)
    _enable_visualization(cfg, show, show_dir, interval, wait_time)
    if out:
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, dict) else list(cfg.test_evaluator)
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=out))
    if cfg_options:
        merge_options(cfg, cfg_options)
    warn_unread_keys(cfg)
    if (weights is not None and cfg.model.get('type') in DISTILLER_TYPES
            and not has_student_weights(weights)):
        cfg = student_config(cfg)
    return cfg


def use_atomic_hooks(cfg: Config) -> None:
    """Where the config asks for MMEngine's ``CheckpointHook`` or
    ``LoggerHook`` (the upstream configs do), use
    :class:`~mmpose_ext.engine.AtomicCheckpointHook` and
    :class:`~mmpose_ext.engine.AtomicLoggerHook`: same arguments, but a kill
    or a full disk during a save never leaves the work dir without a
    complete checkpoint, and the processes of a distributed test do not
    write its metrics file over each other."""
    hooks = cfg.get('default_hooks', {})
    for key, upstream, atomic in (
            ('checkpoint', 'CheckpointHook', 'AtomicCheckpointHook'),
            ('logger', 'LoggerHook', 'AtomicLoggerHook')):
        hook = hooks.get(key)
        if hook and hook.get('type') in (upstream, f'mmengine.{upstream}'):
            hook.type = atomic


def _is_first_process(launcher: str) -> bool:
    variable = _RANK_VARIABLES.get(launcher)
    return variable is None or int(os.environ.get(variable, '0')) == 0


def _start_cpu_distributed(cfg: Config) -> bool:
    """Make ``--launcher pytorch`` (``tools/dist_train.sh``,
    ``tools/dist_test.sh``) work on machines without CUDA.

    MMEngine's launcher pins a CUDA device per process, which fails on the
    CPU: the process group is started here over gloo, and the runner uses it
    as it is. The model is wrapped by
    :class:`~mmpose_ext.engine.CPUDistributedDataParallel` unless the config
    names a wrapper. Returns whether it started the process group.
    """
    if (cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return False
    timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
    torch_dist.init_process_group(
        backend='gloo',
        **({} if timeout is None else dict(timeout=timedelta(
            seconds=timeout))))
    if cfg.get('model_wrapper_cfg') is None:
        # What MMEngine's runner would build, on the CPU.
        cfg.model_wrapper_cfg = dict(
            type='CPUDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True


def _stop_cpu_distributed(started: bool, runner: Runner) -> None:
    """End the process group :func:`_start_cpu_distributed` started, once
    every process got there, and let go of the DDP wrapper that holds it.

    Left to the interpreter's exit, gloo's worker threads are torn down
    after Python is gone and now and then abort the process ("terminate
    called without an active exception", pytorch/pytorch#190489), which
    fails the launcher after a run that went well.
    """
    if not (started and torch_dist.is_initialized()):
        return
    torch_dist.barrier()
    if is_model_wrapper(runner.model):
        runner.model = runner.model.module
    torch_dist.destroy_process_group()
    gc.collect()


def build_runner(cfg: Config) -> Runner:
    """The config's ``runner_type``, else :class:`StrictLoadRunner`; the
    pipelines' teacher crops are taken from ``model.teachers`` first
    (:func:`~mmpose_ext.datasets.pipelines.teacher_crops_from_model`), and
    the visualizer is named after the work dir."""
    teacher_crops_from_model(cfg)
    # MMPose's configs name their visualizer 'visualizer', and MMEngine hands
    # a later runner of the same process the first one's instance, with its
    # backends (no TensorBoard, say) and log folder: one per work dir.
    visualizer = cfg.get('visualizer')
    if visualizer and visualizer.get('name') == 'visualizer':
        visualizer.name = f'visualizer:{cfg.work_dir}'
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return StrictLoadRunner.from_cfg(cfg)


def run_train(cfg: Config) -> Runner:
    """Train with MMEngine's runner; returns the runner after training.

    Checkpoints are saved atomically (:func:`use_atomic_hooks`),
    the config switch ``tensorboard`` adds TensorBoard logging
    (:func:`~mmpose_ext.engine.tensorboard.use_tensorboard`), and the work
    dir is locked for the run (by the first process of a
    distributed run): a second training there stops with
    :class:`~mmpose_ext.apis.work_dir_lock.WorkDirLockedError` before it
    writes anything, and a training that is not resumed stops in a work dir
    holding an earlier training's checkpoints
    (:func:`~mmpose_ext.apis.work_dir_lock.check_no_earlier_training`).
    Calls :func:`~mmpose_ext.apis.setup_env` first.
    """
    setup_env()
    os.environ.setdefault('LOCAL_RANK', '0')
    use_atomic_hooks(cfg)
    use_tensorboard(cfg)
    check_loader_paths(cfg, ['train_dataloader'] + (
        ['val_dataloader'] if cfg.get('val_cfg') else []))
    first = _is_first_process(cfg.get('launcher', 'none'))
    lock = work_dir_lock(cfg.work_dir) if first else contextlib.nullcontext()
    with lock:
        if first and not cfg.get('resume'):
            check_no_earlier_training(cfg.work_dir)
        started = _start_cpu_distributed(cfg)
        runner = build_runner(cfg)
        runner.train()
        _stop_cpu_distributed(started, runner)
    return runner


def run_test(cfg: Config) -> dict:
    """Evaluate ``cfg.load_from`` on the test set; returns the metrics.
    The metrics file is written whole (:func:`use_atomic_hooks`). Calls
    :func:`~mmpose_ext.apis.setup_env` first."""
    setup_env()
    os.environ.setdefault('LOCAL_RANK', '0')
    use_atomic_hooks(cfg)
    check_loader_paths(cfg, ['test_dataloader'])
    started = _start_cpu_distributed(cfg)
    runner = build_runner(cfg)
    metrics = runner.test()
    _stop_cpu_distributed(started, runner)
    return metrics


def add_runner_arguments(parser) -> None:
    """The options MMPose's train.py and test.py share."""
    from .arguments import (ConfigOptionsAction, non_negative_float,
                            positive_int)
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--show-dir',
                        help='save visualised results in this folder')
    parser.add_argument('--show', action='store_true',
                        help='display results in a window')
    parser.add_argument('--interval', type=positive_int, default=1,
                        help='visualise every n-th sample')
    parser.add_argument('--wait-time', type=non_negative_float, default=1,
                        help='seconds each window is shown')
    parser.add_argument('--cfg-options', nargs='+',
                        action=ConfigOptionsAction,
                        help='override config keys, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser, argv=None):
    """Parse, and export ``LOCAL_RANK`` as torch.distributed expects."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
