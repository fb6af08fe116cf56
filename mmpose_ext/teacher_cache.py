"""Teachers' SimCC outputs computed once, offline, and read back in training.

This module is the reader, what training uses
(:class:`CachedTeacherOutputs`, the distiller's output source with a cache);
the writer is a harness, ``kd_bench/teacher_cache_writer.py``, behind
``tools/cache_teachers.py``.

Distillation spends most of a training step in the teachers' forward passes.
With a cache, they run once per augmented view of every sample
(``tools/cache_teachers.py``), and training reads their outputs instead,
as in FKD (Shen & Xing, "A Fast Knowledge Distillation Framework", ECCV 2022).
Augmentation stays random but replayable (:mod:`.datasets.replay`): epoch
``e`` replays view ``e % num_views``, whose teacher crops are the ones the
cache was made from.

Each teacher's output per joint and axis is stored sparsely: the ``topk``
largest logits with their bins, and the log-sum-exp of all scaled logits.
The KD distribution ``q = softmax(scale * logits)`` (``scale = beta / T``) is
exact on the stored bins; the remaining mass, ``1 - sum(q_topk)``, is spread
evenly over the other bins. How much of ``q``'s mass that misplaces grows
with the temperature; the writer refuses ``topk`` bins that misplace more
than 1% of it and says how many would do.

A sample is served from the cache only when its view was cached and the
teacher crop it was cut with equals the cached one (centre and scale); any
other sample (another pipeline, e.g. after ``PipelineSwitchHook``, or a view
not cached) goes through the live teacher. So a cache speeds distillation up
but never gives targets of another crop.

Layout of a cache folder::

    cache.json             teachers (checkpoint sha256, scale, bins, joints),
                           topk, dataset size
    view_0000/             one folder per view, written whole or not at all
        coco_center.npy    (N, 2) float32 teacher crop centres
        coco_scale.npy     (N, 2) float32 teacher crop scales
        coco_x_bins.npy    (N, K, topk) int16 bins of the top logits
        coco_x_logits.npy  (N, K, topk) float32 top logits
        coco_x_lse.npy     (N, K) float32 log-sum-exp of scale * logits
        ... (the same for y, and for every teacher)
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from mmpose_ext.datasets.replay import REPLAY_KEY
from mmpose_ext.fileio import sha256_file
from mmpose_ext.models.teacher_outputs import (LiveTeacherOutputs,
                                               TeacherBatch, TeacherOutputs)
from mmpose_ext.models.teachers import TeacherSpec

CACHE_VERSION = 2  # 2: teachers keyed on their checkpoint's sha256
CACHE_FILE = 'cache.json'
AXES = ('x', 'y')
# A cached crop is the sample's crop if centre and scale agree this closely
# (pixels); replayed augmentation reproduces them bit for bit.
CROP_TOLERANCE = 1e-3


class TeacherCacheError(ValueError):
    """A teacher cache is missing, incomplete or made for other teachers."""


def view_dir(root: str, view: int) -> str:
    return osp.join(root, f'view_{view:04d}')


def teacher_signature(name: str, checkpoint: Optional[str],
                      checkpoint_sha256: Optional[str], scale: float,
                      num_joints: int, bins: Tuple[int, int]) -> dict:
    """What a cached teacher's outputs depend on: its weights (the
    checkpoint file's sha256; the quick start names every teacher
    ``coco.pth`` or ``mpii.pth`` whatever it holds), KD softmax scale,
    joints and bins. ``checkpoint`` (the file name) is kept to name it in
    messages, not compared.
    """
    return dict(name=name,
                checkpoint=osp.basename(checkpoint) if checkpoint else None,
                checkpoint_sha256=checkpoint_sha256,
                scale=float(scale), num_joints=int(num_joints),
                bins_x=int(bins[0]), bins_y=int(bins[1]))


# The signature fields a cache must agree on with the live teacher, as the
# messages name them.
SIGNATURE_KEYS = dict(
    checkpoint_sha256='weights (sha256)',
    scale="softmax scale (the head's beta / the teacher's temperature)",
    num_joints='joints', bins_x='x bins', bins_y='y bins')


def signature_differences(cached: dict, live: dict) -> List[str]:
    """``'field: cache X, teacher Y'`` for every keyed field that differs."""
    return [f'{name}: cache {_show(cached.get(key))}, teacher '
            f'{_show(live.get(key))}'
            for key, name in SIGNATURE_KEYS.items()
            if cached.get(key) != live.get(key)]


def _show(value) -> str:
    return f'{value:g}' if isinstance(value, float) else repr(value)


def entry_name(teacher: str, *parts: str) -> str:
    """A stored array's name: ``coco_center``, ``coco_x_logits``..."""
    return '_'.join((teacher, ) + parts)


def dense_distribution(bins: Tensor, logits: Tensor, lse: Tensor,
                       num_bins: int, scale: float) -> Tensor:
    """``softmax(scale * logits)`` over ``num_bins`` from its sparse form:
    exact on the stored bins, the rest of the mass spread evenly."""
    top = torch.exp(logits * scale - lse[..., None])
    rest = (1 - top.sum(-1, keepdim=True)).clamp_min(0)
    others = num_bins - bins.shape[-1]
    fill = rest / others if others > 0 else torch.zeros_like(rest)
    dense = fill.expand(*bins.shape[:-1], num_bins).clone()
    return dense.scatter_(-1, bins.long(), top)


class TeacherCache:
    """Read access to a cache folder, checked against the teachers.

    Args:
        root (str): the cache folder (``tools/cache_teachers.py --out``).
        signatures (Sequence[dict]): :func:`teacher_signature` of every
            teacher the distiller has; each must be in the cache, made with
            the same weights (sha256), scale, joints and bins.

    Raises:
        TeacherCacheError: no cache there, no complete view, or made for
            other teachers.
    """

    def __init__(self, root: str, signatures: Sequence[dict]) -> None:
        self.root = root
        meta = read_cache_meta(root)
        if meta is None:
            raise TeacherCacheError(
                f'teacher cache {root!r} does not exist: make it with '
                'python tools/cache_teachers.py CONFIG --out '
                f'{root} --views N, or set model.teacher_cache=None')
        cached = {t['name']: t for t in meta['teachers']}
        for signature in signatures:
            name = signature['name']
            if name not in cached:
                raise TeacherCacheError(
                    f'teacher cache {root!r} holds no teacher {name!r} (it '
                    f'holds {sorted(cached)}): remake the cache for these '
                    'teachers (tools/cache_teachers.py) into another folder')
            differences = signature_differences(cached[name], signature)
            if differences:
                raise TeacherCacheError(
                    f'teacher cache {root!r} was made for another teacher '
                    f'{name!r} than this config\'s (checkpoint '
                    f'{signature["checkpoint"]!r}): '
                    + '; '.join(differences) + '. Remake the cache for these '
                    'teachers (tools/cache_teachers.py) into another folder')
        self.size = meta['dataset_size']
        self.signatures = {s['name']: s for s in signatures}
        self.views = {view: self._open(view) for view in complete_views(root)}
        if not self.views:
            raise TeacherCacheError(
                f'teacher cache {root!r} has no complete view: make one '
                'with tools/cache_teachers.py')

    def _open(self, view: int) -> Dict[str, np.ndarray]:
        """The view's arrays of the distiller's teachers, memory-mapped,
        each checked to be readable and of the cache's size."""
        arrays = {}
        for name, signature in self.signatures.items():
            joints = (self.size, signature['num_joints'])
            shapes = {entry_name(name, 'center'): (self.size, 2),
                      entry_name(name, 'scale'): (self.size, 2)}
            for axis in AXES:
                shapes.update({entry_name(name, axis, 'bins'): joints,
                               entry_name(name, axis, 'logits'): joints,
                               entry_name(name, axis, 'lse'): joints})
            for key, shape in shapes.items():
                arrays[key] = _read_view_array(self.root, view, key, shape)
        return arrays

    def lookup(self, name: str, keys: Sequence[Optional[Tuple[int, int]]],
               centers: np.ndarray, scales: np.ndarray) -> np.ndarray:
        """Which samples (``(view, index)`` keys, with their teacher crops)
        the cache holds teacher ``name``'s outputs for."""
        hits = np.zeros(len(keys), bool)
        for row, key in enumerate(keys):
            if key is None or key[0] not in self.views \
                    or not 0 <= key[1] < self.size:
                continue
            arrays = self.views[key[0]]
            index = key[1]
            hits[row] = np.allclose(
                arrays[entry_name(name, 'center')][index], centers[row],
                atol=CROP_TOLERANCE) and np.allclose(
                    arrays[entry_name(name, 'scale')][index], scales[row],
                    atol=CROP_TOLERANCE)
        return hits

    def outputs(self, name: str, keys: Sequence[Tuple[int, int]],
                device: torch.device) -> TeacherOutputs:
        """Teacher ``name``'s outputs on the given (cached) samples."""
        signature = self.signatures[name]
        scale = signature['scale']
        per_axis = {}
        for axis in AXES:
            parts = {
                part: torch.as_tensor(np.stack([
                    self.views[v][entry_name(name, axis, part)][i]
                    for v, i in keys
                ]), device=device)
                for part in ('bins', 'logits', 'lse')
            }
            prob = dense_distribution(parts['bins'], parts['logits'],
                                      parts['lse'],
                                      signature[f'bins_{axis}'], scale)
            per_axis[axis] = (prob, parts['bins'][..., 0].long(),
                              parts['logits'][..., 0])
        (px, peak_x, max_x), (py, peak_y, max_y) = per_axis['x'], \
            per_axis['y']
        return TeacherOutputs(px, py, peak_x, peak_y, max_x, max_y)


def _rebuild_view_hint(root: str, view: int) -> str:
    return (f'Rebuild that view: delete {view_dir(root, view)} and run '
            f'python tools/cache_teachers.py CONFIG --out {root} --views N '
            'again (complete views are kept)')


def _read_view_array(root: str, view: int, key: str,
                     shape: Tuple[int, ...]) -> np.ndarray:
    """A view's array, memory-mapped, whose shape starts with ``shape``."""
    path = osp.join(view_dir(root, view), f'{key}.npy')
    try:
        array = np.load(path, mmap_mode='r')
    except FileNotFoundError:
        problem = 'is missing'
    except (OSError, ValueError, EOFError) as err:  # empty, truncated...
        problem = f'cannot be read ({type(err).__name__}: {err})'
    else:
        if tuple(array.shape[:len(shape)]) == tuple(shape):
            return array
        problem = f'has shape {array.shape}, expected {shape} first'
    raise TeacherCacheError(f'teacher cache file {path} {problem}. '
                            + _rebuild_view_hint(root, view))


def read_cache_meta(root: str) -> Optional[dict]:
    """``cache.json`` of cache folder ``root``; ``None`` if there is none.

    Raises:
        TeacherCacheError: the file is not this version's valid JSON.
    """
    path = osp.join(root, CACHE_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError
        raise TeacherCacheError(
            f'teacher cache file {path} is corrupt ({err}); the views cannot '
            f'be checked against the teachers without it: delete {root} and '
            'make the cache again with tools/cache_teachers.py') from None
    version = meta.get('version') if isinstance(meta, dict) else None
    if version != CACHE_VERSION:
        raise TeacherCacheError(
            f'teacher cache {root!r} has format version {version} '
            f'({path}), this code reads {CACHE_VERSION}: delete it and '
            'remake it with tools/cache_teachers.py')
    return meta


def complete_views(root: str) -> List[int]:
    """Views whose folder was written whole (a killed writer leaves only a
    temporary folder, which does not count)."""
    views = []
    for entry in sorted(os.listdir(root)):
        if entry.startswith('view_') and entry[5:].isdigit() and osp.isfile(
                osp.join(root, entry, 'done')):
            views.append(int(entry[5:]))
    return views


def cache_signatures(specs: Sequence[TeacherSpec],
                     teachers: Sequence[nn.Module],
                     beta: float) -> List[dict]:
    """What each teacher's cached outputs must have been made with
    (:func:`teacher_signature`), for a distiller's teachers and KD ``beta``.
    """
    signatures = []
    for spec, teacher in zip(specs, teachers):
        ratio = teacher.head.simcc_split_ratio
        bins = tuple(int(s * ratio) for s in spec.input_size)
        path = spec.checkpoint_path
        signatures.append(teacher_signature(
            spec.name, path, sha256_file(path) if path else None,
            beta / spec.temperature, teacher.head.out_channels, bins))
    return signatures


class CachedTeacherOutputs:
    """Teacher outputs read from a cache where it holds the sample's view
    and teacher crop, computed by the teachers for the other samples.

    Called as :class:`~mmpose_ext.models.teacher_outputs.LiveTeacherOutputs`
    is; the samples' metainfo must carry their replay key
    (:class:`~mmpose_ext.datasets.ReplayDataset`).

    Args:
        cache (TeacherCache): the opened cache.
        live (LiveTeacherOutputs): runs the teachers on the samples the
            cache lacks.
    """

    def __init__(self, cache: TeacherCache, live: LiveTeacherOutputs) -> None:
        self.cache = cache
        self.live = live

    @torch.no_grad()
    def __call__(self, spec: TeacherSpec, teacher: nn.Module,
                 metas: List[dict], crop_centers: np.ndarray,
                 crop_scales: np.ndarray,
                 device: torch.device) -> TeacherBatch:
        hits = self.cache.lookup(spec.name,
                                 [m.get(REPLAY_KEY) for m in metas],
                                 crop_centers, crop_scales)
        parts = []
        features = None
        live = np.flatnonzero(~hits)
        if len(live):
            ran = self.live(spec, teacher, [metas[i] for i in live],
                            crop_centers[live], crop_scales[live], device)
            features = ran.features
            parts.append((torch.as_tensor(live, device=device), ran.outputs))
        cached = np.flatnonzero(hits)
        if len(cached):
            parts.append((torch.as_tensor(cached, device=device),
                          self.cache.outputs(
                              spec.name,
                              [metas[i][REPLAY_KEY] for i in cached],
                              device)))
        if len(parts) == 1 and len(parts[0][0]) == len(metas):
            outputs = parts[0][1]
        else:
            outputs = TeacherOutputs.merge(parts, len(metas))
        # Features only when the teacher ran on every sample.
        return TeacherBatch(outputs, None if len(cached) else features,
                            int(hits.sum()))
