"""NonFiniteLossHook: a NaN loss stops training, naming the iteration and the
samples, instead of training on NaN weights to a run that exits 0."""
import os
import os.path as osp
import re
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from mmpose_ext.engine import NonFiniteLossError, NonFiniteLossHook
from mmpose_ext.paths import REPO_ROOT
from tiny_configs import tiny_student_cfg

# A transform that gives one sample NaN SimCC targets after every check the
# data passes at load, as an overflow or a corrupt crop would.
POISON_MODULE = textwrap.dedent('''
    import numpy as np
    from mmcv.transforms import BaseTransform
    from mmpose.registry import TRANSFORMS


    @TRANSFORMS.register_module()
    class PoisonSample(BaseTransform):
        def __init__(self, image):
            self.image = image

        def transform(self, results):
            if results['img_path'].endswith(self.image):
                results['keypoint_x_labels'] = \\
                    results['keypoint_x_labels'] * np.nan
            return results
''')


def sample(dataset_name, instance_id, weights):
    data_sample = PoseDataSample(metainfo=dict(
        dataset_name=dataset_name, id=instance_id,
        img_path=f'/data/{instance_id}.jpg'))
    data_sample.gt_instance_labels = InstanceData(
        keypoint_weights=torch.tensor([weights]))
    return data_sample


def runner():
    messages = []
    logger = SimpleNamespace(error=messages.append)
    return SimpleNamespace(iter=6, epoch=1, logger=logger), messages


def test_finite_losses_pass():
    run, messages = runner()
    NonFiniteLossHook().after_train_iter(
        run, 0, dict(data_samples=[sample('coco', 1, [1., 0.])]),
        dict(loss=torch.tensor(0.5), loss_kpt=torch.tensor(0.5),
             acc_pose=torch.tensor(float('nan'))))
    assert messages == []


def test_nan_loss_names_iteration_losses_and_samples():
    run, messages = runner()
    batch = [sample('coco', 7, [1., 1.]), sample('mpii', 3, [np.nan, 1.]),
             sample('coco', 9, [0., 1.])]
    with pytest.raises(NonFiniteLossError) as error:
        NonFiniteLossHook().after_train_iter(
            run, 2, dict(data_samples=batch),
            dict(loss=torch.tensor(float('nan')),
                 loss_kpt=torch.tensor(0.25),
                 loss_kd_mpii=torch.tensor(float('inf'))))
    message = str(error.value)
    assert message.startswith(
        'non-finite loss at iteration 7 (epoch 2, batch 3): loss=nan, '
        'loss_kpt=0.25, loss_kd_mpii=inf; the batch held coco ids 7, 9; '
        'mpii ids 3; NaN or infinite ground truth in mpii id 3 (image '
        '/data/3.jpg): gt_instance_labels.keypoint_weights. Training stopped')
    assert messages == [message]


def test_train_py_stops_at_a_nan_loss_naming_the_sample_and_exits_non_zero(
        coco_mpii_root, tmp_path):
    (tmp_path / 'poison.py').write_text(POISON_MODULE)
    student = tiny_student_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    pipeline = student.train_dataloader.dataset.pipeline
    pipeline.insert(len(pipeline) - 1,
                    dict(type='PoisonSample', image='train_0002.jpg'))
    # Only what the runner needs for training, as the project config has it
    # (the hook comes from the config's default_hooks).
    cfg = Config({key: student[key] for key in (
        'default_scope', 'model', 'train_cfg', 'train_dataloader',
        'optim_wrapper', 'default_hooks', 'env_cfg', 'randomness',
        'work_dir')})
    cfg.custom_imports = dict(imports=['mmpose_ext', 'poison'],
                              allow_failed_imports=False)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1)
    cfg.dump(str(tmp_path / 'config.py'))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path), REPO_ROOT, os.environ.get('PYTHONPATH', '')]))
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'),
         str(tmp_path / 'config.py')],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode != 0, result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.startswith('train.py: error: non-finite loss at iteration ')
    # COCO annotations 5 and 6 are the two people of train_0002.jpg.
    assert re.search(
        rf'coco id [56] \(image {coco_mpii_root}/coco/train2017/'
        r'train_0002.jpg\): gt_instance_labels.keypoint_x_labels', error)
    assert not [f for f in os.listdir(tmp_path / 'work')
                if f.endswith('.pth')]
