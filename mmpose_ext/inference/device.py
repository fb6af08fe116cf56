"""The ``--device`` of the inference tools, checked before any model is
built: a device this machine lacks (``cuda`` without a GPU) or a misspelt one
stops with one line naming the devices that are here, instead of a torch
traceback from deep inside model loading."""
from typing import List

import torch

from .errors import DeviceError

# Accelerators whose torch module (torch.cuda, torch.xpu, torch.mps, and
# torch.npu / torch.mlu once their plugins are imported) reports
# ``is_available()`` and ``device_count()``.
ACCELERATORS = ('cuda', 'xpu', 'mps', 'npu', 'mlu')


def _accelerator(device_type: str):
    """The torch module of an accelerator type, or ``None``."""
    module = getattr(torch, device_type, None)
    if not all(hasattr(module, f) for f in ('is_available', 'device_count')):
        return None
    return module


def available_devices() -> List[str]:
    """The devices a model can run on here: ``cpu``, then ``cuda:0``... ."""
    devices = ['cpu']
    for device_type in ACCELERATORS:
        module = _accelerator(device_type)
        if module is not None and module.is_available():
            devices += [f'{device_type}:{i}'
                        for i in range(module.device_count())]
    return devices


def _here() -> str:
    return ', '.join(available_devices())


def check_device(device: str,
                 onnx_model: bool = False,
                 option: str = '--device') -> str:
    """Refuse a device this machine cannot run the pose model on.

    Args:
        device (str): a torch device string (``'cpu'``, ``'cuda'``,
            ``'cuda:1'``...).
        onnx_model (bool): the pose model is an ``.onnx`` file, which
            :class:`.OrtPoseEstimator` runs on the CPU only.
        option (str): the command-line option of ``device``, for messages.

    Returns:
        str: ``device``, unchanged.

    Raises:
        DeviceError: ``device`` is not a torch device, is absent here, or is
            not the CPU for an ONNX model; the message lists the devices
            available here.
    """
    try:
        parsed = torch.device(device)
    except RuntimeError:
        raise DeviceError(
            f'{option} {device!r} is not a torch device (e.g. cpu, cuda, '
            f'cuda:1); available here: {_here()}') from None
    if parsed.type != 'cpu':
        module = _accelerator(parsed.type)
        name = parsed.type.upper()
        if module is None:
            raise DeviceError(f'{option} {device}: the pose model cannot run '
                              f'on {parsed.type!r}; available here: {_here()}')
        if not module.is_available():
            raise DeviceError(
                f'{option} {device}: no {name} device here (torch.'
                f'{parsed.type}.is_available() is False); use {option} cpu')
        count = module.device_count()
        if (parsed.index or 0) >= count:
            raise DeviceError(
                f'{option} {device}: this machine has {count} {name} '
                f'device{"s" if count != 1 else ""}; available here: '
                f'{_here()}')
    if onnx_model and parsed.type != 'cpu':
        # OrtPoseEstimator opens CPU sessions only. Running there when a GPU
        # was asked for would mislead whoever times or sizes the run by it.
        raise DeviceError(
            f'{option} {device}: an .onnx pose model runs on the CPU (ONNX '
            f'Runtime\'s CPUExecutionProvider); use {option} cpu, or the '
            f'.pth checkpoint to run on {device}')
    return device
