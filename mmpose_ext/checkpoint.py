"""Load MMEngine checkpoints safely under torch's ``weights_only`` default.

Since torch 2.6, ``torch.load`` unpickles only allow-listed classes. MMEngine
0.10.7 checkpoints also hold the runner's ``MessageHub`` state
(``HistoryBuffer`` objects, numpy arrays and scalars) and MMPose's dataset
metainfo (numpy arrays), so ``load_checkpoint`` and ``--resume`` fail with
``UnpicklingError: Weights only load failed``.

Instead of turning ``weights_only`` off (which would run arbitrary pickled
code from any checkpoint file), this module allows exactly the classes such
checkpoints contain and replaces MMEngine's local-file loader with one that
refuses anything else with a message naming the file and the classes.

``HistoryBuffer`` pickles its statistics functions as ``getattr(HistoryBuffer,
'min')``; allowing ``getattr`` would let a crafted file reach any attribute of
an allowed object (``ndarray.tofile`` writes files). So buffers are saved
through a ``copyreg`` reducer as the class called with plain arrays; the
statistics functions are class-level and registered again on import anyway.

:func:`load_weights` is the one way this project puts a checkpoint's weights
into a model: MMEngine's own loading, strictly, so a checkpoint of another
model stops with the keys that do not fit instead of a warning and a randomly
initialised model.
"""
import copyreg
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import List, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import load_state_dict
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

# Keys of a distiller's student in its checkpoints.
STUDENT_PREFIX = 'student.'
# How many keys of each kind an error message lists.
LISTED_KEYS = 4


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be used as asked."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint holds objects outside the allow-list."""


class CheckpointMismatchError(CheckpointError):
    """A checkpoint's weights do not fit the model they are loaded into."""


def _numpy_globals() -> List[object]:
    multiarray = np.core.multiarray
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
        np.float16, np.float32, np.float64)]
    return [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
            *dtype_classes]


# What MMEngine/MMPose checkpoints contain besides tensors and builtins.
CHECKPOINT_SAFE_GLOBALS: List[object] = [HistoryBuffer, *_numpy_globals()]


def _reduce_history_buffer(buffer: HistoryBuffer):
    log, counts = buffer.data
    return HistoryBuffer, (log, counts, buffer.max_length)


def allow_mmengine_checkpoints() -> None:
    """Allow the classes of MMEngine/MMPose checkpoints in ``torch.load``."""
    torch.serialization.add_safe_globals(CHECKPOINT_SAFE_GLOBALS)


def safe_torch_load(filename: str, map_location=None) -> dict:
    """``torch.load(weights_only=True)`` with the checkpoint allow-list.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        IsADirectoryError: ``filename`` is a folder.
        UnsafeCheckpointError: the file holds classes outside the allow-list,
            or is not a checkpoint at all (an ONNX graph, say).
    """
    if osp.isdir(filename):
        raise IsADirectoryError(
            f'checkpoint {filename!r} is a folder: give the .pth file in it '
            '(a work dir\'s last_checkpoint file names its latest)')
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename!r} does not exist')
    allow_mmengine_checkpoints()
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except Exception as err:  # torch raises UnpicklingError or RuntimeError
        try:
            found = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except Exception:  # not a zip checkpoint at all
            found = []
        if not found and filename.lower().endswith('.onnx'):
            raise UnsafeCheckpointError(
                f'{filename!r} is an ONNX graph; this needs the PyTorch '
                'checkpoint (.pth) it was exported from') from None
        if not found:
            raise UnsafeCheckpointError(
                f'cannot read {filename!r} as a PyTorch checkpoint '
                f'({_unreadable_reason(filename, err)}); is it a file '
                'written by torch.save / MMEngine?') from None
        raise UnsafeCheckpointError(
            f'refusing to load {filename!r}: it holds objects that are not '
            f'tensors or MMEngine/MMPose checkpoint data ({", ".join(found)})'
            '. Loading it would run arbitrary pickled code. Only load '
            'checkpoints from sources you trust; if you do trust it, '
            're-save its state_dict with torch.save.') from None


def _unreadable_reason(filename: str, err: Exception) -> str:
    """Why torch could not read ``filename``, without torch's advice to load
    it with ``weights_only=False`` (which would run pickled code)."""
    if (isinstance(err, pickle.UnpicklingError)
            and not zipfile.is_zipfile(filename)):
        return ('it is neither a zip archive, the format torch.save writes, '
                'nor a pickle torch can read')
    reason = str(err).strip().splitlines()[0] if str(err) else ''
    return f'{type(err).__name__}: {reason[:200]}'


def _load_from_local(filename: str, map_location=None) -> dict:
    filename = osp.expanduser(filename)
    return safe_torch_load(filename, map_location=map_location)


def install() -> None:
    """Save message hubs without ``getattr`` and route MMEngine's local
    checkpoint loading through ``safe_torch_load``."""
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    allow_mmengine_checkpoints()
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)


def _describe(obj) -> str:
    if isinstance(obj, torch.Tensor):
        return f'a bare tensor of shape {tuple(obj.shape)}'
    if isinstance(obj, Mapping):
        keys = [str(k) for k in list(obj)[:LISTED_KEYS]]
        more = ', ...' if len(obj) > LISTED_KEYS else ''
        return (f'a dict with keys [{", ".join(keys)}{more}] and no '
                "'state_dict' of tensors")
    return f'a {type(obj).__name__}'


def read_checkpoint(filename: str, map_location='cpu') -> dict:
    """Read a checkpoint safely and check that it holds model weights.

    Accepts MMEngine checkpoints (a dict with ``state_dict``) and bare state
    dicts (a dict of tensors), as MMEngine does.

    Returns:
        dict: the checkpoint; a bare state dict comes back as
        ``dict(state_dict=...)``, so hooks find the weights where MMEngine's
        own checkpoints keep them.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: it is not a PyTorch file or holds classes
            outside the allow-list.
        CheckpointError: it holds no weights (a bare tensor, an empty dict,
            a dict of something else).
    """
    checkpoint = safe_torch_load(filename, map_location=map_location)
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, Mapping) else None
    if not isinstance(state, Mapping) or not state or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(
            f'{filename!r} is not a model checkpoint: it holds '
            f'{_describe(checkpoint)}. Save weights as '
            'torch.save(dict(state_dict=model.state_dict()), path), or use '
            'a checkpoint written by MMEngine')
    return checkpoint if 'state_dict' in checkpoint else dict(
        state_dict=checkpoint)


def has_student_weights(checkpoint: dict) -> bool:
    """Whether ``checkpoint`` is a distiller's (``student.*`` keys)."""
    return any(k.startswith(STUDENT_PREFIX)
               for k in checkpoint.get('state_dict', checkpoint))


def student_state_dict(checkpoint: dict) -> dict:
    """The student's weights from a distiller checkpoint (or a plain one).

    Keys under ``student.`` lose the prefix; keys of the distiller's other
    parts (feature projectors) are dropped. A checkpoint without
    ``student.`` keys is taken to be a plain student already.
    """
    state = checkpoint.get('state_dict', checkpoint)
    if not has_student_weights(checkpoint):
        return dict(state)
    return {k[len(STUDENT_PREFIX):]: v for k, v in state.items()
            if k.startswith(STUDENT_PREFIX)}


def _is_distiller(model: nn.Module) -> bool:
    return isinstance(getattr(model, 'student', None), nn.Module)


def _listing(kind: str, keys: List[str]) -> str:
    shown = ', '.join(keys[:LISTED_KEYS])
    more = f' and {len(keys) - LISTED_KEYS} more' if len(keys) > \
        LISTED_KEYS else ''
    return f'{len(keys)} {kind} ({shown}{more})'


# The lines of MMEngine's ``load_state_dict(strict=True)`` error, and
# torch's shape error among them.
_MMENGINE_MISMATCH = 'The model and loaded state dict do not match exactly'
_KEY_LINES = (('missing keys', 'missing keys in source state_dict: '),
              ('unexpected keys', 'unexpected key in source state_dict: '))
_SIZE_MISMATCH = re.compile(
    r'size mismatch for (\S+): copying a param with shape '
    r'torch\.Size\(\[([^\]]*)\]\) from checkpoint, the shape in current '
    r'model is torch\.Size\(\[([^\]]*)\]\)')


def _shape(text: str) -> tuple:
    return tuple(int(v) for v in text.split(',') if v.strip())


def _mismatch_parts(message: str) -> List[str]:
    """``'N missing keys (...)'``... from MMEngine's mismatch error."""
    parts = []
    for kind, prefix in _KEY_LINES:
        for line in message.splitlines():
            if line.startswith(prefix):
                parts.append(_listing(kind, line[len(prefix):].split(', ')))
    shapes = [f'{key}: checkpoint {_shape(ckpt)} vs model {_shape(own)}'
              for key, ckpt, own in _SIZE_MISMATCH.findall(message)]
    if shapes:
        parts.append(_listing('shape-mismatched keys', shapes))
    return parts


def load_weights(model: nn.Module,
                 filename: str,
                 map_location='cpu',
                 config: Optional[str] = None) -> dict:
    """Load checkpoint ``filename`` into ``model`` strictly, or stop with the
    keys that do not fit.

    Reads the file with :func:`safe_torch_load` and loads it with
    :func:`load_state` (MMEngine's ``load_state_dict``, strict). A
    distillation checkpoint loads into a model that is not a distiller as its
    student (:func:`student_state_dict`).

    Args:
        model (nn.Module): the model; not a wrapper.
        filename (str): the checkpoint file.
        map_location: as in ``torch.load``.
        config (str, optional): the config ``model`` was built from, named
            in the error message.

    Returns:
        dict: the checkpoint as loaded: for a student loaded from a
        distillation checkpoint, its ``state_dict`` is the student's.

    Raises:
        FileNotFoundError, UnsafeCheckpointError, CheckpointError: see
            :func:`read_checkpoint`.
        CheckpointMismatchError: keys are missing, unexpected or of another
            shape; the message lists them.
    """
    checkpoint = read_checkpoint(filename, map_location=map_location)
    if not _is_distiller(model) and has_student_weights(checkpoint):
        checkpoint = dict(checkpoint,
                          state_dict=student_state_dict(checkpoint))
    try:
        load_state(model, checkpoint)
    except RuntimeError as err:
        if not str(err).startswith(_MMENGINE_MISMATCH):
            raise
        parts = _mismatch_parts(str(err)) or [str(err).strip()]
        of_config = f' of config {config!r}' if config else ''
        if _is_distiller(model) and not has_student_weights(checkpoint):
            fix = ('. It holds a plain model\'s weights (no '
                   f'{STUDENT_PREFIX}* keys); to start distilling from them, '
                   'set model.student.init_cfg=dict(type=\'Pretrained\', '
                   'checkpoint=...) instead of load_from')
        else:
            fix = ('. Pass the config the checkpoint was trained with (a '
                   'distillation checkpoint also goes with its student '
                   'config)')
        raise CheckpointMismatchError(
            f'checkpoint {filename!r} does not fit the model{of_config}: '
            + '; '.join(parts) + fix) from None
    return checkpoint


def load_state(model: nn.Module, checkpoint: dict) -> None:
    """Load ``checkpoint['state_dict']`` into ``model`` with MMEngine's
    public ``load_state_dict(strict=True)``, ``module.`` prefixes (of a
    wrapped model's checkpoint) stripped as MMEngine's ``load_checkpoint``
    does.

    Raises:
        RuntimeError: MMEngine's, listing missing and unexpected keys.
    """
    state = checkpoint.get('state_dict', checkpoint)
    stripped = OrderedDict((key.removeprefix('module.'), value)
                           for key, value in state.items())
    stripped._metadata = getattr(state, '_metadata', OrderedDict())
    load_state_dict(model, stripped, strict=True)


def check_resumable(checkpoint: dict, filename: str) -> None:
    """Refuse a checkpoint without the training state MMEngine's
    ``Runner.resume`` reads (``meta.epoch``, ``meta.iter``,
    ``message_hub``), e.g. a published or extracted one.

    Raises:
        CheckpointError: naming what it lacks.
    """
    meta = checkpoint.get('meta')
    meta = meta if isinstance(meta, Mapping) else {}
    lacking = [f'meta.{k}' for k in ('epoch', 'iter') if k not in meta]
    if 'message_hub' not in checkpoint:
        lacking.append('message_hub')
    if lacking:
        raise CheckpointError(
            f'cannot resume from {filename!r}: it holds weights but no '
            f'training state (no {", ".join(lacking)}). Resume from a '
            'checkpoint saved by a training run (WORK_DIR/epoch_N.pth), or '
            'start a new run from these weights with --cfg-options '
            f'load_from={filename} and without --resume')
