"""Deterministic synthetic "full-truth" pose benchmark.

Renders people with all 21 union joints known (COCO's 17 plus pelvis, thorax,
upper neck and head top), writes a COCO-style half labelled with the 17 COCO
joints and an MPII-style half labelled with the 16 MPII joints, in the files
mmpose's ``CocoDataset`` and ``MpiiDataset`` read, plus the full 21-joint
truth of the validation images of both, so that a student trained on both
can be scored on every joint. On request (``styles``) a third,
CrowdPose-style set of crowded scenes labelled with CrowdPose's 14 joints,
in the files ``CrowdPoseDataset`` reads. Entry point:
:func:`generate_benchmark`.

Why it is part of the library and not of the ``kd_bench`` harnesses: it is
data for the method, used like a dataset by several independent callers
(``tools/make_synthetic.py``, the quick start and the training-cost
benchmark in ``kd_bench``, and the tests), and it is the only data on which
a union student can be scored on the joints a dataset does not label
(:class:`~mmpose_ext.evaluation.FullTruthPCKh` reads its full truth). It
depends only on the library's skeletons and file writing.

Modules, one concept each: ``shapes`` (2D outlines), ``body`` (skeleton
geometry and pose sampling), ``appearance`` and ``textures`` (fills),
``background`` and ``occluders`` (what is not a person), ``render``
(rasterising and compositing), ``scene`` (one image), ``truth`` (labels),
``coco_format`` / ``mpii_format`` / ``crowdpose_format`` / ``files``
(writers), ``config``
(difficulty knobs) and ``benchmark`` (the whole folder).
"""
from .benchmark import (VERSION, SyntheticDataError, generate_benchmark,
                        image_id, image_path, render_image)
from .config import (DEFAULT_STYLES, DIFFICULTY_LEVELS, STYLES, SceneConfig,
                     resolve_difficulty, scene_config)

__all__ = [
    'VERSION', 'SyntheticDataError', 'generate_benchmark', 'render_image',
    'image_id', 'image_path',
    'SceneConfig', 'scene_config', 'resolve_difficulty', 'DIFFICULTY_LEVELS',
    'STYLES', 'DEFAULT_STYLES',
]
