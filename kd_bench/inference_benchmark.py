"""Size, cost, latency (and optionally accuracy) of pose models, on CPU.

For each model: parameters and FLOPs (``mmengine.analysis``), checkpoint and
ONNX size (and the ONNX file's zlib-compressed size, which is what magnitude
pruning shrinks), and latency split into network time ``t_nn``, SimCC decoding
``t_dec`` and end-to-end ``t_total`` (boxes in, image keypoints out) for

* PyTorch: MMPose's ``inference_topdown`` (``t_total``), its network and its
  codec (``t_nn``, ``t_dec``);
* ONNX Runtime, batched: :class:`.OrtPoseEstimator`, all crops in one call;
* rtmlib's ``RTMPose`` on the same ONNX file: one call per crop;

at batch 1 and at a batch of all people in one image. Flip test is off on
every path (real-time setting). Each figure is the median over ``repeats``
rounds after ``warmup`` rounds, all models and backends interleaved, of
``calls`` back-to-back calls per round (:func:`interleaved_rounds`); ratios
between models are paired by round (:func:`paired_ratio`).

A model given as an ONNX file (e.g. an int8 graph from ``tools/export_onnx.py
--int8``) with the config it was exported from runs on ONNX Runtime and
rtmlib only; its parameters and FLOPs are the config's float network's, and
its accuracy is the graph's own (``tools/test.py CONFIG MODEL.onnx``).
"""
import datetime
import logging
import math
import os
import os.path as osp
import platform
import statistics
import time
import zlib
from contextlib import redirect_stdout
from dataclasses import asdict, dataclass
from io import StringIO
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
from mmengine.logging import MMLogger

from mmpose_ext.apis import load_config, run_test, test_cfg
from mmpose_ext.apis.arguments import split_name
from mmpose_ext.inference.files import atomic_output, write_json
from mmpose_ext.inference.model import init_pose_model, student_config
from mmpose_ext.inference.onnx_export import SimCCNetwork, export_onnx
from mmpose_ext.inference.ort_pose import OrtPoseEstimator, create_session
from mmpose_ext.inference.preprocess import top_down_affine
from mmpose_ext.inference.sample_images import stick_figures
from mmpose_ext.inference.simcc import crop_to_image
from mmpose_ext.inference.spec import PoseModelSpec

from .machine import cpu_description, cpu_model, vector_extensions
from .portable import portable

RANDOM = 'random'
# Goal: student ONNX Runtime latency per crop at most this times the
# reference's (the teacher's).
STUDENT_GOAL = 0.3


@dataclass
class Latency:
    """Median latencies in milliseconds of one backend at one batch size.

    Attributes:
        backend (str): ``'pytorch'``, ``'onnxruntime'`` or ``'rtmlib'``.
        batch (int): people (crops) per image.
        t_nn (float): network (incl. normalisation) for all crops.
        t_dec (float): SimCC decoding to image keypoints for all crops.
        t_total (float): boxes in, keypoints out, end to end.
        rounds (dict): each step's time in every timed round (the median
            of the round's calls), for ratios paired by round
            (:func:`paired_ratio`).
    """

    backend: str
    batch: int
    t_nn: float
    t_dec: float
    t_total: float
    rounds: Dict[str, List[float]]

    @property
    def per_crop(self) -> float:
        return self.t_total / self.batch


# A group of steps timed together: (model, backend, batch).
GroupKey = Tuple[str, str, int]
STEPS = ('t_nn', 't_dec', 't_total')
# Pause before timing a group. Each ONNX Runtime session and the OpenMP
# runtime keep worker threads spinning for a while after a call; on 2 cores
# the spinning threads of the group just left halved the speed of the next
# group's first steps (rtmlib's t_NN at batch 1 measured 8.7 ms against
# 5.3 ms for its whole t_total) even after an untimed call.
SETTLE_SECONDS = 0.05


def interleaved_rounds(groups: Dict[GroupKey, Dict[str, Callable]],
                       warmup: int,
                       repeats: int,
                       calls: int = 1,
                       settle: float = SETTLE_SECONDS
                       ) -> Dict[GroupKey, Dict[str, List[float]]]:
    """Wall time (ms) of each step of each group in every timed round.

    Every round visits every group once, so a burst of load from other
    processes on a shared machine slows all groups alike instead of skewing
    whichever happened to be running, and the groups of one round can be
    compared pairwise (:func:`paired_ratio`). On entering a group, a pause
    of ``settle`` seconds lets the previous runtime's spinning threads
    (OpenMP, ONNX Runtime) go idle, and one untimed ``t_total`` call warms
    this one's caches. Each step is then timed ``calls`` times back to back,
    as a video loop calls one model frame after frame; a round's time of a
    step is the median of its calls.

    Args:
        groups (dict): steps (``t_nn``, ``t_dec``, ``t_total`` callables) by
            group.
        warmup (int): untimed rounds first.
        repeats (int): timed rounds.
        calls (int): timed back-to-back calls of each step per round.
        settle (float): seconds to wait before each group in each round.

    Returns:
        dict: by group, by step, ``repeats`` times in milliseconds.
    """
    rounds = {key: {step: [] for step in fns} for key, fns in groups.items()}
    for round_index in range(warmup + max(1, repeats)):
        for key, fns in groups.items():
            if settle > 0:
                time.sleep(settle)
            fns['t_total']()
            for step, fn in fns.items():
                times = []
                for _ in range(max(1, calls)):
                    start = time.perf_counter()
                    fn()
                    times.append((time.perf_counter() - start) * 1e3)
                if round_index >= warmup:
                    rounds[key][step].append(statistics.median(times))
    return rounds


# Fewer rounds give a ratio but no interquartile range.
MIN_ROUNDS_FOR_RANGE = 5


def paired_ratio(numerators: Sequence[float],
                 denominators: Sequence[float]) -> Tuple[float, float, float]:
    """Median and quartiles of the round-by-round ratios of two timings.

    Both were timed in the same rounds, seconds apart, so each round's
    ratio cancels the machine's drift between rounds that a ratio of two
    overall medians keeps.

    Returns:
        tuple[float, float, float]: median, first and third quartile (the
        quartiles ``nan`` from fewer than :data:`MIN_ROUNDS_FOR_RANGE`
        rounds, whose spread they would not describe).
    """
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError('paired ratios need the same, non-zero number of '
                         f'rounds on both sides, got {len(numerators)} and '
                         f'{len(denominators)}')
    ratios = np.asarray(numerators, float) / np.asarray(denominators, float)
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    if len(ratios) < MIN_ROUNDS_FOR_RANGE:
        q1 = q3 = math.nan
    return float(median), float(q1), float(q3)


class ModelArg(NamedTuple):
    """A model to benchmark: its config, its weights (``None``: random; a
    ``.onnx`` file: that graph) and the name its rows get (``None``: the
    config's file name)."""

    config: str
    checkpoint: Optional[str] = None
    name: Optional[str] = None

    @property
    def label(self) -> str:
        """The name its rows get."""
        return self.name or osp.splitext(osp.basename(self.config))[0]


def parse_model_arg(text: str) -> ModelArg:
    """``'[NAME=]CFG:CKPT'`` to a :class:`ModelArg`; ``CKPT`` ``random``
    gives ``None``: random weights.

    Raises:
        BenchmarkInputError: no ``:CKPT`` (random weights only when asked
            for: scored, they would read as a model's).
    """
    name, rest = split_name(text)
    config, sep, checkpoint = rest.partition(':')
    if not sep:
        raise BenchmarkInputError(
            f'argument --models: {text!r} names no weights: give CFG:CKPT, '
            'or CFG:random to time random weights')
    return ModelArg(config, None if checkpoint in ('', RANDOM) else
                    checkpoint, name)


class BenchmarkInputError(ValueError):
    """Models or a reference the benchmark cannot tell apart or find."""


def written_files(model: ModelArg, work_dir: str) -> Dict[str, str]:
    """The files the benchmark writes in ``work_dir`` for ``model``: its
    random weights (``'checkpoint'``) and its ONNX graph (``'onnx'``)."""
    files = {}
    if model.checkpoint is None:
        files['checkpoint'] = osp.join(work_dir, f'{model.label}_random.pth')
    if not is_onnx(model.checkpoint):
        files['onnx'] = osp.join(work_dir, f'{model.label}.onnx')
    return files


def check_model_names(models: Sequence[Tuple],
                      reference: Optional[str] = None,
                      work_dir: Optional[str] = None) -> None:
    """Refuse two models of one name, a ``reference`` none is named, and a
    file the benchmark would write in ``work_dir`` that is one of the
    models' own files (a graph named like another row's export).

    Raises:
        BenchmarkInputError: saying which names and how to fix them.
    """
    models = [ModelArg(*m) for m in models]
    if work_dir is not None:
        given = {osp.realpath(m.checkpoint): m.label for m in models
                 if m.checkpoint}
        for model in models:
            for path in written_files(model, work_dir).values():
                if osp.realpath(path) in given:
                    raise BenchmarkInputError(
                        f'{path} is model {given[osp.realpath(path)]}\'s '
                        f'file, and model {model.label} would be written over '
                        'it: give another --work-dir, or another name')
    names = [m.label for m in models]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BenchmarkInputError(
            f'more than one model is named {", ".join(repeated)}: give each '
            'its own name (--models NAME=CONFIG:CHECKPOINT)')
    if reference is not None and reference not in names:
        raise BenchmarkInputError(
            f'--reference {reference}: no model has that name; the models '
            f'are {", ".join(names)}')


def is_onnx(checkpoint: Optional[str]) -> bool:
    return bool(checkpoint) and checkpoint.lower().endswith('.onnx')


def zipped_mb(filename: str) -> float:
    """Size in MB of ``filename`` compressed with zlib (level 6)."""
    with open(filename, 'rb') as f:
        return len(zlib.compress(f.read(), 6)) / 1e6


def people_boxes(image: np.ndarray, num_people: int) -> np.ndarray:
    """``num_people`` boxes tiling ``image`` in equal cells (crop cost does
    not depend on what is inside)."""
    h, w = image.shape[:2]
    cols = int(np.ceil(np.sqrt(num_people)))
    rows = int(np.ceil(num_people / cols))
    cells = [[c * w / cols, r * h / rows, (c + 1) * w / cols,
              (r + 1) * h / rows] for r in range(rows) for c in range(cols)]
    return np.array(cells[:num_people])


def complexity(model: torch.nn.Module,
               spec: PoseModelSpec) -> Dict[str, float]:
    """Parameters and FLOPs of the network on one crop."""
    from mmengine.analysis import get_model_complexity_info

    w, h = spec.input_size
    network = SimCCNetwork(model, spec, normalize=False).eval()
    # The analyser warns about every operator it does not count (norms,
    # pooling, element-wise ops); MMPose's get_flops reports the same total.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with torch.no_grad():
            info = get_model_complexity_info(
                network, inputs=(torch.zeros(1, 3, h, w), ),
                show_table=False, show_arch=False)
    finally:
        logger.setLevel(level)
    return dict(params=float(info['params']), flops=float(info['flops']))


def pytorch_steps(model: torch.nn.Module, spec: PoseModelSpec,
                  image: np.ndarray, boxes: np.ndarray) -> Dict[str, Callable]:
    """MMPose's PyTorch path (flip test off): its network with the data
    pre-processor, its codec's decoding, and ``inference_topdown``."""
    from mmpose.apis import inference_topdown
    from mmpose.structures import PoseDataSample
    model.test_cfg['flip_test'] = False
    crops = top_down_affine(image, boxes, spec.input_size, spec.bbox_padding)
    inputs = [torch.from_numpy(c).permute(2, 0, 1).contiguous()
              for c in crops.crops]
    samples = [PoseDataSample() for _ in inputs]

    def network():
        with torch.no_grad():
            data = model.data_preprocessor(
                dict(inputs=inputs, data_samples=samples), training=False)
            return model(data['inputs'], None, mode='tensor')

    simcc = network()

    def decode():
        preds = model.head.decode(simcc)
        points = np.stack([p.keypoints[0] for p in preds])
        return crop_to_image(points, crops.centers, crops.scales,
                             spec.input_size)

    def total():
        with torch.no_grad():
            return inference_topdown(model, image, boxes)

    return dict(t_nn=network, t_dec=decode, t_total=total)


def onnxruntime_steps(estimator: OrtPoseEstimator, image: np.ndarray,
                      boxes: np.ndarray) -> Dict[str, Callable]:
    """The batched ONNX Runtime path: one network call for all crops."""
    inputs, centers, scales = estimator.preprocess(image, boxes)
    simcc_x, simcc_y = estimator.run_network(inputs)
    return dict(
        t_nn=lambda: estimator.run_network(inputs),
        t_dec=lambda: estimator.decode(simcc_x, simcc_y, centers, scales),
        t_total=lambda: estimator(image, boxes))


def rtmlib_pose(onnx_file: str, spec: PoseModelSpec, num_threads: int = 0):
    """rtmlib's ``RTMPose`` on our graph: it feeds BGR crops 0-255, which our
    graph normalises itself, so rtmlib's own normalisation is off.
    ``num_threads`` > 0 runs it on a session of that many intra-op threads
    (rtmlib's own session takes ONNX Runtime's default)."""
    from rtmlib import RTMPose
    with redirect_stdout(StringIO()):  # it prints the file it loads
        pose = RTMPose(onnx_file, model_input_size=tuple(spec.input_size),
                       mean=None, std=None, backend='onnxruntime',
                       device='cpu')
    if num_threads:
        pose.session = create_session(onnx_file, num_threads)
    return pose


def rtmlib_steps(pose, image: np.ndarray,
                 boxes: np.ndarray) -> Dict[str, Callable]:
    """rtmlib's per-crop loop; ``t_nn`` and ``t_dec`` run its per-crop
    ``inference`` and ``postprocess`` calls for all crops."""
    prepared = [pose.preprocess(image, box) for box in boxes.tolist()]
    outputs = [pose.inference(img) for img, _, _ in prepared]

    def network():
        return [pose.inference(img) for img, _, _ in prepared]

    def decode():
        return [pose.postprocess(out, center, scale)
                for out, (_, center, scale) in zip(outputs, prepared)]

    return dict(t_nn=network, t_dec=decode,
                t_total=lambda: pose(image, bboxes=boxes.tolist()))


def evaluate_accuracy(config: str, checkpoint: str, dataset_config: str,
                      work_dir: str) -> Dict[str, float]:
    """Metrics (COCO AP, MPII PCKh...) of the model on the test split and
    evaluator of ``dataset_config``, through :func:`mmpose_ext.apis.run_test`
    (which loads a distillation checkpoint's student into the student).
    """
    cfg = student_config(test_cfg(config, checkpoint, work_dir=work_dir))
    data = load_config(dataset_config)
    cfg.test_dataloader = data.test_dataloader
    cfg.test_evaluator = data.test_evaluator
    return {k: float(v) for k, v in run_test(cfg).items()}


class ModelUnderTest(NamedTuple):
    """A model ready to time: PyTorch, ONNX Runtime and rtmlib on one graph.
    """

    name: str
    model: torch.nn.Module
    spec: PoseModelSpec
    estimator: OrtPoseEstimator
    rtmlib: object
    info: dict


def prepare_model(config: str, checkpoint: Optional[str], work_dir: str,
                  seed: int = 0, name: Optional[str] = None,
                  num_threads: int = 0) -> ModelUnderTest:
    """Build the model, export its ONNX file and measure its size and cost.

    Args:
        config (str): student, distillation or teacher config.
        checkpoint (str, optional): its checkpoint; ``None``: random weights
            (seeded), saved to ``work_dir`` to measure the file size; a
            ``.onnx`` file: that graph, exported from ``config``'s model
            (``model`` is then ``None``: there is no PyTorch path).
        work_dir (str): where the ONNX file (and random checkpoint) go.
        seed (int): seed of the random weights.
        name (str, optional): the model's name in the report (default: the
            config's file name).
        num_threads (int): ONNX Runtime intra-op threads (ours and
            rtmlib's), 0 for its default.
    """
    name = name or ModelArg(config).label
    os.makedirs(work_dir, exist_ok=True)
    torch.manual_seed(seed)
    graph_given = is_onnx(checkpoint)
    if graph_given and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'ONNX file {checkpoint!r} does not exist')
    # a given graph is sized and costed by the config's float network
    model = init_pose_model(config, None if graph_given else checkpoint,
                            device='cpu')
    files = written_files(ModelArg(config, checkpoint, name), work_dir)
    if checkpoint is None:
        checkpoint = files['checkpoint']
        with atomic_output(checkpoint) as tmp:
            torch.save(dict(state_dict=model.state_dict()), tmp)
        weights = f'random (seed {seed})'
    else:
        weights = osp.basename(checkpoint)
    spec = PoseModelSpec.from_config(model.cfg)
    if graph_given:
        onnx_file = checkpoint
    else:
        onnx_file = files['onnx']
        export_onnx(model, onnx_file, spec)
    estimator = OrtPoseEstimator(onnx_file, config=model.cfg, flip_test=False,
                                 num_threads=num_threads)
    info = dict(
        model=name, config=config, checkpoint=checkpoint, weights=weights,
        input_size=list(spec.input_size), num_keypoints=spec.num_keypoints,
        **complexity(model, spec),
        checkpoint_mb=None if graph_given else osp.getsize(checkpoint) / 1e6,
        onnx_mb=osp.getsize(onnx_file) / 1e6,
        onnx_zip_mb=zipped_mb(onnx_file), onnx_file=onnx_file)
    # a given graph has no PyTorch path to time
    return ModelUnderTest(name, None if graph_given else model, spec,
                          estimator, rtmlib_pose(onnx_file, spec, num_threads),
                          info)


def latency_groups(mut: ModelUnderTest, image: np.ndarray,
                   boxes: np.ndarray) -> Dict[GroupKey, Dict[str, Callable]]:
    """Every timed step of a model, at batch 1 and at all ``boxes``."""
    groups = {}
    for batch_boxes in (boxes[:1], boxes):
        n = len(batch_boxes)
        if mut.model is not None:
            groups[(mut.name, 'pytorch', n)] = pytorch_steps(
                mut.model, mut.spec, image, batch_boxes)
        groups[(mut.name, 'onnxruntime', n)] = onnxruntime_steps(
            mut.estimator, image, batch_boxes)
        groups[(mut.name, 'rtmlib', n)] = rtmlib_steps(
            mut.rtmlib, image, batch_boxes)
    return groups


def benchmark_models(models: Sequence[Tuple],
                     image: np.ndarray,
                     boxes: np.ndarray,
                     work_dir: str,
                     warmup: int = 3,
                     repeats: int = 20,
                     dataset_config: Optional[str] = None,
                     seed: int = 0,
                     calls: int = 1,
                     settle: float = SETTLE_SECONDS,
                     num_threads: int = 0) -> List[dict]:
    """All figures of each model (see the module docstring); the timings of
    all models are interleaved (:func:`interleaved_rounds`).

    Args:
        models (Sequence[tuple]): :class:`ModelArg` (or ``(config,
            checkpoint or None)`` pairs).
        image (np.ndarray): BGR image.
        boxes (np.ndarray): ``(N, 4)`` person boxes in ``image``.
        work_dir (str): ONNX files and random checkpoints go here.
        warmup (int): untimed rounds before timing.
        repeats (int): timed rounds; their median is reported.
        dataset_config (str, optional): evaluate the models given with a
            checkpoint on its test set (random weights are not evaluated).
        seed (int): seed of random weights.
        calls (int): back-to-back timed calls per step and round.
        settle (float): seconds of pause before each group in each round.
        num_threads (int): ONNX Runtime intra-op threads, 0 for its default
            (PyTorch's are the caller's: ``torch.set_num_threads``).

    Returns:
        list[dict]: JSON-ready figures per model; ``latency`` lists
        :class:`Latency` dicts with ``per_crop``.
    """
    from mmpose.apis import inference_topdown
    models = [ModelArg(*m) for m in models]
    check_model_names(models, work_dir=work_dir)
    prepared = [prepare_model(m.config, m.checkpoint, work_dir, seed, m.label,
                              num_threads) for m in models]
    groups = {}
    for mut in prepared:
        groups.update(latency_groups(mut, image, boxes))
    rounds = interleaved_rounds(groups, warmup, repeats, calls, settle)
    results = []
    for mut in prepared:
        latency = [Latency(backend, n,
                           *(statistics.median(steps[k]) for k in STEPS),
                           rounds=steps)
                   for (name, backend, n), steps in rounds.items()
                   if name == mut.name]
        ours = mut.estimator(image, boxes).keypoints
        theirs, _ = mut.rtmlib(image, bboxes=boxes.tolist())
        pytorch_diff = None
        if mut.model is not None:
            with torch.no_grad():
                reference = np.concatenate([
                    s.pred_instances.keypoints
                    for s in inference_topdown(mut.model, image, boxes)])
            pytorch_diff = float(np.abs(ours - reference).max())
        # a few joints whose near-equal SimCC bins flip between the two
        # paths can set the maximum alone: count those past a pixel too
        difference = ours - theirs
        distances = np.linalg.norm(difference, axis=-1)
        result = dict(
            mut.info,
            pytorch_max_keypoint_diff=pytorch_diff,
            rtmlib_max_keypoint_diff=float(np.abs(difference).max()),
            rtmlib_joints_over_1px=int((distances > 1).sum()),
            joints_compared=int(distances.size),
            latency=[dict(asdict(t), per_crop=t.per_crop) for t in latency])
        # prepare_model saved random weights to a checkpoint too; their
        # accuracy is meaningless, and the report says they are not evaluated.
        if dataset_config and not mut.info['weights'].startswith(RANDOM):
            result['accuracy'] = evaluate_accuracy(
                mut.info['config'], mut.info['checkpoint'], dataset_config,
                work_dir)
        results.append(result)
    return results


def machine_info(num_threads: int = 0) -> dict:
    """What the figures were measured on, with ``num_threads`` ONNX Runtime
    intra-op threads (0: its default)."""
    import onnxruntime
    return dict(
        date=datetime.datetime.now().isoformat(timespec='seconds'),
        platform=platform.platform(), cpu=cpu_description(),
        cpu_model=cpu_model(), cpu_count=os.cpu_count(),
        vector_extensions=vector_extensions(),
        load_average_1min=round(os.getloadavg()[0], 2),
        torch=torch.__version__, torch_threads=torch.get_num_threads(),
        onnxruntime=onnxruntime.__version__,
        ort_threads=num_threads or 'default (intra_op_num_threads=0)')


def run_benchmark(models: Sequence[Tuple],
                  image: Optional[np.ndarray] = None,
                  image_name: Optional[str] = None,
                  num_people: int = 6,
                  dataset_config: Optional[str] = None,
                  work_dir: str = 'work_dirs/benchmark',
                  warmup: int = 3,
                  repeats: int = 20,
                  calls: int = 1,
                  settle: float = SETTLE_SECONDS,
                  reference: Optional[str] = None,
                  goal: float = STUDENT_GOAL,
                  num_threads: int = 0) -> dict:
    """Benchmark ``models`` (:class:`ModelArg`) on one image.

    Without ``image``, a generated image of ``num_people`` stick figures and
    their boxes is used; with one, ``num_people`` equal cells of it.
    Latencies are compared with the model named ``reference`` (default: the
    one with the most FLOPs), against the ratio ``goal``. ONNX Runtime runs
    ``num_threads`` intra-op threads (0: its default).

    Returns:
        dict: ``machine``, ``setup`` and per-model ``models`` figures.
    """
    check_model_names(models, reference)
    if image is None:
        image, boxes = stick_figures(num_people)
        image_name = f'generated: {num_people} stick figures'
    else:
        boxes = people_boxes(image, num_people)
    results = benchmark_models(models, image, boxes, work_dir, warmup,
                               repeats, dataset_config, calls=calls,
                               settle=settle, num_threads=num_threads)
    return dict(
        machine=machine_info(num_threads),
        setup=dict(image=image_name or 'given array',
                   image_size=[int(image.shape[1]), int(image.shape[0])],
                   num_people=int(num_people), warmup=warmup,
                   repeats=repeats, calls=calls, settle=settle,
                   flip_test=False, reference=reference, goal=goal,
                   note='one run; medians of repeated runs'),
        models=results)


def _ms(value: float) -> str:
    return f'{value:.1f}' if value >= 10 else f'{value:.2f}'


# Metrics shown in the tables (all are in the JSON): each source's AP and
# PCKh, and the full-truth PCKh of the joints a source does not label (the
# synthetic benchmark's cross PCKh).
HEADLINE_METRICS = ('AP', 'PCK', 'PCKh_unlabelled')


def _headline(metrics: Dict[str, float]) -> Dict[str, float]:
    return {k: v for k, v in metrics.items()
            if k.split('/')[-1] in HEADLINE_METRICS}


def _headline_metrics(metrics: Dict[str, float]) -> str:
    """AP and PCKh of each source (all metrics are in the JSON)."""
    shown = _headline(metrics) or metrics
    return ', '.join(f'{k}: {v:.4g}' for k, v in shown.items())


def _mb(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.1f}' if value >= 10 \
        else f'{value:.2f}'


def _px(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.2g}'


def _rtmlib_parity(model: dict) -> str:
    """The largest keypoint difference from rtmlib, and how many joints
    differ by more than a pixel (reports made before the count: the
    maximum alone)."""
    cell = _px(model['rtmlib_max_keypoint_diff'])
    over = model.get('rtmlib_joints_over_1px')
    if over is None:
        return cell
    return f'{cell} ({over} of {model["joints_compared"]} joints over 1 px)'


def _reference(report: dict) -> dict:
    """The model latencies are compared with: the named one, else the one
    with the most FLOPs."""
    name = report['setup'].get('reference')
    models = report['models']
    if name is None:
        return max(models, key=lambda m: m['flops'])
    return next(m for m in models if m['model'] == name)


def render_summary(report: dict) -> List[str]:
    """One row per model: size, cost, ONNX Runtime latency per crop with
    its ratio to the reference, and the headline accuracy."""
    models, n = report['models'], report['setup']['num_people']
    reference = _reference(report)
    metrics = list(dict.fromkeys(
        k for m in models for k in _headline(m.get('accuracy', {}))))
    lines = [
        '## Summary', '',
        f'ONNX Runtime t_total per crop at batch 1 and batch {n}, and its '
        f'ratio to {reference["model"]} paired by round [interquartile '
        'range]. ONNX zipped: the graph compressed with zlib, which is what '
        'zeroed (magnitude-pruned) weights shrink.'
        + (' Accuracy (AP in percent, PCKh'
           + (', and the full-truth PCKh of the joints each style does not '
              'label: cross PCKh' if any('unlabelled' in k for k in metrics)
              else '')
           + ') is measured with the dataset config\'s own test settings '
           '(its flip test included), unlike the flip-free latencies.'
           if metrics else ''), '',
        '| model | params (M) | FLOPs (G) | ONNX (MB) | ONNX zipped (MB) | '
        f'ORT per crop, batch 1 (ms) | vs reference | ORT per crop, batch '
        f'{n} (ms) | vs reference | '
        + ''.join(f'{k} | ' for k in metrics),
        '| --- ' * (9 + len(metrics)) + '|']
    ref_one = _latency(reference, 'onnxruntime', 1)
    ref_many = _latency(reference, 'onnxruntime', n)
    for m in models:
        one = _latency(m, 'onnxruntime', 1)
        many = _latency(m, 'onnxruntime', n)
        if m is reference:
            vs_one = vs_many = '1.000x (reference)'
        else:
            vs_one = _ratio_cell(_paired(one, ref_one))
            vs_many = _ratio_cell(_paired(many, ref_many))
        accuracy = m.get('accuracy', {})
        cells = ''.join(
            f'{accuracy[k] * 100 if k.endswith("/AP") else accuracy[k]:.1f}'
            ' | ' if k in accuracy else '- | ' for k in metrics)
        lines.append(
            f'| {m["model"]} | {m["params"] / 1e6:.3g} | '
            f'{m["flops"] / 1e9:.3g} | {_mb(m["onnx_mb"])} | '
            f'{_mb(m.get("onnx_zip_mb"))} | {_ms(one["per_crop"])} | '
            f'{vs_one} | {_ms(many["per_crop"])} | {vs_many} | {cells}')
    return lines


def _paired(numerator: dict, denominator: dict,
            step: str = 't_total') -> Tuple[float, float, float]:
    """:func:`paired_ratio` of one step of two :class:`Latency` dicts."""
    return paired_ratio(numerator['rounds'][step],
                        denominator['rounds'][step])


def _ratio_cell(ratio: Tuple[float, float, float],
                goal_met: Optional[bool] = None) -> str:
    """A paired ratio with its quartiles, and the verdict if judged."""
    median, q1, q3 = ratio
    spread = (f'fewer than {MIN_ROUNDS_FOR_RANGE} rounds' if math.isnan(q1)
              else f'{q1:.3f}, {q3:.3f}')
    cell = f'{median:.3f}x [{spread}]'
    if goal_met is None:
        return cell
    return f'{cell} ({"met" if goal_met else "not met"})'


def _latency(result: dict, backend: str, batch: int) -> dict:
    return next(t for t in result['latency']
                if t['backend'] == backend and t['batch'] == batch)


def render_markdown(report: dict) -> str:
    """The benchmark as Markdown tables, with the goals' ratios.

    The reference for per-crop ratios is the model named by the run's
    ``reference``, else the one with the most FLOPs (the teacher, when
    benchmarked with the students).
    """
    machine, setup, models = report['machine'], report['setup'], \
        report['models']
    n = setup['num_people']
    lines = [
        '# Pose model benchmark (CPU)', '',
        f'Measured {machine["date"]} on {machine["cpu"]}, no GPU '
        f'({machine["platform"]}); torch '
        f'{machine["torch"]} with {machine["torch_threads"]} threads, '
        f'ONNX Runtime {machine["onnxruntime"]} with '
        f'{machine["ort_threads"]} threads. Figures are from **one run**: '
        f'each is the median over {setup["repeats"]} timed rounds after '
        f'{setup["warmup"]} warm-up rounds; each round runs every backend of '
        'every model in turn (so load bursts hit all alike), and on entering '
        f'one pauses {setup["settle"] * 1e3:.0f} ms and makes an untimed '
        'call (so one runtime\'s spinning threads do not slow the next), '
        f'then times {setup["calls"]} back-to-back call(s) of each step, as '
        'a video loop calls one model frame after frame (a round\'s time is '
        'their median); on a machine other jobs may share (1-min load '
        f'average {machine["load_average_1min"]} when the run ended); '
        'compare ratios rather than absolute values. Ratios between two '
        'timings are the median of their round-by-round ratios (both timed '
        'in the same round, seconds apart), with the interquartile range of '
        'those ratios in brackets.', '',
        f'Image: {setup["image"]} ({setup["image_size"][0]}x'
        f'{setup["image_size"][1]}); batch 1 is the first person, batch {n} '
        f'is all {n}. Flip test off everywhere. t_NN: network with '
        'normalisation; t_dec: SimCC decoding to image keypoints; t_total: '
        'boxes in, keypoints out (crop, network, decode). rtmlib runs the '
        'same ONNX file one crop at a time; its t_NN and t_dec are sums '
        'over its per-crop calls.', '']
    if any(m['weights'].startswith(RANDOM) for m in models):
        lines += [
            'Weights marked random are randomly initialised: size, FLOPs and '
            'latency do not depend on the weights, accuracy would be '
            'meaningless and is not evaluated for them.', '']
    lines += [
        '## Models', '',
        '| model | weights | input (w x h) | joints | params (M) | FLOPs (G) '
        '| checkpoint (MB) | ONNX (MB) | accuracy |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for m in models:
        acc = _headline_metrics(m.get('accuracy', {})) or 'not evaluated'
        lines.append(
            f'| {m["model"]} | {m["weights"]} | {m["input_size"][0]} x '
            f'{m["input_size"][1]} | {m["num_keypoints"]} | '
            f'{m["params"] / 1e6:.3g} | {m["flops"] / 1e9:.3g} | '
            f'{_mb(m["checkpoint_mb"])} | {_mb(m["onnx_mb"])} | {acc} |')
    lines += ['', '## Latency (ms, median)', '',
              '| model | backend | batch | t_NN | t_dec | t_total | '
              't_total per crop |', '| --- | --- | --- | --- | --- | --- | '
              '--- |']
    for m in models:
        for t in m['latency']:
            lines.append(
                f'| {m["model"]} | {t["backend"]} | {t["batch"]} | '
                f'{_ms(t["t_nn"])} | {_ms(t["t_dec"])} | {_ms(t["t_total"])} '
                f'| {_ms(t["per_crop"])} |')
    reference = _reference(report)
    goal = setup.get('goal', STUDENT_GOAL)
    lines += [''] + render_summary(report)
    lines += ['', '## Goals', '',
              f'ONNX Runtime latency per crop relative to '
              f'{reference["model"]} (goal <= {goal}x), and our '
              f'batched call against rtmlib\'s per-crop loop on {n} people '
              '(goal: faster, speed-up > 1), each judged on the median of '
              'the round-by-round ratios [interquartile range]. Keypoint '
              'agreement of our ONNX Runtime path with MMPose\'s PyTorch '
              f'inference_topdown and with rtmlib, on all {n} people (max '
              'difference in pixels; against rtmlib also how many joints '
              'differ by more than one). The goal is judged on t_total (crop, '
              'network, decode); the network-only ratio at batch 1 (t_NN, '
              'what the RTMPose paper\'s t/m ratio of 0.29 compares) is '
              'shown beside it.', '',
              '| model | ORT per crop, batch 1 | vs reference | t_NN only, '
              f'batch 1 | ORT per crop, batch {n} | vs reference | rtmlib '
              f'loop, {n} people | ours batched, {n} people | speed-up | '
              'max diff vs PyTorch (px) | max diff vs rtmlib (px) |',
              '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- '
              '| --- |']
    ref_one = _latency(reference, 'onnxruntime', 1)
    ref_many = _latency(reference, 'onnxruntime', n)
    for m in models:
        one = _latency(m, 'onnxruntime', 1)
        many = _latency(m, 'onnxruntime', n)
        loop = _latency(m, 'rtmlib', n)
        if m is reference:
            vs_one = vs_many = '1.000x (reference)'
            nn_one = '1.000x'
        else:
            ratio_one = _paired(one, ref_one)
            ratio_many = _paired(many, ref_many)
            vs_one = _ratio_cell(ratio_one, ratio_one[0] <= goal)
            vs_many = _ratio_cell(ratio_many, ratio_many[0] <= goal)
            nn_one = f'{_paired(one, ref_one, "t_nn")[0]:.3f}x'
        speed_up = _paired(loop, many)
        lines.append(
            f'| {m["model"]} | {_ms(one["per_crop"])} | {vs_one} | '
            f'{nn_one} | {_ms(many["per_crop"])} | {vs_many} | '
            f'{_ms(loop["t_total"])} | {_ms(many["t_total"])} | '
            f'{_ratio_cell(speed_up, speed_up[0] > 1)} | '
            f'{_px(m["pytorch_max_keypoint_diff"])} | '
            f'{_rtmlib_parity(m)} |')
    return '\n'.join(lines) + '\n'


def write_report(report: dict, out: str) -> Tuple[str, str]:
    """Write ``out`` (Markdown) and the JSON beside it, atomically, with
    paths relative to the repository (:func:`kd_bench.portable.portable`).
    """
    report = portable(report)
    json_file = osp.splitext(out)[0] + '.json'
    write_json(json_file, report)
    with atomic_output(out) as tmp:
        with open(tmp, 'w') as f:
            f.write(render_markdown(report))
    return out, json_file
