"""What distillation costs: training throughput with and without teachers.

Both measurements run in one process on the same batches, built by the real
training pipelines (the distillation pipeline also cuts each teacher's crop),
through the real models: a full training step (forward, losses, backward,
AdamW step) of the plain student, of the distiller with every teacher, and
optionally of the distiller reading the teachers' outputs from an offline
cache (:mod:`mmpose_ext.teacher_cache`).
The data pipelines are timed too, on their own: with the teachers' crops and
without them (the student's pipeline).
"""
import copy
import time
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS
from mmpose.utils import register_all_modules

from mmpose_ext.datasets.pipelines import without_teacher_crops
from mmpose_ext.models.teachers import teacher_autocast_dtype

from kd_bench.machine import cpu_description
from kd_bench.teacher_cache_writer import make_teacher_cache


def _pipeline_seconds(dataset, num_images: int) -> float:
    """Seconds to load and transform ``num_images`` samples, one process."""
    dataset[0]  # warm-up: file system cache, lazy imports
    start = time.perf_counter()
    for i in range(num_images):
        dataset[i % len(dataset)]
    return time.perf_counter() - start


def _steps_per_second(model, batch: dict, steps: int, warmup: int) -> float:
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        losses = model(**batch, mode='loss')
        total, _ = model.parse_losses(losses)
        optim.zero_grad()
        total.backward()
        optim.step()
    return steps / (time.perf_counter() - start)


def _cached_steps_per_second(distill_cfg: Config, cache_dir: str,
                             batch_size: int, steps: int,
                             warmup: int) -> float:
    """Images per second of distillation from a cache of view 0, made here
    with the teachers :func:`measure_training_cost` times (same seed)."""
    cfg = copy.deepcopy(distill_cfg)
    cfg.train_dataloader.dataset = dict(
        type='ReplayDataset', dataset=cfg.train_dataloader.dataset, seed=0)
    torch.manual_seed(0)
    make_teacher_cache(cfg, cache_dir, 1, batch_size=batch_size,
                       log=lambda message: None)
    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(cfg.model),
                              teacher_cache=cache_dir))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    samples = [dataset[(0, i % len(dataset))] for i in range(batch_size)]
    batch = model.data_preprocessor(pseudo_collate(samples), True)
    with torch.no_grad():
        losses = model(**batch, mode='loss')
    missed = {k: float(v) for k, v in losses.items()
              if k.startswith('cache_hit_') and float(v) < 1}
    if missed:  # the figure would time live teachers
        raise RuntimeError(f'the teacher cache missed samples: {missed}')
    return _steps_per_second(model, batch, steps, warmup) * batch_size


def measure_training_cost(distill_cfg: Config,
                          batch_size: int = 32,
                          steps: int = 5,
                          warmup: int = 2,
                          threads: Optional[int] = None,
                          cache_dir: Optional[str] = None) -> Dict:
    """Images per second of plain student training and of distillation.

    Args:
        distill_cfg (Config): a distillation config whose train dataloader
            points at data on disk (teachers may have no checkpoint).
        batch_size (int): images per step.
        steps, warmup (int): timed and untimed steps.
        threads (int, optional): torch CPU threads.
        cache_dir (str, optional): also cache the teachers' outputs on one
            replayed view of the training set here and time the distiller
            that reads them (``cached_img_s``, ``cached_ratio``).

    Returns:
        dict: ``plain_img_s``, ``distill_img_s`` (training steps),
        ``ratio`` (how many times slower a distillation step is),
        ``plain_data_img_s``, ``distill_data_img_s`` (data pipelines, one
        process), ``overall_ratio`` (pipeline and step in sequence, as on a
        machine whose data workers share the training cores), the teacher
        precision, the settings and the CPU.
    """
    register_all_modules()
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    distiller = MODELS.build(copy.deepcopy(distill_cfg.model))
    dataset_cfg = copy.deepcopy(distill_cfg.train_dataloader.dataset)
    dataset = DATASETS.build(dataset_cfg)
    samples = [dataset[i % len(dataset)] for i in range(batch_size)]
    batch = distiller.data_preprocessor(pseudo_collate(samples), True)

    distill = _steps_per_second(distiller, batch, steps, warmup) * batch_size
    student = distiller.student  # the same network, trained alone
    plain = _steps_per_second(student, batch, steps, warmup) * batch_size

    dataset_cfg.pipeline = without_teacher_crops(dataset_cfg.pipeline)
    plain_data = batch_size / _pipeline_seconds(
        DATASETS.build(dataset_cfg), batch_size)
    distill_data = batch_size / _pipeline_seconds(dataset, batch_size)
    overall = (1 / distill + 1 / distill_data) / (1 / plain + 1 / plain_data)
    device = next(student.parameters()).device
    dtype = teacher_autocast_dtype(distiller.teacher_dtype, device)
    cached = {}
    if cache_dir:
        cached_img_s = _cached_steps_per_second(distill_cfg, cache_dir,
                                                batch_size, steps, warmup)
        cached = dict(cached_img_s=cached_img_s,
                      cached_ratio=plain / cached_img_s)
    return dict(plain_img_s=plain, distill_img_s=distill,
                ratio=plain / distill, **cached, plain_data_img_s=plain_data,
                distill_data_img_s=distill_data, overall_ratio=overall,
                teacher_dtype=str(dtype or torch.float32).split('.')[-1],
                teacher_channels_last=distiller.teacher_channels_last,
                batch_size=batch_size, steps=steps,
                threads=torch.get_num_threads(), cpu=cpu_description(),
                teachers=[s.name for s in distiller.teacher_specs])


def _cached_cells(result: Dict) -> str:
    if 'cached_img_s' not in result:
        return 'not measured | -'
    return f'{result["cached_img_s"]:.1f} | {result["cached_ratio"]:.2f}x'


def format_costs(results: Dict[str, Dict]) -> str:
    """Markdown table of :func:`measure_training_cost` results by config."""
    first = next(iter(results.values()))
    lines = [
        '# Training cost of distillation', '',
        f'One run on {first["cpu"]}, {first["threads"]} threads, batch '
        f'{first["batch_size"]}. Training step: {first["steps"]} timed steps '
        'after warm-up (forward, losses, backward, AdamW step) on the same '
        'batches, student alone and with all teachers (frozen, no autograd, '
        'one batched forward per teacher), and reading the teachers\' '
        'outputs from an offline cache instead (top-16 logits per joint and '
        'axis, tools/cache_teachers.py). Data: the training pipeline in '
        'one process, with and without the teachers\' crops. Overall: data '
        'and step in sequence, as when data workers share the training '
        'cores.', '',
        '| config | teachers (precision, layout) | student step (img/s) | '
        'distillation step (img/s) | step ratio | from teacher cache '
        '(img/s) | cached step ratio | student data (img/s) | '
        'distillation data (img/s) | overall ratio |',
        '|---|---|---|---|---|---|---|---|---|---|']
    for title, r in results.items():
        layout = 'channels-last' if r['teacher_channels_last'] else 'NCHW'
        lines.append(
            f'| {title} | {", ".join(r["teachers"])} ({r["teacher_dtype"]}, '
            f'{layout}) | {r["plain_img_s"]:.1f} | {r["distill_img_s"]:.1f} '
            f'| {r["ratio"]:.2f}x | {_cached_cells(r)} | '
            f'{r["plain_data_img_s"]:.0f} | '
            f'{r["distill_data_img_s"]:.0f} | {r["overall_ratio"]:.2f}x |')
    lines.append('')
    return '\n'.join(lines)
