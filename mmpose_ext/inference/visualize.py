"""Draw poses with MMPose's own ``PoseLocalVisualizer``, in the joint colours
and links of the skeleton's dataset metainfo: the union's
(``configs/_base_/datasets/coco_mpii.py``), or MMPose's COCO and MPII files.
"""
import functools

import numpy as np

from mmpose_ext import skeletons
from mmpose_ext.paths import UNION_METAINFO_FILE

from .result import PoseResult

# As MMPose's visualiser draws boxes ('green'), in BGR.
BBOX_COLOR = (0, 255, 0)
# Metainfo files by skeleton; relative ones are MMPose's own.
METAINFO_FILES = dict(union=UNION_METAINFO_FILE,
                      coco='configs/_base_/datasets/coco.py',
                      mpii='configs/_base_/datasets/mpii.py')


@functools.lru_cache(maxsize=None)
def skeleton_metainfo(skeleton: str) -> dict:
    """The parsed dataset metainfo MMPose's visualiser draws ``skeleton``
    with; its joints are in the order of :mod:`mmpose_ext.skeletons`."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    if skeleton not in METAINFO_FILES:
        raise ValueError(f'no metainfo to draw skeleton {skeleton!r}; '
                         f'choose from {sorted(METAINFO_FILES)}')
    meta = parse_pose_metainfo(dict(from_file=METAINFO_FILES[skeleton]))
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    if tuple(names) != tuple(skeletons.keypoint_names(skeleton)):
        raise ValueError(
            f'{METAINFO_FILES[skeleton]} lists the {skeleton} joints in '
            'another order than mmpose_ext/skeletons.py')
    return meta


def _visualizer(skeleton: str, radius: int, thickness: int):
    """One MMPose visualiser per skeleton and drawing size, kept by MMEngine
    under its name like every visualiser."""
    from mmpose.visualization import PoseLocalVisualizer
    name = f'mmpose_ext.draw_poses:{skeleton}:{radius}:{thickness}'
    if PoseLocalVisualizer.check_instance_created(name):
        return PoseLocalVisualizer.get_instance(name)
    visualizer = PoseLocalVisualizer.get_instance(
        name, radius=radius, line_width=thickness)
    visualizer.set_dataset_meta(skeleton_metainfo(skeleton))
    return visualizer


def draw_poses(image: np.ndarray,
               result: PoseResult,
               kpt_thr: float = 0.3,
               radius: int = 4,
               thickness: int = 2,
               draw_bbox: bool = True) -> np.ndarray:
    """A copy of ``image`` with each person's box, links and joints, drawn
    by MMPose's ``PoseLocalVisualizer``.

    Args:
        image (np.ndarray): BGR image.
        result (PoseResult): poses with a known ``skeleton``.
        kpt_thr (float): joints scoring below are not drawn (nor their
            links).
        radius (int): joint circle radius in pixels.
        thickness (int): link and box line width in pixels.
        draw_bbox (bool): draw the person boxes.

    Returns:
        np.ndarray: the BGR drawing.
    """
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    if result.skeleton is None:
        raise ValueError('draw_poses needs a result with a known skeleton')
    sample = PoseDataSample()
    # MMPose's visualiser reads the scores from keypoints_visible, as its
    # pose estimators fill it.
    sample.pred_instances = InstanceData(
        keypoints=np.asarray(result.keypoints, np.float32),
        keypoints_visible=np.asarray(result.scores, np.float32),
        bboxes=np.asarray(result.bboxes, np.float32).reshape(-1, 4))
    drawing = _visualizer(result.skeleton, radius, thickness).add_datasample(
        'poses', np.ascontiguousarray(image[..., ::-1]), sample,
        draw_gt=False, draw_bbox=draw_bbox, kpt_thr=kpt_thr)
    return np.ascontiguousarray(drawing[..., ::-1])
