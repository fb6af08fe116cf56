"""Write a teacher cache: run the teachers of a distillation config once over
replayed views of its training set and store their outputs sparsely.

A harness behind ``tools/cache_teachers.py`` (and the training-cost
benchmark), not part of the method: training only reads caches
(:mod:`mmpose_ext.teacher_cache`, whose module docstring describes the
format). The teachers run as in training, through the distiller's
:class:`~mmpose_ext.models.teacher_outputs.LiveTeacherOutputs`.
"""
import copy
import json
import os
import os.path as osp
import re
import shutil
from typing import Dict, List

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS
from torch import Tensor
from torch.utils.data import DataLoader

from mmpose_ext.datasets.pipelines import teacher_crops_from_model
from mmpose_ext.datasets.replay import ReplayDataset
from mmpose_ext.fileio import atomic_write
from mmpose_ext.teacher_cache import (AXES, CACHE_FILE, CACHE_VERSION,
                                      TeacherCacheError, cache_signatures,
                                      complete_views, entry_name,
                                      read_cache_meta, view_dir)

# The most of a KD target's probability mass (total variation, mean over a
# batch's joints) a cache may put on other bins than the teacher does. With
# the topk this asks for, the cached KD loss stays within 1% of the live one
# (tests/test_teacher_cache.py); 16 bins were measured 0.7-12% off at
# temperatures 2 and 4, and misplace 4-5% of the shipped quick-start
# teachers' targets already at temperature 1.
MAX_TRUNCATION_ERROR = 0.01


def teacher_entries(teacher: str, centers: np.ndarray, scales: np.ndarray,
                    logits_x: Tensor, logits_y: Tensor, scale: float,
                    topk: int) -> Dict[str, np.ndarray]:
    """What a view stores of one teacher on a batch: its crops and its
    sparse outputs (:func:`sparse_simcc`).

    Raises:
        TeacherCacheError: ``topk`` bins keep the KD targets less accurately
            than :data:`MAX_TRUNCATION_ERROR` at this ``scale``.
    """
    entries = {
        entry_name(teacher, 'center'): np.asarray(centers, np.float32),
        entry_name(teacher, 'scale'): np.asarray(scales, np.float32)
    }
    check_truncation(teacher, dict(x=logits_x, y=logits_y), scale, topk)
    for axis, logits in zip(AXES, (logits_x, logits_y)):
        for part, value in sparse_simcc(logits, scale, topk).items():
            entries[entry_name(teacher, axis, part)] = value
    return entries


def truncation_error(logits: Tensor, scale: float, topk: int) -> Tensor:
    """``(N, K)`` total variation distance between the KD target
    ``softmax(scale * logits)`` and its sparse form with ``topk`` bins
    (:func:`dense_distribution`): the share of the target's mass the cache
    puts on the wrong bins."""
    q = torch.softmax(logits.float() * scale, -1)
    rest = q.sort(-1, descending=True).values[..., topk:]
    if rest.shape[-1] == 0:
        return q.new_zeros(q.shape[:-1])
    fill = rest.sum(-1, keepdim=True) / rest.shape[-1]
    return 0.5 * (rest - fill).abs().sum(-1)


def bins_needed(logits: Tensor, scale: float, topk: int,
                limit: float = MAX_TRUNCATION_ERROR) -> int:
    """The least of ``2 * topk``, ``4 * topk``... (and all bins) whose mean
    :func:`truncation_error` is within ``limit``."""
    num_bins = logits.shape[-1]
    k = topk
    while k < num_bins:
        k = min(2 * k, num_bins)
        if truncation_error(logits, scale, k).mean() <= limit:
            break
    return k


def check_truncation(teacher: str, logits: Dict[str, Tensor], scale: float,
                     topk: int) -> None:
    """Refuse to cache ``topk`` bins of a teacher whose KD targets they keep
    less accurately than :data:`MAX_TRUNCATION_ERROR` (on average over the
    batch's joints), and say how many bins would do.

    A higher temperature flattens the targets, and less certain teachers
    (the quick start's, at 64x48) spread them wider: 16 bins are not always
    enough, even at temperature 1.

    Args:
        teacher (str): the teacher's name, for the message.
        logits (dict[str, Tensor]): ``(N, K, bins)`` logits per axis.
        scale (float): the KD softmax scale, ``beta / temperature``.
        topk (int): bins to be cached per joint.
    """
    errors = {axis: float(truncation_error(value, scale, topk).mean())
              for axis, value in logits.items()}
    axis = max(errors, key=errors.get)
    if errors[axis] <= MAX_TRUNCATION_ERROR:
        return
    # Half the limit on this batch leaves room for the batches after it.
    needed = max(bins_needed(value, scale, topk, MAX_TRUNCATION_ERROR / 2)
                 for value in logits.values())
    raise TeacherCacheError(
        f'teacher {teacher!r}: {topk} bins per joint keep its KD targets on '
        f'the {axis} axis only to within {errors[axis]:.1%} of their mass at '
        f'softmax scale {scale:g} (beta / temperature); a cache allows '
        f'{MAX_TRUNCATION_ERROR:.0%}. Cache more bins (--topk {needed}) or '
        'distil at a lower temperature')


def sparse_simcc(logits: Tensor, scale: float,
                 topk: int) -> Dict[str, np.ndarray]:
    """The ``topk`` largest logits of ``(N, K, bins)`` SimCC logits, their
    bins, and the log-sum-exp of ``scale * logits`` over all bins."""
    k = min(topk, logits.shape[-1])
    values, bins = logits.float().topk(k, dim=-1)
    lse = torch.logsumexp(logits.float() * scale, dim=-1)
    return dict(bins=bins.to(torch.int16).cpu().numpy(),
                logits=values.cpu().numpy(), lse=lse.cpu().numpy())


_TEMPORARY_VIEW = re.compile(r'^view_\d+\.tmp-(\d+)$')


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_dead_writers_views(root: str) -> List[str]:
    """Remove the temporary view folders (``view_XXXX.tmp-PID``) of writers
    that no longer run, as a killed ``cache_teachers.py`` leaves them.
    Folders of running processes are left alone (another writer may be
    filling them).

    Returns:
        list[str]: the folders removed.
    """
    removed = []
    for entry in sorted(os.listdir(root)):
        match = _TEMPORARY_VIEW.match(entry)
        if match and not _process_alive(int(match.group(1))):
            shutil.rmtree(osp.join(root, entry), ignore_errors=True)
            removed.append(osp.join(root, entry))
    return removed


def write_view(root: str, view: int, arrays: Dict[str, np.ndarray]) -> str:
    """Write one view's arrays into a temporary folder, then rename it into
    place, so a view folder is always complete."""
    final = view_dir(root, view)
    tmp = f'{final}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for key, value in arrays.items():
        np.save(osp.join(tmp, f'{key}.npy'), value)
    with open(osp.join(tmp, 'done'), 'w') as f:  # and the files it holds
        f.write('complete\n' + ''.join(f'{key}.npy\n' for key in arrays))
    if osp.isdir(final):  # an earlier incomplete copy without 'done'
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def missing_view_files(root: str, view: int) -> List[str]:
    """The files a complete view's ``done`` lists that are gone (deleted by
    hand, say); a ``done`` written before it listed files lists none."""
    folder = view_dir(root, view)
    with open(osp.join(folder, 'done')) as f:
        listed = f.read().split()[1:]
    return [name for name in listed if not osp.isfile(osp.join(folder, name))]


def write_cache_meta(root: str, meta: dict) -> None:
    """Create ``cache.json``, or check that an existing one says the same.
    """
    existing = read_cache_meta(root)
    if existing is not None:
        if existing != meta:
            raise TeacherCacheError(
                f'teacher cache {root!r} was made with other settings '
                f'({existing}); this run has {meta}: give another --out '
                'folder or delete that one')
        return
    atomic_write(osp.join(root, CACHE_FILE),
                 json.dumps(meta, indent=1).encode())


def make_teacher_cache(cfg,
                       out_dir: str,
                       num_views: int,
                       topk: int = 64,
                       batch_size: int = 32,
                       num_workers: int = 0,
                       log=print) -> List[int]:
    """Run the teachers of a distillation config on ``num_views`` replayed
    views of its whole training set and store their outputs.

    Views already complete in ``out_dir`` are kept (a killed run resumes at
    the view it was writing).

    Args:
        cfg (Config): distillation config whose train dataset is a
            :class:`~mmpose_ext.datasets.ReplayDataset`.
        out_dir (str): the cache folder.
        num_views (int): views ``0 .. num_views - 1``.
        topk (int): logits kept per joint and axis.
        batch_size (int): samples per teacher forward.
        num_workers (int): data-loading worker processes.
        log (callable): progress messages.

    Returns:
        list[int]: the views written by this call.
    """
    if num_views < 1 or topk < 1:
        raise TeacherCacheError(f'num_views ({num_views}) and topk ({topk}) '
                                'must be at least 1')
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.get('type') != 'MultiTeacherDistiller':
        raise TeacherCacheError(
            f'{cfg.filename}: model is {model_cfg.get("type")!r}; teacher '
            'caches are made from a MultiTeacherDistiller config')
    model_cfg['teacher_cache'] = None
    model = MODELS.build(model_cfg).eval()
    teacher_crops_from_model(cfg)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if not isinstance(dataset, ReplayDataset):
        raise TeacherCacheError(
            f'{cfg.filename}: the train dataset is '
            f'{type(dataset).__name__}, whose augmentation cannot be '
            'replayed; wrap it: train_dataloader.dataset = '
            'dict(type="ReplayDataset", dataset=...) and sampler = '
            'dict(type="ViewSampler", num_views=N)')
    write_cache_meta(out_dir, dict(
        version=CACHE_VERSION,
        teachers=cache_signatures(model.teacher_specs, model.teachers,
                                  model.beta),
        topk=topk,
        dataset_size=len(dataset), seed=dataset.seed))
    for folder in remove_dead_writers_views(out_dir):
        log(f'removed {folder}, left by a killed run')
    done = set(complete_views(out_dir))
    written = []
    for view in range(num_views):
        missing = missing_view_files(out_dir, view) if view in done else []
        if view in done and not missing:
            log(f'view {view}: already cached')
            continue
        if missing:
            log(f'view {view}: {len(missing)} file(s) of it are gone '
                f'({", ".join(missing[:3])}...); caching it again')
        loader = DataLoader(dataset, batch_size=batch_size,
                            sampler=[(view, i) for i in range(len(dataset))],
                            num_workers=num_workers,
                            collate_fn=pseudo_collate)
        parts: Dict[str, List[np.ndarray]] = {}
        for batch in loader:
            for key, value in view_entries(model, batch['data_samples'],
                                           topk).items():
                parts.setdefault(key, []).append(value)
        write_view(out_dir, view,
                   {k: np.concatenate(v) for k, v in parts.items()})
        log(f'view {view}: {len(dataset)} samples cached')
        written.append(view)
    return written


def view_entries(model, data_samples: list,
                 topk: int) -> Dict[str, np.ndarray]:
    """What a view stores of every teacher of distiller ``model`` on packed
    samples: crops and sparse outputs (:func:`teacher_entries`)."""
    metas = [d.metainfo for d in data_samples]
    entries = {}
    for spec, teacher in zip(model.teacher_specs, model.teachers):
        crops = [m['teacher_crops'][spec.name] for m in metas]
        x, y, _ = model.live_outputs.logits(spec, teacher, metas)
        entries.update(teacher_entries(
            spec.name, np.stack([c['center'] for c in crops]),
            np.stack([c['scale'] for c in crops]), x, y,
            model.beta / spec.temperature, topk))
    return entries
