"""int8 ONNX students: ONNX Runtime static quantisation calibrated on real
crops from the config's data pipeline, checked in keypoint pixels.

The float32 graph of :func:`mmpose_ext.inference.onnx_export.export_student`
(normalisation inside, dynamic batch, logit parity with PyTorch) is
quantised with ``onnxruntime.quantization.quantize_static`` (QDQ format,
int8 weights per channel, uint8 activations) whose activation ranges come
from person crops that the config's train (or val) pipeline cuts out of its
own data. int8 logits are not close to float32 logits in absolute terms, so
parity is the distance between the keypoints the two graphs decode, in
pixels of the input crop.
"""
import os
import os.path as osp
from typing import Iterable, NamedTuple, Optional

import numpy as np

from mmpose_ext.fileio import atomic_output
from .errors import CalibrationDataError, CompressionError

SPLITS = ('train', 'val')
# The training pipeline's crops, as training augments them, and none of the
# images the val split scores. (Which crops moves int8 accuracy by about a
# point either way: docs/compression.md, "int8 with ReLU".)
DEFAULT_CALIBRATION_SPLIT = 'train'
DEFAULT_CALIBRATION_CROPS = 256
# The training pipeline's augmentations draw from numpy's and Python's
# generators: seeded, an export calibrates on the same crops every time.
CALIBRATION_SEED = 0
# Mean keypoint distance between the int8 and the float32 graph allowed, in
# pixels of the model's input crop.
PIXEL_TOLERANCE = 2.0
# QDQ graphs with per-channel weights (DequantizeLinear's ``axis``) need 13.
MIN_INT8_OPSET = 13


def calibration_inputs(config, split: str = DEFAULT_CALIBRATION_SPLIT,
                       num_crops: int = DEFAULT_CALIBRATION_CROPS
                       ) -> np.ndarray:
    """``(N, 3, h, w)`` float32 BGR 0-255 person crops, as the exported graph
    takes them, from the config's ``{split}_dataloader`` dataset and
    pipeline (evenly spread over the dataset; the same crops every call).

    Raises:
        CalibrationDataError: the split is unknown, its dataset cannot be
            built (missing files) or it yields no crops.
    """
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    from mmpose_ext.apis import load_config
    from mmpose_ext.datasets.replay import seeded_generators
    if split not in SPLITS:
        raise CompressionError(f'unknown calibration split {split!r}: choose '
                               f'one of {", ".join(SPLITS)}')
    if num_crops < 1:
        raise CalibrationDataError(
            f'{num_crops} calibration crops asked for: int8 calibration '
            'needs at least one (e.g. --calib-crops 32)')
    cfg = load_config(config) if isinstance(config, str) else config
    name = cfg.filename or 'the config'
    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise CalibrationDataError(
            f'{name} has no {split}_dataloader.dataset to calibrate int8 on: '
            'pass --calib-split with a split the config defines')
    init_default_scope('mmpose')
    try:
        dataset = DATASETS.build(loader.dataset)
    except (OSError, ValueError, KeyError) as err:
        raise CalibrationDataError(
            f'no int8 calibration data: the {split} dataset of {name} cannot '
            f'be built ({type(err).__name__}: {str(err).splitlines()[0]}); '
            'make its data (e.g. tools/make_synthetic.py / tools/quickstart.py'
            ') or pass --calib-split with a split whose data exists') from None
    if len(dataset) == 0:
        raise CalibrationDataError(
            f'no int8 calibration data: the {split} dataset of {name} holds '
            'no samples; point its data_root at real data or pass '
            '--calib-split with a split that has some')
    picks = np.unique(np.linspace(0, len(dataset) - 1,
                                  min(num_crops, len(dataset))).astype(int))
    with seeded_generators(CALIBRATION_SEED, CALIBRATION_SEED):
        crops = [dataset[int(i)]['inputs'].numpy() for i in picks]
    return np.stack(crops).astype(np.float32)


class CalibrationReader:
    """An ONNX Runtime ``CalibrationDataReader`` over a batch of inputs,
    one crop per call."""

    def __init__(self, input_name: str, inputs: np.ndarray) -> None:
        self.input_name = input_name
        self.inputs = inputs
        self.index = 0

    def get_next(self) -> Optional[dict]:
        if self.index >= len(self.inputs):
            return None
        self.index += 1
        return {self.input_name: self.inputs[self.index - 1:self.index]}

    def rewind(self) -> None:
        self.index = 0


def quantize_onnx(float_file: str, out_file: str,
                  inputs: np.ndarray, extra_metadata: dict = None) -> str:
    """Quantise ``float_file`` statically to ``out_file`` with the
    activation ranges of ``inputs``; the float graph's metadata (the model
    spec) is carried over, with ``precision=int8``.

    Raises:
        CalibrationDataError: ``inputs`` is empty.
    """
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from mmpose_ext.inference.ort_pose import INPUT_NAME
    if len(inputs) == 0:
        raise CalibrationDataError(
            f'no int8 calibration data for {out_file!r}: pass real crops '
            '(the config\'s data pipeline makes them)')

    class _Reader(CalibrationReader, CalibrationDataReader):
        pass

    metadata = {p.key: p.value for p in onnx.load(float_file).metadata_props}
    metadata.update(extra_metadata or {}, precision='int8')
    with atomic_output(out_file) as tmp:
        prepared = tmp + '.prep.onnx'
        try:
            quant_pre_process(float_file, prepared)
            quantize_static(prepared, tmp, _Reader(INPUT_NAME, inputs),
                            quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8)
        finally:
            if osp.exists(prepared):
                os.remove(prepared)
        model = onnx.load(tmp)
        del model.metadata_props[:]
        for key, value in metadata.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, str(value)
        onnx.save(model, tmp)
    return out_file


def keypoint_pixel_error(float_file: str, int8_file: str,
                         inputs: np.ndarray, split_ratio: float) -> np.ndarray:
    """Per-joint distance ``(N, K)`` between the keypoints the two graphs
    decode (SimCC argmax) from ``inputs``, in crop pixels."""
    from mmpose_ext.inference.ort_pose import (INPUT_NAME, OUTPUT_NAMES,
                                               create_session)
    locs = []
    for path in (float_file, int8_file):
        simcc_x, simcc_y = create_session(path).run(
            list(OUTPUT_NAMES), {INPUT_NAME: inputs})
        # plain argmax: a joint of low confidence still has a location
        locs.append(np.stack([simcc_x.argmax(-1), simcc_y.argmax(-1)],
                             axis=-1) / split_ratio)
    return np.linalg.norm(locs[0] - locs[1], axis=-1)


class Int8Report(NamedTuple):
    """What :func:`export_int8_student` wrote and measured.

    Attributes:
        onnx_file (str): the int8 graph.
        float_file (str): the float32 graph it was quantised from.
        num_calibration (int): calibration crops.
        mean_pixel_error, max_pixel_error (float): keypoint distance from
            float32, in crop pixels, over the check crops.
        float_report: the float32 export's report (logit parity).
    """

    onnx_file: str
    float_file: str
    num_calibration: int
    mean_pixel_error: float
    max_pixel_error: float
    float_report: object


def float_path(out_file: str) -> str:
    """Where the float32 graph of an int8 export is kept."""
    stem = out_file[:-len('.onnx')] if out_file.endswith('.onnx') \
        else out_file
    return stem + '.fp32.onnx'


def export_int8_student(config,
                        checkpoint: Optional[str],
                        out_file: str,
                        images: Iterable[np.ndarray] = (),
                        split: str = DEFAULT_CALIBRATION_SPLIT,
                        num_crops: int = DEFAULT_CALIBRATION_CROPS,
                        pixel_tolerance: float = PIXEL_TOLERANCE,
                        opset: int = 17,
                        tolerance: Optional[float] = None) -> Int8Report:
    """Export the student float32 (kept as ``*.fp32.onnx``), quantise it to
    int8 on real crops, and check the keypoints against float32.

    The check crops are the crops of ``images`` (as in the float32 parity
    check) and the calibration crops.

    Args:
        config (str | Config): student, distillation or pruned config.
        checkpoint (str, optional): its checkpoint.
        out_file (str): the int8 ``.onnx``; it and its float32 copy are
            only written (together) when it passes.
        images (Iterable[np.ndarray]): BGR photographs for check crops.
        split (str): ``train`` or ``val``: whose dataset and pipeline cut
            the calibration crops.
        num_crops (int): calibration crops.
        pixel_tolerance (float): largest mean keypoint error allowed.
        opset (int): ONNX opset.
        tolerance (float, optional): the float32 graph's largest SimCC
            difference from PyTorch; by default the float32 export's.

    Raises:
        CalibrationDataError: no calibration crops.
        OnnxExportError: ``opset`` older than :data:`MIN_INT8_OPSET`, export
            failed or the mean keypoint error exceeds ``pixel_tolerance``.
    """
    from mmpose_ext.inference.errors import OnnxExportError
    from mmpose_ext.inference.onnx_export import (PARITY_TOLERANCE,
                                                  export_student,
                                                  parity_crops)
    from mmpose_ext.inference.preprocess import crops_to_nchw
    if opset < MIN_INT8_OPSET:
        raise OnnxExportError(
            f'an int8 graph needs opset {MIN_INT8_OPSET} or newer (its '
            f'weights are quantised per channel), got {opset}')
    inputs = calibration_inputs(config, split, num_crops)
    float_file = float_path(out_file)
    # Both graphs are staged and replace the old pair together once the
    # int8 one passes: a failed export changes neither, so the int8 file and
    # its float32 copy always come from the same model.
    with atomic_output(float_file) as float_staged, \
            atomic_output(out_file) as staged:
        try:
            float_report = export_student(
                config, checkpoint, float_staged, images=images, opset=opset,
                tolerance=PARITY_TOLERANCE if tolerance is None else
                tolerance)
        except OnnxExportError as err:
            raise OnnxExportError(
                f'{str(err).replace(float_staged, float_file)} (nor '
                f'{out_file!r}: both are as they were)') from None
        float_report = float_report._replace(onnx_file=float_file)
        spec = float_report.spec
        _, real = parity_crops(spec, images)
        check = np.concatenate([crops_to_nchw(real), inputs]) if len(real) \
            else inputs
        quantize_onnx(float_staged, staged, inputs, dict(
            calibration=f'{len(inputs)} {split} crops'))
        errors = keypoint_pixel_error(float_staged, staged, check,
                                      spec.simcc_split_ratio)
        mean, worst = float(errors.mean()), float(errors.max())
        if not mean <= pixel_tolerance:
            raise OnnxExportError(
                f'the int8 graph\'s keypoints are {mean:.2f} px (mean; max '
                f'{worst:.1f} px) from float32\'s, more than '
                f'{pixel_tolerance:g} px; {out_file!r} was not written (nor '
                f'{float_file!r}: both are as they were). Calibrate on more '
                'crops (--calib-crops) or keep float32')
    return Int8Report(out_file, float_file, len(inputs), mean, worst,
                      float_report)
