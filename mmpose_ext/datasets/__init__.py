from .transforms import ToUnionSkeleton
from .replay import ReplayDataset, ViewSampler, replay_dataloader
from .teacher_crops import PackDistillInputs, TeacherCrops
from .union_dataset import DataConfigError, UnionPoseDataset

__all__ = [
    'ToUnionSkeleton', 'UnionPoseDataset', 'DataConfigError', 'TeacherCrops',
    'PackDistillInputs', 'ReplayDataset', 'ViewSampler', 'replay_dataloader'
]
