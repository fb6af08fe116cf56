"""Stop training at the first NaN or infinite loss, naming the batch."""
import math
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """A training loss became NaN or infinite."""


def _is_finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all()) if (
            value.is_floating_point()) else True
    if isinstance(value, np.ndarray):
        return bool(np.isfinite(value).all()) if np.issubdtype(
            value.dtype, np.floating) else True
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def _scalar(value) -> float:
    return float(value.detach()) if isinstance(value, torch.Tensor) \
        else float(value)


def _non_finite_fields(sample) -> List[str]:
    """Names of the ground-truth fields of ``sample`` holding NaN/inf."""
    bad = []
    for group in ('gt_instances', 'gt_instance_labels'):
        data = getattr(sample, group, None)
        if data is None:
            continue
        bad += [f'{group}.{key}' for key, value in data.items()
                if not _is_finite(value)]
    return bad


def _sample_name(sample) -> str:
    meta = sample.metainfo
    return (f'{meta.get("dataset_name", "?")} id {meta.get("id")} '
            f'(image {meta.get("img_path")})')


def describe_batch(data_samples: list) -> str:
    """Every sample of a batch by dataset and instance id, and the samples
    whose ground truth holds NaN or infinite numbers in full."""
    ids: Dict[str, List[str]] = OrderedDict()
    suspects = []
    for sample in data_samples:
        meta = sample.metainfo
        ids.setdefault(meta.get('dataset_name', '?'), []).append(
            str(meta.get('id')))
        bad = _non_finite_fields(sample)
        if bad:
            suspects.append(f'{_sample_name(sample)}: {", ".join(bad)}')
    text = 'the batch held ' + '; '.join(
        f'{name} ids {", ".join(values)}' for name, values in ids.items())
    if suspects:
        text += ('; NaN or infinite ground truth in ' + '; '.join(suspects))
    return text


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first iteration whose loss is NaN or infinite.

    One NaN in a batch (a NaN box reaching a teacher's crop, an overflow)
    makes the summed loss NaN; after that optimizer step every weight is NaN,
    and without this hook the run goes on, saves NaN checkpoints and exits 0.
    After every training iteration, before the logger and checkpoint hooks,
    it checks every ``loss*`` the model returned and raises
    :class:`NonFiniteLossError` naming the iteration, the losses and the
    batch's samples (dataset, instance id, image), so no NaN checkpoint is
    written and ``tools/train.py`` exits non-zero. The message is also logged.
    """

    priority = 'HIGH'  # before LoggerHook, EMAHook and CheckpointHook

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        losses = {key: value for key, value in (outputs or {}).items()
                  if key.startswith('loss')}
        if all(_is_finite(value) for value in losses.values()):
            return
        shown = ', '.join(f'{key}={_scalar(value):.4g}'
                          for key, value in losses.items())
        samples = (data_batch or {}).get('data_samples') or []
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, '
                 f'batch {batch_idx + 1})')
        message = (f'non-finite loss at {where}: {shown}; '
                   f'{describe_batch(samples)}. Training stopped before any '
                   'checkpoint of the NaN weights was saved; `python '
                   'tools/check_data.py CONFIG` checks the annotations, and '
                   'a lower learning rate helps if the data are sound')
        runner.logger.error(message)
        raise NonFiniteLossError(message)
