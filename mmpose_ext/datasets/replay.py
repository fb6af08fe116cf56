"""Replayable data augmentation: the same (view, sample) pair draws the same
random augmentation in every run, process and data-loader worker.

Offline teacher caching rests on this (:mod:`mmpose_ext.teacher_cache`): the
cache holds the teachers' outputs on ``num_views`` augmented views of every
sample, and training on epoch ``e`` replays view ``e % num_views``, so the
student sees the very crops the teachers were run on.
"""
import random
from contextlib import contextmanager
from typing import Iterator, Optional, Sized, Tuple, Union

import numpy as np
from mmengine.dataset import DefaultSampler
from mmpose.registry import DATA_SAMPLERS, DATASETS

# The metainfo key of each packed sample's ``(view, index)``.
REPLAY_KEY = 'replay_key'


@contextmanager
def seeded_generators(np_seed, py_seed):
    """Seed numpy's and Python's global generators, which MMPose, MMCV and
    Albumentations transforms draw from, with ``np_seed`` and ``py_seed``;
    the previous states are restored on exit."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(np_seed)
    random.seed(py_seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


@contextmanager
def seeded_augmentation(seed: int, view: int, index: int):
    """:func:`seeded_generators` seeded from ``(seed, view, index)``."""
    entropy = np.random.SeedSequence([seed, view, index]).generate_state(4)
    with seeded_generators(entropy,
                           int.from_bytes(entropy.tobytes(), 'little')):
        yield


def replay_dataloader(dataset: dict, num_views: int, seed: int = 0) -> dict:
    """The ``train_dataloader`` keys that make a config's training set
    replayable, for a teacher cache: ``dataset`` wrapped in a
    :class:`ReplayDataset` and drawn by a :class:`ViewSampler` of
    ``num_views`` views. A config merges them over its base's loader::

        train_dataloader = replay_dataloader(
            _base_.train_dataloader.dataset, num_views=10)
    """
    return dict(
        sampler=dict(type='ViewSampler', num_views=num_views, shuffle=True),
        dataset=dict(_delete_=True, type='ReplayDataset', dataset=dataset,
                     seed=seed))


@DATASETS.register_module()
class ReplayDataset:
    """A dataset whose every sample is drawn with a generator seeded by
    ``(seed, view, index)``.

    Indexed by ``(view, index)`` (as :class:`ViewSampler` yields) or by a
    plain ``index`` (view 0). Each packed sample's metainfo gets
    ``replay_key = (view, index)``.

    Args:
        dataset (dict | Dataset): the wrapped dataset or its config.
        seed (int): base seed of all views. Defaults to 0.
        lazy_init (bool): build the wrapped dataset's annotations on first
            use. Defaults to False.
    """

    def __init__(self, dataset, seed: int = 0, lazy_init: bool = False):
        self.dataset = (DATASETS.build(dataset)
                        if isinstance(dataset, dict) else dataset)
        self.seed = seed
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    @property
    def pipeline(self):
        return self.dataset.pipeline

    @pipeline.setter
    def pipeline(self, pipeline) -> None:
        # mmdet's PipelineSwitchHook assigns the train set's pipeline.
        self.dataset.pipeline = pipeline

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def __len__(self) -> int:
        return len(self.dataset)

    @staticmethod
    def split_key(key: Union[int, Tuple[int, int]]) -> Tuple[int, int]:
        """``(view, index)`` of a sampler's key."""
        if isinstance(key, (tuple, list)):
            view, index = key
            return int(view), int(index)
        return 0, int(key)

    def __getitem__(self, key: Union[int, Tuple[int, int]]) -> dict:
        view, index = self.split_key(key)
        with seeded_augmentation(self.seed, view, index):
            data = self.dataset[index]
        data['data_samples'].set_metainfo({REPLAY_KEY: (view, index)})
        return data

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(seed={self.seed}, '
                f'dataset={self.dataset.__class__.__name__}, '
                f'len={len(self)})')


@DATA_SAMPLERS.register_module()
class ViewSampler(DefaultSampler):
    """MMEngine's ``DefaultSampler`` that tags each index with the
    augmentation view of the epoch: yields ``(epoch % num_views, index)``.

    Args:
        dataset (Sized): the (:class:`ReplayDataset`) dataset.
        num_views (int, optional): views cycled over epochs; ``None``: a new
            view every epoch.
        shuffle, seed, round_up: as ``DefaultSampler``.
    """

    def __init__(self,
                 dataset: Sized,
                 num_views: Optional[int] = None,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if num_views is not None and num_views < 1:
            raise ValueError(f'ViewSampler: num_views must be at least 1, '
                             f'got {num_views}')
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        self.num_views = num_views

    @property
    def view(self) -> int:
        return self.epoch % self.num_views if self.num_views else self.epoch

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        view = self.view
        return ((view, index) for index in super().__iter__())
