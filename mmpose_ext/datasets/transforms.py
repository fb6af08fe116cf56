"""Transforms that move keypoints between skeletons."""
from mmpose.datasets.transforms import KeypointConverter
from mmpose.registry import TRANSFORMS

from mmpose_ext import skeletons


@TRANSFORMS.register_module()
class ToUnionSkeleton(KeypointConverter):
    """Re-order a source dataset's keypoints into a target skeleton.

    The mapping is taken by name from :mod:`mmpose_ext.skeletons`. Joints the
    source does not label get visibility 0, so the codec gives them keypoint
    weight 0 and no loss is computed on them.

    Args:
        source (str): skeleton of the incoming keypoints (``'coco'``,
            ``'mpii'``, ``'crowdpose'``).
        target (str): skeleton to convert to. Defaults to ``'union'``.
    """

    def __init__(self, source: str, target: str = 'union'):
        super().__init__(
            num_keypoints=skeletons.num_keypoints(target),
            mapping=skeletons.mapping(source, target))
        self.source = source
        self.target = target

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(source={self.source!r}, '
                f'target={self.target!r})')
