"""Small COCO-, MPII- and CrowdPose-format datasets written by the tests
themselves."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from scipy.io import savemat

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from mmpose_ext import skeletons  # noqa: E402


@pytest.fixture(scope='session', autouse=True)
def _entry_point_setup():
    """Tests call the library as the entry points do: after ``setup_env``
    (tests/test_setup_env.py checks, in fresh interpreters, that importing
    the package alone changes nothing)."""
    from mmpose_ext.apis import setup_env
    setup_env()


@pytest.fixture(autouse=True)
def _fresh_mmengine_loggers():
    """Each test gets MMEngine loggers of its own.

    An MMLogger keeps the stderr stream current when it was made; pytest's
    capture closes that stream after the test, and a later test's logging
    through the same logger prints "--- Logging error ---" on its stderr.
    """
    from mmengine.logging import MMLogger
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    MMLogger._instance_dict.clear()


def _person(rng, img_w, img_h, n_joints):
    """A random upright person box and joints inside it."""
    w = rng.uniform(0.25, 0.4) * img_w
    h = rng.uniform(0.6, 0.8) * img_h
    x0 = rng.uniform(0, img_w - w)
    y0 = rng.uniform(0, img_h - h)
    xy = np.stack([rng.uniform(x0, x0 + w, n_joints),
                   rng.uniform(y0, y0 + h, n_joints)], axis=1)
    return (x0, y0, w, h), xy


def _write_image(path, rng, w, h):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, rng.integers(0, 255, (h, w, 3), dtype=np.uint8))


def write_coco(root, split='train', num_images=4, people=2, seed=0,
               img_size=(96, 128), extra=True):
    """A COCO 2017-layout person_keypoints split under ``root``; returns the
    annotation path.

    With ``extra``, image 0 also holds a crowd annotation and a person with
    no labelled joints, and one annotated image is missing from disk.
    """
    rng = np.random.default_rng(seed)
    w, h = img_size
    images, anns = [], []
    for i in range(num_images):
        name = f'{split}_{i:04d}.jpg'
        images.append(dict(id=i + 1, file_name=name, width=w, height=h))
        _write_image(osp.join(root, f'{split}2017', name), rng, w, h)
        for _ in range(people):
            (x0, y0, bw, bh), xy = _person(rng, w, h, 17)
            kpts = np.concatenate([xy, np.full((17, 1), 2.)], 1)
            anns.append(dict(
                id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                bbox=[x0, y0, bw, bh], area=bw * bh,
                keypoints=kpts.round(2).ravel().tolist(), num_keypoints=17))
    if extra:
        anns.append(dict(id=len(anns) + 1, image_id=1, category_id=1,
                         iscrowd=1, bbox=[0, 0, 20, 20], area=400.,
                         keypoints=[0] * 51, num_keypoints=0,
                         segmentation=dict(counts=[0, 400], size=[h, w])))
        anns.append(dict(id=len(anns) + 1, image_id=1, category_id=1,
                         iscrowd=0, bbox=[5, 5, 20, 30], area=600.,
                         keypoints=[0] * 51, num_keypoints=0))
        images.append(dict(id=num_images + 1, file_name='missing.jpg',
                           width=w, height=h))
        (x0, y0, bw, bh), xy = _person(rng, w, h, 17)
        kpts = np.concatenate([xy, np.full((17, 1), 2.)], 1)
        anns.append(dict(id=len(anns) + 1, image_id=num_images + 1,
                         category_id=1, iscrowd=0, bbox=[x0, y0, bw, bh],
                         area=bw * bh, keypoints=kpts.ravel().tolist(),
                         num_keypoints=17))
    categories = [dict(
        id=1, name='person', supercategory='person',
        keypoints=list(skeletons.COCO_KEYPOINTS),
        skeleton=[[a + 1, b + 1] for a, b in skeletons.links('coco')])]
    path = osp.join(root, 'annotations', f'person_keypoints_{split}2017.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=categories), f)
    return path


def write_mpii(root, split='train', num_images=4, seed=1,
               img_size=(128, 128), missing_image=True):
    """An MPII json split (and for ``val`` the gt .mat) under ``root``."""
    rng = np.random.default_rng(seed)
    w, h = img_size
    entries, heads = [], []
    for i in range(num_images):
        name = f'{100000 + i}.jpg'
        _write_image(osp.join(root, 'images', name), rng, w, h)
        (x0, y0, bw, bh), xy = _person(rng, w, h, 16)
        vis = np.ones(16)
        entries.append(dict(
            image=name, center=[x0 + bw / 2, y0 + bh / 2], scale=bh / 200.,
            joints=xy.round(2).tolist(), joints_vis=vis.tolist()))
        heads.append([[x0, y0], [x0 + 20, y0 + 20]])
    if missing_image:
        entries.append(dict(image='199999.jpg', center=[50, 50], scale=0.3,
                            joints=np.full((16, 2), 40.).tolist(),
                            joints_vis=[1] * 16))
        heads.append([[0, 0], [20, 20]])
    ann_dir = osp.join(root, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    path = osp.join(ann_dir, f'mpii_{split}.json')
    with open(path, 'w') as f:
        json.dump(entries, f)
    if split == 'val':
        heads = np.array(heads, dtype=np.float64)  # (N, 2, 2)
        joints = np.array([e['joints'] for e in entries])  # (N, 16, 2)
        vis = np.array([e['joints_vis'] for e in entries])
        savemat(osp.join(ann_dir, 'mpii_gt_val.mat'), dict(
            headboxes_src=heads.transpose(1, 2, 0),
            pos_gt_src=(joints + 1).transpose(1, 2, 0),
            jnt_missing=(1 - vis).T,
            dataset_joints=np.array(
                [[n] for n in skeletons.MPII_KEYPOINTS], dtype=object)))
    return path


# CrowdPose's crowd index of each written image, one per AP split of its
# metric (easy < 0.1 <= medium <= 0.8 < hard), so that every split is scored.
CROWD_INDICES = (0.05, 0.5, 0.9)


def write_crowdpose(root, split='train', num_images=3, people=2, seed=4,
                    img_size=(96, 128)):
    """A CrowdPose split in MMPose's layout under ``root``
    (``annotations/mmpose_crowdpose_<split>.json``, ``images/``); returns the
    annotation path. COCO's format with 14 keypoints per person and each
    image's ``crowdIndex``, as the official files have."""
    rng = np.random.default_rng(seed)
    w, h = img_size
    n = skeletons.num_keypoints('crowdpose')
    images, anns = [], []
    for i in range(num_images):
        name = f'{split}_{i:06d}.jpg'
        images.append(dict(id=i + 1, file_name=name, width=w, height=h,
                           crowdIndex=CROWD_INDICES[i % len(CROWD_INDICES)]))
        _write_image(osp.join(root, 'images', name), rng, w, h)
        for _ in range(people):
            (x0, y0, bw, bh), xy = _person(rng, w, h, n)
            kpts = np.concatenate([xy, np.full((n, 1), 2.)], 1)
            anns.append(dict(
                id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                bbox=[x0, y0, bw, bh], num_keypoints=n,
                keypoints=kpts.round(2).ravel().tolist()))
    own_names = parse_pose_metainfo(dict(
        from_file=skeletons.METAINFO_FILES['crowdpose']))['keypoint_id2name']
    categories = [dict(
        id=1, name='person', supercategory='person',
        keypoints=[own_names[i] for i in range(n)],
        skeleton=[[a + 1, b + 1] for a, b in skeletons.links('crowdpose')])]
    path = osp.join(root, 'annotations', f'mmpose_crowdpose_{split}.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=categories), f)
    return path


def write_coco_mpii(root):
    """coco/ and mpii/ train and val splits under ``root``, as configs
    expect."""
    coco, mpii = str(root / 'coco'), str(root / 'mpii')
    write_coco(coco, 'train', seed=0)
    write_coco(coco, 'val', seed=2, extra=False)
    write_mpii(mpii, 'train', seed=1)
    write_mpii(mpii, 'val', seed=3, missing_image=False)
    return root


@pytest.fixture
def coco_mpii_root(tmp_path):
    """``data/`` with coco/ and mpii/ train and val splits."""
    return write_coco_mpii(tmp_path / 'data')


@pytest.fixture
def coco_mpii_crowdpose_root(tmp_path):
    """``data/`` with coco/, mpii/ and crowdpose/ train and val (test)
    splits."""
    root = write_coco_mpii(tmp_path / 'data')
    write_crowdpose(str(root / 'crowdpose'), 'trainval', seed=4)
    write_crowdpose(str(root / 'crowdpose'), 'test', seed=5)
    return root


# --- inference (tests/test_inference.py, tests/test_onnx.py) ----------------

STUDENT_CONFIG = osp.join(
    REPO, 'configs', 'rtmpose', 'rtmpose-t_8xb256-420e_coco-mpii-256x192.py')
DISTILL_CONFIG = osp.join(REPO, 'configs', 'distill_config_tiny.py')


@pytest.fixture(scope='session')
def student_checkpoints(tmp_path_factory):
    """A seeded random RTMPose-t student saved two ways: a plain checkpoint
    and a distillation checkpoint (``student.*`` plus teacher keys)."""
    import torch

    from mmpose_ext.inference.model import init_pose_model
    torch.manual_seed(0)
    model = init_pose_model(STUDENT_CONFIG)
    state = model.state_dict()
    folder = tmp_path_factory.mktemp('student')
    plain, distill = str(folder / 'plain.pth'), str(folder / 'distill.pth')
    torch.save(dict(state_dict=state), plain)
    teacher = {'teachers.coco.backbone.stem.0.conv.weight': torch.zeros(2)}
    torch.save(dict(state_dict={**{f'student.{k}': v
                                   for k, v in state.items()}, **teacher}),
               distill)
    return dict(plain=plain, distill=distill)


@pytest.fixture(scope='session')
def student_onnx(student_checkpoints, tmp_path_factory):
    """The student exported straight from the distillation checkpoint."""
    from mmpose_ext.inference.onnx_export import export_student
    from mmpose_ext.inference.sample_images import astronaut
    out = str(tmp_path_factory.mktemp('onnx') / 'student.onnx')
    return export_student(DISTILL_CONFIG, student_checkpoints['distill'], out,
                          images=[astronaut()])
