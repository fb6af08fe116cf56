"""What distillation costs: training throughput with and without teachers.

Both measurements run in one process on the same batches, built by the real
training pipelines (the distillation pipeline also cuts each teacher's crop),
through the real models: a full training step (forward, losses, backward,
AdamW step) of the plain student, and of the distiller with every teacher.
"""
import copy
import time
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS
from mmpose.utils import register_all_modules


def _batch(cfg: Config, model, batch_size: int) -> dict:
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    samples = [dataset[i % len(dataset)] for i in range(batch_size)]
    return model.data_preprocessor(pseudo_collate(samples), True)


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


def measure_training_cost(distill_cfg: Config,
                          batch_size: int = 32,
                          steps: int = 5,
                          warmup: int = 2,
                          threads: Optional[int] = None) -> Dict[str, float]:
    """Images per second of plain student training and of distillation.

    Args:
        distill_cfg (Config): a distillation config whose train dataloader
            points at data on disk (teachers may have no checkpoint).
        batch_size (int): images per step.
        steps, warmup (int): timed and untimed steps.
        threads (int, optional): torch CPU threads.

    Returns:
        dict: ``plain_img_s``, ``distill_img_s``, ``ratio`` (plain time per
        image / distillation time per image, i.e. how many times slower
        distillation is) and the settings.
    """
    register_all_modules()
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    distiller = MODELS.build(copy.deepcopy(distill_cfg.model))
    batch = _batch(distill_cfg, distiller, batch_size)
    distill = _steps_per_second(distiller, batch, steps, warmup) * batch_size
    student = distiller.student  # the same network, trained alone
    plain = _steps_per_second(student, batch, steps, warmup) * batch_size
    return dict(plain_img_s=plain, distill_img_s=distill,
                ratio=plain / distill, batch_size=batch_size, steps=steps,
                threads=torch.get_num_threads(),
                teachers=[s.name for s in distiller.teacher_specs])


def format_cost(result: Dict, title: str) -> str:
    return '\n'.join([
        f'# Training cost of distillation: {title}', '',
        f'One run, {result["threads"]} CPU threads, batch '
        f'{result["batch_size"]}, {result["steps"]} timed steps after '
        'warm-up (forward, losses, backward, AdamW step), same batches.', '',
        '| training | images/s |', '|---|---|',
        f'| student alone | {result["plain_img_s"]:.1f} |',
        f'| distillation, teachers {", ".join(result["teachers"])} | '
        f'{result["distill_img_s"]:.1f} |', '',
        f'Distillation costs {result["ratio"]:.2f}x plain student training.',
        ''])
