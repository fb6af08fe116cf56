"""What an inference path needs to know about a SimCC pose model.

:class:`PoseModelSpec` is read from an MMPose config (for PyTorch) or from the
metadata our ONNX export writes into the graph. When an ONNX file is used with
a config, the graph's input and output shapes are checked against the config's
spec, and for our exports also the architecture (:func:`architecture_of`), so
a file of another model is refused before it produces nonsense.
"""
import ast
from dataclasses import asdict, dataclass, replace
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from mmpose_ext import skeletons

from .errors import OnnxModelMismatchError

# Keys of the ONNX metadata written by onnx_export and read here.
METADATA_PREFIX = 'mmpose_ext.'
# Config arguments, by part of the estimator, that tell networks of the same
# input and output shapes apart (RTMPose-t from RTMPose-s: the backbone's
# deepen/widen factors and the head's in_channels); absent ones are skipped.
ARCHITECTURE_KEYS = (
    ('backbone', ('arch', 'depth', 'deepen_factor', 'widen_factor')),
    ('neck', ()),
    ('head', ('in_channels', 'out_channels', 'input_size')),
)


def skeleton_for(num_keypoints: int) -> Optional[str]:
    """The skeleton in :mod:`mmpose_ext.skeletons` with that many joints."""
    names = [n for n, joints in skeletons.SKELETONS.items()
             if len(joints) == num_keypoints]
    return names[0] if len(names) == 1 else None


def architecture_of(model: dict) -> str:
    """A readable fingerprint of the network a model config builds.

    Args:
        model (dict): the ``model`` of a top-down estimator config.

    Returns:
        str: e.g. ``CSPNeXt(arch='P5', deepen_factor=0.167,
        widen_factor=0.375) + RTMCCHead(in_channels=384, out_channels=21,
        input_size=(192, 256))``; weights, training and pre-processing
        settings are not part of it.
    """
    parts = []
    for part, keys in ARCHITECTURE_KEYS:
        cfg = model.get(part)
        if not cfg:
            continue
        # A list and a tuple are the same size (a dumped config has lists).
        args = ', '.join(
            f'{k}={tuple(cfg[k]) if isinstance(cfg[k], list) else cfg[k]!r}'
            for k in keys if k in cfg)
        parts.append(f'{cfg.get("type")}({args})')
    return ' + '.join(parts)


@dataclass(frozen=True)
class PoseModelSpec:
    """Input, output and pre-processing facts of a top-down SimCC model.

    Args:
        input_size (tuple[int, int]): crop size ``(w, h)``.
        num_keypoints (int): joints the head predicts.
        simcc_split_ratio (float): SimCC bins per input pixel.
        mean (tuple[float]): per-channel mean, in the model's colour order.
        std (tuple[float]): per-channel std, in the model's colour order.
        bgr_to_rgb (bool): whether BGR images are turned to RGB before the
            mean and std apply (MMPose's ``PoseDataPreprocessor``).
        bbox_padding (float): box enlargement before cropping
            (``GetBBoxCenterScale``).
        flip_test (bool): average with the horizontally flipped crop.
        skeleton (str, optional): joint set in :mod:`mmpose_ext.skeletons`.
        normalize_in_graph (bool): for ONNX files: the graph takes BGR pixel
            values 0-255 and normalises them itself.
        architecture (str, optional): the network's fingerprint
            (:func:`architecture_of`); ``None`` in graphs exported before it
            was stored.
    """

    input_size: Tuple[int, int]
    num_keypoints: int
    simcc_split_ratio: float
    mean: Tuple[float, float, float]
    std: Tuple[float, float, float]
    bgr_to_rgb: bool = True
    bbox_padding: float = 1.25
    flip_test: bool = False
    skeleton: Optional[str] = None
    normalize_in_graph: bool = False
    architecture: Optional[str] = None

    @property
    def simcc_size(self) -> Tuple[int, int]:
        """SimCC bins ``(x, y)``."""
        w, h = self.input_size
        return (int(w * self.simcc_split_ratio),
                int(h * self.simcc_split_ratio))

    def flip_indices(self) -> List[int]:
        """Index of each joint's mirror image, for flip test."""
        if self.skeleton is None:
            raise ValueError(
                f'flip test needs the skeleton of this {self.num_keypoints}-'
                'joint model, which mmpose_ext/skeletons.py does not know')
        return skeletons.flip_indices(self.skeleton)

    @classmethod
    def from_config(cls, cfg: Config) -> 'PoseModelSpec':
        """Read the spec of a ``TopdownPoseEstimator`` with a SimCC head.

        Raises:
            OnnxModelMismatchError: the config's head is not a SimCC head.
        """
        model = cfg.model
        head = model.head
        if 'simcc_split_ratio' not in head or 'input_size' not in head:
            raise OnnxModelMismatchError(
                f'the model head {head.get("type")!r} is not a SimCC head '
                '(RTMCCHead/SimCCHead): only SimCC models are supported')
        pre = model.get('data_preprocessor', {})
        padding = 1.25
        for step in cfg.get('test_dataloader', {}).get('dataset', {}).get(
                'pipeline', []):
            if step.get('type') == 'GetBBoxCenterScale':
                padding = step.get('padding', padding)
        num_keypoints = int(head.out_channels)
        return cls(
            input_size=tuple(int(v) for v in head.input_size),
            num_keypoints=num_keypoints,
            simcc_split_ratio=float(head.simcc_split_ratio),
            mean=tuple(float(v) for v in pre.get('mean', (0., 0., 0.))),
            std=tuple(float(v) for v in pre.get('std', (1., 1., 1.))),
            bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)),
            bbox_padding=float(padding),
            flip_test=bool(model.get('test_cfg', {}).get('flip_test', False)),
            skeleton=skeleton_for(num_keypoints),
            architecture=architecture_of(model))

    def to_metadata(self) -> Dict[str, str]:
        """The spec as ONNX ``metadata_props`` strings."""
        return {METADATA_PREFIX + k: repr(v) for k, v in asdict(self).items()}

    @classmethod
    def from_metadata(cls,
                      metadata: Dict[str, str]) -> Optional['PoseModelSpec']:
        """The spec stored by :meth:`to_metadata`, or ``None`` if absent."""
        values = {k[len(METADATA_PREFIX):]: ast.literal_eval(v)
                  for k, v in metadata.items()
                  if k.startswith(METADATA_PREFIX)}
        if not values:
            return None
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in names})

    def with_options(self, **changes) -> 'PoseModelSpec':
        """A copy with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items()
                                if v is not None})
