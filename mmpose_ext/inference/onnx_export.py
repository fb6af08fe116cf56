"""Export a SimCC pose model to ONNX with a dynamic batch, and check it.

The graph takes ``input``: ``(N, 3, h, w)`` float32 **BGR pixel values
0-255** (what ``cv2.imread`` and the crops of :mod:`.preprocess` hold) and
applies the model's ``PoseDataPreprocessor`` (BGR to RGB, mean, std) itself,
then returns ``simcc_x`` ``(N, K, w * r)`` and ``simcc_y`` ``(N, K, h * r)``.
The model's :class:`.PoseModelSpec` is stored in the graph's metadata, so the
ONNX Runtime path needs no config and refuses a config it does not fit.
"""
import os.path as osp
import warnings
from typing import Iterable, NamedTuple, Optional, Tuple

import numpy as np
import torch
from torch import nn

from .errors import OnnxExportError
from .files import atomic_output
from .ort_pose import INPUT_NAME, OUTPUT_NAMES, create_session
from .preprocess import crops_to_nchw, top_down_affine
from .spec import PoseModelSpec

DEFAULT_OPSET = 17
# The oldest opset whose graph ONNX Runtime runs (torch 2.14's TorchScript
# exporter, ONNX Runtime 1.31: opset 6 has no kernel for one of its ops in
# ONNX Runtime, 5 fails the ONNX checker).
MIN_OPSET = 7
try:  # the newest opset torch's exporter writes (23 in torch 2.14)
    from torch.onnx._constants import ONNX_MAX_OPSET as MAX_OPSET
except ImportError:  # moved in another torch: the exporter's own error
    MAX_OPSET = None
PARITY_TOLERANCE = 1e-4


class SimCCNetwork(nn.Module):
    """The network of a top-down SimCC estimator as one traceable module.

    Args:
        estimator (nn.Module): an MMPose ``TopdownPoseEstimator``.
        spec (PoseModelSpec): its pre-processing facts.
        normalize (bool): take BGR pixels 0-255 and normalise inside
            (``True``) or take already normalised input (``False``).
    """

    def __init__(self, estimator: nn.Module, spec: PoseModelSpec,
                 normalize: bool = True) -> None:
        super().__init__()
        self.estimator = estimator
        self.normalize = normalize
        self.bgr_to_rgb = spec.bgr_to_rgb
        self.register_buffer(
            'mean', torch.tensor(spec.mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer(
            'std', torch.tensor(spec.std).view(1, 3, 1, 1), persistent=False)

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.normalize:
            if self.bgr_to_rgb:
                inputs = inputs[:, [2, 1, 0]]
            inputs = (inputs - self.mean) / self.std
        feats = self.estimator.extract_feat(inputs)
        return tuple(self.estimator.head.forward(feats))


def torch_simcc(model: nn.Module, crops: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray]:
    """Reference SimCC outputs of ``(N, h, w, 3)`` BGR uint8 crops through
    the model's own ``data_preprocessor`` and ``forward(mode='tensor')``."""
    from mmpose.structures import PoseDataSample
    inputs = [torch.from_numpy(c).permute(2, 0, 1).contiguous() for c in crops]
    samples = [PoseDataSample() for _ in crops]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=inputs, data_samples=samples), training=False)
        simcc_x, simcc_y = model(data['inputs'], None, mode='tensor')
    return simcc_x.cpu().numpy(), simcc_y.cpu().numpy()


def _torch_onnx_export(network: nn.Module, example: torch.Tensor, path: str,
                       opset: int) -> str:
    """Run the TorchScript exporter (``dynamo=False``); returns its name."""
    kwargs = dict(
        input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
        dynamic_axes={n: {0: 'batch'} for n in (INPUT_NAME, *OUTPUT_NAMES)},
        opset_version=opset, do_constant_folding=True)
    with warnings.catch_warnings():
        # Tracer and deprecation warnings about the TorchScript exporter.
        warnings.simplefilter('ignore')
        try:
            torch.onnx.export(network, (example, ), path, dynamo=False,
                              **kwargs)
            return 'torch.onnx.export(dynamo=False), TorchScript exporter'
        except TypeError as err:  # a torch without the ``dynamo`` argument
            if 'dynamo' not in str(err):
                raise
            torch.onnx.export(network, (example, ), path, **kwargs)
            return 'torch.onnx.export, TorchScript exporter'


def _write_metadata(path: str, spec: PoseModelSpec, extra: dict) -> None:
    import onnx
    model = onnx.load(path)
    props = {**spec.to_metadata(), **extra}
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(model)
    onnx.save(model, path)


class ExportReport(NamedTuple):
    """What :func:`export_student` wrote and measured.

    Attributes:
        onnx_file (str): the graph.
        exporter (str): the exporter used.
        max_abs_diff_random (float): largest SimCC difference from PyTorch on
            random crops.
        max_abs_diff_real (float): the same on crops of real photographs.
        spec (PoseModelSpec): the model facts stored in the graph.
    """

    onnx_file: str
    exporter: str
    max_abs_diff_random: float
    max_abs_diff_real: float
    spec: PoseModelSpec


def onnx_max_abs_diff(model: nn.Module, onnx_file: str,
                      crops: np.ndarray) -> float:
    """Largest ``|ONNX - PyTorch|`` over both SimCC outputs of ``crops``
    (``(N, h, w, 3)`` BGR uint8), fed to the graph as one batch."""
    session = create_session(onnx_file)
    ort_x, ort_y = session.run(list(OUTPUT_NAMES),
                               {INPUT_NAME: crops_to_nchw(crops)})
    ref_x, ref_y = torch_simcc(model, crops)
    return float(max(np.abs(ort_x - ref_x).max(), np.abs(ort_y - ref_y).max()))


def parity_crops(spec: PoseModelSpec, images: Iterable[np.ndarray],
                 num_random: int = 3, seed: int = 0
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Random crops, and crops of the given photographs (whole image, and
    its left and right halves as person boxes)."""
    w, h = spec.input_size
    rng = np.random.default_rng(seed)
    random = rng.integers(0, 256, (num_random, h, w, 3), dtype=np.uint8)
    real = []
    for image in images:
        ih, iw = image.shape[:2]
        boxes = [[0, 0, iw, ih], [0, 0, iw / 2, ih], [iw / 2, 0, iw, ih]]
        real.append(top_down_affine(image, np.array(boxes), spec.input_size,
                                    spec.bbox_padding).crops)
    return random, np.concatenate(real) if real else random[:0]


def export_onnx(model: nn.Module,
                out_file: str,
                spec: Optional[PoseModelSpec] = None,
                opset: int = DEFAULT_OPSET,
                metadata: Optional[dict] = None) -> Tuple[str, str]:
    """Export ``model``'s network with normalisation inside, atomically.

    Args:
        model (nn.Module): a ``TopdownPoseEstimator`` with a SimCC head, with
            ``cfg`` set (as from :func:`.model.init_pose_model`).
        out_file (str): the ``.onnx`` path.
        spec (PoseModelSpec, optional): defaults to the one of ``model.cfg``.
        opset (int): ONNX opset.
        metadata (dict, optional): extra string metadata.

    Returns:
        tuple[str, str]: ``out_file`` and the exporter used.

    Raises:
        OnnxExportError: ``opset`` older than :data:`MIN_OPSET` or newer
            than :data:`MAX_OPSET`, or the exporter failed.
    """
    if opset < MIN_OPSET:
        raise OnnxExportError(
            f'opset {opset} is older than {MIN_OPSET}, the oldest at which '
            'ONNX Runtime runs the pose graph; use the default '
            f'({DEFAULT_OPSET}) unless a runtime needs an older one')
    if MAX_OPSET is not None and opset > MAX_OPSET:
        raise OnnxExportError(
            f'opset {opset} is newer than {MAX_OPSET}, the newest this torch '
            f'{torch.__version__} exports; use the default ({DEFAULT_OPSET}) '
            'or an opset up to that')
    spec = spec or PoseModelSpec.from_config(model.cfg)
    spec = spec.with_options(normalize_in_graph=True)
    network = SimCCNetwork(model, spec, normalize=True).eval()
    w, h = spec.input_size
    example = torch.randint(0, 256, (2, 3, h, w)).float()
    with atomic_output(out_file) as tmp:
        try:
            exporter = _torch_onnx_export(network, example, tmp, opset)
        except Exception as err:
            raise OnnxExportError(
                f'torch.onnx.export failed for {out_file!r}: '
                f'{type(err).__name__}: {str(err).splitlines()[0]}. The '
                'TorchScript exporter (dynamo=False) is tried; torch 2.x\'s '
                'dynamo exporter would also need the onnxscript package.'
            ) from None
        _write_metadata(tmp, spec, dict(metadata or {}, exporter=exporter))
    return out_file, exporter


def export_student(config,
                   checkpoint: Optional[str],
                   out_file: str,
                   images: Iterable[np.ndarray] = (),
                   opset: int = DEFAULT_OPSET,
                   tolerance: float = PARITY_TOLERANCE,
                   seed: int = 0) -> ExportReport:
    """Export the student of a config/checkpoint and check it against
    PyTorch on random crops and crops of ``images``.

    Args:
        config (str | Config): student or distillation config.
        checkpoint (str, optional): plain or distillation checkpoint
            (``None``: random weights).
        out_file (str): the ``.onnx`` path; only a graph that passes the
            parity check is left there.
        images (Iterable[np.ndarray]): BGR photographs for real crops.
        opset (int): ONNX opset.
        tolerance (float): largest allowed SimCC difference.
        seed (int): seed of the random crops.

    Returns:
        ExportReport: the file, exporter and both differences.

    Raises:
        OnnxExportError: export failed or a difference exceeds
            ``tolerance``.
    """
    from .model import init_pose_model
    model = init_pose_model(config, checkpoint, device='cpu')
    spec = PoseModelSpec.from_config(model.cfg)
    random, real = parity_crops(spec, images, seed=seed)
    meta = dict(source_config=osp.basename(model.cfg.filename or ''),
                source_checkpoint=osp.basename(checkpoint or 'random'))
    with atomic_output(out_file) as staged:
        _, exporter = export_onnx(model, staged, spec, opset, meta)
        diff_random = onnx_max_abs_diff(model, staged, random)
        diff_real = onnx_max_abs_diff(model, staged, real) if len(real) \
            else float('nan')
        worst = max(diff_random, diff_real if len(real) else 0.)
        if not worst < tolerance:
            raise OnnxExportError(
                f'the exported graph disagrees with PyTorch: max abs SimCC '
                f'difference {worst:.3g} (random crops {diff_random:.3g}, '
                f'real crops {diff_real:.3g}) >= {tolerance:g}; '
                f'{out_file!r} was not written')
    return ExportReport(out_file, exporter, diff_random, diff_real,
                        spec.with_options(normalize_in_graph=True))
