"""Real-time top-down pose estimation with ONNX Runtime on the CPU.

Unlike rtmlib's ``RTMPose``, which runs the network once per person, all
person crops of an image (and their mirror images under flip test) go through
one ``session.run`` call, and SimCC is decoded for all of them at once in
numpy. Graphs from :mod:`.onnx_export` take BGR pixel values 0-255 and
normalise them inside the graph (their metadata says so); other SimCC graphs
(e.g. MMDeploy's) get MMPose's normalisation in numpy.
"""
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from .errors import OnnxModelMismatchError
from .preprocess import crops_to_nchw, normalize, top_down_affine
from .result import BoxPoseEstimator
from .simcc import decode_simcc, flip_back_simcc
from .spec import PoseModelSpec

INPUT_NAME = 'input'
OUTPUT_NAMES = ('simcc_x', 'simcc_y')


def _dim(value) -> Optional[int]:
    """A static ONNX dimension, or ``None`` for a symbolic one."""
    return value if isinstance(value, int) else None


def create_session(onnx_file: str, num_threads: int = 0,
                   profile_prefix: Optional[str] = None):
    """An ONNX Runtime CPU session (``num_threads=0``: ORT's default); with
    ``profile_prefix`` its profiler writes ``<prefix>_<date>.json``."""
    import onnxruntime as ort
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'ONNX file {onnx_file!r} does not exist')
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    try:
        return ort.InferenceSession(onnx_file, sess_options=options,
                                    providers=['CPUExecutionProvider'])
    except Exception as err:  # ORT raises its own Fail/InvalidGraph types
        raise OnnxModelMismatchError(
            f'ONNX Runtime cannot load {onnx_file!r}: '
            f'{str(err).splitlines()[0]}') from None


def check_graph(session, spec: PoseModelSpec, onnx_file: str,
                what: str) -> Optional[int]:
    """Compare the graph's input and output shapes with ``spec``.

    Returns:
        int | None: the graph's fixed batch size, or ``None`` if dynamic.

    Raises:
        OnnxModelMismatchError: naming each shape that differs.
    """
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 2:
        raise OnnxModelMismatchError(
            f'{onnx_file!r} has {len(inputs)} inputs and {len(outputs)} '
            'outputs; a SimCC pose model has one input and two outputs '
            f'({", ".join(OUTPUT_NAMES)})')
    w, h = spec.input_size
    wx, wy = spec.simcc_size
    k = spec.num_keypoints
    expected = [('input', inputs[0].shape, (None, 3, h, w)),
                ('simcc_x', outputs[0].shape, (None, k, wx)),
                ('simcc_y', outputs[1].shape, (None, k, wy))]
    problems = []
    for name, shape, want in expected:
        if len(shape) != len(want) or any(
                _dim(s) is not None and v is not None and _dim(s) != v
                for s, v in zip(shape, want)):
            problems.append(f'{name} {list(shape)} (expected '
                            f'{["N" if v is None else v for v in want]})')
    if problems:
        raise OnnxModelMismatchError(
            f'{onnx_file!r} is not a model of {what}: ' + '; '.join(problems)
            + f'. {what} predicts {k} joints from {w}x{h} crops; export the '
            'ONNX file from it with tools/export_onnx.py.')
    return _dim(inputs[0].shape[0])


def check_architecture(graph_spec: PoseModelSpec, spec: PoseModelSpec,
                       onnx_file: str, what: str,
                       source_config: Optional[str] = None) -> None:
    """Compare the architecture our export stored with the config's.

    Graphs without it (other exporters, older exports) are left to
    :func:`check_graph`.

    Raises:
        OnnxModelMismatchError: naming both architectures and the fix.
    """
    if graph_spec.architecture in (None, spec.architecture):
        return
    source = f' ({source_config})' if source_config else ''
    raise OnnxModelMismatchError(
        f'{onnx_file!r} is a {graph_spec.architecture} model but {what} '
        f'builds {spec.architecture}: export the ONNX file from that config '
        'with tools/export_onnx.py, or pass the config it was exported '
        f'from{source}.')


class OrtPoseEstimator(BoxPoseEstimator):
    """Top-down SimCC pose estimation with one batched ONNX Runtime call.

    Args:
        onnx_file (str): graph exported by :func:`.onnx_export.export_onnx`
            (or another SimCC graph, then ``config`` is required).
        config (str | Config, optional): the model's MMPose config; when given
            the graph must match it (joint count, input size, SimCC bins,
            and for our exports the architecture).
        flip_test (bool, optional): average with flipped crops; defaults to
            the spec's (the config's ``test_cfg``) value.
        num_threads (int): ONNX Runtime intra-op threads, 0 for its default.

    Raises:
        OnnxModelMismatchError: the graph does not fit the config (or our
            export is of another architecture), or has no metadata and no
            config was given.
    """

    def __init__(self,
                 onnx_file: str,
                 config=None,
                 flip_test: Optional[bool] = None,
                 num_threads: int = 0) -> None:
        self.onnx_file = onnx_file
        self.session = create_session(onnx_file, num_threads)
        meta = self.session.get_modelmeta().custom_metadata_map
        graph_spec = PoseModelSpec.from_metadata(meta)
        spec = graph_spec
        if config is not None:
            from .model import student_config
            cfg = student_config(config)
            spec = PoseModelSpec.from_config(cfg).with_options(
                normalize_in_graph=graph_spec.normalize_in_graph
                if graph_spec else False)
            what = f'config {cfg.filename!r}'
            if graph_spec is not None:
                check_architecture(graph_spec, spec, onnx_file, what,
                                   meta.get('source_config'))
        elif graph_spec is None:
            raise OnnxModelMismatchError(
                f'{onnx_file!r} has no mmpose_ext metadata (it was not '
                'written by tools/export_onnx.py): pass the config of the '
                'model it was exported from')
        else:
            what = 'its own metadata'
        self.fixed_batch = check_graph(self.session, spec, onnx_file, what)
        self.spec = spec.with_options(flip_test=flip_test)
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    def preprocess(self, image: np.ndarray, bboxes: np.ndarray
                   ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Crops of all boxes as one ``(N, 3, h, w)`` float32 input.

        Returns:
            tuple: the input batch, box centres ``(N, 2)`` and crop extents
            ``(N, 2)`` in the image.
        """
        batch = top_down_affine(image, bboxes, self.spec.input_size,
                                self.spec.bbox_padding)
        inputs = crops_to_nchw(batch.crops)
        if not self.spec.normalize_in_graph:
            inputs = normalize(inputs, self.spec.mean, self.spec.std,
                               self.spec.bgr_to_rgb)
        return inputs, batch.centers, batch.scales

    def run_network(self, inputs: np.ndarray) -> List[np.ndarray]:
        """``simcc_x, simcc_y`` of a batch: one ``session.run`` call (one
        per crop only for a graph with a fixed batch of 1)."""
        if self.fixed_batch is None or len(inputs) == self.fixed_batch:
            return self.session.run(self.output_names,
                                    {self.input_name: inputs})
        parts = [self.session.run(self.output_names,
                                  {self.input_name: inputs[i:i + 1]})
                 for i in range(len(inputs))]
        return [np.concatenate(p) for p in zip(*parts)]

    def predict_simcc(self, inputs: np.ndarray
                      ) -> Tuple[np.ndarray, np.ndarray]:
        """SimCC logits of a batch, flip-test averaged if enabled; the
        flipped crops share the one network call."""
        if not self.spec.flip_test:
            simcc_x, simcc_y = self.run_network(inputs)
            return simcc_x, simcc_y
        n = len(inputs)
        both = np.concatenate([inputs, inputs[..., ::-1]])
        simcc_x, simcc_y = self.run_network(np.ascontiguousarray(both))
        flip_x, flip_y = flip_back_simcc(simcc_x[n:], simcc_y[n:],
                                         self.spec.flip_indices())
        return (simcc_x[:n] + flip_x) * 0.5, (simcc_y[:n] + flip_y) * 0.5

    def decode(self, simcc_x: np.ndarray, simcc_y: np.ndarray,
               centers: np.ndarray,
               scales: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Image-pixel keypoints ``(N, K, 2)`` and scores ``(N, K)``."""
        return decode_simcc(simcc_x, simcc_y, self.spec.simcc_split_ratio,
                            centers, scales, self.spec.input_size)

    def predict_boxes(self, image: np.ndarray,
                      boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """All crops of ``image`` through the network in one call."""
        inputs, centers, scales = self.preprocess(image, boxes)
        simcc_x, simcc_y = self.predict_simcc(inputs)
        return self.decode(simcc_x, simcc_y, centers, scales)
