"""Teachers' SimCC outputs computed once, offline, and read back in training.

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
with the temperature; caching refuses ``topk`` bins that misplace more than
1% of it (:func:`check_truncation`) and says how many would do.

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
import re
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from mmpose_ext.fileio import atomic_write

CACHE_VERSION = 2  # 2: teachers keyed on their checkpoint's sha256
CACHE_FILE = 'cache.json'
AXES = ('x', 'y')
# The most of a KD target's probability mass (total variation, mean over a
# batch's joints) a cache may put on other bins than the teacher does. With
# the topk this asks for, the cached KD loss stays within 1% of the live one
# (tests/test_teacher_cache.py); 16 bins were measured 0.7-12% off at
# temperatures 2 and 4, and misplace 4-5% of the shipped quick-start
# teachers' targets already at temperature 1.
MAX_TRUNCATION_ERROR = 0.01
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


# The signature fields a cache must agree on with the live teacher.
SIGNATURE_KEYS = ('checkpoint_sha256', 'scale', 'num_joints', 'bins_x',
                  'bins_y')


def signature_differences(cached: dict, live: dict) -> List[str]:
    """``'field: cache X, teacher Y'`` for every keyed field that differs."""
    return [f'{key}: cache {cached.get(key)!r}, teacher {live.get(key)!r}'
            for key in SIGNATURE_KEYS if cached.get(key) != live.get(key)]


def entry_name(teacher: str, *parts: str) -> str:
    """A stored array's name: ``coco_center``, ``coco_x_logits``..."""
    return '_'.join((teacher, ) + parts)


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


class TeacherOutputs:
    """Teacher-frame outputs of a batch that the KD targets are made from.

    Attributes:
        prob_x, prob_y (Tensor): ``(B, K, bins)`` ``softmax(scale * logits)``.
        peak_x, peak_y (Tensor): ``(B, K)`` bin of the largest logit.
        max_x, max_y (Tensor): ``(B, K)`` largest logit.
    """

    def __init__(self, prob_x: Tensor, prob_y: Tensor, peak_x: Tensor,
                 peak_y: Tensor, max_x: Tensor, max_y: Tensor) -> None:
        self.prob_x, self.prob_y = prob_x, prob_y
        self.peak_x, self.peak_y = peak_x, peak_y
        self.max_x, self.max_y = max_x, max_y

    @classmethod
    def from_logits(cls, x: Tensor, y: Tensor,
                    scale: float) -> 'TeacherOutputs':
        max_x, peak_x = x.max(-1)
        max_y, peak_y = y.max(-1)
        return cls(torch.softmax(x * scale, -1), torch.softmax(y * scale, -1),
                   peak_x, peak_y, max_x, max_y)

    @classmethod
    def merge(cls, parts: Sequence[Tuple[Tensor, 'TeacherOutputs']],
              size: int) -> 'TeacherOutputs':
        """One batch of ``size`` from parts covering the given rows."""
        fields = ('prob_x', 'prob_y', 'peak_x', 'peak_y', 'max_x', 'max_y')
        merged = []
        for name in fields:
            first = getattr(parts[0][1], name)
            out = first.new_zeros((size, ) + tuple(first.shape[1:]))
            for rows, part in parts:
                out[rows] = getattr(part, name)
            merged.append(out)
        return cls(*merged)


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
        folder = view_dir(self.root, view)
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
    with open(osp.join(tmp, 'done'), 'w') as f:
        f.write('complete\n')
    if osp.isdir(final):  # an earlier incomplete copy without 'done'
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


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
    import copy

    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS, MODELS
    from torch.utils.data import DataLoader

    from mmpose_ext.datasets.replay import ReplayDataset
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
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if not isinstance(dataset, ReplayDataset):
        raise TeacherCacheError(
            f'{cfg.filename}: the train dataset is '
            f'{type(dataset).__name__}, whose augmentation cannot be '
            'replayed; wrap it: train_dataloader.dataset = '
            'dict(type="ReplayDataset", dataset=...) and sampler = '
            'dict(type="ViewSampler", num_views=N)')
    write_cache_meta(out_dir, dict(
        version=CACHE_VERSION, teachers=model.cache_signatures(), topk=topk,
        dataset_size=len(dataset), seed=dataset.seed))
    for folder in remove_dead_writers_views(out_dir):
        log(f'removed {folder}, left by a killed run')
    done = set(complete_views(out_dir))
    written = []
    for view in range(num_views):
        if view in done:
            log(f'view {view}: already cached')
            continue
        loader = DataLoader(dataset, batch_size=batch_size,
                            sampler=[(view, i) for i in range(len(dataset))],
                            num_workers=num_workers,
                            collate_fn=pseudo_collate)
        parts: Dict[str, List[np.ndarray]] = {}
        for batch in loader:
            for key, value in model.teacher_cache_entries(
                    batch['data_samples'], topk).items():
                parts.setdefault(key, []).append(value)
        write_view(out_dir, view,
                   {k: np.concatenate(v) for k, v in parts.items()})
        log(f'view {view}: {len(dataset)} samples cached')
        written.append(view)
    return written
