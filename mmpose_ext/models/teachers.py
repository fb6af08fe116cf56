"""Teacher declarations and frozen teacher models."""
import contextlib
import functools
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmpose.registry import MODELS
from torch import nn

from mmpose_ext import skeletons
from mmpose_ext.checkpoint import (CheckpointError, CheckpointMismatchError,
                                   load_weights)
from mmpose_ext.fileio import sha256_file
from mmpose_ext.paths import REPO_ROOT


class TeacherConfigError(ValueError):
    """A teacher declaration, config or checkpoint does not fit."""


@dataclass
class TeacherSpec:
    """One teacher, as declared in a distillation config.

    Args:
        name (str): unique name; its KD loss is logged as ``loss_kd_<name>``.
        config (str | dict): the teacher's MMPose config file or its model
            dict. Relative paths are read from the repository root.
        input_size (tuple, optional): ``(w, h)`` the teacher's crops are cut
            at. Read from the teacher config's ``model.head.input_size``; a
            declared one must equal it. Needed only for a config whose head
            states none.
        skeleton (str): skeleton of the teacher's outputs (``'coco'``,
            ``'mpii'``...), mapped into the union by name through
            :mod:`mmpose_ext.skeletons`. Alternatively ``keypoints``.
        keypoints (Sequence[str], optional): union joint names of the
            teacher's outputs in output order, for teachers of other
            skeletons.
        checkpoint (str, optional): weights; ``None`` keeps the random
            initialisation (tests only).
        checkpoint_hash_prefix (str, optional): refuse a checkpoint file
            whose sha256 does not start with these hex digits (OpenMMLab file
            names carry the first 8; ``teachers/manifest.json`` lists them).
        loss_weight (float): weight of the SimCC KD term.
        temperature (float): softmax temperature of the KD term.
        conf_thr (float, optional): distil only joints whose teacher score
            (``min`` of the SimCC maxima, as RTMPose decodes) is at least
            this.
        feature_weight (float): weight of DWPose-style feature distillation;
            0 turns it off.
        joints (str): which of the teacher's joints it distils on a sample:
            ``'all'``, or ``'unlabelled'``: only those the sample's ground
            truth gives no weight (e.g. the COCO teacher's face points on an
            MPII image), so that labelled joints learn from the labels alone.
        kd_loss (dict, optional): this teacher's KD loss config
            (``MODELS`` registry); defaults to the distiller's ``kd_loss``.
        feature_loss (dict, optional): this teacher's feature loss config;
            defaults to the distiller's ``feature_loss``.
        box_scale (dict[str, float], optional): per source dataset (its
            ``dataset_name``, e.g. ``'mpii'``), the factor the person box is
            scaled by before this teacher's crop is cut from it. Datasets
            frame people differently (an MPII box, from its centre and
            scale, leaves far more room around the body than a COCO box), and
            a teacher finds joints best at the framing it was trained on.
            Sources not listed keep the box (factor 1). The SimCC targets
            follow the crop whatever its scale
            (:mod:`mmpose_ext.models.simcc_geometry`).
    """

    name: str
    config: Union[str, dict]
    input_size: Optional[Tuple[int, int]] = None
    skeleton: Optional[str] = None
    keypoints: Optional[Sequence[str]] = None
    checkpoint: Optional[str] = None
    checkpoint_hash_prefix: Optional[str] = None
    loss_weight: float = 1.0
    temperature: float = 1.0
    conf_thr: Optional[float] = None
    feature_weight: float = 0.0
    joints: str = 'all'
    kd_loss: Optional[dict] = None
    feature_loss: Optional[dict] = None
    box_scale: Optional[Dict[str, float]] = None
    union_indices: Tuple[int, ...] = field(init=False)

    @property
    def checkpoint_path(self) -> Optional[str]:
        """``checkpoint`` with a relative path read from the repository
        root."""
        return None if self.checkpoint is None else _resolve(self.checkpoint)

    def __post_init__(self):
        check_name(self.name)
        self.input_size = teacher_input_size(self.name, self.config,
                                             self.input_size)
        if (self.skeleton is None) == (self.keypoints is None):
            raise TeacherConfigError(
                f'teacher {self.name!r}: give exactly one of `skeleton` '
                f'(one of {sorted(skeletons.SKELETONS)}) or `keypoints`')
        try:
            names = (skeletons.keypoint_names(self.skeleton)
                     if self.skeleton is not None else tuple(self.keypoints))
        except KeyError as err:
            raise TeacherConfigError(
                f'teacher {self.name!r}: {err.args[0]}') from None
        unknown = [n for n in names if n not in skeletons.UNION_KEYPOINTS]
        if unknown:
            raise TeacherConfigError(
                f'teacher {self.name!r}: its keypoints name joint(s) '
                f'{unknown} that the union skeleton lacks; the union\'s '
                f'joints are UNION_KEYPOINTS in mmpose_ext/skeletons.py: '
                f'{list(skeletons.UNION_KEYPOINTS)}. Rename the joint to its '
                f'union name, or add it to the union there')
        self.union_indices = tuple(skeletons.joint_indices('union', names))
        if len(set(self.union_indices)) != len(self.union_indices):
            raise TeacherConfigError(
                f'teacher {self.name!r}: a union joint is named twice in its '
                'keypoints')
        if self.joints not in ('all', 'unlabelled'):
            raise TeacherConfigError(
                f'teacher {self.name!r}: joints must be \'all\' or '
                f'\'unlabelled\', got {self.joints!r}')
        if self.temperature <= 0:
            raise TeacherConfigError(
                f'teacher {self.name!r}: temperature must be > 0, got '
                f'{self.temperature}')
        self.box_scale = check_box_scale(self.name, self.box_scale)


def check_name(name) -> None:
    """A teacher's name keys the distiller's ``nn.ModuleDict`` of losses and
    names its log entries (``loss_kd_<name>``).

    Raises:
        TeacherConfigError: not an identifier, or an attribute of
            ``nn.Module`` (``'float'``, ``'train'``...), which a
            ``ModuleDict`` refuses as a key.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise TeacherConfigError(
            f'teacher name {name!r} is not a Python identifier: use letters, '
            'digits and underscores, e.g. \'coco\'')
    if hasattr(nn.ModuleDict, name):
        raise TeacherConfigError(
            f'teacher name {name!r} is the name of an nn.Module attribute, '
            'which cannot key the distiller\'s modules: rename the teacher, '
            f'e.g. \'{name}_teacher\'')


def check_box_scale(name: str,
                    box_scale: Optional[dict]) -> Dict[str, float]:
    """A teacher's ``box_scale`` as ``{dataset_name: factor}``, every factor
    a finite number > 0.

    Raises:
        TeacherConfigError: not a dict of dataset names to such factors.
    """
    if box_scale is None:
        return {}
    if not isinstance(box_scale, dict):
        raise TeacherConfigError(
            f'teacher {name!r}: box_scale must map source dataset names to '
            f'box factors, e.g. dict(mpii=0.67), got {box_scale!r}')
    checked = {}
    for source, factor in box_scale.items():
        if (not isinstance(source, str) or isinstance(factor, bool)
                or not isinstance(factor, (int, float))
                or not 0 < factor < float('inf')):
            raise TeacherConfigError(
                f'teacher {name!r}: box_scale[{source!r}] must be a number '
                f'> 0 (the factor the {source!r} person boxes are scaled by '
                f'for this teacher\'s crops), got {factor!r}')
        checked[source] = float(factor)
    return checked


# Declaration keys that were renamed: old name -> new name.
RENAMED_KEYS = dict(checkpoint_sha256='checkpoint_hash_prefix')


def parse_teacher_specs(teachers: Sequence[dict]) -> Tuple[TeacherSpec, ...]:
    if not teachers:
        raise TeacherConfigError('a distiller needs at least one teacher')
    specs, seen = [], set()
    for cfg in teachers:
        cfg = dict(cfg)
        for old, new in RENAMED_KEYS.items():
            if old in cfg:
                raise TeacherConfigError(
                    f'teacher {cfg.get("name")!r}: `{old}` is now called '
                    f'`{new}`; rename it in the teacher declaration')
        try:
            spec = TeacherSpec(**cfg)
        except TypeError as err:
            raise TeacherConfigError(
                f'teacher {cfg.get("name")!r}: {err}') from None
        if spec.name in seen:
            raise TeacherConfigError(
                f'two teachers are named {spec.name!r}; names must be unique '
                '(they name the loss terms loss_kd_<name>)')
        seen.add(spec.name)
        specs.append(spec)
    return tuple(specs)


# Precisions teachers can run in; 'auto' picks per device, see
# teacher_autocast_dtype().
TEACHER_DTYPES = {
    'float32': torch.float32,
    'bfloat16': torch.bfloat16,
    'float16': torch.float16,
}


def check_teacher_dtype(choice: str) -> str:
    """Validate a ``teacher_dtype`` setting (``'auto'`` or a dtype name)."""
    if choice != 'auto' and choice not in TEACHER_DTYPES:
        raise TeacherConfigError(
            f'teacher_dtype={choice!r} is not one of '
            f'{["auto", *TEACHER_DTYPES]}')
    return choice


@functools.lru_cache(maxsize=None)
def _cpu_has_native_bf16() -> bool:
    """Whether this CPU has bfloat16 instructions (AVX512-BF16 or AMX) and
    torch's CPU kernels use them: not when ATen dispatches below AVX-512
    (``ATEN_CPU_CAPABILITY=avx2``, as on a CPU without AVX-512), where
    bfloat16 is emulated."""
    probes = ('_is_avx512_bf16_supported', '_is_amx_tile_supported')
    return (torch.backends.cpu.get_cpu_capability() == 'AVX512'
            and any(getattr(torch.cpu, name, lambda: False)()
                    for name in probes))


def teacher_autocast_dtype(choice: str,
                           device: torch.device) -> Optional[torch.dtype]:
    """The autocast dtype teachers run in on ``device``, ``None`` for
    float32.

    ``'auto'`` picks bfloat16 where the hardware computes it natively (CPUs
    with AVX512-BF16 or AMX, GPUs of compute capability 8.0 and later),
    float16 on older GPUs and float32 on other CPUs, where bfloat16 is
    emulated and slower than float32.
    """
    if choice == 'auto':
        if device.type == 'cuda':
            return (torch.bfloat16 if torch.cuda.is_bf16_supported() else
                    torch.float16)
        if device.type == 'cpu' and _cpu_has_native_bf16():
            return torch.bfloat16
        return None
    dtype = TEACHER_DTYPES[check_teacher_dtype(choice)]
    return None if dtype == torch.float32 else dtype


def teacher_autocast(device: torch.device, dtype: Optional[torch.dtype]):
    """Autocast to ``dtype`` on ``device``; ``None`` switches autocast off,
    also an outer training autocast. Devices without autocast (``meta``) run
    in the weights' precision."""
    if not torch.amp.is_autocast_available(device.type):
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype or torch.bfloat16,
                          enabled=dtype is not None)


def _resolve(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO_ROOT, path)


def _model_cfg(name: str, config: Union[str, dict]) -> dict:
    """The model dict of teacher ``name``'s ``config`` (file or dict)."""
    if isinstance(config, dict):
        return Config(dict(model=config)).model
    path = _resolve(config)
    if not osp.isfile(path):
        raise TeacherConfigError(
            f'teacher {name!r}: config {config!r} not found')
    return Config.fromfile(path).model


def teacher_input_size(name: str, config: Union[str, dict],
                       declared: Optional[Sequence[int]] = None
                       ) -> Tuple[int, int]:
    """``(w, h)`` of teacher ``name``'s crops: its config's
    ``model.head.input_size``, checked against a ``declared`` one.

    Raises:
        TeacherConfigError: the two differ, or neither is given.
    """
    head_size = _model_cfg(name, config).get('head', {}).get('input_size')
    if head_size is None and declared is None:
        raise TeacherConfigError(
            f'teacher {name!r}: its config {config!r} has no '
            'model.head.input_size; declare the teacher\'s input_size=(w, h)')
    if head_size is not None and declared is not None and \
            tuple(declared) != tuple(head_size):
        raise TeacherConfigError(
            f'teacher {name!r}: declared input_size {tuple(declared)} but '
            f'its config {config!r} has head.input_size {tuple(head_size)}; '
            'drop input_size from the declaration (it is read from the '
            'config)')
    return tuple(int(v) for v in (head_size if head_size is not None
                                  else declared))


def _load_weights(spec: TeacherSpec, model: nn.Module) -> None:
    path = spec.checkpoint_path
    if not osp.isfile(path):
        raise TeacherConfigError(
            f'teacher {spec.name!r}: checkpoint {path!r} does not exist. '
            'Run `python tools/fetch_teachers.py` or place the file there '
            'by hand (teachers/manifest.json lists the URLs)')
    if spec.checkpoint_hash_prefix:
        digest = sha256_file(path)
        if not digest.startswith(spec.checkpoint_hash_prefix.lower()):
            raise TeacherConfigError(
                f'teacher {spec.name!r}: sha256 of {path} is {digest}, which '
                f'does not start with checkpoint_hash_prefix '
                f'{spec.checkpoint_hash_prefix!r}; the file is corrupt or not '
                'the declared checkpoint')
    try:
        load_weights(model, path, config=spec.config if isinstance(
            spec.config, str) else None)
    except CheckpointMismatchError as err:
        raise TeacherConfigError(
            f'teacher {spec.name!r}: {err}; check that input_size and the '
            'number of joints match the checkpoint') from None
    except CheckpointError as err:
        raise TeacherConfigError(f'teacher {spec.name!r}: {err}') from None


def build_teacher(spec: TeacherSpec) -> nn.Module:
    """Build a frozen teacher in eval mode, checked against its declaration.

    Raises:
        TeacherConfigError: the head's joint count or input size differs from
            the declaration, or the checkpoint does not fit the config.
    """
    model_cfg = _model_cfg(spec.name, spec.config)
    backbone = model_cfg.get('backbone', {})
    if spec.checkpoint is not None:
        backbone.pop('init_cfg', None)  # weights come from the checkpoint
    model = MODELS.build(model_cfg)
    head = model.head
    n_joints = len(spec.union_indices)
    if getattr(head, 'out_channels', n_joints) != n_joints:
        raise TeacherConfigError(
            f'teacher {spec.name!r}: its head predicts {head.out_channels} '
            f'joints but its declared keypoints have {n_joints}')
    head_size = tuple(getattr(head, 'input_size', spec.input_size))
    if head_size != spec.input_size:
        raise TeacherConfigError(
            f'teacher {spec.name!r}: declared input_size {spec.input_size} '
            f'but its config {spec.config!r} has head.input_size '
            f'{head_size}')
    if spec.checkpoint is not None:
        _load_weights(spec, model)
    else:
        print_log(f'teacher {spec.name!r} has no checkpoint: it keeps its '
                  'random initialisation', logger='current')
    model.eval()
    model.requires_grad_(False)
    return model
