"""Person boxes from an MMDetection detector, and models given by name.

MMPose's inferencer accepts model names (``rtmdet-m``, ``human``...) and
downloads their weights. Here nothing is downloaded: a name is looked up in
the installed package's metafiles, and if its weights are not already in
torch's hub cache the error says which file to fetch and where to put it.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .errors import ModelFileNotFoundError, UnsupportedInputError


def metafile_models(scope: str) -> Tuple[str, List[dict]]:
    """The folder holding the installed package ``scope``'s configs, and the
    model entries of its metafiles.

    Reads the model index that OpenMMLab packages install for MIM
    (``<package>/.mim/model-index.yml``, importing one ``metafile.yml`` per
    config folder) with MMEngine's public file helpers.
    """
    from mmengine.fileio import load
    from mmengine.utils import get_installed_path
    root = osp.join(get_installed_path(scope), '.mim')
    index = osp.join(root, 'model-index.yml')
    if not osp.isfile(index):
        return root, []
    models = []
    for metafile in load(index).get('Import', []):
        models.extend(load(osp.join(root, metafile)).get('Models', []))
    return root, models


def find_model_in_metafiles(name: str, scope: str) -> Optional[dict]:
    """The metafile entry (``Name``, ``Config``, ``Weights``...) of ``name``
    or one of its aliases in package ``scope``, with ``Config`` made
    absolute; ``None`` if unknown."""
    root, models = metafile_models(scope)
    wanted = name.lower()
    for entry in models:
        aliases = entry.get('Alias', [])
        aliases = [aliases] if isinstance(aliases, str) else aliases
        if wanted in [entry['Name'].lower()] + [a.lower() for a in aliases]:
            return dict(entry, Config=osp.join(root, entry['Config']))
    return None


def hub_checkpoint_path(url: str) -> str:
    """Where MMEngine/torch look for a downloaded checkpoint of ``url``."""
    import torch
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(url))


def resolve_model(model: str, weights: Optional[str], scope: str,
                  model_option: str,
                  weights_option: str) -> Tuple[str, Optional[str]]:
    """Config file and checkpoint of a model given as a file or by name.

    Args:
        model (str): a config file, or a model name of ``scope``'s metafiles.
        weights (str, optional): a checkpoint file.
        scope (str): ``'mmdet'`` or ``'mmpose'``.
        model_option (str): the command-line option of ``model``, for
            messages.
        weights_option (str): the option of ``weights``, for messages.

    Returns:
        tuple[str, str | None]: the config file and the checkpoint.

    Raises:
        FileNotFoundError: a path that does not exist.
        ModelFileNotFoundError: a name whose weights are not on this machine,
            or an unknown name.
        UnsupportedInputError: ``model`` is a file but not a ``.py`` config.
    """
    if weights is not None and not osp.isfile(weights):
        raise FileNotFoundError(f'{weights_option}: checkpoint {weights!r} '
                                'does not exist')
    if osp.isfile(model):
        if not model.endswith('.py'):
            raise UnsupportedInputError(
                f'{model_option} {model!r} is not a config (.py) file; '
                f'checkpoints go to {weights_option}')
        return model, weights
    if model.endswith('.py') or osp.sep in model:
        raise FileNotFoundError(f'{model_option}: config {model!r} does not '
                                'exist')
    entry = find_model_in_metafiles(model, scope)
    if entry is None:
        raise ModelFileNotFoundError(
            f'{model_option} {model!r} is neither a config file nor a model '
            f'name known to the installed {scope}; pass a config file and '
            f'{weights_option} CHECKPOINT')
    if weights is not None:
        return entry['Config'], weights
    url = entry.get('Weights')
    url = url[0] if isinstance(url, list) else url
    cached = hub_checkpoint_path(url) if url else None
    if cached and osp.isfile(cached):
        return entry['Config'], cached
    raise ModelFileNotFoundError(
        f'{model_option} {model!r} names the {scope} model {entry["Name"]!r}, '
        f'whose weights are not on this machine and are never downloaded '
        f'here (no internet). Fetch {url} elsewhere and put it at {cached}, '
        f'or pass {model_option} {entry["Config"]} {weights_option} '
        'CHECKPOINT')


class PersonDetector:
    """Person boxes of an MMDetection detector.

    Args:
        config (str): detector config file.
        checkpoint (str): detector checkpoint.
        device (str): torch device.
        score_thr (float): lowest kept box score.
        nms_thr (float): IoU above which overlapping person boxes merge.
        person_labels (Sequence[int]): the detector's classes that are
            people (0 for COCO).
    """

    def __init__(self,
                 config: str,
                 checkpoint: str,
                 device: str = 'cpu',
                 score_thr: float = 0.3,
                 nms_thr: float = 0.3,
                 person_labels: Sequence[int] = (0, )) -> None:
        from mmdet.apis import init_detector
        from mmpose.utils import adapt_mmdet_pipeline
        self.model = init_detector(config, checkpoint, device=device)
        # The pose model sets MMPose's default scope; name the detector's
        # transforms by their mmdet scope so they build under it.
        self.model.cfg = adapt_mmdet_pipeline(self.model.cfg)
        self.score_thr = score_thr
        self.nms_thr = nms_thr
        self.person_labels = list(person_labels)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """``(N, 5)`` person boxes ``x1, y1, x2, y2, score`` of a BGR image.
        """
        from mmdet.apis import inference_detector
        from mmpose.evaluation.functional import nms
        pred = inference_detector(self.model, image).pred_instances.cpu()
        keep = np.isin(pred.labels.numpy(), self.person_labels) & (
            pred.scores.numpy() >= self.score_thr)
        dets = np.concatenate([pred.bboxes.numpy()[keep],
                               pred.scores.numpy()[keep, None]], axis=1)
        if len(dets):
            dets = dets[nms(dets, self.nms_thr)]
        return dets.astype(np.float64)
