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
"""
import copyreg
import os.path as osp
from typing import List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds objects outside the allow-list."""


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
        UnsafeCheckpointError: the file holds classes outside the allow-list,
            or is not a checkpoint at all.
    """
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
        if not found:
            reason = str(err).strip().splitlines()[0] if str(err) else ''
            raise UnsafeCheckpointError(
                f'cannot read {filename!r} as a PyTorch checkpoint '
                f'({type(err).__name__}: {reason[:200]}); is it a file '
                'written by torch.save / MMEngine?') from None
        raise UnsafeCheckpointError(
            f'refusing to load {filename!r}: it holds objects that are not '
            f'tensors or MMEngine/MMPose checkpoint data ({", ".join(found)})'
            '. Loading it would run arbitrary pickled code. Only load '
            'checkpoints from sources you trust; if you do trust it, '
            're-save its state_dict with torch.save.') from None


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
